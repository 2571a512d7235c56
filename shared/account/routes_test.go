package account_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"roster/shared/account"
	"roster/shared/auth"
	"roster/shared/web"
	"roster/shared/web/webtest"
)

// A route of the group with a request it accepts.
type route struct {
	method, path string // as routes.go lists it
	target       string // a concrete path for tenant acme
	body         string // a valid body; "" for none
	wrongType    string // a body with a value of the wrong JSON type …
	wrongField   string // … in this field
	as           *auth.Principal
	header       map[string]string
	status       int
	call         string // the service method it calls
	access       string // "public", "self" or "admin"
	tenantPath   bool   // has {tenantUid}
}

func routes() []route {
	authz := func(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }
	return []route{
		{method: "POST", path: "/account", target: "/account", body: `{"userCode":"grace","password":"` + passwd + `"}`,
			wrongType: `{"userCode":1,"password":"x"}`, wrongField: "userCode",
			header: authz(deviceTok), status: 200, call: "Login", access: "public"},
		{method: "POST", path: "/tenants/{tenantUid}/account", target: "/tenants/acme/account",
			header: authz(authTok), status: 200, call: "Exchange", access: "public", tenantPath: true},
		{method: "GET", path: "/account/invite", target: "/account/invite",
			header: map[string]string{"X-Invite-Token": inviteTok}, status: 200, call: "DescribeInvite", access: "public"},
		{method: "PUT", path: "/account/invite", target: "/account/invite", body: `{"inviteToken":"` + inviteTok + `"}`,
			wrongType: `{"inviteToken":[]}`, wrongField: "inviteToken",
			header: authz(authTok), status: 200, call: "AcceptInvite", access: "public"},
		{method: "GET", path: "/account", target: "/account", as: &member, status: 200, call: "Account", access: "self"},
		{method: "PUT", path: "/account", target: "/account", body: `{"defaultTenantUid":"globex"}`,
			wrongType: `{"defaultTenantUid":true}`, wrongField: "defaultTenantUid",
			as: &member, status: 200, call: "SetDefaultTenant", access: "self"},
		{method: "GET", path: "/tenants/{tenantUid}/account", target: "/tenants/acme/account", as: &member, status: 200,
			call: "TenantUser", access: "self", tenantPath: true},
		{method: "PUT", path: "/tenants/{tenantUid}/account", target: "/tenants/acme/account", body: `{"displayName":"Grace H."}`,
			wrongType: `{"email":5}`, wrongField: "email",
			as: &member, status: 200, call: "UpdateSelf", access: "self", tenantPath: true},
		{method: "POST", path: "/tenants/{tenantUid}/invitations", target: "/tenants/acme/invitations",
			body:      `{"email":"ada@example.com","role":"member","firstname":"Ada","lastname":"Lovelace"}`,
			wrongType: `{"email":"ada@example.com","role":"member","firstname":"Ada","lastname":"Lovelace","expiresInHours":"24"}`, wrongField: "expiresInHours",
			as: &owner, status: 201, call: "CreateInvite", access: "admin", tenantPath: true},
		{method: "POST", path: "/tenants/{tenantUid}/devices", target: "/tenants/acme/devices", body: `{"name":"Till 3"}`,
			wrongType: `{"name":{}}`, wrongField: "name",
			as: &owner, status: 201, call: "CreateDevice", access: "admin", tenantPath: true},
		{method: "DELETE", path: "/tenants/{tenantUid}/devices/{deviceId}", target: "/tenants/acme/devices/dddddddddddddddd",
			as: &owner, status: 204, call: "RevokeDevice", access: "admin", tenantPath: true},
		{method: "POST", path: "/tenants/{tenantUid}/apikeys", target: "/tenants/acme/apikeys", body: `{"name":"billing","roles":["user_manager"]}`,
			wrongType: `{"name":"billing","roles":"admin"}`, wrongField: "roles",
			as: &owner, status: 201, call: "CreateAPIKey", access: "admin", tenantPath: true},
		{method: "DELETE", path: "/tenants/{tenantUid}/apikeys/{keyId}", target: "/tenants/acme/apikeys/kkkkkkkkkkkkkkkk",
			as: &owner, status: 204, call: "RevokeAPIKey", access: "admin", tenantPath: true},
		{method: "GET", path: "/tenants/{tenantUid}/audit", target: "/tenants/acme/audit",
			as: &owner, status: 200, call: "QueryAudit", access: "admin", tenantPath: true},
		{method: "PUT", path: "/tenants/{tenantUid}/audit", target: "/tenants/acme/audit",
			body: `{"retentionDays":30}`, wrongType: `{"retentionDays":"30"}`, wrongField: "retentionDays",
			as: &owner, status: 200, call: "SetAuditRetention", access: "admin", tenantPath: true},
		{method: "POST", path: "/tenants/{tenantUid}/webhooks", target: "/tenants/acme/webhooks",
			body:      `{"url":"https://hooks.example.com/roster","eventTypes":["roster.user.created"]}`,
			wrongType: `{"url":"https://hooks.example.com/roster","eventTypes":"roster.user.created"}`, wrongField: "eventTypes",
			as: &owner, status: 201, call: "Register", access: "admin", tenantPath: true},
		{method: "GET", path: "/tenants/{tenantUid}/webhooks", target: "/tenants/acme/webhooks",
			as: &owner, status: 200, call: "List", access: "admin", tenantPath: true},
		{method: "PUT", path: "/tenants/{tenantUid}/webhooks/{webhookId}", target: "/tenants/acme/webhooks/wwwwwwwwwwwwwwww",
			body: `{"enabled":true}`, wrongType: `{"enabled":"yes"}`, wrongField: "enabled",
			as: &owner, status: 200, call: "SetEnabled", access: "admin", tenantPath: true},
		{method: "DELETE", path: "/tenants/{tenantUid}/webhooks/{webhookId}", target: "/tenants/acme/webhooks/wwwwwwwwwwwwwwww",
			as: &owner, status: 204, call: "Delete", access: "admin", tenantPath: true},
		{method: "POST", path: "/tenants/{tenantUid}/webhooks/{webhookId}/replay", target: "/tenants/acme/webhooks/wwwwwwwwwwwwwwww/replay",
			body: `{"from":"2025-03-01T00:00:00Z","to":"2025-03-10T00:00:00Z"}`, wrongType: `{"from":1,"to":"2025-03-10T00:00:00Z"}`, wrongField: "from",
			as: &owner, status: 202, call: "RequestReplay", access: "admin", tenantPath: true},
		{method: "POST", path: "/account/mfa/verify", target: "/account/mfa/verify",
			body:      `{"challengeToken":"` + challengeTok + `","code":"123456"}`,
			wrongType: `{"challengeToken":"` + challengeTok + `","code":123456}`, wrongField: "code",
			header: authz(deviceTok), status: 200, call: "Verify", access: "public"},
		{method: "GET", path: "/account/mfa", target: "/account/mfa", as: &member, status: 200, call: "Summary", access: "self"},
		{method: "POST", path: "/account/mfa/totp", target: "/account/mfa/totp", as: &member, status: 201, call: "StartTOTP", access: "self"},
		{method: "PUT", path: "/account/mfa/totp", target: "/account/mfa/totp", body: `{"code":"123456"}`,
			wrongType: `{"code":123456}`, wrongField: "code", as: &member, status: 200, call: "ConfirmTOTP", access: "self"},
		{method: "POST", path: "/account/mfa/totp/delete", target: "/account/mfa/totp/delete", body: `{"code":"123456"}`,
			wrongType: `{"code":null}`, wrongField: "code", as: &member, status: 204, call: "RemoveTOTP", access: "self"},
		{method: "POST", path: "/account/mfa/enrol", target: "/account/mfa/enrol",
			body: `{"challengeToken":"` + challengeTok + `"}`, wrongType: `{"challengeToken":1}`, wrongField: "challengeToken",
			header: authz(deviceTok), status: 201, call: "StartEnrolment", access: "public"},
		{method: "POST", path: "/account/passkey/options", target: "/account/passkey/options", body: `{"challengeToken":"` + challengeTok + `"}`,
			wrongType: `{"challengeToken":1}`, wrongField: "challengeToken",
			header: authz(deviceTok), status: 200, call: "BeginPasskeyLogin", access: "public"},
		{method: "POST", path: "/account/passkeys/options", target: "/account/passkeys/options", as: &member, status: 200,
			call: "BeginPasskeyRegistration", access: "self"},
		{method: "POST", path: "/account/passkeys", target: "/account/passkeys", body: `{"name":"laptop","credential":{"id":"x"}}`,
			wrongType: `{"name":1,"credential":{"id":"x"}}`, wrongField: "name", as: &member, status: 201,
			call: "FinishPasskeyRegistration", access: "self"},
		{method: "GET", path: "/account/sessions", target: "/account/sessions", as: &member, status: 200, call: "ListSessions", access: "self"},
		{method: "DELETE", path: "/account/sessions", target: "/account/sessions", as: &member, status: 204, call: "EndAllSessions", access: "self"},
		{method: "DELETE", path: "/account/sessions/{sessionUid}", target: "/account/sessions/ssssssssssssssss", as: &member, status: 204,
			call: "EndSession", access: "self"},
		{method: "GET", path: "/tenants/{tenantUid}/mfa-policy", target: "/tenants/acme/mfa-policy", as: &owner, status: 200,
			call: "MFAPolicy", access: "admin", tenantPath: true},
		{method: "PUT", path: "/tenants/{tenantUid}/mfa-policy", target: "/tenants/acme/mfa-policy", body: `{"requiredRoles":["owner","admin"]}`,
			wrongType: `{"requiredRoles":"admin"}`, wrongField: "requiredRoles",
			as: &owner, status: 200, call: "SetMFAPolicy", access: "admin", tenantPath: true},
		{method: "DELETE", path: "/tenants/{tenantUid}/users/{userUid}/sessions", target: "/tenants/acme/users/usr1/sessions", as: &owner, status: 204,
			call: "EndUserSessions", access: "admin", tenantPath: true},
		{method: "DELETE", path: "/tenants/{tenantUid}/users/{userUid}/mfa", target: "/tenants/acme/users/usr1/mfa", as: &owner, status: 204,
			call: "ResetFactors", access: "admin", tenantPath: true},
		{method: "GET", path: "/.well-known/jwks.json", target: "/.well-known/jwks.json", status: 200, access: "public"},
		{method: "POST", path: "/tenants/{tenantUid}/account/recovery", target: "/tenants/acme/account/recovery", body: `{"email":"grace@example.com"}`,
			wrongType: `{"email":1}`, wrongField: "email", status: 202, call: "RequestReset", access: "public", tenantPath: true},
		{method: "PUT", path: "/tenants/{tenantUid}/account/recovery", target: "/tenants/acme/account/recovery",
			body:      `{"token":"` + resetTok + `","password":"` + passwd + `"}`,
			wrongType: `{"token":1,"password":"x"}`, wrongField: "token", status: 204, call: "Reset", access: "public", tenantPath: true},
		{method: "POST", path: "/tenants/{tenantUid}/users/{userUid}/recovery", target: "/tenants/acme/users/usr1/recovery",
			as: &owner, status: 202, call: "SendReset", access: "admin", tenantPath: true},
		{method: "POST", path: "/tenants/{tenantUid}/account/verification", target: "/tenants/acme/account/verification",
			as: &member, status: 202, call: "RequestVerification", access: "self", tenantPath: true},
		{method: "PUT", path: "/tenants/{tenantUid}/account/verification", target: "/tenants/acme/account/verification",
			body: `{"token":"` + verifyTok + `"}`, wrongType: `{"token":[]}`, wrongField: "token", status: 204, call: "ConfirmEmail", access: "public", tenantPath: true},
	}
}

// routeFor returns the route that calls the named service method.
func routeFor(t *testing.T, call string) route {
	t.Helper()
	for _, rt := range routes() {
		if rt.call == call {
			return rt
		}
	}
	t.Fatalf("no route calls %s", call)
	return route{}
}

func (rt route) name() string { return rt.method + " " + rt.path }

func (rt route) request() request {
	return request{Method: rt.method, Target: rt.target, Body: rt.body, As: rt.as, Header: rt.header}
}

// withTenant returns the route's target with another tenantUid.
func (rt route) withTenant(t string) string {
	return strings.Replace(rt.target, "/tenants/acme/", "/tenants/"+t+"/", 1)
}

func (rt route) calls() []string {
	if rt.call == "" {
		return nil
	}
	return []string{rt.call}
}

func TestRoutesListsEveryRouteTheTestsCover(t *testing.T) {
	webtest.CheckRoutes(t, account.Routes(account.Deps{}), routes(), route.name)
}

func TestEveryRouteAnswersAValidRequest(t *testing.T) {
	for _, rt := range routes() {
		t.Run(rt.name(), func(t *testing.T) {
			f := happy(t)
			res := do(t, f, rt.request())
			if res.Code != rt.status {
				t.Fatalf("status %d, want %d; body %s", res.Code, rt.status, res.Body)
			}
			webtest.AssertCalls(t, f, rt.calls()...)
			if res.Header.Get(web.RequestIDHeader) == "" {
				t.Error("no X-Request-Id")
			}
			wantCache := "no-store" // every answer, a bodyless 204 too, but the public keys
			if rt.path == "/.well-known/jwks.json" {
				wantCache = "public, max-age=300"
			}
			webtest.AssertHeaders(t, res, map[string]string{"Cache-Control": wantCache, "WWW-Authenticate": ""})
			if rt.status == http.StatusNoContent && len(res.Body) != 0 {
				t.Errorf("204 with body %s", res.Body)
			}
		})
	}
}

func TestSelfServiceRoutesRefuseAnAPIKey(t *testing.T) {
	for _, rt := range routes() {
		if rt.access != "self" {
			continue
		}
		t.Run(rt.name(), func(t *testing.T) {
			f := happy(t)
			rq := rt.request()
			rq.As = &adminKey
			res := do(t, f, rq)
			webtest.AssertProblem(t, res, http.StatusUnauthorized)
			webtest.AssertCalls(t, f)
		})
	}
}

func TestAdministrationRoutesAcceptAnAPIKey(t *testing.T) {
	for _, rt := range routes() {
		if rt.access != "admin" {
			continue
		}
		t.Run(rt.name(), func(t *testing.T) {
			f := happy(t)
			rq := rt.request()
			rq.As = &adminKey
			if res := do(t, f, rq); res.Code != rt.status {
				t.Errorf("status %d, want %d; body %s", res.Code, rt.status, res.Body)
			}
			webtest.AssertCalls(t, f, rt.calls()...)
		})
	}
}

func TestRoutesRefuseARoleWithoutThePermission(t *testing.T) {
	noRoles := auth.Principal{TenantID: "acme", UserID: "usr3", AccountID: "acc3", Method: auth.ViaAccessToken}
	unknownRole := auth.Principal{TenantID: "acme", UserID: "usr3", AccountID: "acc3", Roles: []string{"superuser"}, Method: auth.ViaAccessToken}
	for _, rt := range routes() {
		if rt.access == "public" {
			continue
		}
		callers := map[string]auth.Principal{"no role": noRoles, "unknown role": unknownRole}
		if rt.access == "admin" {
			callers["member token"] = member
			callers["member API key"] = memberKey
			if rt.call != "CreateInvite" && rt.call != "SendReset" { // a user manager invites and sends resets, but manages neither devices nor keys
				callers["user manager"] = manager
			}
		}
		for name, p := range callers {
			t.Run(rt.name()+"/"+name, func(t *testing.T) {
				f := happy(t)
				rq := rt.request()
				rq.As = &p
				webtest.AssertProblem(t, do(t, f, rq), http.StatusForbidden)
				webtest.AssertCalls(t, f)
			})
		}
	}
}

func TestUserManagerMayInvite(t *testing.T) {
	f := happy(t)
	rq := routeFor(t, "CreateInvite").request()
	rq.As = &manager
	if res := do(t, f, rq); res.Code != http.StatusCreated {
		t.Fatalf("status %d; body %s", res.Code, res.Body)
	}
	webtest.AssertCalls(t, f, "CreateInvite")
}

func TestTenantRoutesAnswerAnotherTenantAsIfItDidNotExist(t *testing.T) {
	for _, rt := range routes() {
		if !rt.tenantPath || rt.access == "public" {
			continue
		}
		t.Run(rt.name(), func(t *testing.T) {
			var details []string
			for _, tenant := range []string{"globex", "no-such-tenant", "ACME"} {
				f := happy(t)
				rq := rt.request()
				rq.Target = rt.withTenant(tenant)
				p := webtest.AssertProblem(t, do(t, f, rq), http.StatusNotFound)
				webtest.AssertCalls(t, f)
				details = append(details, p.Detail)
			}
			if details[0] != details[1] || details[1] != details[2] {
				t.Errorf("404 details differ: %q", details)
			}
			// The owner of globex is refused acme the same way.
			f := happy(t)
			rq := rt.request()
			rq.As = &otherOwner
			if p := webtest.AssertProblem(t, do(t, f, rq), http.StatusNotFound); p.Detail != details[0] {
				t.Errorf("detail %q, want %q", p.Detail, details[0])
			}
			webtest.AssertCalls(t, f)
		})
	}
}

func TestTenantRoutesRefuseATenantUidOutsideThePattern(t *testing.T) {
	bad := []string{"bad%20tenant", "a.b", "a%2Fb", "%C3%A9t%C3%A9", "ten~ant", "a+b", strings.Repeat("t", 65)}
	for _, rt := range routes() {
		if !rt.tenantPath {
			continue
		}
		webtest.CheckRefusedParam(t, rt.name(), "tenantUid", bad, func(t *testing.T, tenant string) (response, webtest.Recorder) {
			f := happy(t)
			rq := rt.request()
			rq.Target = rt.withTenant(tenant)
			return do(t, f, rq), f
		})
	}
}

func TestTenantUidOfSixtyFourCharactersIsAccepted(t *testing.T) {
	long := strings.Repeat("t", 64)
	p := auth.Principal{TenantID: long, UserID: "usr1", AccountID: "acc1", Roles: []string{"owner"}, Method: auth.ViaAccessToken}
	for _, rt := range routes() {
		if !rt.tenantPath {
			continue
		}
		t.Run(rt.name(), func(t *testing.T) {
			f := happy(t)
			rq := rt.request()
			rq.Target = rt.withTenant(long)
			if rq.As != nil {
				rq.As = &p
			}
			if res := do(t, f, rq); res.Code != rt.status {
				t.Errorf("status %d, want %d; body %s", res.Code, rt.status, res.Body)
			}
		})
	}
}

func TestBodyRoutesRefuseBadBodiesWithoutCallingTheService(t *testing.T) {
	for _, rt := range routes() {
		if rt.body == "" {
			continue
		}
		webtest.CheckBadBodies(t, rt.name(), webtest.BadBodies(rt.body, rt.wrongType, rt.wrongField, 16<<10),
			func(t *testing.T, c webtest.BadBody) (response, webtest.Recorder) {
				f := happy(t)
				rq := rt.request()
				rq.Body, rq.Edit = c.Body, c.Edit
				rq.Header = webtest.Headers(rt.header, c.Header)
				return do(t, f, rq), f
			})
	}
}

func TestServiceErrorsReachTheCallerByTheirCode(t *testing.T) {
	for _, rt := range routes() {
		if rt.call == "" {
			continue
		}
		webtest.CheckServiceErrors(t, rt.name(), func(t *testing.T, err error) (response, webtest.Recorder) {
			f := failing(t, err)
			return do(t, f, rt.request()), f
		}, rt.call)
	}
}

func TestNoSecretReachesTheLogOrAnotherResponse(t *testing.T) {
	secrets := []string{accessTok, authTok, deviceTok, inviteTok, apiKeyTok, passwd, "sealed-third-party-token", "$argon2id",
		challengeTok, totpSecret, recoveryCode}
	// Each response may carry only the secret it issues.
	issues := map[string][]string{
		"Login": {accessTok, authTok}, "Exchange": {accessTok, authTok}, "AcceptInvite": {accessTok, authTok},
		"CreateInvite": {inviteTok}, "CreateDevice": {deviceTok}, "CreateAPIKey": {apiKeyTok},
		"Verify": {accessTok, authTok}, "StartTOTP": {totpSecret}, "ConfirmTOTP": {recoveryCode}, "StartEnrolment": {totpSecret}, "BeginPasskeyLogin": {challengeTok},
	}
	for _, rt := range routes() {
		t.Run(rt.name(), func(t *testing.T) {
			res := do(t, happy(t), rt.request())
			for _, s := range secrets {
				if strings.Contains(res.Logs, s) {
					t.Errorf("log holds %.12s…: %s", s, res.Logs)
				}
				if strings.Contains(string(res.Body), s) && !slices.Contains(issues[rt.call], s) {
					t.Errorf("body holds %.12s…: %s", s, res.Body)
				}
			}
			for _, field := range []string{"failedLogins", "FailedLogins", "passwordHash", "PasswordHash", "tokenVersion", "TokenVersion", "lockedUntil"} {
				if strings.Contains(string(res.Body), field) {
					t.Errorf("body shows %s: %s", field, res.Body)
				}
			}
		})
	}
}
