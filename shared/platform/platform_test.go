package platform_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"roster/shared/auth"
	"roster/shared/platform"
	"roster/shared/platform/accountfn"
	"roster/shared/secrets"
	"roster/shared/store"
	"roster/shared/token"
	"roster/shared/web"
	"roster/shared/web/webtest"
)

func TestConfigFromEnvNamesEveryMissingVariable(t *testing.T) {
	_, err := platform.ConfigFromEnv(env(map[string]string{"LOG_LEVEL": "debug"}), "NOTIFICATIONS_QUEUE_URL")
	for _, name := range []string{"TABLE_NAME", "SECRET_ID", "NOTIFICATIONS_QUEUE_URL"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("error %v; want one naming %s", err, name)
		}
	}
	cfg, err := platform.ConfigFromEnv(env(map[string]string{"TABLE_NAME": "roster", "SECRET_ID": "roster-keys"}))
	if err != nil || cfg.LogLevel != "info" {
		t.Errorf("config %+v, error %v; want log level info by default", cfg, err)
	}
}

// TestConfigureBuildsNothing holds the start of every function: reading
// the configuration makes no network call and builds no platform.
func TestConfigureBuildsNothing(t *testing.T) {
	fn, err := platform.Configure("users", env(map[string]string{"TABLE_NAME": "roster", "SECRET_ID": "roster-keys"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if fn.Name != "users" || fn.Config.TableName != "roster" || fn.Load == nil || fn.Log == nil {
		t.Errorf("function %+v", fn)
	}
}

func TestAssembleRefusesKeyMaterialWithoutAnyOfItsKeys(t *testing.T) {
	whole := webtest.Platform(t).Keys
	for name, keys := range map[string]secrets.Keys{
		"none":       {},
		"no pepper":  {FieldKey: whole.FieldKey, Signing: whole.Signing},
		"no field":   {Pepper: whole.Pepper, Signing: whole.Signing},
		"no signing": {Pepper: whole.Pepper, FieldKey: whole.FieldKey},
	} {
		if _, err := platform.Assemble(platform.Config{}, web.NewLogger(io.Discard, "info"), store.New(nil, "roster"), keys); err == nil {
			t.Errorf("%s: built a platform", name)
		}
	}
}

// TestEveryGroupAnswersBeforeReachingTheTable builds each group as its
// function does and sends a request without the authorizer's principal:
// each answers 401 in its own dialect, before anything reaches the table
// (which has no client here).
func TestEveryGroupAnswersBeforeReachingTheTable(t *testing.T) {
	p := webtest.Platform(t)
	for _, tc := range []struct {
		name, path, contentType string
		group                   func(auth.Middleware) http.Handler
	}{
		{"users", "/users", web.ProblemContentType, p.Users},
		{"identity", "/demo/demo/identity_/api/Group", web.ProblemContentType, p.Identity},
		{"accessusers", "/api/v1/accessuser/search", "application/json", p.AccessUsers},
		{"userinfo", "/UserInfo/UserId?userEmail=a@example.com", web.ProblemContentType, p.UserInfo},
		{"account", "/account", web.ProblemContentType, func(a auth.Middleware) http.Handler { return accountfn.Account(p, a) }},
	} {
		w := httptest.NewRecorder()
		tc.group(auth.FromGateway).ServeHTTP(w, httptest.NewRequest("GET", tc.path, nil))
		if w.Code != http.StatusUnauthorized || !strings.HasPrefix(w.Header().Get("Content-Type"), tc.contentType) {
			t.Errorf("%s: status %d, headers %v; body %s", tc.name, w.Code, w.Header(), w.Body)
		}
	}
}

func TestAccountServesThePlatformsPublicKeys(t *testing.T) {
	p := webtest.Platform(t)
	w := httptest.NewRecorder()
	accountfn.Account(p, auth.FromGateway).ServeHTTP(w, httptest.NewRequest("GET", "/.well-known/jwks.json", nil))

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

// env is a getenv over m.
func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
