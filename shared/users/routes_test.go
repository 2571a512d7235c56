package users_test

import (
	"fmt"
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
	return request{method: rt.method, target: rt.target, body: rt.body, as: &owner}
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
	var got, want []string
	for _, r := range users.Routes(users.Deps{}) {
		if r.Public {
			t.Errorf("%s %s is public; every route of the group is behind the authorizer", r.Method, r.Path)
		}
		got = append(got, r.Method+" "+r.Path)
	}
	for _, rt := range routes() {
		want = append(want, rt.name())
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("routes\n%q\nwant\n%q", got, want)
	}
}

func TestEveryRouteAnswersAValidRequest(t *testing.T) {
	for _, rt := range routes() {
		t.Run(rt.name(), func(t *testing.T) {
			f := happy(t)
			res := do(t, f, rt.request())
			if res.code != rt.status {
				t.Fatalf("status %d, want %d; body %s", res.code, rt.status, res.body)
			}
			assertCalls(t, f, rt.call)
			if res.header.Get(web.RequestIDHeader) == "" {
				t.Error("no X-Request-Id")
			}
			want := map[string]string{"Cache-Control": "no-store", "Content-Type": "application/json", "WWW-Authenticate": "", "ETag": "", "Location": ""}
			switch {
			case rt.status == http.StatusNoContent:
				want["Cache-Control"], want["Content-Type"] = "", ""
				if len(res.body) != 0 {
					t.Errorf("204 with body %s", res.body)
				}
			case rt.status == http.StatusCreated:
				want["ETag"], want["Location"] = `"1"`, "/users/usr1"
			case rt.call == "Get":
				want["ETag"] = `"7"`
			case rt.user:
				want["ETag"] = `"8"`
			}
			assertHeaders(t, res, want)
			if rt.user {
				assertJSON(t, res, rt.status, theUserJSON)
				assertNoNull(t, res.body)
			}
		})
	}
}

func TestEveryRouteRefusesARequestWithoutACaller(t *testing.T) {
	for _, rt := range routes() {
		t.Run(rt.name(), func(t *testing.T) {
			f := happy(t)
			rq := rt.request()
			rq.as = nil
			// Bad input too: the missing caller is the answer, not the body.
			if rq.body != "" {
				rq.body = `{"junk":`
			}
			assertProblem(t, do(t, f, rq), http.StatusUnauthorized)
			assertCalls(t, f)
		})
	}
}

func TestEveryRouteAcceptsAnAPIKey(t *testing.T) {
	for _, rt := range routes() {
		t.Run(rt.name(), func(t *testing.T) {
			f := happy(t)
			rq := rt.request()
			rq.as = &adminKey
			if res := do(t, f, rq); res.code != rt.status {
				t.Errorf("status %d, want %d; body %s", res.code, rt.status, res.body)
			}
			assertCalls(t, f, rt.call)
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
				rq.as = &p
				res := assertProblem(t, do(t, f, rq), http.StatusForbidden)
				if !strings.Contains(res.Detail, string(rt.perm)) {
					t.Errorf("detail %q does not name %s", res.Detail, rt.perm)
				}
				assertCalls(t, f)
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
			rq.as = &manager
			if res := do(t, f, rq); res.code != rt.status {
				t.Errorf("status %d, want %d; body %s", res.code, rt.status, res.body)
			}
			assertCalls(t, f, rt.call)
		})
	}
}

func TestUserIDOutsideThePatternIs400NamingUserID(t *testing.T) {
	bad := []string{"bad%20id", "a.b", "a%2Fb", "%C3%A9t%C3%A9", "us~r", "a+b", "a:b", strings.Repeat("u", 65)}
	for _, rt := range routes() {
		if !rt.hasUserID() {
			continue
		}
		for _, id := range bad {
			t.Run(rt.name()+"/"+id, func(t *testing.T) {
				f := happy(t)
				rq := rt.request()
				rq.target = rt.withUserID(id)
				assertProblem(t, do(t, f, rq), http.StatusBadRequest, "userId")
				assertCalls(t, f)
			})
		}
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
			f.get = func(_ auth.Principal, id string) (*user.User, error) { got = append(got, id); return theUser(), nil }
			f.update = func(_ auth.Principal, id string, _ directory.Change) (*user.User, error) {
				got = append(got, id)
				return theUser(), nil
			}
			f.delete = func(_ auth.Principal, id string, _ int64) error { got = append(got, id); return nil }
			rq := rt.request()
			rq.target = rt.withUserID(long)
			if res := do(t, f, rq); res.code != rt.status {
				t.Errorf("status %d, want %d; body %s", res.code, rt.status, res.body)
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
		cases := []struct {
			name   string
			body   string
			header map[string]string
			edit   func(*http.Request)
			status int
			field  string
		}{
			{name: "malformed JSON", body: `{"a":`, status: 400, field: "body"},
			{name: "not JSON", body: `firstName=Grace`, status: 400, field: "body"},
			{name: "unknown field", body: rt.body[:len(rt.body)-1] + `,"nickname":"x"}`, status: 400, field: "nickname"},
			{name: "field name in another case", body: `{"` + strings.ToUpper(rt.wrongField) + `":null}`, status: 400, field: strings.ToUpper(rt.wrongField)},
			{name: "wrong type", body: rt.wrongType, status: 400, field: rt.wrongField},
			{name: "null", body: `null`, status: 400, field: "body"},
			{name: "array", body: `[` + rt.body + `]`, status: 400, field: "body"},
			{name: "two values", body: rt.body + rt.body, status: 400, field: "body"},
			{name: "empty", edit: func(r *http.Request) { r.Header.Set("Content-Type", "application/json") }, status: 400, field: "body"},
			{name: "empty object", body: `{}`, status: 400},
			{name: "oversize", body: rt.body[:len(rt.body)-1] + `,"x":"` + strings.Repeat("x", 16<<10) + `"}`, status: 413, field: "body"},
			{name: "oversize without a length", body: rt.body[:len(rt.body)-1] + `,"x":"` + strings.Repeat("x", 16<<10) + `"}`,
				edit: func(r *http.Request) { r.ContentLength = -1 }, status: 413, field: "body"},
			{name: "text/plain", body: rt.body, header: map[string]string{"Content-Type": "text/plain"}, status: 415, field: "Content-Type"},
			{name: "form", body: rt.body, header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, status: 415, field: "Content-Type"},
			{name: "no content type", body: rt.body, edit: func(r *http.Request) { r.Header.Del("Content-Type") }, status: 415, field: "Content-Type"},
			{name: "latin-1", body: rt.body, header: map[string]string{"Content-Type": "application/json; charset=iso-8859-1"}, status: 415, field: "Content-Type"},
			{name: "gzip", body: rt.body, header: map[string]string{"Content-Encoding": "gzip"}, status: 415, field: "Content-Encoding"},
		}
		for _, c := range cases {
			t.Run(rt.name()+"/"+c.name, func(t *testing.T) {
				f := happy(t)
				rq := rt.request()
				rq.body, rq.edit = c.body, c.edit
				rq.header = c.header
				res := do(t, f, rq)
				if c.field == "" {
					if res.code != c.status {
						t.Fatalf("status %d, want %d; body %s", res.code, c.status, res.body)
					}
				} else {
					assertProblem(t, res, c.status, c.field)
				}
				assertCalls(t, f)
				if strings.Contains(string(res.body), clearKey) {
					t.Errorf("the key is echoed: %s", res.body)
				}
			})
		}
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
			rq.body, rq.header = c.body, map[string]string{"Content-Type": c.ct}
			if c.status == 413 {
				rq.body = `{"ids":["` + strings.Repeat("u", 80) + `"]}`
			}
			assertProblem(t, do(t, f, rq), c.status, c.field)
			assertCalls(t, f)
		})
	}
	t.Run("empty JSON object", func(t *testing.T) {
		f := happy(t)
		rq := rt.request()
		rq.body = `{}`
		if res := do(t, f, rq); res.code != http.StatusNoContent {
			t.Errorf("status %d; body %s", res.code, res.body)
		}
		assertCalls(t, f, "Delete")
	})
}

func TestServiceFaultsMapToTheirStatus(t *testing.T) {
	codes := []fault.Code{fault.Invalid, fault.Unauthorized, fault.Forbidden, fault.NotFound, fault.Conflict,
		fault.PreconditionFailed, fault.Unavailable, fault.Internal}
	for _, rt := range routes() {
		for _, code := range codes {
			t.Run(fmt.Sprintf("%s/%s", rt.name(), code), func(t *testing.T) {
				f := failing(t, codeErr(code))
				res := do(t, f, rt.request())
				status := web.StatusOf(code)
				p := assertProblem(t, res, status)
				assertCalls(t, f, rt.call)
				if strings.Contains(string(res.body), "must stay internal") {
					t.Errorf("internal cause in the body: %s", res.body)
				}
				if status == 500 && p.Detail != "An internal error occurred." {
					t.Errorf("500 detail %q", p.Detail)
				}
				if status != 500 && p.Detail != "The service said "+string(code)+"." {
					t.Errorf("detail %q, want the service's message", p.Detail)
				}
			})
		}
	}
}

func TestServiceFieldErrorsReachTheCaller(t *testing.T) {
	f := failing(t, &fault.Error{Code: fault.Conflict, Message: "The email is taken.", Fields: []fault.FieldError{{Field: "email", Message: "is taken"}}})
	assertProblem(t, do(t, f, routeNamed(t, "POST /users").request()), http.StatusConflict, "email")
}

func TestAnErrorWithoutACodeIsAGeneric500(t *testing.T) {
	for _, rt := range routes() {
		t.Run(rt.name(), func(t *testing.T) {
			f := failing(t, fmt.Errorf("dynamodb: table roster-prod access denied"))
			res := do(t, f, rt.request())
			p := assertProblem(t, res, 500)
			if p.Detail != "An internal error occurred." || strings.Contains(string(res.body), "dynamodb") {
				t.Errorf("body %s", res.body)
			}
			if !strings.Contains(res.logs, "dynamodb: table roster-prod access denied") {
				t.Errorf("cause not logged: %s", res.logs)
			}
		})
	}
}

func TestWrongMethodIs405WithAllow(t *testing.T) {
	tests := []struct{ method, target, allow string }{
		{"DELETE", "/users", "GET, HEAD, POST"},
		{"PATCH", "/users/usr1", "DELETE, GET, HEAD, PUT"},
		{"POST", "/users/usr1", "DELETE, GET, HEAD, PUT"},
		{"GET", "/users/usr1/role", "PUT"},
		{"DELETE", "/users/usr1/working-environments", "PUT"},
		{"GET", "/users/usr1/azure-credentials", "PUT"},
	}
	for _, tt := range tests {
		f := happy(t)
		res := do(t, f, request{method: tt.method, target: tt.target, as: &owner})
		assertProblem(t, res, http.StatusMethodNotAllowed)
		assertHeaders(t, res, map[string]string{"Allow": tt.allow})
		assertCalls(t, f)
	}
}

func TestUnknownPathIs404Problem(t *testing.T) {
	for _, target := range []string{"/", "/user", "/users/usr1/roles", "/users/usr1/role/admin", "/tenants/acme/users"} {
		f := happy(t)
		assertProblem(t, do(t, f, request{method: "GET", target: target, as: &owner}), http.StatusNotFound)
		assertCalls(t, f)
	}
}
