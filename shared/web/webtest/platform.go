package webtest

import (
	"io"
	"testing"

	"roster/shared/platform"
	"roster/shared/secrets"
	"roster/shared/store"
	"roster/shared/web"
)

// Platform returns the graph a function builds (platform.Assemble), without
// AWS: fresh key material, a table with no client (a call to it fails) and
// a log nobody reads.
func Platform(t testing.TB) *platform.Platform {
	t.Helper()
	return PlatformOn(t, store.New(nil, "roster"), io.Discard)
}

// PlatformOn is [Platform] over table, with fresh key material, logging at
// debug level to logs.
func PlatformOn(t testing.TB, table *store.Table, logs io.Writer) *platform.Platform {
	t.Helper()
	keys, err := secrets.Parse(secrets.SecretString(secrets.NewMasterKey()))
	if err != nil {
		t.Fatal(err)
	}
	p, err := platform.Assemble(platform.Config{}, web.NewLogger(logs, "debug"), table, keys)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
