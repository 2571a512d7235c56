package webtest

import (
	"io"
	"testing"

	"roster/shared/platform"
	"roster/shared/secrets"
	"roster/shared/store"
	"roster/shared/web"
)

// Platform returns a platform a group can be built from without AWS: fresh
// key material, a table with no client (a call to it fails) and a log
// nobody reads. A test of a platform without keys clears p.Keys.
func Platform(t testing.TB) *platform.Platform {
	t.Helper()
	keys, err := secrets.Parse(secrets.SecretString(secrets.NewMasterKey()))
	if err != nil {
		t.Fatal(err)
	}
	return &platform.Platform{Log: web.NewLogger(io.Discard, "info"), Table: store.New(nil, "roster"), Keys: keys}
}
