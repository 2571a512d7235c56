package users_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"roster/shared/auth"
	"roster/shared/secrets"
	"roster/shared/users"
	"roster/shared/web"
	"roster/shared/web/webtest"
)

func TestFromPlatformServesTheGroupBehindTheAuthorizer(t *testing.T) {
	h, err := users.FromPlatform(webtest.Platform(t), auth.FromGateway)
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
	p := webtest.Platform(t)
	p.Keys = secrets.Keys{}
	if _, err := users.FromPlatform(p, auth.FromGateway); err == nil {
		t.Error("FromPlatform built a handler with no pepper or field key")
	}
}
