package contract_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"roster/shared/role"
)

type webhookAnswer struct {
	WebhookID      string   `json:"webhookId"`
	URL            string   `json:"url"`
	EventTypes     []string `json:"eventTypes"`
	Enabled        bool     `json:"enabled"`
	DisabledReason string   `json:"disabledReason"`
	Secret         string   `json:"secret"`
}

// TestWebhooksAreRegisteredListedDisabledAndDeleted: the secret is shown
// once, the list never shows it, disabling says why, deleting removes.
func TestWebhooksAreRegisteredListedDisabledAndDeleted(t *testing.T) {
	a := newAPI(t)
	var w webhookAnswer
	res := a.Do(t, Request{Method: "POST", Path: "/tenants/acme/webhooks", Credential: a.APIKey,
		Body: `{"url":"https://hooks.example.com/roster","eventTypes":["roster.user.deleted","roster.user.created","roster.user.created"]}`}, http.StatusCreated)
	res.JSON(t, &w)
	if !strings.HasPrefix(w.Secret, "whsec_") || !w.Enabled || len(w.EventTypes) != 2 || res.Header.Get("Location") != "/tenants/acme/webhooks/"+w.WebhookID {
		t.Fatalf("registered = %+v, Location %q", w, res.Header.Get("Location"))
	}
	var list struct {
		Webhooks []webhookAnswer `json:"webhooks"`
	}
	res = a.Do(t, Request{Method: "GET", Path: "/tenants/acme/webhooks", Credential: a.APIKey}, http.StatusOK)
	res.JSON(t, &list)
	if len(list.Webhooks) != 1 || list.Webhooks[0].Secret != "" || strings.Contains(string(res.Body), w.Secret[6:]) {
		t.Errorf("list = %s, want the webhook without its secret", res.Body)
	}
	a.Do(t, Request{Method: "PUT", Path: "/tenants/acme/webhooks/" + w.WebhookID, Credential: a.APIKey, Body: `{"enabled":false}`}, http.StatusOK).JSON(t, &w)
	if w.Enabled || w.DisabledReason == "" {
		t.Errorf("disabled = %+v, want a reason", w)
	}
	var on webhookAnswer
	a.Do(t, Request{Method: "PUT", Path: "/tenants/acme/webhooks/" + w.WebhookID, Credential: a.APIKey, Body: `{"enabled":true}`}, http.StatusOK).JSON(t, &on)
	if !on.Enabled || on.DisabledReason != "" || on.Secret != "" {
		t.Errorf("enabled = %+v", on)
	}
	var replay struct {
		ReplayID string `json:"replayId"`
	}
	a.Do(t, Request{Method: "POST", Path: "/tenants/acme/webhooks/" + w.WebhookID + "/replay", Credential: a.APIKey,
		Body: `{"from":"2026-01-01T00:00:00Z","to":"2026-01-02T00:00:00Z"}`}, http.StatusAccepted).JSON(t, &replay)
	if replay.ReplayID == "" {
		t.Error("no replay id")
	}
	for _, tc := range []struct{ body, field string }{
		{`{"to":"2026-01-02T00:00:00Z"}`, "from"},
		{`{"from":"2026-01-02T00:00:00Z"}`, "to"},
		{`{"from":"2026-01-03T00:00:00Z","to":"2026-01-02T00:00:00Z"}`, "from"},
		{`{"from":"2020-01-01T00:00:00Z","to":"2026-01-02T00:00:00Z"}`, "from"},
		{`{"from":"yesterday","to":"2026-01-02T00:00:00Z"}`, "from"},
	} {
		res := a.Do(t, Request{Method: "POST", Path: "/tenants/acme/webhooks/" + w.WebhookID + "/replay", Credential: a.APIKey, Body: tc.body}, http.StatusBadRequest)
		accountWantField(t, res, tc.field)
	}
	a.Do(t, Request{Method: "DELETE", Path: "/tenants/acme/webhooks/" + w.WebhookID, Credential: a.APIKey}, http.StatusNoContent)
	a.Do(t, Request{Method: "POST", Path: "/tenants/acme/webhooks/" + w.WebhookID + "/replay", Credential: a.APIKey,
		Body: `{"from":"2026-01-01T00:00:00Z","to":"2026-01-02T00:00:00Z"}`}, http.StatusNotFound)
	a.Do(t, Request{Method: "DELETE", Path: "/tenants/acme/webhooks/" + w.WebhookID, Credential: a.APIKey}, http.StatusNotFound)
	a.Do(t, Request{Method: "PUT", Path: "/tenants/acme/webhooks/" + w.WebhookID, Credential: a.APIKey, Body: `{"enabled":true}`}, http.StatusNotFound)
	a.NoSecretsLogged(t, w.Secret)
}

// TestWebhooksRefuseForgeryTargetsBadInputAndOtherTenants: SSRF targets
// and bad fields are 400 naming the field with nothing written; the
// eleventh webhook is 409; roles without tenant:admin are 403; another
// tenant is 404.
func TestWebhooksRefuseForgeryTargetsBadInputAndOtherTenants(t *testing.T) {
	a := newAPI(t)
	a.env.Tenant(t, "globex")
	before := a.Count(t)
	for _, tc := range []struct{ body, field string }{
		{`{"url":"https://127.0.0.1/hook","eventTypes":["roster.user.created"]}`, "url"},
		{`{"url":"https://169.254.169.254/latest/meta-data/","eventTypes":["roster.user.created"]}`, "url"},
		{`{"url":"https://10.0.0.7/hook","eventTypes":["roster.user.created"]}`, "url"},
		{`{"url":"https://[::1]/hook","eventTypes":["roster.user.created"]}`, "url"},
		{`{"url":"https://localhost/hook","eventTypes":["roster.user.created"]}`, "url"},
		{`{"url":"http://hooks.example.com/hook","eventTypes":["roster.user.created"]}`, "url"},
		{`{"url":"","eventTypes":["roster.user.created"]}`, "url"},
		{`{"url":"https://hooks.example.com/` + strings.Repeat("x", 2100) + `","eventTypes":["roster.user.created"]}`, "url"},
		{`{"url":"https://hooks.example.com/hook","eventTypes":[]}`, "eventTypes"},
		{`{"url":"https://hooks.example.com/hook","eventTypes":["roster.user.exploded"]}`, "eventTypes"},
		{`{"url":"https://hooks.example.com/hook","eventTypes":["roster.user.created"],"secret":"mine"}`, "secret"},
	} {
		res := a.Do(t, Request{Method: "POST", Path: "/tenants/acme/webhooks", Credential: a.APIKey, Body: tc.body}, http.StatusBadRequest)
		accountWantField(t, res, tc.field)
	}
	res := a.Do(t, Request{Method: "PUT", Path: "/tenants/acme/webhooks/abc", Credential: a.APIKey, Body: `{}`}, http.StatusBadRequest)
	accountWantField(t, res, "enabled")
	res = a.Do(t, Request{Method: "PUT", Path: "/tenants/acme/webhooks/bad$id", Credential: a.APIKey, Body: `{"enabled":true}`}, http.StatusBadRequest)
	accountWantField(t, res, "webhookId")
	res = a.Do(t, Request{Method: "DELETE", Path: "/tenants/acme/webhooks/bad$id", Credential: a.APIKey}, http.StatusBadRequest)
	accountWantField(t, res, "webhookId")
	res = a.Do(t, Request{Method: "GET", Path: "/tenants/bad$uid/webhooks", Credential: a.APIKey}, http.StatusBadRequest)
	accountWantField(t, res, "tenantUid")
	if after := a.Count(t); after != before {
		t.Errorf("refused requests wrote: %d items, then %d", before, after)
	}

	member := a.Login(t, a.Person(t, "mike", role.Member))
	manager := a.Login(t, a.Person(t, "mona", role.UserManager))
	good := `{"url":"https://hooks.example.com/hook","eventTypes":["roster.user.created"]}`
	for _, s := range []Session{member, manager} {
		a.Do(t, Request{Method: "POST", Path: "/tenants/acme/webhooks", Credential: s.AccessToken, Body: good}, http.StatusForbidden)
		a.Do(t, Request{Method: "GET", Path: "/tenants/acme/webhooks", Credential: s.AccessToken}, http.StatusForbidden)
		a.Do(t, Request{Method: "PUT", Path: "/tenants/acme/webhooks/abc", Credential: s.AccessToken, Body: `{"enabled":true}`}, http.StatusForbidden)
		a.Do(t, Request{Method: "DELETE", Path: "/tenants/acme/webhooks/abc", Credential: s.AccessToken}, http.StatusForbidden)
		a.Do(t, Request{Method: "POST", Path: "/tenants/acme/webhooks/abc/replay", Credential: s.AccessToken, Body: `{"from":"2026-01-01T00:00:00Z","to":"2026-01-02T00:00:00Z"}`}, http.StatusForbidden)
	}
	res = a.Do(t, Request{Method: "POST", Path: "/tenants/acme/webhooks/bad$id/replay", Credential: a.APIKey, Body: `{"from":"2026-01-01T00:00:00Z","to":"2026-01-02T00:00:00Z"}`}, http.StatusBadRequest)
	accountWantField(t, res, "webhookId")
	a.Do(t, Request{Method: "POST", Path: "/tenants/globex/webhooks", Credential: a.APIKey, Body: good}, http.StatusNotFound)
	a.Do(t, Request{Method: "GET", Path: "/tenants/globex/webhooks", Credential: a.APIKey}, http.StatusNotFound)
	for _, rq := range []Request{
		{Method: "POST", Path: "/tenants/acme/webhooks", Body: good},
		{Method: "GET", Path: "/tenants/acme/webhooks"},
		{Method: "PUT", Path: "/tenants/acme/webhooks/abc", Body: `{"enabled":true}`},
		{Method: "DELETE", Path: "/tenants/acme/webhooks/abc"},
		{Method: "POST", Path: "/tenants/acme/webhooks/abc/replay", Body: `{"from":"2026-01-01T00:00:00Z","to":"2026-01-02T00:00:00Z"}`},
	} {
		a.Unauthenticated(t, rq)
	}
	big := `{"url":"https://hooks.example.com/hook","eventTypes":["` + strings.Repeat("x", 17<<10) + `"]}`
	for _, rq := range []Request{
		{Method: "POST", Path: "/tenants/acme/webhooks", Body: big},
		{Method: "PUT", Path: "/tenants/acme/webhooks/abc", Body: big},
		{Method: "POST", Path: "/tenants/acme/webhooks/abc/replay", Body: big},
		{Method: "GET", Path: "/tenants/acme/webhooks", Body: `{"pad":"` + strings.Repeat("x", 64) + `"}`},
		{Method: "DELETE", Path: "/tenants/acme/webhooks/abc", Body: `{"pad":"` + strings.Repeat("x", 64) + `"}`},
	} {
		rq.Credential = a.APIKey
		accountWantField(t, a.Do(t, rq, http.StatusRequestEntityTooLarge), "body")
		rq.Body, rq.Header = "hello", map[string]string{"Content-Type": "text/plain"}
		accountWantField(t, a.Do(t, rq, http.StatusUnsupportedMediaType), "Content-Type")
	}
	for i := range 10 {
		a.Do(t, Request{Method: "POST", Path: "/tenants/acme/webhooks", Credential: a.APIKey,
			Body: fmt.Sprintf(`{"url":"https://hooks%d.example.com/hook","eventTypes":["roster.user.created"]}`, i)}, http.StatusCreated)
	}
	a.Do(t, Request{Method: "POST", Path: "/tenants/acme/webhooks", Credential: a.APIKey, Body: good}, http.StatusConflict)
}
