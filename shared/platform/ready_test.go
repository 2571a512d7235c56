package platform_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"roster/shared/accessusers"
	"roster/shared/account"
	"roster/shared/auth"
	"roster/shared/identity"
	"roster/shared/platform"
	"roster/shared/platform/accountfn"
	"roster/shared/provision"
	"roster/shared/userinfo"
	"roster/shared/users"
	"roster/shared/web"
	"roster/shared/web/webtest"
)

// awsSecret is a credential in the function's environment; no log line or
// answer may ever carry it.
const awsSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

// starting is a function whose platform fails to build the first failures
// times (Secrets Manager throttled), then builds; loads counts the builds
// and logs holds what the function logged.
type starting struct {
	fn    platform.Function
	loads int
	logs  *bytes.Buffer
	p     *platform.Platform
}

func newStarting(t *testing.T, name string, failures int, required ...string) *starting {
	t.Helper()
	s := &starting{logs: &bytes.Buffer{}, p: webtest.Platform(t)}
	vars := map[string]string{"TABLE_NAME": "roster", "SECRET_ID": "roster-keys", "AWS_SECRET_ACCESS_KEY": awsSecret}
	for _, name := range required {
		vars[name] = "http://127.0.0.1:1/queue"
	}
	fn, err := platform.Configure(name, env(vars), s.logs, required...)
	if err != nil {
		t.Fatal(err)
	}
	fn.Load = func(ctx context.Context) (*platform.Platform, error) {
		s.loads++
		if s.loads <= failures {
			return nil, errors.New("load key material: read key secret roster-keys: ThrottlingException: Rate exceeded")
		}
		return s.p, nil
	}
	s.fn = fn
	return s
}

// checkLogs fails when the start-up failure was not logged, or when the
// logs carry a secret: the AWS credential or any of the key material.
func (s *starting) checkLogs(t *testing.T, failed bool) {
	t.Helper()
	logs := s.logs.String()
	if got := strings.Contains(logs, "ThrottlingException"); got != failed {
		t.Errorf("failure logged %v, want %v; logs:\n%s", got, failed, logs)
	}
	for _, secret := range []string{awsSecret,
		string(s.p.Keys.Pepper), base64.StdEncoding.EncodeToString(s.p.Keys.Pepper), base64.RawURLEncoding.EncodeToString(s.p.Keys.Pepper),
		string(s.p.Keys.FieldKey), base64.StdEncoding.EncodeToString(s.p.Keys.FieldKey), base64.RawURLEncoding.EncodeToString(s.p.Keys.FieldKey)} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs carry a secret:\n%s", logs)
		}
	}
}

func httpEvent(path string) events.APIGatewayV2HTTPRequest {
	return events.APIGatewayV2HTTPRequest{RawPath: path, RequestContext: events.APIGatewayV2HTTPRequestContext{
		RequestID: "HJ2mKhVaIAMEbZQ=",
		HTTP:      events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: path},
	}}
}

func TestPrepareBuildsDuringInitAndKeepsTheBuild(t *testing.T) {
	s := newStarting(t, "account", 0)
	h := platform.HTTPHandler(s.fn, accountfn.Account, account.WriteError)
	if s.loads != 1 {
		t.Fatalf("%d builds before the first event, want 1", s.loads)
	}
	for range 2 {
		if res, err := h(context.Background(), httpEvent("/.well-known/jwks.json")); err != nil || res.StatusCode != 200 {
			t.Fatalf("status %d, error %v", res.StatusCode, err)
		}
	}
	if s.loads != 1 {
		t.Errorf("%d builds, want the one of init", s.loads)
	}
	s.checkLogs(t, false)
}

// TestHTTPFunctionAnswers503UntilABuildSucceeds: init fails, the first
// event's retry fails too and is answered 503; the second event's retry
// succeeds and is served, and so is every event after it, with no build.
func TestHTTPFunctionAnswers503UntilABuildSucceeds(t *testing.T) {
	s := newStarting(t, "account", 2)
	h := platform.HTTPHandler(s.fn, accountfn.Account, account.WriteError)

	res, err := h(context.Background(), httpEvent("/.well-known/jwks.json"))
	if err != nil || res.StatusCode != 503 || res.Headers["Content-Type"] != web.ProblemContentType {
		t.Fatalf("first event: status %d, headers %v, error %v; want a 503 problem", res.StatusCode, res.Headers, err)
	}
	if res.Headers["Retry-After"] != "1" {
		t.Errorf("first event: Retry-After %q, want 1", res.Headers["Retry-After"])
	}
	if strings.Contains(res.Body, "Throttling") || res.Headers["X-Request-Id"] != "HJ2mKhVaIAMEbZQ=" {
		t.Errorf("first event: headers %v, body %s; want the request id and no cause", res.Headers, res.Body)
	}
	for i := range 2 {
		if res, err := h(context.Background(), httpEvent("/.well-known/jwks.json")); err != nil || res.StatusCode != 200 {
			t.Fatalf("event %d: status %d, error %v", i+2, res.StatusCode, err)
		}
	}
	if s.loads != 3 {
		t.Errorf("%d builds, want 3: init, the first event's, the second event's (kept)", s.loads)
	}
	s.checkLogs(t, true)
}

// TestHTTPFunctionAnswers503InItsGroupsShape holds each dialect's own
// error body on the 503 of a failed start.
func TestHTTPFunctionAnswers503InItsGroupsShape(t *testing.T) {
	for _, tc := range []struct {
		name, path string
		group      func(*platform.Platform, auth.Middleware) http.Handler
		errw       web.ErrorWriter
		want       string // a member only that shape has
	}{
		{"users", "/users", (*platform.Platform).Users, users.WriteError, `"type":"about:blank"`},
		{"identity", "/demo/demo/identity_/api/Group", (*platform.Platform).Identity, identity.WriteError, `"traceId"`},
		{"accessusers", "/api/v1/accessuser/search", (*platform.Platform).AccessUsers, accessusers.WriteError, `"messageId":50301`},
		{"userinfo", "/UserInfo/UserId", (*platform.Platform).UserInfo, userinfo.WriteError, `"type":"about:blank"`},
	} {
		s := newStarting(t, tc.name, 99)
		res, err := platform.HTTPHandler(s.fn, tc.group, tc.errw)(context.Background(), httpEvent(tc.path))
		if err != nil || res.StatusCode != 503 || !strings.Contains(res.Body, tc.want) {
			t.Errorf("%s: status %d, body %s, error %v; want 503 with %s", tc.name, res.StatusCode, res.Body, err, tc.want)
		}
		s.checkLogs(t, true)
	}
}

// TestAuthorizerFailsUntilABuildSucceeds: while the authenticator cannot
// be built the authorizer returns an error, which API Gateway answers with
// a 500, never a denial and never an unverified pass.
func TestAuthorizerFailsUntilABuildSucceeds(t *testing.T) {
	s := newStarting(t, "authorizer", 2)
	ready := platform.Prepare(s.fn, func(p *platform.Platform) (*auth.Authenticator, error) { return p.Authenticator, nil })
	h := auth.GatewayAuthorizer(ready.Get, s.fn.Log)

	res, err := h(context.Background(), events.APIGatewayV2CustomAuthorizerV2Request{RouteKey: "GET /users"})
	if err == nil || res.IsAuthorized {
		t.Fatalf("first event: %+v, error %v; want an error", res, err)
	}
	// No credential: let through with no principal (the function refuses).
	res, err = h(context.Background(), events.APIGatewayV2CustomAuthorizerV2Request{RouteKey: "GET /users"})
	if err != nil || !res.IsAuthorized || res.Context["method"] != "" {
		t.Fatalf("second event: %+v, error %v", res, err)
	}
	if s.loads != 3 {
		t.Errorf("%d builds, want 3", s.loads)
	}
	s.checkLogs(t, true)
}

// TestProvisioningFailsTheBatchUntilABuildSucceeds: while the processor
// cannot be built the whole batch fails, so the queue delivers it again.
func TestProvisioningFailsTheBatchUntilABuildSucceeds(t *testing.T) {
	s := newStarting(t, "provisioning", 2, provision.EnvNotificationsQueue)
	ready := platform.Prepare(s.fn, func(p *platform.Platform) (*provision.Processor, error) {
		return p.Provisioning(provision.NotifierFunc(func(context.Context, provision.Notification) error { return nil }))
	})
	h := provision.Serve(ready.Get, s.fn.Log)
	// A message that never decodes: the processor reports it failed
	// without reaching the table.
	batch := events.SQSEvent{Records: []events.SQSMessage{{MessageId: "m-1", Body: "{"}}}

	if res, err := h(context.Background(), batch); err == nil {
		t.Fatalf("first batch: %+v; want the whole batch failed", res)
	}
	res, err := h(context.Background(), batch)
	if err != nil || len(res.BatchItemFailures) != 1 || res.BatchItemFailures[0].ItemIdentifier != "m-1" {
		b, _ := json.Marshal(res)
		t.Fatalf("second batch: %s, error %v; want it processed", b, err)
	}
	if s.loads != 3 {
		t.Errorf("%d builds, want 3", s.loads)
	}
	s.checkLogs(t, true)
}
