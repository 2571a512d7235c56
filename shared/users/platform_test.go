package users_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"roster/shared/auth"
	"roster/shared/platform"
	"roster/shared/secrets"
	"roster/shared/store"
	"roster/shared/users"
	"roster/shared/web"
)

func TestFromPlatformServesTheGroupBehindTheAuthorizer(t *testing.T) {
	keys, err := secrets.Parse(secrets.SecretString(secrets.NewMasterKey()))
	if err != nil {
		t.Fatal(err)
	}
	p := &platform.Platform{Log: web.NewLogger(&bytes.Buffer{}, "info"), Table: store.New(nil, "roster"), Keys: keys}
	h, err := users.FromPlatform(p, auth.FromGateway)
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/users", nil))
	if w.Code != http.StatusUnauthorized || w.Header().Get("Content-Type") != web.ProblemContentType {
		t.Fatalf("status %d, headers %v; body %s", w.Code, w.Header(), w.Body)
	}
}

func TestFromPlatformRefusesAPlatformWithoutKeys(t *testing.T) {
	p := &platform.Platform{Log: web.NewLogger(&bytes.Buffer{}, "info"), Table: store.New(nil, "roster")}
	if _, err := users.FromPlatform(p, auth.FromGateway); err == nil {
		t.Error("FromPlatform built a handler with no pepper or field key")
	}
}
