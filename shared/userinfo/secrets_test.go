package userinfo_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"roster/shared/store/storetest"
)

// Every fixture checks its secrets against the log and every response body
// when its test ends; this test drives each route through success and
// failure and also shows the log is really written, so that check is not
// vacuous.
func TestNoSecretReachesTheLogOrAResponse(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		id := f.register(t, f.key, validRegister)
		token := f.accessToken()
		steps := []request{
			{method: http.MethodPatch, target: pathUpdate, key: f.key, body: updateBody(token, "grace@example.com")},
			{method: http.MethodPatch, target: pathUpdate, key: f.key, body: updateBody(token, "nobody@example.com")},
			{method: http.MethodPatch, target: pathUpdate, key: f.key, body: updateBody(token, "not an email")},
			{method: http.MethodPatch, target: pathUpdate, key: f.key, body: `{"accessToken":"` + token + `","userEmail":`},
			{method: http.MethodPatch, target: pathUpdate, key: f.key, body: `{"accessToken":"` + token + `","extra":"` + token + `"}`},
			{method: http.MethodPatch, target: pathUpdate, key: f.key, body: `{"accessToken":` + token + `}`},
			{method: http.MethodPatch, target: pathUpdate, key: newKey(t, f), body: updateBody(token, "grace@example.com")},
			{method: http.MethodPatch, target: pathUpdate, key: f.key[:len(f.key)-1], body: updateBody(token, "grace@example.com")},
			{method: http.MethodGet, target: pathUserID + "?userEmail=grace%40example.com", key: f.key},
			{method: http.MethodGet, target: pathUserID + "?userEmail=grace%40example.com", key: "Bearer " + newKey(t, f)},
			{method: http.MethodPost, target: pathRegister, key: f.key, body: validRegister},
			{method: http.MethodPut, target: pathUpdate, key: f.key, body: updateBody(token, "grace@example.com")},
		}
		for _, rq := range steps {
			f.do(t, rq)
		}
		f.checkSecretsStayedSecret(t)

		var requests int
		for _, line := range strings.Split(strings.TrimSpace(f.logs.String()), "\n") {
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("log line is not JSON: %q", line)
			}
			if m["msg"] == "request" {
				requests++
				if m["request_id"] != requestID {
					t.Errorf("access log line without the request id: %s", line)
				}
			}
		}
		if want := len(steps) + 1; requests != want { // the steps and the register
			t.Errorf("%d access log lines, want %d", requests, want)
		}
		if !strings.Contains(f.logs.String(), `"tenant":"acme"`) {
			t.Error("the log never names the tenant")
		}
		if sealed := f.storedToken(t, f.tenant, id); bytes.Contains(f.logs.Bytes(), []byte(sealed)) {
			t.Error("the log contains the sealed token")
		}
	})
}
