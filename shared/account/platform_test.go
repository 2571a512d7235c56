package account_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"roster/shared/account"
	"roster/shared/auth"
	"roster/shared/secrets"
	"roster/shared/token"
	"roster/shared/web/webtest"
)

func TestFromPlatformServesThePlatformsPublicKeys(t *testing.T) {
	p := webtest.Platform(t)
	h, err := account.FromPlatform(p, auth.FromGateway)
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/.well-known/jwks.json", nil))

	want, err := token.JWKS(p.Keys.Signing)
	if err != nil {
		t.Fatal(err)
	}
	if w.Code != http.StatusOK || !bytes.Equal(w.Body.Bytes(), want) {
		t.Fatalf("status %d, body %s; want %s", w.Code, w.Body, want)
	}
	var set struct{ Keys []map[string]any }
	if err := json.Unmarshal(w.Body.Bytes(), &set); err != nil || len(set.Keys) == 0 {
		t.Fatalf("body %s: %v", w.Body, err)
	}
	for _, k := range set.Keys {
		if _, private := k["d"]; private {
			t.Errorf("JWKS publishes a private key: %v", k)
		}
	}
}

func TestFromPlatformRefusesAPlatformWithoutKeys(t *testing.T) {
	p := webtest.Platform(t)
	p.Keys = secrets.Keys{}
	if _, err := account.FromPlatform(p, auth.FromGateway); err == nil {
		t.Error("FromPlatform built a handler with no pepper or signing keys")
	}
}
