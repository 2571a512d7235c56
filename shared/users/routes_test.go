package users_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/role"
	"roster/shared/user"
	"roster/shared/users"
	"roster/shared/web"
	"roster/shared/web/webtest"
)

// A route of the group with a request it accepts.
type route struct {
	method, path string // as routes.go lists it
	target       string // a concrete path
	body         string // a valid body; "" for none
	wrongType    string // a body with a value of the wrong JSON type …
	wrongField   string // … in this field
	status       int
	call         string          // the service method it calls
	perm         role.Permission // what the route requires
	user         bool            // answers with one user (ETag, full body)
	ifMatch      bool            // takes If-Match
}

const azureBody = `{"subscriptionId":"8f2e4c1a-0b6d-4e7f-9a3c-5d1e2f3a4b5c","tenantId":"1b2c3d4e-5f60-4718-9a0b-c1d2e3f4a5b6",` +
	`"applicationId":"0a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9","applicationKey":"` + clearKey + `"}`

func routes() []route {
	return []route{
		{method: "POST", path: "/users", target: "/users",
			body:      `{"email":"ada@example.com","firstName":"Ada","lastName":"Lovelace"}`,
			wrongType: `{"email":"ada@example.com","firstName":"Ada","lastName":"Lovelace","notificationsOptIn":"yes"}`, wrongField: "notificationsOptIn",
			status: 201, call: "Create", perm: role.UsersWrite, user: true},
		{method: "GET", path: "/users", target: "/users", status: 200, call: "List", perm: role.UsersRead},
		{method: "GET", path: "/users/{userId}", target: "/users/usr1", status: 200, call: "Get", perm: role.UsersRead, user: true},
		{method: "PUT", path: "/users/{userId}", target: "/users/usr1", body: `{"firstName":"Grace","notificationsOptIn":true}`,
			wrongType: `{"notificationsOptIn":"true"}`, wrongField: "notificationsOptIn",
			status: 200, call: "Update", perm: role.UsersWrite, user: true, ifMatch: true},
		{method: "DELETE", path: "/users/{userId}", target: "/users/usr1", status: 204, call: "Delete", perm: role.UsersDelete, ifMatch: true},
		{method: "PUT", path: "/users/{userId}/role", target: "/users/usr1/role", body: `{"roleId":"admin"}`,
			wrongType: `{"roleId":1}`, wrongField: "roleId",
			status: 200, call: "Update", perm: role.UsersPrivileged, user: true, ifMatch: true},
		{method: "PUT", path: "/users/{userId}/working-environments", target: "/users/usr1/working-environments", body: `{"publicIds":["we-1","we-2"]}`,
			wrongType: `{"publicIds":"we-1"}`, wrongField: "publicIds",
			status: 200, call: "Update", perm: role.UsersWrite, user: true, ifMatch: true},
		{method: "PUT", path: "/users/{userId}/azure-credentials", target: "/users/usr1/azure-credentials", body: azureBody,
			wrongType:  `{"subscriptionId":"8f2e4c1a-0b6d-4e7f-9a3c-5d1e2f3a4b5c","tenantId":"1b2c3d4e-5f60-4718-9a0b-c1d2e3f4a5b6","applicationId":"0a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9","applicationKey":12345}`,
			wrongField: "applicationKey",
			status:     200, call: "Update", perm: role.UsersWrite, user: true, ifMatch: true},
	}
}

func (rt route) name() string { return rt.method + " " + rt.path }

func (rt route) request() request {
	return request{Method: rt.method, Target: rt.target, Body: rt.body, As: &owner}
}

func (rt route) hasUserID() bool { return strings.Contains(rt.path, "{userId}") }

// withUserID returns the route's target with another userId.
func (rt route) withUserID(id string) string {
	return strings.Replace(rt.target, "/users/usr1", "/users/"+id, 1)
}

func routeNamed(t *testing.T, name string) route {
	t.Helper()
	for _, rt := range routes() {
		if rt.name() == name {
			return rt
		}
	}
	t.Fatalf("no route %s", name)
	return route{}
}

func TestRoutesListsEveryRouteTheTestsCover(t *testing.T) {
	listed := users.Routes(users.Deps{})
	webtest.CheckBehindAuthorizer(t, listed)
	webtest.CheckRoutes(t, listed, routes(), route.name)
}

func TestEveryRouteAnswersAValidRequest(t *testing.T) {
	for _, rt := range routes() {
		t.Run(rt.name(), func(t *testing.T) {
			f := happy(t)
			res := do(t, f, rt.request())
			if res.Code != rt.status {
				t.Fatalf("status %d, want %d; body %s", res.Code, rt.status, res.Body)
			}
			webtest.AssertCalls(t, f, rt.call)
			if res.Header.Get(web.RequestIDHeader) == "" {
				t.Error("no X-Request-Id")
			}
			want := map[string]string{"Cache-Control": "no-store", "Content-Type": "application/json", "WWW-Authenticate": "", "ETag": "", "Location": ""}
			switch {
			case rt.status == http.StatusNoContent:
				want["Content-Type"] = "" // no body; no-store still, as on every answer
				if len(res.Body) != 0 {
					t.Errorf("204 with body %s", res.Body)
				}
			case rt.status == http.StatusCreated:
				want["ETag"], want["Location"] = `"1"`, "/users/usr1"
			case rt.call == "Get":
				want["ETag"] = `"7"`
			case rt.user:
				want["ETag"] = `"8"`
			}
			webtest.AssertHeaders(t, res, want)
			if rt.user {
				webtest.AssertJSON(t, res, rt.status, theUserJSON)
				assertNoNull(t, res.Body)
			}
		})
	}
}

func TestEveryRouteAcceptsAnAPIKey(t *testing.T) {
	for _, rt := range routes() {
		t.Run(rt.name(), func(t *testing.T) {
			f := happy(t)
			rq := rt.request()
			rq.As = &adminKey
			if res := do(t, f, rq); res.Code != rt.status {
				t.Errorf("status %d, want %d; body %s", res.Code, rt.status, res.Body)
			}
			webtest.AssertCalls(t, f, rt.call)
		})
	}
}

func TestRoutesRefuseARoleWithoutThePermission(t *testing.T) {
	noRoles := auth.Principal{TenantID: "acme", UserID: "usr3", AccountID: "acc3", Method: auth.ViaAccessToken}
	unknownRole := auth.Principal{TenantID: "acme", UserID: "usr3", AccountID: "acc3", Roles: []string{"superuser"}, Method: auth.ViaAccessToken}
	for _, rt := range routes() {
		callers := map[string]auth.Principal{"no role": noRoles, "unknown role": unknownRole, "member": member, "member API key": memberKey}
		if rt.perm == role.UsersPrivileged {
			callers["user manager"] = manager
			callers["user manager API key"] = managerKey
		}
		for name, p := range callers {
			t.Run(rt.name()+"/"+name, func(t *testing.T) {
				f := happy(t)
				rq := rt.request()
				rq.As = &p
				res := webtest.AssertProblem(t, do(t, f, rq), http.StatusForbidden)
				if !strings.Contains(res.Detail, string(rt.perm)) {
					t.Errorf("detail %q does not name %s", res.Detail, rt.perm)
				}
				webtest.AssertCalls(t, f)
			})
		}
	}
}

func TestUserManagerMayDoEverythingButPrivilegedChanges(t *testing.T) {
	for _, rt := range routes() {
		if rt.perm == role.UsersPrivileged {
			continue
		}
		t.Run(rt.name(), func(t *testing.T) {
			f := happy(t)
			rq := rt.request()
			rq.As = &manager
			if res := do(t, f, rq); res.Code != rt.status {
				t.Errorf("status %d, want %d; body %s", res.Code, rt.status, res.Body)
			}
			webtest.AssertCalls(t, f, rt.call)
		})
	}
}

func TestUserIDOutsideThePatternIs400NamingUserID(t *testing.T) {
	bad := []string{"bad%20id", "a.b", "a%2Fb", "%C3%A9t%C3%A9", "us~r", "a+b", "a:b", strings.Repeat("u", 65)}
	for _, rt := range routes() {
		if !rt.hasUserID() {
			continue
		}
		webtest.CheckRefusedParam(t, rt.name(), "userId", bad, func(t *testing.T, id string) (response, webtest.Recorder) {
			f := happy(t)
			rq := rt.request()
			rq.Target = rt.withUserID(id)
			return do(t, f, rq), f
		})
	}
}

func TestUserIDOfSixtyFourCharactersIsAccepted(t *testing.T) {
	long := strings.Repeat("u", 30) + "-" + strings.Repeat("U", 30) + "_09"
	for _, rt := range routes() {
		if !rt.hasUserID() {
			continue
		}
		t.Run(rt.name(), func(t *testing.T) {
			f := happy(t)
			var got []string
			f.GetFn = func(_ auth.Principal, id string) (*user.User, error) { got = append(got, id); return theUser(), nil }
			f.UpdateFn = func(_ auth.Principal, id string, _ directory.Change) (*user.User, error) {
				got = append(got, id)
				return theUser(), nil
			}
			f.DeleteFn = func(_ auth.Principal, id string, _ int64) error { got = append(got, id); return nil }
			rq := rt.request()
			rq.Target = rt.withUserID(long)
			if res := do(t, f, rq); res.Code != rt.status {
				t.Errorf("status %d, want %d; body %s", res.Code, rt.status, res.Body)
			}
			if !slices.Equal(got, []string{long}) {
				t.Errorf("service got ids %q, want %q", got, long)
			}
		})
	}
}

func TestBodyRoutesRefuseBadBodiesWithoutCallingTheService(t *testing.T) {
	for _, rt := range routes() {
		if rt.body == "" {
			continue
		}
		cases := append(webtest.BadBodies(rt.body, rt.wrongType, rt.wrongField, 16<<10),
			webtest.BadBody{Name: "empty object", Body: `{}`, Status: 400})
		webtest.CheckBadBodies(t, rt.name(), cases, func(t *testing.T, c webtest.BadBody) (response, webtest.Recorder) {
			f := happy(t)
			rq := rt.request()
			rq.Body, rq.Edit, rq.Header = c.Body, c.Edit, c.Header
			res := do(t, f, rq)
			if strings.Contains(string(res.Body), clearKey) {
				t.Errorf("the key is echoed: %s", res.Body)
			}
			return res, f
		})
	}
}

func TestDeleteRefusesABody(t *testing.T) {
	rt := routeNamed(t, "DELETE /users/{userId}")
	for name, c := range map[string]struct {
		body, ct string
		status   int
		field    string
	}{
		"JSON":       {body: `{"ids":["usr1"]}`, ct: "application/json", status: 413, field: "body"},
		"small JSON": {body: `{"a":1}`, ct: "application/json", status: 400, field: "a"},
		"text":       {body: `usr1`, ct: "text/plain", status: 415, field: "Content-Type"},
	} {
		t.Run(name, func(t *testing.T) {
			f := happy(t)
			rq := rt.request()
			rq.Body, rq.Header = c.body, map[string]string{"Content-Type": c.ct}
			if c.status == 413 {
				rq.Body = `{"ids":["` + strings.Repeat("u", 80) + `"]}`
			}
			webtest.AssertProblem(t, do(t, f, rq), c.status, c.field)
			webtest.AssertCalls(t, f)
		})
	}
	t.Run("empty JSON object", func(t *testing.T) {
		f := happy(t)
		rq := rt.request()
		rq.Body = `{}`
		if res := do(t, f, rq); res.Code != http.StatusNoContent {
			t.Errorf("status %d; body %s", res.Code, res.Body)
		}
		webtest.AssertCalls(t, f, "Delete")
	})
}

func TestServiceErrorsReachTheCallerByTheirCode(t *testing.T) {
	for _, rt := range routes() {
		webtest.CheckServiceErrors(t, rt.name(), func(t *testing.T, err error) (response, webtest.Recorder) {
			f := failing(t, err)
			return do(t, f, rt.request()), f
		}, rt.call)
	}
}

func TestServiceFieldErrorsReachTheCaller(t *testing.T) {
	f := failing(t, &fault.Error{Code: fault.Conflict, Message: "The email is taken.", Fields: []fault.FieldError{{Field: "email", Message: "is taken"}}})
	webtest.AssertProblem(t, do(t, f, routeNamed(t, "POST /users").request()), http.StatusConflict, "email")
}
