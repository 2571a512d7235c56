package identity_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"roster/shared/auth"
	"roster/shared/identity"
	"roster/shared/secrets"
	"roster/shared/web/webtest"
)

func TestFromPlatformBuildsTheGroup(t *testing.T) {
	h, err := identity.FromPlatform(webtest.Platform(t), auth.FromGateway)
	if err != nil {
		t.Fatal(err)
	}
	// Without the authorizer's principal the group answers 401 in its
	// dialect, before anything reaches the table.
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/demo/demo/identity_/api/Group", nil))
	if w.Code != http.StatusUnauthorized || w.Header().Get("Content-Type") != "application/problem+json" {
		t.Errorf("status %d, headers %v; body %s", w.Code, w.Header(), w.Body)
	}
}

func TestFromPlatformRefusesAPlatformWithoutKeys(t *testing.T) {
	p := webtest.Platform(t)
	p.Keys = secrets.Keys{}
	if _, err := identity.FromPlatform(p, auth.FromGateway); err == nil {
		t.Error("FromPlatform built a handler with no pepper or field key")
	}
}
