package identity_test

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

	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/identity"
	"roster/shared/lambdahttp"
	"roster/shared/user"
	"roster/shared/web"
)

// eventsDir is the module's events folder.
const eventsDir = "../../events"

// eventFiles returns events/identity-*.json.
func eventFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(eventsDir, "identity-*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no events/identity-*.json: %v", err)
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
	out := map[string]route{}
	for _, rt := range routes() {
		out[rt.name()] = rt
	}
	return out
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
			if params["organizationName"] != "demo" || params["tenantName"] != "demo" {
				t.Errorf("organization %q, tenant %q; want the local stack's demo tenant, demo/demo", params["organizationName"], params["tenantName"])
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
			if rc.Authorizer == nil || rc.Authorizer.Lambda == nil {
				t.Fatal("no requestContext.authorizer.lambda")
			}
			if p, ok := auth.PrincipalFromContext(rc.Authorizer.Lambda); !ok || p.TenantID != "demo" {
				t.Fatalf("authorizer context %v is not a demo principal", rc.Authorizer.Lambda)
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
			f.update = func(p auth.Principal, id string, _ directory.Change) (*user.User, error) {
				seen = append(seen, p)
				return &user.User{ID: id}, nil
			}
			f.setPassword = func(p auth.Principal, _, _ string, _ *string) error { seen = append(seen, p); return nil }
			f.delete = func(p auth.Principal, _ string, _ int64) error { seen = append(seen, p); return nil }
			lambda := lambdahttp.New(identity.Handler(deps(f), web.NewLogger(&bytes.Buffer{}, "info"), auth.FromGateway))

			res, err := lambda(context.Background(), ev)

			if err != nil {
				t.Fatalf("lambda handler: %v", err)
			}
			if res.StatusCode != rt.status {
				t.Fatalf("status %d, want %d; body %s", res.StatusCode, rt.status, res.Body)
			}
			h := headerOf(res)
			if got := h.Get(web.RequestIDHeader); got != ev.RequestContext.RequestID {
				t.Errorf("X-Request-Id %q, want API Gateway's %q", got, ev.RequestContext.RequestID)
			}
			// The trace id joins API Gateway's X-Ray trace.
			xray := strings.TrimPrefix(ev.Headers["x-amzn-trace-id"], "Root=1-")
			if got := h.Get("Traceresponse"); !strings.HasPrefix(got, "00-"+strings.Replace(xray, "-", "", 1)+"-") {
				t.Errorf("traceresponse %q does not join %s", got, ev.Headers["x-amzn-trace-id"])
			}
			assertCalls(t, f, "GetTenant", rt.call)
			for _, p := range seen {
				if p.TenantID != "demo" || p.UserID != want.UserID || p.KeyID != want.KeyID {
					t.Errorf("directory saw principal %+v, not the authorizer's", p)
				}
			}
		})
	}
}

func TestLambdaTrustsOnlyTheAuthorizerContext(t *testing.T) {
	ev := readEvent(t, filepath.Join(eventsDir, "identity-update-user.json"))
	serve := func(t *testing.T, lambdaCtx map[string]any) (events.APIGatewayV2HTTPResponse, *fake) {
		e := ev
		e.Headers = map[string]string{"x-tenant": "acme"}
		for k, v := range ev.Headers {
			e.Headers[k] = v
		}
		e.RequestContext.Authorizer = nil
		if lambdaCtx != nil {
			e.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: lambdaCtx}
		}
		f := happy(t)
		res, err := lambdahttp.New(identity.Handler(deps(f), web.NewLogger(&bytes.Buffer{}, "info"), auth.FromGateway))(context.Background(), e)
		if err != nil {
			t.Fatal(err)
		}
		return res, f
	}

	t.Run("the authorizer's principal is the caller", func(t *testing.T) {
		res, f := serve(t, ev.RequestContext.Authorizer.Lambda)
		if res.StatusCode != 200 || res.Body != succeeded+"\n" {
			t.Fatalf("status %d; body %s", res.StatusCode, res.Body)
		}
		assertCalls(t, f, "GetTenant", "Update")
	})
	t.Run("without an authorizer context the token in the header is not enough", func(t *testing.T) {
		res, f := serve(t, nil)
		if res.StatusCode != http.StatusUnauthorized || headerOf(res).Get("WWW-Authenticate") != `Bearer realm="roster"` {
			t.Errorf("status %d, headers %v", res.StatusCode, res.Headers)
		}
		assertCalls(t, f)
	})
	t.Run("an authorizer that verified nothing", func(t *testing.T) {
		res, f := serve(t, map[string]any{"method": ""})
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("status %d", res.StatusCode)
		}
		assertCalls(t, f)
	})
	t.Run("another tenant's principal finds nothing at demo/demo", func(t *testing.T) {
		res, f := serve(t, owner.Context())
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("status %d; body %s", res.StatusCode, res.Body)
		}
		assertCalls(t, f, "GetTenant")
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
