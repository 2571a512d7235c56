package accessusers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"roster/shared/accessusers"
	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/lambdahttp"
	"roster/shared/user"
	"roster/shared/web"
	"roster/shared/web/webtest"
)

func TestEveryRouteHasAnEventAndEveryEventARoute(t *testing.T) {
	webtest.CheckEventsCoverRoutes(t, webtest.EventFiles(t, "accessusers"), routes(), route.name)
}

func TestEventsAreRealisticHTTPAPIPayloads(t *testing.T) {
	for _, file := range webtest.EventFiles(t, "accessusers") {
		t.Run(filepath.Base(file), func(t *testing.T) {
			ev := webtest.ReadEvent(t, file)
			rc := ev.RequestContext
			if ev.Version != "2.0" || rc.Stage != "$default" || rc.RequestID == "" || rc.AccountID == "" || rc.APIID == "" || rc.HTTP.SourceIP == "" {
				t.Errorf("not a full payload 2.0 event: %+v", rc)
			}
			if rc.RouteKey != ev.RouteKey || rc.HTTP.Method+" "+ev.RawPath != ev.RouteKey || rc.HTTP.Path != ev.RawPath {
				t.Errorf("routeKey %q, requestContext.routeKey %q, method %q, path %q disagree", ev.RouteKey, rc.RouteKey, rc.HTTP.Method, ev.RawPath)
			}
			if at, err := time.Parse("02/Jan/2006:15:04:05 -0700", rc.Time); err != nil || at.Unix() != rc.TimeEpoch/1000 {
				t.Errorf("requestContext.time %q does not match timeEpoch %d", rc.Time, rc.TimeEpoch)
			}
			for k := range ev.Headers {
				if k != strings.ToLower(k) {
					t.Errorf("header %q is not lower-case", k)
				}
			}
			if ev.Body != "" && (ev.Headers["content-type"] != "application/json" || ev.Headers["content-length"] != strconv.Itoa(len(ev.Body))) {
				t.Errorf("content-type %q, content-length %q for a %d-byte body", ev.Headers["content-type"], ev.Headers["content-length"], len(ev.Body))
			}
			for k, v := range ev.QueryStringParameters {
				if !strings.Contains(ev.RawQueryString, k+"="+v) {
					t.Errorf("queryStringParameters %s=%s not in rawQueryString %q", k, v, ev.RawQueryString)
				}
			}
			if rc.Authorizer == nil || rc.Authorizer.Lambda == nil {
				t.Fatal("no requestContext.authorizer.lambda")
			}
			if p, ok := auth.PrincipalFromContext(rc.Authorizer.Lambda); !ok || p.TenantID != "demo" || ev.Headers["authorization"] == "" {
				t.Errorf("authorizer context %v is not a demo principal with its credential", rc.Authorizer.Lambda)
			}
		})
	}
}

// TestEventsGetTheirAnswerThroughTheLambdaAdapter runs every event through
// the Lambda adapter with auth.FromGateway, as the function does, against
// fakes that know the users the events name.
func TestEventsGetTheirAnswerThroughTheLambdaAdapter(t *testing.T) {
	for _, file := range webtest.EventFiles(t, "accessusers") {
		t.Run(filepath.Base(file), func(t *testing.T) {
			ev := webtest.ReadEvent(t, file)
			f := happy(t)
			var tenants []string
			demoUser := func() *user.User {
				u := grace()
				u.TenantID, u.Number, u.ID = "demo", 1234567890123, "demouserada2lovelace3owner"
				return u
			}
			f.GetByNumberFn = func(p auth.Principal, n int64) (*user.User, error) {
				tenants = append(tenants, p.TenantID)
				return demoUser(), nil
			}
			f.GetByUsernameFn = func(p auth.Principal, _ string) (*user.User, error) {
				tenants = append(tenants, p.TenantID)
				return demoUser(), nil
			}
			f.PasswordTargetFn = func(p auth.Principal, _ string) (*user.User, error) {
				tenants = append(tenants, p.TenantID)
				return demoUser(), nil
			}
			f.CreateFn = func(p auth.Principal, in directory.NewUser) (*user.User, error) {
				tenants = append(tenants, p.TenantID)
				return demoUser(), nil
			}
			f.search = func(q directory.UserSearch) (directory.UserPage, error) {
				tenants = append(tenants, q.TenantID)
				return directory.UserPage{Users: []*user.User{demoUser()}, Indexed: true}, nil
			}
			lambda := lambdahttp.New(accessusers.Handler(deps(f), web.NewLogger(&bytes.Buffer{}, "info"), auth.FromGateway))

			res, err := lambda(context.Background(), ev)

			if err != nil {
				t.Fatalf("lambda handler: %v", err)
			}
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d; body %s", res.StatusCode, res.Body)
			}
			h := http.Header{}
			for k, v := range res.Headers {
				h.Set(k, v)
			}
			if h.Get(web.RequestIDHeader) != ev.RequestContext.RequestID || h.Get("Content-Type") != "application/json" {
				t.Errorf("headers %v", res.Headers)
			}
			for _, tn := range tenants {
				if tn != "demo" {
					t.Errorf("acted in tenant %q, not the authorizer's", tn)
				}
			}
		})
	}
}

func TestLambdaWithoutAnAuthorizerContextAnswers401InTheEnvelope(t *testing.T) {
	ev := webtest.ReadEvent(t, filepath.Join(webtest.EventsDir(t), "accessusers-search.json"))
	ev.RequestContext.Authorizer = nil
	f := happy(t)
	res, err := lambdahttp.New(accessusers.Handler(deps(f), web.NewLogger(&bytes.Buffer{}, "info"), auth.FromGateway))(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	var e envelopeBody
	if err := json.Unmarshal([]byte(res.Body), &e); err != nil || res.StatusCode != 401 || e.Status != 401 || e.MessageID != 40101 {
		t.Errorf("status %d body %s (%v)", res.StatusCode, res.Body, err)
	}
	webtest.AssertCalls(t, f)
}
