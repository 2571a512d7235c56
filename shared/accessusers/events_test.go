package accessusers_test

import (
	"bytes"
	"context"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"roster/shared/accessusers"
	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/lambdahttp"
	"roster/shared/user"
	"roster/shared/web"
	"roster/shared/web/webtest"
)

// TestEventsCarryADemoPrincipal checks, beyond the realism every event is
// held to (catalog's common test), that each carries what the authorizer
// verified for the demo tenant.
func TestEventsCarryADemoPrincipal(t *testing.T) {
	webtest.EachEvent(t, "accessusers", func(t *testing.T, ev events.APIGatewayV2HTTPRequest) {
		webtest.EventPrincipal(t, ev, "demo")
	})
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
