package users_test

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/directory/directorytest"
	"roster/shared/user"
	"roster/shared/web/webtest"
)

// captureUpdate returns a fake that records the change and id it gets.
func captureUpdate(t *testing.T) (*directorytest.Fake, *directory.Change, *string) {
	f := happy(t)
	var c directory.Change
	var id string
	f.UpdateFn = func(_ auth.Principal, gotID string, got directory.Change) (*user.User, error) {
		c, id = got, gotID
		u := theUser()
		u.Version = 8
		return u, nil
	}
	return f, &c, &id
}

func TestUpdateMapsEachDocumentedFieldToTheChange(t *testing.T) {
	tests := []struct {
		name string
		body string
		want directory.Change
	}{
		{"firstName", `{"firstName":"Grace"}`, directory.Change{FirstName: new("Grace")}},
		{"lastName", `{"lastName":"Hopper"}`, directory.Change{LastName: new("Hopper")}},
		{"email", `{"email":"grace@example.org"}`, directory.Change{Email: new("grace@example.org")}},
		{"ldapUserName", `{"ldapUserName":"ACME\\ghopper"}`, directory.Change{LDAPUserName: new(`ACME\ghopper`)}},
		{"empty ldapUserName unlinks", `{"ldapUserName":""}`, directory.Change{LDAPUserName: new("")}},
		{"notificationsOptIn true", `{"notificationsOptIn":true}`, directory.Change{NotificationsOptIn: new(true)}},
		{"notificationsOptIn false", `{"notificationsOptIn":false}`, directory.Change{NotificationsOptIn: new(false)}},
		{"the documented example", `{"firstName":"string","lastName":"string","email":"a@example.com","ldapUserName":"string"}`,
			directory.Change{FirstName: new("string"), LastName: new("string"), Email: new("a@example.com"), LDAPUserName: new("string")}},
		{"null leaves a field alone", `{"firstName":"Grace","lastName":null}`, directory.Change{FirstName: new("Grace")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c, id := captureUpdate(t)
			res := do(t, f, request{Method: "PUT", Target: "/users/usr1", Body: tt.body, As: &owner})
			webtest.AssertJSON(t, res, http.StatusOK, theUserJSON)
			webtest.AssertHeaders(t, res, map[string]string{"ETag": `"8"`, "Cache-Control": "no-store"})
			if !reflect.DeepEqual(*c, tt.want) || *id != "usr1" {
				t.Errorf("change %+v for %q, want %+v", *c, *id, tt.want)
			}
		})
	}
}

func TestUpdateRefusesBadFieldsWithoutCallingTheService(t *testing.T) {
	tests := []struct {
		name, body string
		fields     []string
	}{
		{"no field", `{}`, []string{"body"}},
		{"only nulls", `{"firstName":null,"notificationsOptIn":null}`, []string{"body"}},
		{"notificationsOptIn as a string", `{"notificationsOptIn":"true"}`, []string{"notificationsOptIn"}},
		{"notificationsOptIn as a number", `{"notificationsOptIn":1}`, []string{"notificationsOptIn"}},
		{"firstName as a number", `{"firstName":1}`, []string{"firstName"}},
		{"blank firstName", `{"firstName":"  "}`, []string{"firstName"}},
		{"empty lastName", `{"lastName":""}`, []string{"lastName"}},
		{"long firstName", `{"firstName":"` + strings.Repeat("é", 101) + `"}`, []string{"firstName"}},
		{"control character", `{"lastName":"Hop\u0000per"}`, []string{"lastName"}},
		{"bad email", `{"email":"grace"}`, []string{"email"}},
		{"email with a name", `{"email":"Grace <grace@example.com>"}`, []string{"email"}},
		{"long ldapUserName", `{"ldapUserName":"` + strings.Repeat("l", 257) + `"}`, []string{"ldapUserName"}},
		{"every problem at once", `{"firstName":"","lastName":"","email":"x"}`, []string{"firstName", "lastName", "email"}},
		{"roleId belongs to its own route", `{"roleId":"admin"}`, []string{"roleId"}},
		{"publicId is read-only", `{"publicId":"usr2"}`, []string{"publicId"}},
		{"tenantId is read-only", `{"tenantId":"globex"}`, []string{"tenantId"}},
		{"userName is not documented here", `{"userName":"grace"}`, []string{"userName"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := happy(t)
			res := do(t, f, request{Method: "PUT", Target: "/users/usr1", Body: tt.body, As: &owner})
			webtest.AssertProblem(t, res, http.StatusBadRequest, tt.fields...)
			webtest.AssertCalls(t, f)
		})
	}
}

func TestUpdateSaysWhereAMemberIsChanged(t *testing.T) {
	for field, want := range map[string]string{
		"roleId":                      "PUT /users/{userId}/role",
		"assignedWorkingEnvironments": "PUT /users/{userId}/working-environments",
		"azureCredentials":            "PUT /users/{userId}/azure-credentials",
		"permissions":                 "read-only",
	} {
		f := happy(t)
		p := webtest.AssertProblem(t, do(t, f, request{Method: "PUT", Target: "/users/usr1", Body: `{"` + field + `":null}`, As: &owner}), 400, field)
		if !strings.Contains(p.Errors[0].Message, want) {
			t.Errorf("%s: message %q, want it to mention %s", field, p.Errors[0].Message, want)
		}
	}
}

func TestLinkingLDAPNeedsThePrivilegedPermission(t *testing.T) {
	for _, body := range []string{`{"ldapUserName":"ACME\\ghopper"}`, `{"ldapUserName":""}`, `{"firstName":"Grace","ldapUserName":"g"}`} {
		for name, p := range map[string]auth.Principal{"user manager": manager, "user manager key": managerKey} {
			t.Run(name+"/"+body, func(t *testing.T) {
				f := happy(t)
				res := webtest.AssertProblem(t, do(t, f, request{Method: "PUT", Target: "/users/usr1", Body: body, As: &p}), http.StatusForbidden)
				if !strings.Contains(res.Detail, "users:privileged") {
					t.Errorf("detail %q", res.Detail)
				}
				webtest.AssertCalls(t, f)
			})
		}
	}
	t.Run("an admin API key may", func(t *testing.T) {
		f, c, _ := captureUpdate(t)
		if res := do(t, f, request{Method: "PUT", Target: "/users/usr1", Body: `{"ldapUserName":"g"}`, As: &adminKey}); res.Code != 200 {
			t.Fatalf("status %d; body %s", res.Code, res.Body)
		}
		if c.LDAPUserName == nil || *c.LDAPUserName != "g" {
			t.Errorf("change %+v", *c)
		}
	})
	t.Run("a user manager may change the rest", func(t *testing.T) {
		f, c, _ := captureUpdate(t)
		if res := do(t, f, request{Method: "PUT", Target: "/users/usr1", Body: `{"email":"g@example.com","notificationsOptIn":false}`, As: &manager}); res.Code != 200 {
			t.Fatalf("status %d; body %s", res.Code, res.Body)
		}
		if c.Email == nil || c.NotificationsOptIn == nil || c.LDAPUserName != nil {
			t.Errorf("change %+v", *c)
		}
	})
}

func TestIfMatchMakesAChangeConditional(t *testing.T) {
	tests := []struct {
		name    string
		ifMatch []string
		version int64 // passed to the service
		status  int   // when the service is not reached
		field   string
	}{
		{name: "none", version: 0},
		{name: "a version", ifMatch: []string{`"7"`}, version: 7},
		{name: "with spaces", ifMatch: []string{` "12" `}, version: 12},
		{name: "any", ifMatch: []string{`*`}, version: 0},
		{name: "weak", ifMatch: []string{`W/"7"`}, status: 412},
		{name: "not a version", ifMatch: []string{`"abc"`}, status: 412},
		{name: "zero", ifMatch: []string{`"0"`}, status: 412},
		{name: "leading zero", ifMatch: []string{`"07"`}, status: 412},
		{name: "unquoted", ifMatch: []string{`7`}, status: 400, field: "If-Match"},
		{name: "two tags", ifMatch: []string{`"7", "8"`}, status: 400, field: "If-Match"},
		{name: "two headers", ifMatch: []string{`"7"`, `"8"`}, status: 400, field: "If-Match"},
	}
	for _, rt := range routes() {
		if !rt.ifMatch {
			continue
		}
		for _, tt := range tests {
			t.Run(rt.name()+"/"+tt.name, func(t *testing.T) {
				f := happy(t)
				var got []int64
				f.UpdateFn = func(_ auth.Principal, _ string, c directory.Change) (*user.User, error) {
					got = append(got, c.IfVersion)
					return theUser(), nil
				}
				f.DeleteFn = func(_ auth.Principal, _ string, v int64) error { got = append(got, v); return nil }
				rq := rt.request()
				rq.Edit = func(r *http.Request) {
					for _, v := range tt.ifMatch {
						r.Header.Add("If-Match", v)
					}
				}
				res := do(t, f, rq)
				if tt.status != 0 {
					if tt.field != "" {
						webtest.AssertProblem(t, res, tt.status, tt.field)
					} else {
						webtest.AssertProblem(t, res, tt.status)
					}
					webtest.AssertCalls(t, f)
					return
				}
				if res.Code != rt.status || len(got) != 1 || got[0] != tt.version {
					t.Errorf("status %d, versions %v, want %d; body %s", res.Code, got, tt.version, res.Body)
				}
			})
		}
	}
}

func TestABadBodyIsReportedBeforeAStaleIfMatch(t *testing.T) {
	f := happy(t)
	res := do(t, f, request{Method: "PUT", Target: "/users/usr1", Body: `{"email":"x"}`, As: &owner, Header: map[string]string{"If-Match": `W/"1"`}})
	webtest.AssertProblem(t, res, http.StatusBadRequest, "email")
	webtest.AssertCalls(t, f)
}
