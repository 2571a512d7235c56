package account_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"roster/shared/fault"
	"roster/shared/signin"
	"roster/shared/user"
	"roster/shared/web/webtest"
)

func TestLoginReturnsTokensForTheDeviceTenant(t *testing.T) {
	for _, header := range []string{deviceTok, "Bearer " + deviceTok, "bearer " + deviceTok, "  Bearer   " + deviceTok + " "} {
		t.Run(header, func(t *testing.T) {
			f := happy(t)
			var gotDevice, gotCode, gotPassword string
			f.login = func(device, code, pw string) (signin.Tokens, error) {
				gotDevice, gotCode, gotPassword = device, code, pw
				return theTokens(), nil
			}
			res := do(t, f, request{Method: "POST", Target: "/account", Header: map[string]string{"Authorization": header},
				Body: `{"userCode":" grace ","password":" ` + passwd + ` "}`})

			webtest.AssertJSON(t, res, http.StatusOK, `{`+theTokensJSON+`,"tenantUid":"acme","userUid":"usr1","accountUid":"acc1"}`)
			webtest.AssertHeaders(t, res, map[string]string{"Cache-Control": "no-store", "ETag": "", "WWW-Authenticate": ""})
			webtest.AssertCalls(t, f, "Login")
			// The user code is trimmed; the password is the password, spaces and all.
			if gotDevice != deviceTok || gotCode != "grace" || gotPassword != " "+passwd+" " {
				t.Errorf("Login(%q, %q, %q)", gotDevice, gotCode, gotPassword)
			}
		})
	}
}

func TestLoginExpiresInCountsFromNow(t *testing.T) {
	f := happy(t)
	f.login = func(string, string, string) (signin.Tokens, error) {
		tok := theTokens()
		tok.AccessExpires = fixedNow.Add(-time.Second) // already expired: never negative
		return tok, nil
	}
	res := do(t, f, routeFor(t, "Login").request())
	if !strings.Contains(string(res.Body), `"expiresIn":0`) {
		t.Errorf("body %s, want expiresIn 0", res.Body)
	}
}

func TestLoginRefusesAMissingDeviceToken(t *testing.T) {
	for name, header := range map[string]string{
		"no header": "", "Bearer alone": "Bearer", "Bearer and spaces": "Bearer    ", "spaces": "   ",
		"oversize": "Bearer " + strings.Repeat("a", 513),
	} {
		t.Run(name, func(t *testing.T) {
			f := happy(t)
			rq := routeFor(t, "Login").request()
			rq.Header = map[string]string{"Authorization": header}
			if header == "   " {
				rq.Header = nil
				rq.Edit = func(r *http.Request) { r.Header["Authorization"] = []string{"   "} }
			}
			p := webtest.AssertProblem(t, do(t, f, rq), http.StatusUnauthorized)
			webtest.AssertCalls(t, f)
			if !strings.Contains(p.Detail, "device token") {
				t.Errorf("detail %q does not say a device token is needed", p.Detail)
			}
		})
	}
}

func TestLoginRefusesBadInputWithoutCallingTheService(t *testing.T) {
	tests := []struct {
		name, body string
		fields     []string
	}{
		{"empty object", `{}`, []string{"userCode", "password"}},
		{"no password", `{"userCode":"grace"}`, []string{"password"}},
		{"no user code", `{"password":"x"}`, []string{"userCode"}},
		{"blank user code", `{"userCode":"  ","password":"x"}`, []string{"userCode"}},
		{"empty password", `{"userCode":"grace","password":""}`, []string{"password"}},
		{"user code too long", `{"userCode":"` + strings.Repeat("g", 255) + `","password":"x"}`, []string{"userCode"}},
		{"user code with a control character", `{"userCode":"gr\u0000ace","password":"x"}`, []string{"userCode"}},
		{"password over 1024 bytes", `{"userCode":"grace","password":"` + strings.Repeat("p", 1025) + `"}`, []string{"password"}},
		{"password of the wrong type", `{"userCode":"grace","password":123}`, []string{"password"}},
		{"null user code", `{"userCode":null,"password":"x"}`, []string{"userCode"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := happy(t)
			rq := routeFor(t, "Login").request()
			rq.Body = tt.body
			webtest.AssertProblem(t, do(t, f, rq), http.StatusBadRequest, tt.fields...)
			webtest.AssertCalls(t, f)
		})
	}
}

func TestLoginFailureIsOne401WithAChallenge(t *testing.T) {
	f := failing(t, fault.New(fault.Unauthorized, "The user code or password is wrong, or the device is not registered."))
	res := do(t, f, routeFor(t, "Login").request())
	p := webtest.AssertProblem(t, res, http.StatusUnauthorized)
	if p.Detail != "The user code or password is wrong, or the device is not registered." {
		t.Errorf("detail %q", p.Detail)
	}
	if strings.Contains(string(res.Body), "Token") || strings.Contains(string(res.Body), authTok) {
		t.Errorf("body %s", res.Body)
	}
}

func TestExchangeReturnsTheTenantUserAndFreshTokens(t *testing.T) {
	bodies := map[string]struct {
		body   string
		header map[string]string
	}{
		"no body":              {},
		"empty object":         {body: `{}`},
		"empty object, spaced": {body: " {  }\n"},
		"whitespace only":      {body: "  \n", header: map[string]string{"Content-Type": ""}},
		"empty, no type":       {header: map[string]string{"Content-Type": "text/plain"}},
	}
	for name, b := range bodies {
		t.Run(name, func(t *testing.T) {
			f := happy(t)
			var gotAuth, gotTenant string
			f.exchange = func(a, tenant string) (signin.Tokens, *user.User, error) {
				gotAuth, gotTenant = a, tenant
				return theTokens(), theUser(), nil
			}
			res := do(t, f, request{Method: "POST", Target: "/tenants/acme/account", Body: b.body,
				Header: webtest.Headers(map[string]string{"Authorization": authTok}, b.header)})

			webtest.AssertJSON(t, res, http.StatusOK, theUserJSON[:len(theUserJSON)-1]+","+theTokensJSON+"}")
			webtest.AssertHeaders(t, res, map[string]string{"ETag": `"7"`, "Cache-Control": "no-store"})
			webtest.AssertCalls(t, f, "Exchange")
			if gotAuth != authTok || gotTenant != "acme" {
				t.Errorf("Exchange(%q, %q)", gotAuth, gotTenant)
			}
		})
	}
}

func TestExchangeNeedsNoCallerAndTrustsNoTenantButThePath(t *testing.T) {
	// The route is public: an access token for another tenant changes
	// nothing; the service decides whether the person may enter acme.
	f := happy(t)
	var gotTenant string
	f.exchange = func(_, tenant string) (signin.Tokens, *user.User, error) {
		gotTenant = tenant
		return theTokens(), theUser(), nil
	}
	res := do(t, f, request{Method: "POST", Target: "/tenants/acme/account", As: &otherOwner, Header: map[string]string{"Authorization": authTok}})
	if res.Code != 200 || gotTenant != "acme" {
		t.Errorf("status %d, tenant %q", res.Code, gotTenant)
	}
}

func TestExchangeRefusesABody(t *testing.T) {
	tests := []struct {
		name, body string
		header     map[string]string
		status     int
		field      string
	}{
		{"a field", `{"tenantUid":"globex"}`, nil, 400, "tenantUid"},
		{"an array", `[]`, nil, 400, "body"},
		{"null", `null`, nil, 400, "body"},
		{"malformed", `{`, nil, 400, "body"},
		{"text", `please`, map[string]string{"Content-Type": "text/plain"}, 415, "Content-Type"},
		{"empty object as text", `{}`, map[string]string{"Content-Type": "text/plain"}, 415, "Content-Type"},
		{"oversize", `{"x":"` + strings.Repeat("x", 100) + `"}`, nil, 413, "body"},
		{"oversize whitespace", strings.Repeat(" ", 100), nil, 413, "body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := happy(t)
			rq := routeFor(t, "Exchange").request()
			rq.Body = tt.body
			rq.Header = webtest.Headers(rq.Header, tt.header)
			webtest.AssertProblem(t, do(t, f, rq), tt.status, tt.field)
			webtest.AssertCalls(t, f)
		})
	}
}

func TestTokenRoutesRefuseAMissingAuthToken(t *testing.T) {
	for _, call := range []string{"Exchange", "AcceptInvite"} {
		for name, header := range map[string]string{"no header": "", "Bearer alone": "Bearer ", "oversize": strings.Repeat("a", 513)} {
			t.Run(call+"/"+name, func(t *testing.T) {
				f := happy(t)
				rq := routeFor(t, call).request()
				rq.Header = webtest.Headers(rq.Header, map[string]string{"Authorization": header})
				p := webtest.AssertProblem(t, do(t, f, rq), http.StatusUnauthorized)
				webtest.AssertCalls(t, f)
				if !strings.Contains(p.Detail, "auth token") {
					t.Errorf("detail %q does not say an auth token is needed", p.Detail)
				}
			})
		}
	}
}
