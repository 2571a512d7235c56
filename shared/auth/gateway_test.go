package auth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"roster/shared/auth"
	"roster/shared/opaque"
	"roster/shared/platform"
	"roster/shared/store/storetest"
)

type authorizerFunc = func(context.Context, events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error)

// gateway is the authorizer the function runs, around a, logging into logs.
func gateway(a *auth.Authenticator, logs *bytes.Buffer) authorizerFunc {
	return auth.GatewayAuthorizer(func(context.Context) (*auth.Authenticator, error) { return a, nil }, quietLog(logs))
}

func authorizerRequest(headers map[string]string) events.APIGatewayV2CustomAuthorizerV2Request {
	return events.APIGatewayV2CustomAuthorizerV2Request{
		Version: "2.0", Type: "REQUEST", RouteKey: "GET /UserInfo/UserId", RawPath: "/UserInfo/UserId",
		RouteArn: "arn:aws:execute-api:us-east-1:123456789012:r0st3rdemo/$default/GET/UserInfo/UserId",
		Headers:  headers,
	}
}

func TestGatewayAuthorizerPassesTheVerifiedPrincipalToTheFunction(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		key := env.APIKey(t, f.tenant, f.keys.Pepper)
		u := f.newUser(t, nil)
		tok := f.tokenFor(t, f.issuer, u)
		var logs bytes.Buffer
		authorize := gateway(f.authn, &logs)
		keyWant := auth.Principal{TenantID: f.tenant, KeyID: keyID(t, key), Roles: []string{"admin"}, Method: auth.ViaAPIKey}
		for _, tc := range []struct {
			name    string
			headers map[string]string
			want    auth.Principal
		}{
			{"API key, header name as API Gateway sends it", map[string]string{"authorization": key}, keyWant},
			{"API key, header name capitalised", map[string]string{"Authorization": key}, keyWant},
			{"API key, header name in upper case", map[string]string{"AUTHORIZATION": "Bearer " + key}, keyWant},
			{"API key among other headers", map[string]string{"accept": "*/*", "authorization": key, "x-tenant": "globex"}, keyWant},
			{"access token", map[string]string{"authorization": "Bearer " + tok},
				auth.Principal{TenantID: f.tenant, UserID: u.ID, AccountID: u.AccountID, Roles: []string{"admin"}, Method: auth.ViaAccessToken}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res, err := authorize(context.Background(), authorizerRequest(tc.headers))
				if err != nil {
					t.Fatal(err)
				}
				if !res.IsAuthorized {
					t.Fatal("isAuthorized false: API Gateway would answer in its own shape")
				}
				if !maps.Equal(res.Context, tc.want.Context()) {
					t.Errorf("context %v, want %v", res.Context, tc.want.Context())
				}
				// What the function will read back, after API Gateway has
				// carried the context as JSON.
				if p, ok := auth.PrincipalFromContext(viaJSON(t, res.Context)); !ok || !samePrincipal(p, tc.want) {
					t.Errorf("the function reads %+v, %v; want %+v", p, ok, tc.want)
				}
			})
		}
		checkNotLogged(t, &logs, key, tok)
	})
}

func TestGatewayAuthorizerLetsABadCredentialThroughWithNoPrincipal(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		revoked := newAPIKey(t)
		storeKey(t, env, revoked, f.tenant, f.keys.Pepper, true)
		u := f.newUser(t, nil)
		expiredIssuer, _ := tokens(t, f.keys, platform.TokenIssuer, platform.TokenAudience, func() time.Time { return time.Now().Add(-time.Hour) })
		expired := f.tokenFor(t, expiredIssuer, u)
		unknown := newAPIKey(t)
		var logs bytes.Buffer
		authorize := gateway(f.authn, &logs)

		var first []byte
		for _, tc := range []struct {
			name    string
			headers map[string]string
		}{
			{"no headers", nil},
			{"no authorization header", map[string]string{"accept": "*/*"}},
			{"empty authorization header", map[string]string{"authorization": ""}},
			{"garbage", map[string]string{"authorization": "Bearer not-a-token"}},
			{"unknown API key", map[string]string{"authorization": unknown}},
			{"revoked API key", map[string]string{"Authorization": revoked}},
			{"expired access token", map[string]string{"authorization": "Bearer " + expired}},
			{"a principal claimed in headers", map[string]string{"x-tenant": "acme", "x-roles": "owner", "x-key": "k"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res, err := authorize(context.Background(), authorizerRequest(tc.headers))
				if err != nil {
					t.Fatalf("error %v: API Gateway would answer 500 for a mere bad credential", err)
				}
				if !res.IsAuthorized {
					t.Error("isAuthorized false: API Gateway would answer 403 in its own shape instead of the function")
				}
				if p, ok := auth.PrincipalFromContext(viaJSON(t, res.Context)); ok {
					t.Errorf("context %v yields principal %+v", res.Context, p)
				}
				raw, err := json.Marshal(res)
				if err != nil {
					t.Fatal(err)
				}
				if first == nil {
					first = raw
				} else if !bytes.Equal(raw, first) {
					t.Errorf("answer %s differs from the other bad credentials' %s", raw, first)
				}
			})
		}
		checkNotLogged(t, &logs, revoked, expired, unknown)
		if !strings.Contains(logs.String(), "credential rejected") {
			t.Errorf("rejections are not logged:\n%s", &logs)
		}
	})
}

func TestGatewayAuthorizerFailsWhenItCannotCheckSoTheRequestNeverProceeds(t *testing.T) {
	t.Parallel()
	errInit := errors.New("load key material: secret unreachable")
	for _, tc := range []struct {
		name string
		get  func(context.Context) (*auth.Authenticator, error)
		want error
	}{
		{"API key store unavailable", func(context.Context) (*auth.Authenticator, error) {
			return &auth.Authenticator{Keys: unavailableKeys(), Pepper: []byte("pepper")}, nil
		}, errStoreDown},
		{"Authenticator cannot be built", func(context.Context) (*auth.Authenticator, error) { return nil, errInit }, errInit},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			key := newAPIKey(t)
			res, err := auth.GatewayAuthorizer(tc.get, quietLog(&logs))(context.Background(), authorizerRequest(map[string]string{"authorization": key}))
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v (API Gateway answers 500)", err, tc.want)
			}
			if res.IsAuthorized || res.Context != nil {
				t.Errorf("response %+v alongside the error", res)
			}
			checkNotLogged(t, &logs, key)
		})
	}
}

// The demo tenant and API key the local stack seeds (cmd/internal/devstack)
// and the files in events/ send.
const (
	demoTenant    = "demo"
	demoKeyID     = "demodemodemodemo"
	demoKeySecret = "local-demo-key-never-valid-in-aws-000000000"
)

// authorizerEvents are the files events/authorizer-*.json and what the
// authorizer answers each with the demo key seeded.
var authorizerEvents = []struct {
	file string
	want events.APIGatewayV2CustomAuthorizerSimpleResponse
}{
	{"authorizer-api-key.json", events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: true, Context: map[string]any{
		"tenant": demoTenant, "user": "", "account": "", "key": demoKeyID, "roles": "admin", "method": "api_key",
	}}},
	{"authorizer-no-credential.json", events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: true, Context: map[string]any{"method": ""}}},
}

func TestAuthorizerEventsAreRealisticPayloads(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join(eventsDir(t), "authorizer-*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got, want []string
	for _, f := range files {
		got = append(got, filepath.Base(f))
	}
	for _, e := range authorizerEvents {
		want = append(want, e.file)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("events/authorizer-*.json are %q; the tests know %q", got, want)
	}
	for _, e := range authorizerEvents {
		t.Run(e.file, func(t *testing.T) {
			ev := readAuthorizerEvent(t, e.file)
			rc := ev.RequestContext
			method, path, _ := strings.Cut(ev.RouteKey, " ")
			switch {
			case ev.Version != "2.0" || ev.Type != "REQUEST":
				t.Errorf("version %q type %q, want the 2.0 REQUEST payload", ev.Version, ev.Type)
			case rc.RouteKey != ev.RouteKey || rc.HTTP.Method != method || rc.HTTP.Path != path || ev.RawPath != path:
				t.Errorf("route %q, context route %q, %s %s, raw path %q disagree", ev.RouteKey, rc.RouteKey, rc.HTTP.Method, rc.HTTP.Path, ev.RawPath)
			case ev.RouteArn != "arn:aws:execute-api:us-east-1:"+rc.AccountID+":"+rc.APIID+"/"+rc.Stage+"/"+method+path:
				t.Errorf("routeArn %q does not name the API, stage and route", ev.RouteArn)
			case len(ev.IdentitySource) != 0:
				t.Errorf("identitySource %q: the authorizer has no identity source (ADR 009)", ev.IdentitySource)
			case rc.Authorizer != nil:
				t.Error("an authorizer request carries an authorizer context: only the function's request does")
			case rc.RequestID == "" || rc.TimeEpoch == 0 || rc.DomainName == "":
				t.Error("requestContext lacks the request id, time or domain API Gateway always sends")
			}
			for name := range ev.Headers {
				if name != strings.ToLower(name) {
					t.Errorf("header %q: payload 2.0 header names are lower case", name)
				}
			}
		})
	}
}

func TestAuthorizerEventsGetTheExpectedAnswer(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		env.Tenant(t, demoTenant)
		k, err := opaque.APIKey.FromSecret(demoKeyID, demoKeySecret)
		if err != nil {
			t.Fatal(err)
		}
		storeKey(t, env, k.Token, demoTenant, f.keys.Pepper, false)
		var logs bytes.Buffer
		authorize := gateway(f.authn, &logs)
		for _, e := range authorizerEvents {
			t.Run(e.file, func(t *testing.T) {
				res, err := authorize(context.Background(), readAuthorizerEvent(t, e.file))
				if err != nil {
					t.Fatal(err)
				}
				got, _ := json.Marshal(res)
				want, _ := json.Marshal(e.want)
				if !bytes.Equal(got, want) {
					t.Errorf("answer %s\nwant   %s", got, want)
				}
			})
		}
		checkNotLogged(t, &logs, k.Token)
	})
}

func eventsDir(t *testing.T) string {
	t.Helper()
	return filepath.Join(filepath.Dir(storetest.TemplatePath(t)), "events")
}

// readAuthorizerEvent decodes an event file strictly, so a misspelt member
// is caught rather than silently dropped.
func readAuthorizerEvent(t *testing.T, name string) events.APIGatewayV2CustomAuthorizerV2Request {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(eventsDir(t), name))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayV2CustomAuthorizerV2Request
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ev); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if dec.More() {
		t.Fatalf("%s: more than one JSON value", name)
	}
	return ev
}
