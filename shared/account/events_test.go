package account_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"roster/shared/account"
	"roster/shared/auth"
	"roster/shared/lambdahttp"
	"roster/shared/signin"
	"roster/shared/user"
	"roster/shared/web"
)

// eventsDir is the module's events folder.
const eventsDir = "../../events"

// eventFiles returns events/account-*.json.
func eventFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(eventsDir, "account-*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no events/account-*.json: %v", err)
	}
	return files
}

// readEvent decodes an event file strictly, so that a misspelt member does
// not pass unnoticed.
func readEvent(t *testing.T, path string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ev); err != nil {
		t.Fatalf("%s: %v", filepath.Base(path), err)
	}
	return ev
}

// pathParams matches a concrete path against a route pattern and returns
// the values of its {parameters}; ok is false when it does not match.
func pathParams(pattern, path string) (map[string]string, bool) {
	ps, vs := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(ps) != len(vs) {
		return nil, false
	}
	out := map[string]string{}
	for i, p := range ps {
		if name, ok := strings.CutPrefix(p, "{"); ok {
			if vs[i] == "" {
				return nil, false
			}
			out[strings.TrimSuffix(name, "}")] = vs[i]
		} else if p != vs[i] {
			return nil, false
		}
	}
	return out, true
}

func TestEveryRouteHasAnEventAndEveryEventARoute(t *testing.T) {
	byKey := map[string]route{}
	for _, rt := range routes() {
		byKey[rt.name()] = rt
	}
	seen := map[string]bool{}
	for _, file := range eventFiles(t) {
		ev := readEvent(t, file)
		if _, ok := byKey[ev.RouteKey]; !ok {
			t.Errorf("%s: routeKey %q is no route of the group", filepath.Base(file), ev.RouteKey)
		}
		seen[ev.RouteKey] = true
	}
	for key := range byKey {
		if !seen[key] {
			t.Errorf("no event for %s", key)
		}
	}
}

func TestEventsAreRealisticHTTPAPIPayloads(t *testing.T) {
	byKey := map[string]route{}
	for _, rt := range routes() {
		byKey[rt.name()] = rt
	}
	for _, file := range eventFiles(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			ev := readEvent(t, file)
			rc := ev.RequestContext
			rt := byKey[ev.RouteKey]
			if ev.Version != "2.0" || rc.Stage != "$default" || rc.RequestID == "" || rc.TimeEpoch == 0 || rc.HTTP.SourceIP == "" || rc.AccountID == "" || rc.APIID == "" {
				t.Errorf("not a full payload 2.0 event: %+v", rc)
			}
			if rc.RouteKey != ev.RouteKey || rc.HTTP.Method+" "+rt.path != ev.RouteKey || rc.HTTP.Path != ev.RawPath {
				t.Errorf("routeKey %q, requestContext.routeKey %q, method %q, http.path %q, rawPath %q disagree",
					ev.RouteKey, rc.RouteKey, rc.HTTP.Method, rc.HTTP.Path, ev.RawPath)
			}
			params, ok := pathParams(rt.path, ev.RawPath)
			if !ok {
				t.Errorf("rawPath %q does not match %s", ev.RawPath, rt.path)
			}
			if len(params) != len(ev.PathParameters) {
				t.Errorf("pathParameters %v, want %v", ev.PathParameters, params)
			}
			for k, v := range params {
				if ev.PathParameters[k] != v {
					t.Errorf("pathParameters %v, want %v", ev.PathParameters, params)
				}
			}
			if params["tenantUid"] != "" && params["tenantUid"] != "demo" {
				t.Errorf("tenant %q, want the local stack's demo tenant", params["tenantUid"])
			}
			if at, err := time.Parse("02/Jan/2006:15:04:05 -0700", rc.Time); err != nil || at.Unix() != rc.TimeEpoch/1000 {
				t.Errorf("requestContext.time %q does not match timeEpoch %d", rc.Time, rc.TimeEpoch)
			}
			for k := range ev.Headers {
				if k != strings.ToLower(k) {
					t.Errorf("header %q is not lower-case, as HTTP APIs deliver them", k)
				}
			}
			if ev.Headers["host"] != rc.DomainName || ev.IsBase64Encoded || ev.RawQueryString != "" || len(ev.QueryStringParameters) != 0 {
				t.Errorf("host %q, domainName %q, base64 %v, query %q", ev.Headers["host"], rc.DomainName, ev.IsBase64Encoded, ev.RawQueryString)
			}
			if ev.Body != "" && (ev.Headers["content-type"] != "application/json" || ev.Headers["content-length"] != strconv.Itoa(len(ev.Body))) {
				t.Errorf("content-type %q, content-length %q for a %d-byte body", ev.Headers["content-type"], ev.Headers["content-length"], len(ev.Body))
			}
			if (ev.Body != "") != (rt.body != "") {
				t.Errorf("body %q, but the route takes %q", ev.Body, rt.body)
			}
			// Public routes have no authorizer; the others carry what the
			// authorizer verified, for the demo tenant.
			if rt.access == "public" {
				if rc.Authorizer != nil {
					t.Errorf("a public route with an authorizer context: %v", rc.Authorizer)
				}
				return
			}
			if rc.Authorizer == nil || rc.Authorizer.Lambda == nil {
				t.Fatal("no requestContext.authorizer.lambda")
			}
			p, ok := auth.PrincipalFromContext(rc.Authorizer.Lambda)
			if !ok || p.TenantID != "demo" {
				t.Fatalf("authorizer context %v is not a demo principal", rc.Authorizer.Lambda)
			}
			if rt.access == "self" && p.Method != auth.ViaAccessToken {
				t.Errorf("a self-service route with a %s principal", p.Method)
			}
			if ev.Headers["authorization"] == "" {
				t.Error("no authorization header, which the authorizer verified")
			}
		})
	}
}

// TestEventsGetTheirAnswerThroughTheLambdaAdapter runs every event file
// through the Lambda adapter with auth.FromGateway, as the function does,
// against a service that accepts everything.
func TestEventsGetTheirAnswerThroughTheLambdaAdapter(t *testing.T) {
	byKey := map[string]route{}
	for _, rt := range routes() {
		byKey[rt.name()] = rt
	}
	for _, file := range eventFiles(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			ev := readEvent(t, file)
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
			lambda := lambdahttp.New(account.Handler(deps(f), web.NewLogger(&bytes.Buffer{}, "info"), auth.FromGateway))

			res, err := lambda(context.Background(), ev)

			if err != nil {
				t.Fatalf("lambda handler: %v", err)
			}
			if res.StatusCode != rt.status {
				t.Fatalf("status %d, want %d; body %s", res.StatusCode, rt.status, res.Body)
			}
			if res.IsBase64Encoded {
				t.Error("base64-encoded response; want JSON text")
			}
			if got := headerOf(res).Get(web.RequestIDHeader); got != ev.RequestContext.RequestID {
				t.Errorf("X-Request-Id %q, want API Gateway's %q", got, ev.RequestContext.RequestID)
			}
			assertCalls(t, f, rt.calls()...)
			for _, p := range seen {
				if p.TenantID != "demo" || p.UserID != "demouserada2lovelace3owner" {
					t.Errorf("service saw principal %+v, not the authorizer's", p)
				}
			}
		})
	}
}

func TestLambdaTrustsOnlyTheAuthorizerContext(t *testing.T) {
	caller := auth.Principal{TenantID: "demo", UserID: "usr1", AccountID: "acc1", Roles: []string{"member"}, Method: auth.ViaAccessToken}
	event := func(lambdaCtx map[string]any) events.APIGatewayV2HTTPRequest {
		ev := events.APIGatewayV2HTTPRequest{
			Version: "2.0", RouteKey: "GET /tenants/{tenantUid}/account", RawPath: "/tenants/demo/account",
			Headers:        map[string]string{"authorization": "Bearer " + accessTok, "x-tenant": "acme"},
			PathParameters: map[string]string{"tenantUid": "demo"},
			RequestContext: events.APIGatewayV2HTTPRequestContext{
				RouteKey: "GET /tenants/{tenantUid}/account", Stage: "$default", RequestID: "req-1",
				HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: "/tenants/demo/account", Protocol: "HTTP/1.1", SourceIP: "203.0.113.10"},
			},
		}
		if lambdaCtx != nil {
			ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: lambdaCtx}
		}
		return ev
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
		res, err := lambdahttp.New(account.Handler(deps(f), web.NewLogger(&bytes.Buffer{}, "info"), auth.FromGateway))(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		return res, f, got
	}

	t.Run("the authorizer's principal is the caller", func(t *testing.T) {
		res, _, got := serve(t, event(caller.Context()))
		if res.StatusCode != 200 || got == nil || got.UserID != "usr1" || got.AccountID != "acc1" || got.TenantID != "demo" {
			t.Fatalf("status %d, principal %+v; body %s", res.StatusCode, got, res.Body)
		}
		h := headerOf(res)
		if h.Get("ETag") != `"7"` || h.Get("Cache-Control") != "no-store" || h.Get("Content-Type") != "application/json" {
			t.Errorf("headers %v", h)
		}
	})
	t.Run("without an authorizer context the token in the header is not enough", func(t *testing.T) {
		res, f, _ := serve(t, event(nil))
		if res.StatusCode != http.StatusUnauthorized || headerOf(res).Get("WWW-Authenticate") != `Bearer realm="roster"` {
			t.Errorf("status %d, headers %v", res.StatusCode, res.Headers)
		}
		assertCalls(t, f)
	})
	t.Run("an API key principal is refused on self-service", func(t *testing.T) {
		key := auth.Principal{TenantID: "demo", KeyID: "demodemodemodemo", Roles: []string{"admin"}, Method: auth.ViaAPIKey}
		res, f, _ := serve(t, event(key.Context()))
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("status %d", res.StatusCode)
		}
		assertCalls(t, f)
	})
	t.Run("another tenant's principal finds nothing", func(t *testing.T) {
		other := caller
		other.TenantID = "acme"
		res, f, _ := serve(t, event(other.Context()))
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("status %d", res.StatusCode)
		}
		assertCalls(t, f)
	})
}

// headerOf returns a Lambda response's headers as net/http reads them.
func headerOf(res events.APIGatewayV2HTTPResponse) http.Header {
	h := http.Header{}
	for k, v := range res.Headers {
		h.Set(k, v)
	}
	for k, vs := range res.MultiValueHeaders {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	return h
}
