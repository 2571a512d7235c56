package auth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"

	"roster/shared/auth"
	"roster/shared/lambdahttp"
	"roster/shared/role"
	"roster/shared/store/storetest"
	"roster/shared/web"
)

// seen is what the handler behind a middleware saw.
type seen struct {
	called bool
	p      auth.Principal
	ok     bool
}

// next records the principal it is handed and answers 204, so a test can
// tell its answer from the middleware's.
func (s *seen) next() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.called = true
		s.p, s.ok = auth.PrincipalFrom(r.Context())
		w.WriteHeader(http.StatusNoContent)
	})
}

func withPrincipal(p *auth.Principal) func(*http.Request) *http.Request {
	return func(r *http.Request) *http.Request {
		if p == nil {
			return r
		}
		return r.WithContext(auth.WithPrincipal(r.Context(), *p))
	}
}

func decodeProblem(t *testing.T, body []byte) web.Problem {
	t.Helper()
	var p web.Problem
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("body is not a problem: %v\n%s", err, body)
	}
	return p
}

func TestRequireRefusesWithoutAPrincipalOfTheRightMethodAndRole(t *testing.T) {
	t.Parallel()
	member := auth.Principal{TenantID: "acme", UserID: "u1", Roles: []string{"member"}, Method: auth.ViaAccessToken}
	manager := auth.Principal{TenantID: "acme", UserID: "u2", Roles: []string{"user_manager"}, Method: auth.ViaAccessToken}
	unauthenticated := refusalMessage(t, &auth.Authenticator{})
	for _, tc := range []struct {
		name    string
		p       *auth.Principal
		methods []auth.Method
		status  int
	}{
		{"no principal", nil, []auth.Method{auth.ViaAPIKey, auth.ViaAccessToken}, http.StatusUnauthorized},
		{"an API key on a route for access tokens", &keyPrincipal, []auth.Method{auth.ViaAccessToken}, http.StatusUnauthorized},
		{"an access token on a route for API keys", &manager, []auth.Method{auth.ViaAPIKey}, http.StatusUnauthorized},
		{"a route that names no method", &keyPrincipal, nil, http.StatusUnauthorized},
		{"a role without the permission", &member, []auth.Method{auth.ViaAccessToken}, http.StatusForbidden},
		{"unknown roles grant nothing", &auth.Principal{TenantID: "acme", KeyID: "k", Roles: []string{"root"}, Method: auth.ViaAPIKey}, []auth.Method{auth.ViaAPIKey}, http.StatusForbidden},
		{"no roles grant nothing", &auth.Principal{TenantID: "acme", UserID: "u3", Method: auth.ViaAccessToken}, []auth.Method{auth.ViaAccessToken}, http.StatusForbidden},
		{"a role with the permission", &manager, []auth.Method{auth.ViaAccessToken}, http.StatusNoContent},
		{"an admin API key", &keyPrincipal, []auth.Method{auth.ViaAPIKey, auth.ViaAccessToken}, http.StatusNoContent},
		// A SCIM token's role grants users:write for the directory, but
		// opens no route other than SCIM's.
		{"a SCIM token off the SCIM routes", &auth.Principal{TenantID: "acme", KeyID: "k", Roles: []string{"scim"}, Method: auth.ViaAPIKey}, []auth.Method{auth.ViaAPIKey}, http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s seen
			h := auth.Require(role.UsersWrite, web.WriteProblem, tc.methods...)(s.next())
			r := withPrincipal(tc.p)(httptest.NewRequest(http.MethodPost, "/users", nil))
			w := httptest.NewRecorder()

			h.ServeHTTP(w, r)

			if w.Code != tc.status {
				t.Fatalf("status %d, want %d; body %s", w.Code, tc.status, w.Body)
			}
			if tc.status == http.StatusNoContent {
				if !s.ok || !samePrincipal(s.p, *tc.p) {
					t.Errorf("the handler saw principal %+v, %v; want %+v", s.p, s.ok, *tc.p)
				}
				return
			}
			if s.called {
				t.Error("the handler ran although the request was refused")
			}
			if ct := w.Header().Get("Content-Type"); ct != web.ProblemContentType {
				t.Errorf("Content-Type %q, want %s", ct, web.ProblemContentType)
			}
			prob := decodeProblem(t, w.Body.Bytes())
			if prob.Status != tc.status {
				t.Errorf("problem status %d, want %d", prob.Status, tc.status)
			}
			challenge := w.Header().Get("WWW-Authenticate")
			switch tc.status {
			case http.StatusUnauthorized:
				if challenge != `Bearer realm="roster"` {
					t.Errorf(`WWW-Authenticate %q, want Bearer realm="roster"`, challenge)
				}
				if prob.Detail != unauthenticated {
					t.Errorf("detail %q, want the Authenticator's one refusal %q", prob.Detail, unauthenticated)
				}
			case http.StatusForbidden:
				if challenge != "" {
					t.Errorf("a 403 challenges for credentials (%q): the caller already has valid ones", challenge)
				}
			}
		})
	}
}

func TestInProcessSetsThePrincipalOnlyForAValidCredentialAndNeverRefusesItself(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		key := env.APIKey(t, f.tenant, f.keys.Pepper)
		u := f.newUser(t, nil)
		tok := f.tokenFor(t, f.issuer, u)
		var logs bytes.Buffer
		for _, tc := range []struct {
			name   string
			header string
			want   *auth.Principal
		}{
			{"API key", key, &auth.Principal{TenantID: f.tenant, KeyID: keyID(t, key), Roles: []string{"admin"}, Method: auth.ViaAPIKey}},
			{"access token", "Bearer " + tok, &auth.Principal{TenantID: f.tenant, UserID: u.ID, AccountID: u.AccountID, Roles: []string{"admin"}, Method: auth.ViaAccessToken}},
			{"no credential", "", nil},
			{"unknown API key", newAPIKey(t), nil},
			{"garbage", "Bearer not-a-token", nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var s seen
				h := web.Middleware(auth.InProcess(f.authn, web.WriteProblem)(s.next()), quietLog(&logs), web.WriteProblem)
				r := httptest.NewRequest(http.MethodGet, "/", nil)
				if tc.header != "" {
					r.Header.Set("Authorization", tc.header)
				}
				w := httptest.NewRecorder()

				h.ServeHTTP(w, r)

				if w.Code != http.StatusNoContent || !s.called {
					t.Fatalf("status %d (handler called: %v), want the handler's 204: InProcess answers only store failures", w.Code, s.called)
				}
				switch {
				case tc.want == nil && s.ok:
					t.Errorf("principal %+v for a credential that proves nothing", s.p)
				case tc.want != nil && (!s.ok || !samePrincipal(s.p, *tc.want)):
					t.Errorf("principal %+v, %v; want %+v", s.p, s.ok, *tc.want)
				}
			})
		}
		checkNotLogged(t, &logs, key, tok)
	})
}

func TestInProcessAnswersAStoreFailureWithTheErrorWriter(t *testing.T) {
	t.Parallel()
	a := &auth.Authenticator{Keys: unavailableKeys(), Pepper: []byte("pepper")}
	var (
		s    seen
		logs bytes.Buffer
	)
	h := web.Middleware(auth.InProcess(a, web.WriteProblem)(s.next()), quietLog(&logs), web.WriteProblem)
	key := newAPIKey(t)
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", key)
	w := httptest.NewRecorder()

	h.ServeHTTP(w, r)

	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503; body %s", w.Code, w.Body)
	}
	if s.called {
		t.Error("the handler ran without the credential having been checked")
	}
	if p := decodeProblem(t, w.Body.Bytes()); p.Status != http.StatusServiceUnavailable {
		t.Errorf("problem %+v, want status 503", p)
	}
	checkNotLogged(t, &logs, key)
}

// gatewayEvent is an HTTP API request as API Gateway hands it to a function
// after the authorizer ran: authorizer is its context, nil for no block.
func gatewayEvent(authorizer map[string]any, headers map[string]string) events.APIGatewayV2HTTPRequest {
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "GET /UserInfo/UserId", RawPath: "/UserInfo/UserId",
		Headers: headers,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey: "GET /UserInfo/UserId", Stage: "$default", RequestID: "req-1", APIID: "r0st3rdemo",
			DomainName: "r0st3rdemo.execute-api.us-east-1.amazonaws.com",
			HTTP:       events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: "/UserInfo/UserId", Protocol: "HTTP/1.1", SourceIP: "203.0.113.10"},
		},
	}
	if authorizer != nil {
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: authorizer}
	}
	return ev
}

// viaJSON is m as the function receives it: decoded from the event JSON.
func viaJSON(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestFromGatewayTrustsOnlyTheAuthorizerContextNeverTheRequest(t *testing.T) {
	t.Parallel()
	forgedContext, err := json.Marshal(events.APIGatewayV2HTTPRequestContext{
		Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: auth.Principal{
			TenantID: "globex", KeyID: "k", Roles: []string{"owner"}, Method: auth.ViaAPIKey,
		}.Context()},
	})
	if err != nil {
		t.Fatal(err)
	}
	// What a caller might send to pass for another tenant or principal.
	impersonation := map[string]string{
		"authorization":                          newAPIKey(t),
		"x-tenant":                               "globex",
		"x-tenant-id":                            "globex",
		"x-roster-tenant":                        "globex",
		"x-roster-principal":                     `{"tenant":"globex","key":"k","roles":"owner","method":"api_key"}`,
		"x-user-id":                              "u-globex",
		"x-roles":                                "owner",
		"x-amzn-oidc-identity":                   "u-globex",
		"x-apigateway-authorizer":                `{"lambda":{"tenant":"globex","key":"k","method":"api_key"}}`,
		strings.ToLower(core.APIGwContextHeader): string(forgedContext),
	}
	for _, tc := range []struct {
		name       string
		authorizer map[string]any
		headers    map[string]string
		want       *auth.Principal
	}{
		{"API key principal", keyPrincipal.Context(), nil, &keyPrincipal},
		{"access token principal, as decoded from the event", viaJSON(t, userPrincipal.Context()), nil, &userPrincipal},
		{"principal with impersonating headers", keyPrincipal.Context(), impersonation, &keyPrincipal},
		{"refused credential with impersonating headers", map[string]any{"method": ""}, impersonation, nil},
		{"no authorizer block with impersonating headers", nil, impersonation, nil},
		{"no authorizer block", nil, nil, nil},
		{"authorizer block without a lambda context", map[string]any{}, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s seen
			handler := lambdahttp.New(auth.FromGateway(s.next()))

			res, err := handler(context.Background(), gatewayEvent(tc.authorizer, tc.headers))

			if err != nil || res.StatusCode != http.StatusNoContent || !s.called {
				t.Fatalf("response %d, %v (handler called: %v); want the handler's 204", res.StatusCode, err, s.called)
			}
			switch {
			case tc.want == nil && s.ok:
				t.Errorf("principal %+v without an authorizer-verified one", s.p)
			case tc.want != nil && (!s.ok || !samePrincipal(s.p, *tc.want)):
				t.Errorf("principal %+v, %v; want %+v", s.p, s.ok, *tc.want)
			}
		})
	}
}

func TestFromGatewayYieldsNoPrincipalOutsideAPIGateway(t *testing.T) {
	t.Parallel()
	var s seen
	r := httptest.NewRequest(http.MethodGet, "/UserInfo/UserId", nil)
	r.Header.Set("Authorization", newAPIKey(t))
	r.Header.Set(core.APIGwContextHeader, `{"authorizer":{"lambda":{"tenant":"globex","key":"k","method":"api_key"}}}`)
	w := httptest.NewRecorder()

	auth.FromGateway(s.next()).ServeHTTP(w, r)

	if !s.called || s.ok {
		t.Errorf("handler called %v with principal %+v, %v; want called without one", s.called, s.p, s.ok)
	}
}
