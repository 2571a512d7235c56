package identity_test

import (
	"errors"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"roster/shared/auth"
	"roster/shared/fault"
	"roster/shared/identity"
	"roster/shared/tenant"
	"roster/shared/web"
	"roster/shared/web/webtest"
)

// A route of the group with a request it accepts.
type route struct {
	method, path string // as routes.go lists it
	target       string // a concrete path in tenant acme
	body         string // a valid body; "" for none
	wrongType    string // a body with a value of the wrong JSON type …
	wrongField   string // … in this field
	status       int
	call         string // the directory method it calls
	want         string // the response body
}

const succeeded = `{"succeeded":true,"errors":[]}`

func routes() []route {
	return []route{
		{method: "PUT", path: "/{organizationName}/{tenantName}/identity_/api/User/{userId}", target: acme + "/User/her-1909",
			body:      `{"name":"Hermione","surname":"Granger-Weasley","email":"hermione@hogwarts.com","groupIDsToAdd":["gryff-01","alumni-02","teachers-03"],"groupIDsToRemove":[],"bypassBasicAuthRestriction":false}`,
			wrongType: `{"bypassBasicAuthRestriction":"hello"}`, wrongField: "bypassBasicAuthRestriction",
			status: 200, call: "Update", want: succeeded},
		{method: "DELETE", path: "/{organizationName}/{tenantName}/identity_/api/User/{userId}", target: acme + "/User/her-1909",
			status: 200, call: "Delete", want: succeeded},
		{method: "DELETE", path: "/{organizationName}/{tenantName}/identity_/api/User", target: acme + "/User",
			body:      `{"userIds":["her-1909","ron-1903"]}`,
			wrongType: `{"userIds":"her-1909"}`, wrongField: "userIds",
			status: 200, call: "DeleteMany",
			want: `{"succeeded":true,"errors":[],"results":[
				{"userId":"her-1909","succeeded":true,"error":null},
				{"userId":"ron-1903","succeeded":true,"error":null}]}`},
		{method: "PUT", path: "/{organizationName}/{tenantName}/identity_/api/User/{userId}/password", target: acme + "/User/her-1909/password",
			body:      `{"newPassword":"` + passwd + `"}`,
			wrongType: `{"newPassword":42}`, wrongField: "newPassword",
			status: 200, call: "SetPassword", want: succeeded},
		{method: "POST", path: "/{organizationName}/{tenantName}/identity_/api/Group", target: acme + "/Group",
			body:      `{"name":"gryffindor"}`,
			wrongType: `{"name":true}`, wrongField: "name",
			status: 201, call: "CreateGroup", want: `{"id":"grp1","name":"gryffindor"}`},
		{method: "GET", path: "/{organizationName}/{tenantName}/identity_/api/Group", target: acme + "/Group",
			status: 200, call: "ListGroups", want: `{"groups":[{"id":"grp2","name":"alumni"},{"id":"grp1","name":"gryffindor"}]}`},
	}
}

func (rt route) name() string { return rt.method + " " + rt.path }

func (rt route) request(as auth.Principal) request {
	return request{Method: rt.method, Target: rt.target, Body: rt.body, As: &as}
}

// withBase returns the route's target under other organization and
// tenant names.
func (rt route) withBase(org, tenantName string) string {
	return strings.Replace(rt.target, "/acmecorp/prod/", "/"+org+"/"+tenantName+"/", 1)
}

// routeFor returns the route that calls the named directory method.
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

func TestRoutesListsEveryRouteTheTestsCover(t *testing.T) {
	listed := identity.Routes(identity.Deps{})
	webtest.CheckBehindAuthorizer(t, listed)
	webtest.CheckRoutes(t, listed, routes(), route.name)
}

func TestEveryRouteAnswersAValidRequest(t *testing.T) {
	for _, rt := range routes() {
		for _, as := range []auth.Principal{owner, adminKey} {
			t.Run(rt.name()+" as "+string(as.Method), func(t *testing.T) {
				f := happy(t)
				res := do(t, f, rt.request(as))
				assertJSON(t, res, rt.status, rt.want)
				webtest.AssertCalls(t, f, "GetTenant", rt.call)
				if res.Header.Get(web.RequestIDHeader) == "" {
					t.Error("no X-Request-Id")
				}
				if tr := res.Header.Get("Traceresponse"); !webtest.TraceIDPattern.MatchString(tr) {
					t.Errorf("traceresponse %q", tr)
				}
			})
		}
	}
}

func TestEveryRouteRefusesARoleWithoutItsPermission(t *testing.T) {
	for _, rt := range routes() {
		t.Run(rt.name(), func(t *testing.T) {
			f := happy(t)
			webtest.AssertTraceProblem(t, do(t, f, rt.request(nobody)), http.StatusForbidden)
			webtest.AssertCalls(t, f)
		})
	}
}

func TestAdministrationRoutesRefuseMembers(t *testing.T) {
	for _, rt := range routes() {
		if rt.call == "SetPassword" { // members may change their own; the directory decides
			continue
		}
		for _, as := range []auth.Principal{member, memberKey} {
			t.Run(rt.name()+" as "+string(as.Method), func(t *testing.T) {
				f := happy(t)
				webtest.AssertTraceProblem(t, do(t, f, rt.request(as)), http.StatusForbidden)
				webtest.AssertCalls(t, f)
			})
		}
	}
}

func TestUserManagersAdministerUsersAndGroups(t *testing.T) {
	for _, rt := range routes() {
		t.Run(rt.name(), func(t *testing.T) {
			f := happy(t)
			assertJSON(t, do(t, f, rt.request(manager)), rt.status, rt.want)
		})
	}
}

// TestForeignNamesReadLikeAnUnknownUser holds the isolation rule: names
// that are not the caller's tenant get the answer an unknown user gets,
// byte for byte apart from the traceId, and nothing is asked of the
// directory.
func TestForeignNamesReadLikeAnUnknownUser(t *testing.T) {
	for _, rt := range routes() {
		t.Run(rt.name(), func(t *testing.T) {
			unknown := do(t, failing(t, fault.New(fault.NotFound, "The user does not exist.")), rt.request(owner))
			want := webtest.AssertTraceProblem(t, unknown, http.StatusNotFound)

			for _, base := range [][2]string{
				{"Globex", "Main"},    // another tenant's names
				{"AcmeCorp", "Main"},  // the caller's organization, another tenant name
				{"acmecorp", "prod2"}, // near misses
				{"nowhere", "prod"},
				{"AcmeCorp.", "Prod"},
			} {
				f := happy(t)
				rq := rt.request(owner)
				rq.Target = rt.withBase(base[0], base[1])
				res := do(t, f, rq)
				got := webtest.AssertTraceProblem(t, res, http.StatusNotFound)
				got.TraceID, want.TraceID = "", ""
				if got != want {
					t.Errorf("%s/%s: %+v; unknown user: %+v", base[0], base[1], got, want)
				}
				if !slices.Equal(slices.Sorted(maps.Keys(res.Header)), slices.Sorted(maps.Keys(unknown.Header))) {
					t.Errorf("headers %v; unknown user: %v", res.Header, unknown.Header)
				}
				webtest.AssertCalls(t, f, "GetTenant")
			}
		})
	}
}

func TestOrganizationAndTenantNamesMatchWhateverTheirCase(t *testing.T) {
	for _, base := range [][2]string{{"AcmeCorp", "Prod"}, {"ACMECORP", "PROD"}, {"acmeCorp", "pROD"}} {
		f := happy(t)
		rt := routeFor(t, "Update")
		rq := rt.request(owner)
		rq.Target = rt.withBase(base[0], base[1])
		assertJSON(t, do(t, f, rq), 200, succeeded)
	}
}

func TestACallerWhoseTenantIsGoneFindsNothing(t *testing.T) {
	for _, rt := range routes() {
		t.Run(rt.name(), func(t *testing.T) {
			f := happy(t)
			f.getTenant = func(string) (*tenant.Tenant, error) {
				return nil, fault.New(fault.NotFound, "The tenant does not exist.")
			}
			p := webtest.AssertTraceProblem(t, do(t, f, rt.request(owner)), http.StatusNotFound)
			if strings.Contains(p.Detail, "tenant") {
				t.Errorf("detail %q tells a missing tenant from a missing user", p.Detail)
			}
			webtest.AssertCalls(t, f, "GetTenant")
		})
	}
}

func TestEveryRouteNamesABadPathParameter(t *testing.T) {
	long := strings.Repeat("a", 65)
	for _, rt := range routes() {
		cases := []struct {
			org, tenant string
			fields      []string
		}{
			{"acme%20corp", "prod", []string{"organizationName"}},
			{"acmecorp", long, []string{"tenantName"}},
			{"acme%2Fcorp", "pr%C3%B6d", []string{"organizationName", "tenantName"}},
		}
		for _, c := range cases {
			t.Run(rt.name()+" "+c.org+"/"+c.tenant, func(t *testing.T) {
				f := happy(t)
				rq := rt.request(owner)
				rq.Target = rt.withBase(c.org, c.tenant)
				assertValidation(t, do(t, f, rq), c.fields...)
				webtest.AssertCalls(t, f)
			})
		}
		if !strings.Contains(rt.path, "{userId}") {
			continue
		}
		for _, id := range []string{"her%201909", long, "her.1909", "h%C3%A9r"} {
			t.Run(rt.name()+" userId "+id, func(t *testing.T) {
				f := happy(t)
				rq := rt.request(owner)
				rq.Target = strings.Replace(rt.target, "her-1909", id, 1)
				assertValidation(t, do(t, f, rq), "userId")
				webtest.AssertCalls(t, f)
			})
		}
	}
}

func TestEveryRouteGetsTheValidationProblemForAWrongType(t *testing.T) {
	for _, rt := range routes() {
		if rt.wrongType == "" {
			continue
		}
		t.Run(rt.name(), func(t *testing.T) {
			f := happy(t)
			rq := rt.request(owner)
			rq.Body = rt.wrongType
			v := assertValidation(t, do(t, f, rq), rt.wrongField)
			if m := v.Errors[rt.wrongField][0]; !strings.Contains(m, "Path '"+rt.wrongField+"'") {
				t.Errorf("message %q does not give the path", m)
			}
			webtest.AssertCalls(t, f)
		})
	}
}

func TestDirectoryErrorsKeepTheirStatus(t *testing.T) {
	cases := []struct {
		name   string
		err    error
		status int
	}{
		{"forbidden", fault.New(fault.Forbidden, "You are not allowed to do this."), 403},
		{"not found", fault.New(fault.NotFound, "The user does not exist."), 404},
		{"conflict", fault.New(fault.Conflict, "The user has changed since it was read; read it again and retry."), 409},
		{"stale", fault.New(fault.PreconditionFailed, "The user has changed since the version given."), 412},
		{"throttled", &fault.Error{Code: fault.TooManyRequests, Message: "Too many mails to this address.", RetryAfter: time.Minute}, 429},
		{"unavailable", fault.Wrap(errors.New("ProvisionedThroughputExceeded"), fault.Unavailable, "The service is busy; retry later."), 503},
		{"bug", errors.New("table roster: secret internal detail"), 500},
	}
	for _, rt := range routes() {
		for _, c := range cases {
			t.Run(rt.name()+" "+c.name, func(t *testing.T) {
				f := failing(t, c.err)
				res := do(t, f, rt.request(owner))
				webtest.AssertTraceProblem(t, res, c.status)
				if c.status == http.StatusTooManyRequests && res.Header.Get("Retry-After") != "60" {
					t.Errorf("Retry-After = %q, want 60", res.Header.Get("Retry-After"))
				}
				webtest.AssertCalls(t, f, "GetTenant", rt.call)
				if strings.Contains(string(res.Body), "secret internal detail") || strings.Contains(string(res.Body), "ProvisionedThroughput") {
					t.Errorf("body leaks the cause: %s", res.Body)
				}
			})
		}
	}
}

func TestATenantLookupFailureIsNotANotFound(t *testing.T) {
	for _, rt := range routes() {
		t.Run(rt.name(), func(t *testing.T) {
			f := happy(t)
			f.getTenant = func(string) (*tenant.Tenant, error) {
				return nil, fault.Wrap(errors.New("throttled"), fault.Unavailable, "The service is busy; retry later.")
			}
			webtest.AssertTraceProblem(t, do(t, f, rt.request(owner)), http.StatusServiceUnavailable)
			webtest.AssertCalls(t, f, "GetTenant")
		})
	}
}
