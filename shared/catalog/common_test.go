package catalog_test

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"roster/shared/auth"
	"roster/shared/catalog"
	"roster/shared/lambdahttp"
	"roster/shared/web"
	"roster/shared/web/webtest"
)

// dialects are the error shape each function documents, with the paths
// beside its routes that it must answer 404, as clients mistype them.
var dialects = map[string]struct {
	dialect webtest.Dialect
	unknown []string
}{
	"AccessUsersFunction": {
		dialect: webtest.EnvelopeDialect(map[int]int{401: 40101, 404: 40400, 405: 40501, 500: 50001}),
		unknown: []string{"/api/v1/accessuser/nope"},
	},
	"AccountFunction": {
		dialect: webtest.ProblemDialect,
		unknown: []string{"/accounts", "/tenants/acme", "/tenants/acme/users", "/account/invite/x"},
	},
	"IdentityFunction": {
		dialect: func(t testing.TB, res webtest.Response, status int) string {
			t.Helper()
			detail := webtest.TraceProblemDialect(t, res, status)
			if status == http.StatusNotFound && detail != "The resource does not exist." {
				t.Errorf("404 detail %q", detail)
			}
			return detail
		},
		unknown: []string{"/acmecorp/prod/identity_/api/Users"},
	},
	"UsersFunction": {
		dialect: webtest.ProblemDialect,
		unknown: []string{"/user", "/users/usr1/roles", "/users/usr1/role/admin", "/tenants/acme/users"},
	},
	"SCIMFunction": {
		dialect: webtest.SCIMDialect,
		unknown: []string{"/scim/v2", "/scim/v2/users", "/scim/v2/Groups", "/scim/v2/Users/usr1/extra", "/scim/v2/Schemas/x/y"},
	},
	"UserInfoFunction": {
		dialect: webtest.ProblemDialect,
		unknown: []string{"/UserInfo", "/UserInfo/", "/UserInfo/UserId/", "/userinfo/userid", "/UserInfo/UserID", "/UserInfo/DeleteUser", "/UserInfo/UserId/extra"},
	},
}

// TestEveryFunctionSharesTheCommonBehaviour runs the common suite over
// every route of every function, each built from a platform whose table
// has no client: a request that reached DynamoDB would fail the suite.
func TestEveryFunctionSharesTheCommonBehaviour(t *testing.T) {
	for _, f := range catalog.Functions() {
		t.Run(f.LogicalID, func(t *testing.T) {
			d, ok := dialects[f.LogicalID]
			if !ok {
				t.Fatalf("no dialect for %s", f.LogicalID)
			}
			webtest.CommonBehaviour(t, webtest.Group{Build: builder(f), Routes: webRoutes(f.Routes), Dialect: d.dialect, Unknown: d.unknown})
		})
	}
}

// TestAllowListsEveryMethodOfThePath holds the suite's reckoning of an
// Allow header to the values the groups answer.
func TestAllowListsEveryMethodOfThePath(t *testing.T) {
	want := map[string]map[string]string{
		"AccessUsersFunction": {"/api/v1/accessuser/add": "POST", "/api/v1/accessuser/search": "GET, HEAD", "/api/v1/accessuser/delete": "DELETE"},
		"AccountFunction": {"/account": "GET, HEAD, POST, PUT", "/tenants/acme/account": "GET, HEAD, POST, PUT", "/account/invite": "GET, HEAD, PUT",
			"/tenants/acme/devices": "POST", "/tenants/acme/apikeys/kkkkkkkkkkkkkkkk": "DELETE", "/.well-known/jwks.json": "GET, HEAD"},
		"IdentityFunction": {"/acmecorp/prod/identity_/api/User/her-1909": "DELETE, PUT", "/acmecorp/prod/identity_/api/Group": "GET, HEAD, POST"},
		"UsersFunction": {"/users": "GET, HEAD, POST", "/users/usr1": "DELETE, GET, HEAD, PUT", "/users/usr1/role": "PUT",
			"/users/usr1/working-environments": "PUT", "/users/usr1/azure-credentials": "PUT"},
		"UserInfoFunction": {"/UserInfo/UserId": "GET, HEAD", "/UserInfo/RegisterNewUser": "POST", "/UserInfo/UpdateAccessToken": "PATCH"},
		"SCIMFunction": {"/scim/v2/Users": "GET, HEAD, POST", "/scim/v2/Users/usr1": "DELETE, GET, HEAD, PATCH, PUT",
			"/scim/v2/Users/.search": "DELETE, GET, HEAD, PATCH, POST, PUT", "/scim/v2/.search": "POST", "/scim/v2/ServiceProviderConfig": "GET, HEAD"},
	}
	for _, f := range catalog.Functions() {
		for target, allow := range want[f.LogicalID] {
			if got := strings.Join(webtest.Allowed(webRoutes(f.Routes), target), ", "); got != allow {
				t.Errorf("%s %s: Allow %q, want %q", f.LogicalID, target, got, allow)
			}
		}
	}
}

// builder builds f's handler as its function does, from a platform with
// fresh keys and a table without a client, logging to log.
func builder(f catalog.Function) func(testing.TB, *slog.Logger, auth.Middleware) http.Handler {
	return func(t testing.TB, log *slog.Logger, authn auth.Middleware) http.Handler {
		t.Helper()
		p := webtest.Platform(t)
		p.Log = log
		return f.Build(p, authn)
	}
}

// webRoutes returns a function's routes as the suite takes them.
func webRoutes(rs []catalog.Route) []web.Route {
	out := make([]web.Route, len(rs))
	for i, r := range rs {
		out[i] = web.Route{Method: r.Method, Path: r.Path, Public: r.Public}
	}
	return out
}

// TestEveryRouteOfEveryFunctionHasARealisticEvent holds events/ to the
// catalog: each function's files, events/<Dir>-*.json, cover its routes
// and nothing else, each is what API Gateway delivers for its route
// (webtest.CheckEvent), and a public route's event carries no authorizer
// context, since the template puts no authorizer in front of it.
func TestEveryRouteOfEveryFunctionHasARealisticEvent(t *testing.T) {
	for _, f := range catalog.Functions() {
		t.Run(f.LogicalID, func(t *testing.T) {
			routes := webRoutes(f.Routes)
			webtest.CheckEventsCoverRoutes(t, webtest.EventFiles(t, f.Dir), routes, webtest.RouteKey)
			byKey := webtest.Index(routes, webtest.RouteKey)
			webtest.EachEvent(t, f.Dir, func(t *testing.T, ev events.APIGatewayV2HTTPRequest) {
				rt, ok := byKey[ev.RouteKey]
				if !ok {
					return // CheckEventsCoverRoutes names it
				}
				webtest.CheckEvent(t, ev, rt.Path)
				if rt.Public && ev.RequestContext.Authorizer != nil {
					t.Errorf("a public route with an authorizer context: %v", ev.RequestContext.Authorizer)
				}
			})
		})
	}
}

// TestEveryProtectedRouteTrustsOnlyTheAuthorizerContext runs the event of
// every route behind the authorizer through the Lambda adapter with
// auth.FromGateway, as the function does, without the authorizer's
// context and with a context that verified nothing: the credential in
// the header is not enough, and the answer is a 401 in the group's
// dialect, given before anything reaches the table.
func TestEveryProtectedRouteTrustsOnlyTheAuthorizerContext(t *testing.T) {
	for _, f := range catalog.Functions() {
		t.Run(f.LogicalID, func(t *testing.T) {
			h := lambdahttp.New(builder(f)(t, web.NewLogger(io.Discard, "info"), auth.FromGateway))
			byKey := webtest.Index(webRoutes(f.Routes), webtest.RouteKey)
			webtest.EachEvent(t, f.Dir, func(t *testing.T, ev events.APIGatewayV2HTTPRequest) {
				if byKey[ev.RouteKey].Public {
					return
				}
				for name, lambdaCtx := range map[string]map[string]any{"no context": nil, "nothing verified": {"method": ""}} {
					t.Run(name, func(t *testing.T) {
						res, err := h(t.Context(), webtest.WithAuthorizer(ev, lambdaCtx))
						if err != nil {
							t.Fatalf("lambda handler: %v", err)
						}
						dialects[f.LogicalID].dialect(t, webtest.EventResponse(res), 401)
					})
				}
			})
		})
	}
}
