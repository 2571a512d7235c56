package accessusers_test

import (
	"net/http"
	"strings"
	"testing"

	"roster/shared/accessusers"
	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/role"
	"roster/shared/web/webtest"
)

// A route of the group with a request it accepts.
type route struct {
	method, path string // as routes.go lists it
	target       string // path and query of a valid request
	body         string // a valid body; "" for none
	wrongType    string // a body with a value of the wrong JSON type …
	wrongField   string // … in this field
	calls        []string
	perm         string // the permission it needs
}

func routes() []route {
	return []route{
		{method: "POST", path: "/api/v1/accessuser/add", target: "/api/v1/accessuser/add",
			body:      `{"username":"ada","firstName":"Ada","lastName":"Lovelace","email":"ada@example.com","authId":3,"active":true}`,
			wrongType: `{"username":"ada","active":"yes"}`, wrongField: "active",
			calls: []string{"ListLoginProfiles", "Create"}, perm: "users:write"},
		{method: "POST", path: "/api/v1/accessuser/update", target: "/api/v1/accessuser/update",
			body:      `{"id":42,"firstName":"Grace B.","authId":0}`,
			wrongType: `{"id":"42","authId":0}`, wrongField: "id",
			calls: []string{"GetByNumber", "Update"}, perm: "users:write"},
		{method: "POST", path: "/api/v1/accessuser/updateUserPassword", target: "/api/v1/accessuser/updateUserPassword",
			body:      `{"username":"grace","userPassword":"a new long passphrase","confirmPassword":"a new long passphrase","currentPassword":"the old passphrase"}`,
			wrongType: `{"username":["grace"],"userPassword":"x","confirmPassword":"x"}`, wrongField: "username",
			calls: []string{"PasswordTarget", "SetPassword"}, perm: "self:write"},
		{method: "DELETE", path: "/api/v1/accessuser/delete", target: "/api/v1/accessuser/delete",
			body: `{"id":42}`, wrongType: `{"id":4.2}`, wrongField: "id",
			calls: []string{"GetByNumber", "Delete"}, perm: "users:delete"},
		{method: "DELETE", path: "/api/v1/accessuser/deleteByUsername", target: "/api/v1/accessuser/deleteByUsername",
			body: `{"username":"grace","loginProfileId":1}`, wrongType: `{"username":"grace","loginProfileId":true}`, wrongField: "loginProfileId",
			calls: []string{"GetByUsername", "Delete"}, perm: "users:delete"},
		{method: "GET", path: "/api/v1/accessuser/search", target: "/api/v1/accessuser/search?searchWord=gr&pageSize=10",
			calls: []string{"SearchUsers"}, perm: "users:read"},
		{method: "GET", path: "/api/v1/loginprofile/list", target: "/api/v1/loginprofile/list",
			calls: []string{"ListLoginProfiles"}, perm: "users:read"},
		{method: "POST", path: "/api/v1/loginprofile/add", target: "/api/v1/loginprofile/add",
			body: `{"name":"Okta","authTypeId":4}`, wrongType: `{"name":"Okta","authTypeId":"4"}`, wrongField: "authTypeId",
			calls: []string{"AddLoginProfile"}, perm: "tenant:admin"},
	}
}

func (rt route) name() string { return rt.method + " " + rt.path }

func (rt route) request(as *auth.Principal) request {
	return request{Method: rt.method, Target: rt.target, Body: rt.body, As: as}
}

func TestRoutesListsEveryRouteTheTestsCover(t *testing.T) {
	listed := accessusers.Routes(accessusers.Deps{})
	webtest.CheckBehindAuthorizer(t, listed)
	webtest.CheckRoutes(t, listed, routes(), route.name)
}

func TestEveryRouteAnswersAValidRequestForAnOwnerAndAnAdminKey(t *testing.T) {
	for _, rt := range routes() {
		for _, as := range []*auth.Principal{&owner, &adminKey} {
			t.Run(rt.name()+"/"+string(as.Method), func(t *testing.T) {
				f := happy(t)
				res := do(t, f, rt.request(as))
				if res.Code != http.StatusOK {
					t.Fatalf("status %d; body %s", res.Code, res.Body)
				}
				webtest.AssertCalls(t, f, rt.calls...)
				if got := res.Header.Get("Cache-Control"); got != "no-store" {
					t.Errorf("Cache-Control %q", got)
				}
				if res.Header.Get("X-Request-Id") == "" {
					t.Error("no X-Request-Id")
				}
			})
		}
	}
}

func TestEveryRouteRefusesARoleWithoutItsPermission(t *testing.T) {
	noRoles := auth.Principal{TenantID: "acme", UserID: "usr3", AccountID: "acc3", Method: auth.ViaAccessToken}
	for _, rt := range routes() {
		t.Run(rt.name(), func(t *testing.T) {
			for _, as := range []auth.Principal{noRoles, member, manager} {
				if as.Can(role.Permission(rt.perm)) {
					continue
				}
				f := happy(t)
				res := do(t, f, rt.request(&as))
				assertFailure(t, res, http.StatusForbidden, 40301, rt.perm)
				webtest.AssertCalls(t, f)
			}
		})
	}
}

func TestEveryRouteWithABodyNamesTheFieldOfTheWrongType(t *testing.T) {
	for _, rt := range routes() {
		if rt.body == "" {
			continue
		}
		t.Run(rt.name(), func(t *testing.T) {
			f := happy(t)
			rq := rt.request(&owner)
			rq.Body = rt.wrongType
			assertFailure(t, do(t, f, rq), http.StatusBadRequest, 40001, rt.wrongField)
			webtest.AssertCalls(t, f)
		})
	}
}

func TestEveryRouteWithABodyRefusesBadBodiesNamingWhatIsWrong(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		header    map[string]string
		status    int
		messageID int
		want      string
	}{
		{"unknown field", `{"nickname":"x"}`, nil, 400, 40001, "nickname"},
		{"field in another case", `{"USERNAME":"x"}`, nil, 400, 40001, "USERNAME"},
		{"not JSON", `{"username":`, nil, 400, 40001, "body"},
		{"array", `[]`, nil, 400, 40001, "body"},
		{"null", `null`, nil, 400, 40001, "body"},
		{"empty", ``, map[string]string{"Content-Type": "application/json"}, 400, 40001, "body"},
		{"two values", `{}{}`, nil, 400, 40001, "body"},
		{"form", `a=b`, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 415, 41501, "JSON"},
		{"no content type", `{}`, map[string]string{"Content-Type": ""}, 415, 41501, "JSON"},
		{"too large", `{"username":"` + strings.Repeat("x", 17<<10) + `"}`, nil, 413, 41301, "16384 bytes"},
	}
	for _, rt := range routes() {
		if rt.body == "" {
			continue
		}
		for _, tt := range tests {
			t.Run(rt.name()+"/"+tt.name, func(t *testing.T) {
				f := happy(t)
				rq := rt.request(&owner)
				rq.Body, rq.Header = tt.body, tt.header
				assertFailure(t, do(t, f, rq), tt.status, tt.messageID, tt.want)
				webtest.AssertCalls(t, f)
			})
		}
	}
}

func TestAnInternalFailureSaysNothingOfItsCauseAndIsLogged(t *testing.T) {
	f := happy(t)
	f.search = func(directory.UserSearch) (directory.UserPage, error) {
		return directory.UserPage{}, webtest.Fault(fault.Internal)
	}
	res := do(t, f, request{Method: "GET", Target: "/api/v1/accessuser/search", As: &owner})
	assertFailure(t, res, http.StatusInternalServerError, 50001, "internal error")
	if !strings.Contains(res.Logs, "cause that must stay internal") {
		t.Errorf("the cause is not logged: %s", res.Logs)
	}
}
