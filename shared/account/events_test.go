package account_test

import (
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"roster/shared/account"
	"roster/shared/auth"
	"roster/shared/signin"
	"roster/shared/user"
	"roster/shared/web/webtest"
)

func TestEventsAreRealisticHTTPAPIPayloads(t *testing.T) {
	byKey := webtest.Index(routes(), route.name)
	webtest.EachEvent(t, "account", func(t *testing.T, ev events.APIGatewayV2HTTPRequest) {
		rt := byKey[ev.RouteKey]
		params, _ := webtest.PathParams(rt.path, ev.RawPath)
		if params["tenantUid"] != "" && params["tenantUid"] != "demo" {
			t.Errorf("tenant %q, want the local stack's demo tenant", params["tenantUid"])
		}
		if ev.RawQueryString != "" || len(ev.QueryStringParameters) != 0 {
			t.Errorf("query %q on %s, which takes none", ev.RawQueryString, ev.RouteKey)
		}
		if (ev.Body != "") != (rt.body != "") {
			t.Errorf("body %q, but the route takes %q", ev.Body, rt.body)
		}
		// The others carry what the authorizer verified, for the demo
		// tenant; public routes have none (catalog's common test).
		if rt.access == "public" {
			return
		}
		p := webtest.EventPrincipal(t, ev, "demo")
		if rt.access == "self" && p.Method != auth.ViaAccessToken {
			t.Errorf("a self-service route with a %s principal", p.Method)
		}
	})
}

// TestEventsGetTheirAnswerThroughTheLambdaAdapter runs every event file
// through the Lambda adapter with auth.FromGateway, as the function does,
// against a service that accepts everything.
func TestEventsGetTheirAnswerThroughTheLambdaAdapter(t *testing.T) {
	byKey := webtest.Index(routes(), route.name)
	webtest.EachEvent(t, "account", func(t *testing.T, ev events.APIGatewayV2HTTPRequest) {
		rt := byKey[ev.RouteKey]
		f := happy(t)
		var seen []auth.Principal
		f.account = func(p auth.Principal) (*signin.Account, []signin.Membership, error) {
			seen = append(seen, p)
			a, ms := theAccount()
			return a, ms, nil
		}
		f.tenantUser = func(p auth.Principal, _ string) (*user.User, error) {
			seen = append(seen, p)
			u := theUser()
			u.TenantID = "demo"
			return u, nil
		}

		res := webtest.Invoke(t, account.Handler, deps(f), ev)

		webtest.CheckAnswer(t, ev, res, rt.status)
		webtest.AssertCalls(t, f, rt.calls()...)
		for _, p := range seen {
			if p.TenantID != "demo" || p.UserID != "demouserada2lovelace3owner" {
				t.Errorf("service saw principal %+v, not the authorizer's", p)
			}
		}
	})
}

func TestLambdaTrustsOnlyTheAuthorizerContext(t *testing.T) {
	caller := auth.Principal{TenantID: "demo", UserID: "usr1", AccountID: "acc1", Roles: []string{"member"}, Method: auth.ViaAccessToken}
	event := func(lambdaCtx map[string]any) events.APIGatewayV2HTTPRequest {
		ev := webtest.NewEvent("GET", "/tenants/{tenantUid}/account", "/tenants/demo/account",
			map[string]string{"authorization": "Bearer " + accessTok, "x-tenant": "acme"})
		return webtest.WithAuthorizer(ev, lambdaCtx)
	}
	serve := func(t *testing.T, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, *fake, *auth.Principal) {
		f := happy(t)
		var got *auth.Principal
		f.tenantUser = func(p auth.Principal, _ string) (*user.User, error) {
			got = &p
			u := theUser()
			u.TenantID = "demo"
			return u, nil
		}
		return webtest.Invoke(t, account.Handler, deps(f), ev), f, got
	}

	t.Run("the authorizer's principal is the caller", func(t *testing.T) {
		res, _, got := serve(t, event(caller.Context()))
		if res.StatusCode != 200 || got == nil || got.UserID != "usr1" || got.AccountID != "acc1" || got.TenantID != "demo" {
			t.Fatalf("status %d, principal %+v; body %s", res.StatusCode, got, res.Body)
		}
		h := webtest.EventHeader(res)
		if h.Get("ETag") != `"7"` || h.Get("Cache-Control") != "no-store" || h.Get("Content-Type") != "application/json" {
			t.Errorf("headers %v", h)
		}
	})
	t.Run("an API key principal is refused on self-service", func(t *testing.T) {
		key := auth.Principal{TenantID: "demo", KeyID: "demodemodemodemo", Roles: []string{"admin"}, Method: auth.ViaAPIKey}
		res, f, _ := serve(t, event(key.Context()))
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("status %d", res.StatusCode)
		}
		webtest.AssertCalls(t, f)
	})
	t.Run("another tenant's principal finds nothing", func(t *testing.T) {
		other := caller
		other.TenantID = "acme"
		res, f, _ := serve(t, event(other.Context()))
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("status %d", res.StatusCode)
		}
		webtest.AssertCalls(t, f)
	})
}
