package users_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/directory/directorytest"
	"roster/shared/user"
	"roster/shared/users"
	"roster/shared/web/webtest"
)

func TestEventsAreRealisticHTTPAPIPayloads(t *testing.T) {
	byKey := webtest.Index(routes(), route.name)
	webtest.EachEvent(t, "users", func(t *testing.T, ev events.APIGatewayV2HTTPRequest) {
		rt := byKey[ev.RouteKey]
		if ev.RawQueryString != "" && ev.RouteKey != "GET /users" {
			t.Errorf("a query on %s, which takes none", ev.RouteKey)
		}
		if (ev.Body != "") != (rt.body != "") {
			t.Errorf("body %q, but the route takes %q", ev.Body, rt.body)
		}
		if p := webtest.EventPrincipal(t, ev, "demo"); !p.Can(rt.perm) {
			t.Errorf("the event's principal lacks %s", rt.perm)
		}
	})
}

// TestEventsGetTheirAnswerThroughTheLambdaAdapter runs every event file
// through the Lambda adapter with auth.FromGateway, as the function does,
// against a directory that accepts everything.
func TestEventsGetTheirAnswerThroughTheLambdaAdapter(t *testing.T) {
	byKey := webtest.Index(routes(), route.name)
	webtest.EachEvent(t, "users", func(t *testing.T, ev events.APIGatewayV2HTTPRequest) {
		rt := byKey[ev.RouteKey]
		want := webtest.EventPrincipal(t, ev, "demo")
		f := happy(t)
		var seen []auth.Principal
		demo := func(p auth.Principal) *user.User {
			seen = append(seen, p)
			u := theUser()
			u.TenantID = "demo"
			return u
		}
		f.CreateFn = func(p auth.Principal, _ directory.NewUser) (*user.User, error) { return demo(p), nil }
		f.GetFn = func(p auth.Principal, _ string) (*user.User, error) { return demo(p), nil }
		f.ListFn = func(p auth.Principal, limit int, _ string) (directory.Page, error) {
			if limit != 20 {
				t.Errorf("limit %d, want the event's 20", limit)
			}
			return directory.Page{Users: []*user.User{demo(p)}}, nil
		}
		f.UpdateFn = func(p auth.Principal, _ string, _ directory.Change) (*user.User, error) { return demo(p), nil }
		f.DeleteFn = func(p auth.Principal, _ string, v int64) error {
			seen = append(seen, p)
			if v != 1 {
				t.Errorf("If-Match version %d, want the event's 1", v)
			}
			return nil
		}

		res := webtest.Invoke(t, users.Handler, users.Deps{Service: f}, ev)

		webtest.CheckAnswer(t, ev, res, rt.status)
		webtest.AssertCalls(t, f, rt.call)
		for _, p := range seen {
			if p.TenantID != "demo" || p.UserID != want.UserID || p.KeyID != want.KeyID || p.Method != want.Method {
				t.Errorf("directory saw principal %+v, not the authorizer's %+v", p, want)
			}
		}
		if strings.Contains(res.Body, "local-demo-azure-key-never-valid") || strings.Contains(res.Body, sealedKey) {
			t.Errorf("the Azure key is shown: %s", res.Body)
		}
	})
}

func TestLambdaTrustsOnlyTheAuthorizerContext(t *testing.T) {
	caller := auth.Principal{TenantID: "demo", UserID: "usr9", AccountID: "acc9", Roles: []string{"owner"}, Method: auth.ViaAccessToken}
	event := func(lambdaCtx map[string]any) events.APIGatewayV2HTTPRequest {
		ev := webtest.NewEvent("GET", "/users/{userId}", "/users/usr1",
			map[string]string{"authorization": "Bearer eyJhbGciOiJFZERTQSJ9.e30.c2ln", "x-tenant-id": "globex"})
		return webtest.WithAuthorizer(ev, lambdaCtx)
	}
	serve := func(t *testing.T, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, *directorytest.Fake, *auth.Principal) {
		f := happy(t)
		var got *auth.Principal
		f.GetFn = func(p auth.Principal, _ string) (*user.User, error) {
			got = &p
			u := theUser()
			u.TenantID = "demo"
			return u, nil
		}
		return webtest.Invoke(t, users.Handler, users.Deps{Service: f}, ev), f, got
	}

	t.Run("the authorizer's principal is the caller", func(t *testing.T) {
		res, _, got := serve(t, event(caller.Context()))
		if res.StatusCode != 200 || got == nil || got.UserID != "usr9" || got.TenantID != "demo" {
			t.Fatalf("status %d, principal %+v; body %s", res.StatusCode, got, res.Body)
		}
		h := webtest.EventHeader(res)
		if h.Get("ETag") != `"7"` || h.Get("Cache-Control") != "no-store" || h.Get("Content-Type") != "application/json" {
			t.Errorf("headers %v", h)
		}
		var body map[string]any
		if err := json.Unmarshal([]byte(res.Body), &body); err != nil || body["tenantId"] != "demo" || body["publicId"] != "usr1" {
			t.Errorf("body %s: %v", res.Body, err)
		}
	})
	t.Run("a member is refused", func(t *testing.T) {
		m := caller
		m.Roles = []string{"member"}
		res, f, _ := serve(t, event(m.Context()))
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("status %d", res.StatusCode)
		}
		webtest.AssertCalls(t, f)
	})
}
