package webtest

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
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
	"roster/shared/lambdahttp"
	"roster/shared/store/storetest"
	"roster/shared/web"
)

// EventsDir returns the module's events folder, beside template.yaml.
func EventsDir(t testing.TB) string {
	t.Helper()
	return filepath.Join(filepath.Dir(storetest.TemplatePath(t)), "events")
}

// EventFiles returns a group's event files, events/<group>-*.json; a group
// has at least one.
func EventFiles(t testing.TB, group string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(EventsDir(t), group+"-*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no events/%s-*.json: %v", group, err)
	}
	return files
}

// ReadEvent decodes an event file strictly, so that a misspelt member does
// not pass unnoticed.
func ReadEvent(t testing.TB, path string) events.APIGatewayV2HTTPRequest {
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

// EachEvent runs fn, as a subtest named for the file, on each of a group's
// event files (EventFiles), read strictly (ReadEvent).
func EachEvent(t *testing.T, group string, fn func(t *testing.T, ev events.APIGatewayV2HTTPRequest)) {
	t.Helper()
	for _, file := range EventFiles(t, group) {
		t.Run(filepath.Base(file), func(t *testing.T) { fn(t, ReadEvent(t, file)) })
	}
}

// CheckEventsCoverRoutes checks that every event file is for one of the
// routes, each named by name as API Gateway keys it ("METHOD /path"), and
// that every route has an event file.
func CheckEventsCoverRoutes[R any](t testing.TB, files []string, routes []R, name func(R) string) {
	t.Helper()
	known := map[string]bool{}
	for _, r := range routes {
		known[name(r)] = true
	}
	seen := map[string]bool{}
	for _, file := range files {
		ev := ReadEvent(t, file)
		if !known[ev.RouteKey] {
			t.Errorf("%s: routeKey %q is no route of the group", filepath.Base(file), ev.RouteKey)
		}
		seen[ev.RouteKey] = true
	}
	for _, r := range routes {
		if !seen[name(r)] {
			t.Errorf("no event for %s", name(r))
		}
	}
}

// PathParams matches a concrete path against a route pattern and returns
// the values of its {parameters}; ok is false when it does not match.
func PathParams(pattern, path string) (params map[string]string, ok bool) {
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

// CheckEvent checks that ev is what API Gateway would deliver for a request
// on the route pattern ("/users/{userId}"): a full payload 2.0 event whose
// route keys, method and paths agree, whose path parameters are the ones
// the pattern names in the raw path, whose time is its timeEpoch, whose
// headers are lower-case with host the domain name, whose query string
// and parameters agree, and whose body is JSON text of the length its
// headers give. It returns the path parameters.
func CheckEvent(t testing.TB, ev events.APIGatewayV2HTTPRequest, pattern string) map[string]string {
	t.Helper()
	rc := ev.RequestContext
	if ev.Version != "2.0" || rc.Stage != "$default" || rc.RequestID == "" || rc.TimeEpoch == 0 || rc.HTTP.SourceIP == "" || rc.AccountID == "" || rc.APIID == "" {
		t.Errorf("not a full payload 2.0 event: %+v", rc)
	}
	if rc.RouteKey != ev.RouteKey || rc.HTTP.Method+" "+pattern != ev.RouteKey || rc.HTTP.Path != ev.RawPath {
		t.Errorf("routeKey %q, requestContext.routeKey %q, method %q, http.path %q, rawPath %q disagree",
			ev.RouteKey, rc.RouteKey, rc.HTTP.Method, rc.HTTP.Path, ev.RawPath)
	}
	params, ok := PathParams(pattern, ev.RawPath)
	if !ok {
		t.Errorf("rawPath %q does not match %s", ev.RawPath, pattern)
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
	ct := ev.Headers["content-type"]
	if ev.Body != "" && (ct != "application/json" && ct != "application/scim+json" || ev.Headers["content-length"] != strconv.Itoa(len(ev.Body))) {
		t.Errorf("content-type %q, content-length %q for a %d-byte body", ev.Headers["content-type"], ev.Headers["content-length"], len(ev.Body))
	}
	return params
}

// EventPrincipal returns the principal ev's authorizer context carries,
// failing the test unless there is one, of tenant, and the credential it
// was verified from is in the authorization header.
func EventPrincipal(t testing.TB, ev events.APIGatewayV2HTTPRequest, tenant string) auth.Principal {
	t.Helper()
	rc := ev.RequestContext
	if rc.Authorizer == nil || rc.Authorizer.Lambda == nil {
		t.Fatal("no requestContext.authorizer.lambda")
	}
	p, ok := auth.PrincipalFromContext(rc.Authorizer.Lambda)
	if !ok || p.TenantID != tenant {
		t.Fatalf("authorizer context %v is not a %s principal", rc.Authorizer.Lambda, tenant)
	}
	if ev.Headers["authorization"] == "" {
		t.Error("no authorization header, which the authorizer verified")
	}
	return p
}

// NewEvent returns a bare payload 2.0 event for a request on the route
// pattern at path, with the path parameters the pattern names and API
// Gateway's request id req-1; [WithAuthorizer] adds what an authorizer
// verified.
func NewEvent(method, pattern, path string, headers map[string]string) events.APIGatewayV2HTTPRequest {
	params, _ := PathParams(pattern, path)
	key := method + " " + pattern
	return events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: key, RawPath: path, Headers: headers, PathParameters: params,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey: key, Stage: "$default", RequestID: "req-1",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: path, Protocol: "HTTP/1.1", SourceIP: "203.0.113.10"},
		},
	}
}

// WithAuthorizer returns ev with lambdaCtx as the context its authorizer
// returned; nil leaves it without an authorizer.
func WithAuthorizer(ev events.APIGatewayV2HTTPRequest, lambdaCtx map[string]any) events.APIGatewayV2HTTPRequest {
	ev.RequestContext.Authorizer = nil
	if lambdaCtx != nil {
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: lambdaCtx}
	}
	return ev
}

// Invoke runs ev through the group that handler (a group's Handler)
// builds over deps, as the function does: behind the Lambda adapter
// (lambdahttp.New), with the caller the authorizer context names
// (auth.FromGateway). Logs are dropped; a handler error fails the test.
func Invoke[D any](t testing.TB, handler func(D, *slog.Logger, auth.Middleware) http.Handler, deps D, ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	t.Helper()
	h := handler(deps, web.NewLogger(io.Discard, "info"), auth.FromGateway)
	res, err := lambdahttp.New(h)(t.Context(), ev)
	if err != nil {
		t.Fatalf("lambda handler: %v", err)
	}
	return res
}

// CheckAnswer checks the Lambda response to ev: the status, a body of
// text rather than base64, and API Gateway's request id as X-Request-Id.
func CheckAnswer(t testing.TB, ev events.APIGatewayV2HTTPRequest, res events.APIGatewayV2HTTPResponse, status int) {
	t.Helper()
	if res.StatusCode != status {
		t.Fatalf("status %d, want %d; body %s", res.StatusCode, status, res.Body)
	}
	if res.IsBase64Encoded {
		t.Error("base64-encoded response; want JSON text")
	}
	if got := EventHeader(res).Get(web.RequestIDHeader); got != ev.RequestContext.RequestID {
		t.Errorf("X-Request-Id %q, want API Gateway's %q", got, ev.RequestContext.RequestID)
	}
}

// EventHeader returns a Lambda response's headers as net/http reads them.
func EventHeader(res events.APIGatewayV2HTTPResponse) http.Header {
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

// EventResponse returns a Lambda response as the assertions on a
// [Response] take it.
func EventResponse(res events.APIGatewayV2HTTPResponse) Response {
	return Response{Code: res.StatusCode, Header: EventHeader(res), Body: []byte(res.Body)}
}
