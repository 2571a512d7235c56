package userinfo_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"roster/shared/auth"
	"roster/shared/lambdahttp"
	"roster/shared/opaque"
	"roster/shared/store"
	"roster/shared/store/storetest"
	"roster/shared/user"
	"roster/shared/userinfo"
	"roster/shared/web"
	"roster/shared/web/webtest"
)

// The demo tenant, API key and owner the local stack seeds
// (cmd/internal/devstack), which the files in events/ send and name.
const (
	demoTenant     = "demo"
	demoKeyID      = "demodemodemodemo"
	demoKeySecret  = "local-demo-key-never-valid-in-aws-000000000"
	demoOwnerID    = "demouserada2lovelace3owner"
	demoOwnerEmail = "ada@demo.example"
)

// eventRuns lists the UserInfo events, run one after another against the
// demo tenant with its owner: a new person is registered, the owner is
// looked up and given a token.
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
	files := webtest.EventFiles(t, "userinfo")
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
}

// TestEventsSendTheDemoKey checks the one thing beyond the realism every
// event is held to (catalog's common test): UserInfo checks its API key
// itself, so each event sends the local stack's.
func TestEventsSendTheDemoKey(t *testing.T) {
	demoKey := demoToken(t)
	for _, run := range eventRuns {
		t.Run(run.file, func(t *testing.T) {
			ev := webtest.ReadEvent(t, filepath.Join(webtest.EventsDir(t), run.file))
			if ev.Headers["authorization"] != demoKey {
				t.Errorf("authorization is not the local stack's demo key")
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
		err = env.Table.CreateUser(context.Background(), &user.User{
			TenantID: demoTenant, ID: demoOwnerID, Username: "ada", Email: demoOwnerEmail, FirstName: "Ada", LastName: "Lovelace",
			Active: true, Role: "owner", CreatedAt: fixedNow, UpdatedAt: fixedNow, CreatedBy: "seed", UpdatedBy: "seed",
		})
		if err != nil {
			t.Fatalf("seed the demo owner: %v", err)
		}
		// In AWS the authorizer has verified the key; the function trusts
		// only the context API Gateway passes, as the events carry it.
		lambda := lambdahttp.New(userinfo.Handler(userinfo.Deps{
			Directory: newDirectory(t, env.Table, f.sealer, func() time.Time { return fixedNow }),
		}, web.NewLogger(f.logs, "debug"), auth.FromGateway))

		for _, run := range eventRuns {
			t.Run(run.file, func(t *testing.T) {
				ev := webtest.ReadEvent(t, filepath.Join(webtest.EventsDir(t), run.file))
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
				webtest.CheckAnswer(t, ev, res, run.status)
				switch run.status {
				case http.StatusCreated:
					if res.Headers["Location"] != pathUserID+"?userEmail="+url.QueryEscape(jsonField(t, res.Body, "userEmail")) {
						t.Errorf("Location %q", res.Headers["Location"])
					}
				case http.StatusOK:
					if ev.RequestContext.HTTP.Method == http.MethodGet && jsonField(t, res.Body, "userId") != demoOwnerID {
						t.Errorf("body %s, want the demo owner's id %s", res.Body, demoOwnerID)
					}
					if ev.RequestContext.HTTP.Method == http.MethodPatch && res.Body != "" {
						t.Errorf("body %q, want none", res.Body)
					}
				default:
					webtest.AssertProblem(t, webtest.EventResponse(res), run.status, run.fields...)
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
