package identity_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/identity"
	"roster/shared/user"
	"roster/shared/web/webtest"
)

func TestEventsAreRealisticHTTPAPIPayloads(t *testing.T) {
	byKey := webtest.Index(routes(), route.name)
	webtest.EachEvent(t, "identity", func(t *testing.T, ev events.APIGatewayV2HTTPRequest) {
		rt := byKey[ev.RouteKey]
		params, _ := webtest.PathParams(rt.path, ev.RawPath)
		if params["organizationName"] != "demo" || params["tenantName"] != "demo" {
			t.Errorf("organization %q, tenant %q; want the local stack's demo tenant, demo/demo", params["organizationName"], params["tenantName"])
		}
		if ev.RawQueryString != "" || len(ev.QueryStringParameters) != 0 {
			t.Errorf("query %q on %s, which takes none", ev.RawQueryString, ev.RouteKey)
		}
		if (ev.Body != "") != (rt.body != "") {
			t.Errorf("body %q, but the route takes %q", ev.Body, rt.body)
		}
		webtest.EventPrincipal(t, ev, "demo")
	})
}

// TestEventsGetTheirAnswerThroughTheLambdaAdapter runs every event file
// through the Lambda adapter with auth.FromGateway, as the function does,
// against a directory that accepts everything.
func TestEventsGetTheirAnswerThroughTheLambdaAdapter(t *testing.T) {
	byKey := webtest.Index(routes(), route.name)
	webtest.EachEvent(t, "identity", func(t *testing.T, ev events.APIGatewayV2HTTPRequest) {
		rt := byKey[ev.RouteKey]
		want := webtest.EventPrincipal(t, ev, "demo")
		f := happy(t)
		var seen []auth.Principal
		f.UpdateFn = func(p auth.Principal, id string, _ directory.Change) (*user.User, error) {
			seen = append(seen, p)
			return &user.User{ID: id}, nil
		}
		f.SetPasswordFn = func(p auth.Principal, _, _ string, _ *string) error { seen = append(seen, p); return nil }
		f.DeleteFn = func(p auth.Principal, _ string, _ int64) error { seen = append(seen, p); return nil }

		res := webtest.Invoke(t, identity.Handler, deps(f), ev)

		webtest.CheckAnswer(t, ev, res, rt.status)
		// The trace id joins API Gateway's X-Ray trace.
		xray := strings.TrimPrefix(ev.Headers["x-amzn-trace-id"], "Root=1-")
		if got := webtest.EventHeader(res).Get("Traceresponse"); !strings.HasPrefix(got, "00-"+strings.Replace(xray, "-", "", 1)+"-") {
			t.Errorf("traceresponse %q does not join %s", got, ev.Headers["x-amzn-trace-id"])
		}
		webtest.AssertCalls(t, f, "GetTenant", rt.call)
		for _, p := range seen {
			if p.TenantID != "demo" || p.UserID != want.UserID || p.KeyID != want.KeyID {
				t.Errorf("directory saw principal %+v, not the authorizer's", p)
			}
		}
	})
}

func TestLambdaTrustsOnlyTheAuthorizerContext(t *testing.T) {
	ev := webtest.ReadEvent(t, filepath.Join(webtest.EventsDir(t), "identity-update-user.json"))
	serve := func(t *testing.T, lambdaCtx map[string]any) (events.APIGatewayV2HTTPResponse, *fake) {
		e := ev
		e.Headers = map[string]string{"x-tenant": "acme"}
		for k, v := range ev.Headers {
			e.Headers[k] = v
		}
		f := happy(t)
		return webtest.Invoke(t, identity.Handler, deps(f), webtest.WithAuthorizer(e, lambdaCtx)), f
	}

	t.Run("the authorizer's principal is the caller", func(t *testing.T) {
		res, f := serve(t, ev.RequestContext.Authorizer.Lambda)
		if res.StatusCode != 200 || res.Body != succeeded+"\n" {
			t.Fatalf("status %d; body %s", res.StatusCode, res.Body)
		}
		webtest.AssertCalls(t, f, "GetTenant", "Update")
	})
	t.Run("another tenant's principal finds nothing at demo/demo", func(t *testing.T) {
		res, f := serve(t, owner.Context())
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("status %d; body %s", res.StatusCode, res.Body)
		}
		webtest.AssertCalls(t, f, "GetTenant")
	})
}
