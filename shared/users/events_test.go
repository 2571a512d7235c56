package users_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/lambdahttp"
	"roster/shared/user"
	"roster/shared/users"
	"roster/shared/web"
)

// eventsDir is the module's events folder.
const eventsDir = "../../events"

// eventFiles returns events/users-*.json.
func eventFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(eventsDir, "users-*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no events/users-*.json: %v", err)
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

func routesByKey() map[string]route {
	byKey := map[string]route{}
	for _, rt := range routes() {
		byKey[rt.name()] = rt
	}
	return byKey
}

func TestEveryRouteHasAnEventAndEveryEventARoute(t *testing.T) {
	byKey := routesByKey()
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
	byKey := routesByKey()
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
			if at, err := time.Parse("02/Jan/2006:15:04:05 -0700", rc.Time); err != nil || at.Unix() != rc.TimeEpoch/1000 {
				t.Errorf("requestContext.time %q does not match timeEpoch %d", rc.Time, rc.TimeEpoch)
			}
			for k := range ev.Headers {
				if k != strings.ToLower(k) {
					t.Errorf("header %q is not lower-case, as HTTP APIs deliver them", k)
				}
			}
			if ev.Headers["host"] != rc.DomainName || ev.IsBase64Encoded {
				t.Errorf("host %q, domainName %q, base64 %v", ev.Headers["host"], rc.DomainName, ev.IsBase64Encoded)
			}
			q, err := url.ParseQuery(ev.RawQueryString)
			if err != nil || len(q) != len(ev.QueryStringParameters) {
				t.Errorf("rawQueryString %q, queryStringParameters %v", ev.RawQueryString, ev.QueryStringParameters)
			}
			for k, v := range ev.QueryStringParameters {
				if q.Get(k) != v {
					t.Errorf("rawQueryString %q, queryStringParameters %v", ev.RawQueryString, ev.QueryStringParameters)
				}
			}
			if ev.RawQueryString != "" && ev.RouteKey != "GET /users" {
				t.Errorf("a query on %s, which takes none", ev.RouteKey)
			}
			if ev.Body != "" && (ev.Headers["content-type"] != "application/json" || ev.Headers["content-length"] != strconv.Itoa(len(ev.Body))) {
				t.Errorf("content-type %q, content-length %q for a %d-byte body", ev.Headers["content-type"], ev.Headers["content-length"], len(ev.Body))
			}
			if (ev.Body != "") != (rt.body != "") {
				t.Errorf("body %q, but the route takes %q", ev.Body, rt.body)
			}
			if rc.Authorizer == nil || rc.Authorizer.Lambda == nil {
				t.Fatal("no requestContext.authorizer.lambda")
			}
			p, ok := auth.PrincipalFromContext(rc.Authorizer.Lambda)
			if !ok || p.TenantID != "demo" {
				t.Fatalf("authorizer context %v is not a demo principal", rc.Authorizer.Lambda)
			}
			if !p.Can(rt.perm) {
				t.Errorf("the event's principal lacks %s", rt.perm)
			}
			if ev.Headers["authorization"] == "" {
				t.Error("no authorization header, which the authorizer verified")
			}
		})
	}
}

// TestEventsGetTheirAnswerThroughTheLambdaAdapter runs every event file
// through the Lambda adapter with auth.FromGateway, as the function does,
// against a directory that accepts everything.
func TestEventsGetTheirAnswerThroughTheLambdaAdapter(t *testing.T) {
	byKey := routesByKey()
	for _, file := range eventFiles(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			ev := readEvent(t, file)
			rt := byKey[ev.RouteKey]
			want, _ := auth.PrincipalFromContext(ev.RequestContext.Authorizer.Lambda)
			f := happy(t)
			var seen []auth.Principal
			demo := func(p auth.Principal) *user.User {
				seen = append(seen, p)
				u := theUser()
				u.TenantID = "demo"
				return u
			}
			f.create = func(p auth.Principal, _ directory.NewUser) (*user.User, error) { return demo(p), nil }
			f.get = func(p auth.Principal, _ string) (*user.User, error) { return demo(p), nil }
			f.list = func(p auth.Principal, limit int, _ string) (directory.Page, error) {
				if limit != 20 {
					t.Errorf("limit %d, want the event's 20", limit)
				}
				return directory.Page{Users: []*user.User{demo(p)}}, nil
			}
			f.update = func(p auth.Principal, _ string, _ directory.Change) (*user.User, error) { return demo(p), nil }
			f.delete = func(p auth.Principal, _ string, v int64) error {
				seen = append(seen, p)
				if v != 2 {
					t.Errorf("If-Match version %d, want the event's 2", v)
				}
				return nil
			}
			lambda := lambdahttp.New(users.Handler(users.Deps{Service: f}, web.NewLogger(&bytes.Buffer{}, "info"), auth.FromGateway))

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
			assertCalls(t, f, rt.call)
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
}

func TestLambdaTrustsOnlyTheAuthorizerContext(t *testing.T) {
	caller := auth.Principal{TenantID: "demo", UserID: "usr9", AccountID: "acc9", Roles: []string{"owner"}, Method: auth.ViaAccessToken}
	event := func(lambdaCtx map[string]any) events.APIGatewayV2HTTPRequest {
		ev := events.APIGatewayV2HTTPRequest{
			Version: "2.0", RouteKey: "GET /users/{userId}", RawPath: "/users/usr1",
			Headers:        map[string]string{"authorization": "Bearer eyJhbGciOiJFZERTQSJ9.e30.c2ln", "x-tenant-id": "globex"},
			PathParameters: map[string]string{"userId": "usr1"},
			RequestContext: events.APIGatewayV2HTTPRequestContext{
				RouteKey: "GET /users/{userId}", Stage: "$default", RequestID: "req-1",
				HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: "/users/usr1", Protocol: "HTTP/1.1", SourceIP: "203.0.113.10"},
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
		f.get = func(p auth.Principal, _ string) (*user.User, error) {
			got = &p
			u := theUser()
			u.TenantID = "demo"
			return u, nil
		}
		res, err := lambdahttp.New(users.Handler(users.Deps{Service: f}, web.NewLogger(&bytes.Buffer{}, "info"), auth.FromGateway))(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		return res, f, got
	}

	t.Run("the authorizer's principal is the caller", func(t *testing.T) {
		res, _, got := serve(t, event(caller.Context()))
		if res.StatusCode != 200 || got == nil || got.UserID != "usr9" || got.TenantID != "demo" {
			t.Fatalf("status %d, principal %+v; body %s", res.StatusCode, got, res.Body)
		}
		h := headerOf(res)
		if h.Get("ETag") != `"7"` || h.Get("Cache-Control") != "no-store" || h.Get("Content-Type") != "application/json" {
			t.Errorf("headers %v", h)
		}
		var body map[string]any
		if err := json.Unmarshal([]byte(res.Body), &body); err != nil || body["tenantId"] != "demo" || body["publicId"] != "usr1" {
			t.Errorf("body %s: %v", res.Body, err)
		}
	})
	t.Run("without an authorizer context the token in the header is not enough", func(t *testing.T) {
		res, f, _ := serve(t, event(nil))
		if res.StatusCode != http.StatusUnauthorized || headerOf(res).Get("WWW-Authenticate") != `Bearer realm="roster"` {
			t.Errorf("status %d, headers %v", res.StatusCode, res.Headers)
		}
		assertCalls(t, f)
	})
	t.Run("a rejected credential is 401", func(t *testing.T) {
		res, f, _ := serve(t, event(map[string]any{"method": ""}))
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("status %d", res.StatusCode)
		}
		assertCalls(t, f)
	})
	t.Run("a member is refused", func(t *testing.T) {
		m := caller
		m.Roles = []string{"member"}
		res, f, _ := serve(t, event(m.Context()))
		if res.StatusCode != http.StatusForbidden {
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
