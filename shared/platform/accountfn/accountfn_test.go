package accountfn_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"roster/shared/auth"
	"roster/shared/platform/accountfn"
	"roster/shared/store"
	"roster/shared/web/webtest"
)

func TestBuildMakesTheRelyingPartyTheConfigurationNames(t *testing.T) {
	p := webtest.Platform(t)
	p.Config.PasskeyRPID, p.Config.PasskeyOrigins = "localhost", []string{"http://localhost:3000"}
	if _, err := accountfn.Build(p, auth.FromGateway); err != nil {
		t.Fatalf("Build: %v", err)
	}
	p.Config.PasskeyOrigins = nil // an RP id without the origins of its pages
	if _, err := accountfn.Build(p, auth.FromGateway); err == nil || !strings.Contains(err.Error(), "passkeys") {
		t.Fatalf("Build without origins: %v, want the passkeys' error", err)
	}
}

// TestAccountServesWithoutPasskeysWhenTheRelyingPartyCannotBeMade: the
// error is logged, the passkey routes answer 404 as with no RP id, and the
// other routes serve.
func TestAccountServesWithoutPasskeysWhenTheRelyingPartyCannotBeMade(t *testing.T) {
	var logs bytes.Buffer
	p := webtest.PlatformOn(t, store.New(nil, "roster"), &logs)
	p.Config.PasskeyRPID = "localhost" // no origins
	h := accountfn.Account(p, auth.FromGateway)
	if !strings.Contains(logs.String(), "passkeys unavailable") {
		t.Errorf("logs %q name no passkey error", logs.String())
	}

	r := httptest.NewRequest(http.MethodPost, "/account/passkey/options", strings.NewReader(`{}`))
	r.Header.Set("Authorization", "Bearer device-token")
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), "Passkeys are not available") {
		t.Errorf("passkey login options: %d %s, want 404", w.Code, w.Body)
	}

	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/.well-known/jwks.json", nil))
	if w.Code != http.StatusOK {
		t.Errorf("jwks: %d %s, want 200", w.Code, w.Body)
	}
}
