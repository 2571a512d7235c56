package userinfo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"roster/shared/auth"
	"roster/shared/lambdahttp"
	"roster/shared/opaque"
	"roster/shared/store"
	"roster/shared/store/storetest"
	"roster/shared/userinfo"
	"roster/shared/web"
)

// The demo tenant and API key the local stack seeds (cmd/internal/devstack),
// which the files in events/ send.
const (
	demoTenant    = "demo"
	demoKeyID     = "demodemodemodemo"
	demoKeySecret = "local-demo-key-never-valid-in-aws-000000000"
)

// eventRuns lists the UserInfo events in the order they make sense against
// one fresh stack: the user is registered before it is looked up or given a
// token.
var eventRuns = []struct {
	file   string
	status int
	fields []string // named by a problem response
}{
	{file: "userinfo-register-new-user.json", status: http.StatusCreated},
	{file: "userinfo-user-id.json", status: http.StatusOK},
	{file: "userinfo-update-access-token.json", status: http.StatusOK},
	{file: "userinfo-update-access-token-invalid.json", status: http.StatusBadRequest, fields: []string{"accessToken", "userEmail"}},
	{file: "userinfo-update-access-token-unknown-user.json", status: http.StatusConflict},
}

func TestEventsListsEveryUserInfoEventFile(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(eventsDir(t), "userinfo-*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got, want []string
	for _, f := range files {
		got = append(got, filepath.Base(f))
	}
	for _, r := range eventRuns {
		want = append(want, r.file)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("events/userinfo-*.json are %q; the test runs %q", got, want)
	}
	routes := map[string]bool{}
	for _, f := range files {
		routes[readEvent(t, f).RouteKey] = true
	}
	for _, rk := range []string{"GET " + pathUserID, "POST " + pathRegister, "PATCH " + pathUpdate} {
		if !routes[rk] {
			t.Errorf("no event for route %s", rk)
		}
	}
}

func TestEventsAreRealisticHTTPAPIPayloads(t *testing.T) {
	demoKey := demoToken(t)
	for _, run := range eventRuns {
		t.Run(run.file, func(t *testing.T) {
			ev := readEvent(t, filepath.Join(eventsDir(t), run.file))
			rc := ev.RequestContext
			if ev.Version != "2.0" || rc.Stage != "$default" || rc.RequestID == "" || rc.TimeEpoch == 0 || rc.HTTP.SourceIP == "" {
				t.Errorf("version %q, stage %q, requestId %q, timeEpoch %d, sourceIp %q: want a full payload 2.0 event",
					ev.Version, rc.Stage, rc.RequestID, rc.TimeEpoch, rc.HTTP.SourceIP)
			}
			if want := rc.HTTP.Method + " " + ev.RawPath; ev.RouteKey != want || rc.RouteKey != want || rc.HTTP.Path != ev.RawPath {
				t.Errorf("routeKey %q, requestContext.routeKey %q, http.path %q disagree with %s", ev.RouteKey, rc.RouteKey, rc.HTTP.Path, want)
			}
			if at, err := time.Parse("02/Jan/2006:15:04:05 -0700", rc.Time); err != nil || at.Unix() != rc.TimeEpoch/1000 {
				t.Errorf("requestContext.time %q does not match timeEpoch %d", rc.Time, rc.TimeEpoch)
			}
			for k := range ev.Headers {
				if k != strings.ToLower(k) {
					t.Errorf("header %q is not lower-case, as HTTP APIs deliver them", k)
				}
			}
			if ev.Headers["authorization"] != demoKey {
				t.Errorf("authorization is not the local stack's demo key")
			}
			if ev.Headers["host"] != rc.DomainName {
				t.Errorf("host %q, domainName %q", ev.Headers["host"], rc.DomainName)
			}
			if ev.IsBase64Encoded {
				t.Error("isBase64Encoded is true; the bodies are JSON text")
			}
			if ev.Body != "" {
				if ev.Headers["content-type"] != "application/json" {
					t.Errorf("content-type %q, want application/json", ev.Headers["content-type"])
				}
				if ev.Headers["content-length"] != strconv.Itoa(len(ev.Body)) {
					t.Errorf("content-length %q, body is %d bytes", ev.Headers["content-length"], len(ev.Body))
				}
			}
			q, err := url.ParseQuery(ev.RawQueryString)
			if err != nil {
				t.Fatalf("rawQueryString %q: %v", ev.RawQueryString, err)
			}
			if len(q) != len(ev.QueryStringParameters) {
				t.Errorf("rawQueryString %q and queryStringParameters %v disagree", ev.RawQueryString, ev.QueryStringParameters)
			}
			for k, v := range ev.QueryStringParameters {
				if q.Get(k) != v {
					t.Errorf("queryStringParameters[%s] = %q, rawQueryString has %q", k, v, q.Get(k))
				}
			}
		})
	}
}

func TestEventsGetTheirDocumentedAnswerThroughTheLambdaAdapter(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		env.Tenant(t, demoTenant)
		demoKey := demoToken(t)
		f.secrets = append(f.secrets, demoKey)
		err := env.Table.PutAPIKey(context.Background(), &auth.APIKey{
			ID: demoKeyID, TenantID: demoTenant, Name: "demo", Hash: opaque.Hash(f.pepper, demoKey), CreatedAt: time.Now(),
		})
		if err != nil {
			t.Fatalf("seed the demo key: %v", err)
		}
		// In AWS the authorizer has verified the key; the function trusts
		// only the context API Gateway passes, as the events carry it.
		lambda := lambdahttp.New(userinfo.Handler(userinfo.Deps{
			Users: env.Table, Sealer: f.sealer, Now: func() time.Time { return fixedNow },
		}, web.NewLogger(f.logs, "debug"), auth.FromGateway))

		var userID string
		for _, run := range eventRuns {
			t.Run(run.file, func(t *testing.T) {
				ev := readEvent(t, filepath.Join(eventsDir(t), run.file))
				if tok := sentAccessToken(ev); tok != "" {
					f.secrets = append(f.secrets, tok)
				}
				before := env.Count(t)
				ctx, usage := store.WithUsage(context.Background())

				res, err := lambda(ctx, ev)

				if err != nil {
					t.Fatalf("lambda handler: %v", err)
				}
				f.bodies = append(f.bodies, []byte(res.Body))
				if res.StatusCode != run.status {
					t.Fatalf("status %d, want %d; body %s", res.StatusCode, run.status, res.Body)
				}
				if res.IsBase64Encoded {
					t.Error("the response body is base64-encoded; want JSON text")
				}
				switch run.status {
				case http.StatusCreated:
					userID = jsonField(t, res.Body, "userId")
					if res.Headers["Location"] != pathUserID+"?userEmail="+url.QueryEscape(jsonField(t, res.Body, "userEmail")) {
						t.Errorf("Location %q", res.Headers["Location"])
					}
				case http.StatusOK:
					if ev.RequestContext.HTTP.Method == http.MethodGet && jsonField(t, res.Body, "userId") != userID {
						t.Errorf("body %s, want the registered user's id %s", res.Body, userID)
					}
					if ev.RequestContext.HTTP.Method == http.MethodPatch && res.Body != "" {
						t.Errorf("body %q, want none", res.Body)
					}
				default:
					assertProblem(t, response{code: res.StatusCode, header: headerOf(res), body: []byte(res.Body)}, run.status, run.fields...)
					if n := usage.Writes(); n != 0 {
						t.Errorf("%d write calls, want none", n)
					}
					if n := env.Count(t); n != before {
						t.Errorf("table holds %d items, want %d as before", n, before)
					}
				}
			})
		}
	})
}

// eventsDir is the module's events folder.
func eventsDir(t *testing.T) string {
	t.Helper()
	return filepath.Join(filepath.Dir(storetest.TemplatePath(t)), "events")
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

func demoToken(t *testing.T) string {
	t.Helper()
	k, err := opaque.APIKey.FromSecret(demoKeyID, demoKeySecret)
	if err != nil {
		t.Fatalf("demo key: %v", err)
	}
	return k.Token
}

// sentAccessToken returns the accessToken an event's body carries, if any.
func sentAccessToken(ev events.APIGatewayV2HTTPRequest) string {
	var b struct{ AccessToken string }
	_ = json.Unmarshal([]byte(ev.Body), &b)
	return b.AccessToken
}

func jsonField(t *testing.T, body, field string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	s, _ := m[field].(string)
	return s
}

func headerOf(res events.APIGatewayV2HTTPResponse) http.Header {
	h := http.Header{}
	for k, v := range res.Headers {
		h.Set(k, v)
	}
	return h
}
