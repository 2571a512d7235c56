package users_test

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/user"
	"roster/shared/web/webtest"
)

func TestCreateMapsTheBodyToANewUser(t *testing.T) {
	base := directory.NewUser{Username: "ada@example.com", Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace", Active: true}
	with := func(edit func(*directory.NewUser)) directory.NewUser { in := base; edit(&in); return in }
	tests := []struct {
		name string
		body string
		want directory.NewUser
	}{
		{"the username is the email", `{"email":"ada@example.com","firstName":"Ada","lastName":"Lovelace"}`, base},
		{"a userName of its own", `{"email":"ada@example.com","firstName":"Ada","lastName":"Lovelace","userName":"ada"}`,
			with(func(in *directory.NewUser) { in.Username = "ada" })},
		{"a role", `{"email":"ada@example.com","firstName":"Ada","lastName":"Lovelace","roleId":"admin"}`,
			with(func(in *directory.NewUser) { in.Role = "admin" })},
		{"an LDAP user opting in", `{"email":"ada@example.com","firstName":"Ada","lastName":"Lovelace","ldapUserName":"ACME\\ada","notificationsOptIn":true}`,
			with(func(in *directory.NewUser) { in.LDAPUserName, in.NotificationsOptIn = `ACME\ada`, true })},
		{"nulls are left out", `{"email":"ada@example.com","firstName":"Ada","lastName":"Lovelace","roleId":null,"userName":null,"ldapUserName":null,"notificationsOptIn":null}`, base},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := happy(t)
			var got directory.NewUser
			f.CreateFn = func(_ auth.Principal, in directory.NewUser) (*user.User, error) {
				got = in
				u := bareUser()
				u.ID = "usr2new"
				return u, nil
			}
			res := do(t, f, request{Method: "POST", Target: "/users", Body: tt.body, As: &owner})
			webtest.AssertJSON(t, res, http.StatusCreated, strings.Replace(bareUserJSON, `"publicId":"usr2"`, `"publicId":"usr2new"`, 1))
			webtest.AssertHeaders(t, res, map[string]string{"Location": "/users/usr2new", "ETag": `"1"`, "Cache-Control": "no-store"})
			assertNoNull(t, res.Body)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("new user %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestCreateRefusesBadFieldsWithoutCallingTheService(t *testing.T) {
	const ok = `"email":"ada@example.com","firstName":"Ada","lastName":"Lovelace"`
	tests := []struct {
		name, body string
		fields     []string
	}{
		{"nothing", `{}`, []string{"email", "firstName", "lastName"}},
		{"no email", `{"firstName":"Ada","lastName":"Lovelace"}`, []string{"email"}},
		{"no names", `{"email":"ada@example.com"}`, []string{"firstName", "lastName"}},
		{"bad email", `{"email":"ada@localhost","firstName":"Ada","lastName":"Lovelace"}`, []string{"email"}},
		{"long email", `{"email":"` + strings.Repeat("a", 250) + `@example.com","firstName":"Ada","lastName":"Lovelace"}`, []string{"email"}},
		{"unknown role", `{` + ok + `,"roleId":"superuser"}`, []string{"roleId"}},
		{"empty role", `{` + ok + `,"roleId":""}`, []string{"roleId"}},
		{"blank userName", `{` + ok + `,"userName":" "}`, []string{"userName"}},
		{"padded userName", `{` + ok + `,"userName":" ada"}`, []string{"userName"}},
		{"userName with a space", `{` + ok + `,"userName":"ada l"}`, []string{"userName"}},
		{"long userName", `{` + ok + `,"userName":"` + strings.Repeat("u", 129) + `"}`, []string{"userName"}},
		{"an email too long to be the userName", `{"email":"` + strings.Repeat("a", 120) + `@example.com","firstName":"Ada","lastName":"Lovelace"}`, []string{"email"}},
		{"a long email and no names", `{"email":"` + strings.Repeat("a", 120) + `@example.com"}`, []string{"email", "firstName", "lastName"}},
		{"notificationsOptIn as a string", `{` + ok + `,"notificationsOptIn":"yes"}`, []string{"notificationsOptIn"}},
		{"a read-only member", `{` + ok + `,"publicId":"usr1"}`, []string{"publicId"}},
		{"a password", `{` + ok + `,"password":"hunter2"}`, []string{"password"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := happy(t)
			webtest.AssertProblem(t, do(t, f, request{Method: "POST", Target: "/users", Body: tt.body, As: &owner}), http.StatusBadRequest, tt.fields...)
			webtest.AssertCalls(t, f)
		})
	}
}

func TestCreatingAPrivilegedUserNeedsThePrivilegedPermission(t *testing.T) {
	const ok = `"email":"ada@example.com","firstName":"Ada","lastName":"Lovelace"`
	tests := []struct {
		name, body string
		allowed    bool
	}{
		{"member role", `{` + ok + `,"roleId":"member"}`, true},
		{"no role", `{` + ok + `}`, true},
		{"empty LDAP name", `{` + ok + `,"ldapUserName":""}`, true},
		{"user manager role", `{` + ok + `,"roleId":"user_manager"}`, false},
		{"admin role", `{` + ok + `,"roleId":"admin"}`, false},
		{"an LDAP name", `{` + ok + `,"ldapUserName":"ACME\\ada"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := happy(t)
			res := do(t, f, request{Method: "POST", Target: "/users", Body: tt.body, As: &manager})
			if tt.allowed {
				if res.Code != http.StatusCreated {
					t.Fatalf("status %d; body %s", res.Code, res.Body)
				}
				webtest.AssertCalls(t, f, "Create")
				return
			}
			webtest.AssertProblem(t, res, http.StatusForbidden)
			webtest.AssertCalls(t, f)
		})
	}
}

func TestCreateAcceptsALongEmailWithAShortUserName(t *testing.T) {
	f := happy(t)
	email := strings.Repeat("a", 120) + "@example.com"
	res := do(t, f, request{Method: "POST", Target: "/users", Body: `{"email":"` + email + `","firstName":"Ada","lastName":"Lovelace","userName":"ada"}`, As: &owner})
	if res.Code != http.StatusCreated {
		t.Fatalf("status %d; body %s", res.Code, res.Body)
	}
}

func TestDirectoryFieldsAreNamedAsTheCallerSentThem(t *testing.T) {
	const ok = `"email":"ada@example.com","firstName":"Ada","lastName":"Lovelace"`
	taken := func(field string) error {
		return &fault.Error{Code: fault.Conflict, Message: "Taken.", Fields: []fault.FieldError{{Field: field, Message: "is taken"}}}
	}
	invalid := func(field string) error { return fault.InvalidField(field, "is wrong") }
	tests := []struct {
		name         string
		method, path string
		body         string
		err          error
		status       int
		field        string
	}{
		{"username defaulted from the email", "POST", "/users", `{` + ok + `}`, taken("username"), 409, "email"},
		{"username given", "POST", "/users", `{` + ok + `,"userName":"ada"}`, taken("username"), 409, "userName"},
		{"email", "POST", "/users", `{` + ok + `}`, taken("email"), 409, "email"},
		{"role on create", "POST", "/users", `{` + ok + `,"roleId":"admin"}`, invalid("role"), 400, "roleId"},
		{"role", "PUT", "/users/usr1/role", `{"roleId":"admin"}`, invalid("role"), 400, "roleId"},
		{"working environments", "PUT", "/users/usr1/working-environments", `{"publicIds":["we-1"]}`, invalid("workingEnvironments"), 400, "publicIds"},
		{"azure key", "PUT", "/users/usr1/azure-credentials", azureBody, invalid("azureCredentials.applicationKey"), 400, "applicationKey"},
		{"email on update", "PUT", "/users/usr1", `{"email":"ada@example.com"}`, taken("email"), 409, "email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := failing(t, tt.err)
			webtest.AssertProblem(t, do(t, f, request{Method: tt.method, Target: tt.path, Body: tt.body, As: &owner}), tt.status, tt.field)
		})
	}
}
