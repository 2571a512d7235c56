package identity_test

import (
	"fmt"
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

func TestUpdateUserMapsTheDocumentsFieldsToTheChange(t *testing.T) {
	cases := []struct {
		name string
		body string
		want directory.Change
	}{
		{"every member", `{"name":"Hermione","surname":"Granger-Weasley","email":"hermione@hogwarts.com","isActive":false,
			"password":"` + passwd + `","groupIDsToAdd":["gryff-01","alumni-02"],"groupIDsToRemove":["teachers-03"],
			"bypassBasicAuthRestriction":true,"invitationAccepted":true}`,
			directory.Change{FirstName: new("Hermione"), LastName: new("Granger-Weasley"), Email: new("hermione@hogwarts.com"),
				Active: new(false), Password: new(passwd), GroupsToAdd: []string{"gryff-01", "alumni-02"},
				GroupsToRemove: []string{"teachers-03"}, BypassBasicAuth: new(true), InvitationAccepted: new(true)}},
		{"absent and null members are left alone", `{"name":"Hermione","surname":null,"isActive":null}`,
			directory.Change{FirstName: new("Hermione")}},
		{"an empty object changes nothing", `{}`, directory.Change{}},
		{"an empty surname clears it", `{"surname":""}`, directory.Change{LastName: new("")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := happy(t)
			var got directory.Change
			var gotID string
			var gotP auth.Principal
			f.UpdateFn = func(p auth.Principal, id string, ch directory.Change) (*user.User, error) {
				gotP, gotID, got = p, id, ch
				return &user.User{ID: id}, nil
			}
			assertJSON(t, do(t, f, request{Method: "PUT", Target: acme + "/User/her-1909", Body: c.body, As: &owner}), 200, succeeded)
			if gotID != "her-1909" || !reflect.DeepEqual(gotP, owner) {
				t.Errorf("updated %q as %+v", gotID, gotP)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("change %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestUpdateUserPassesIfMatchAsTheVersion(t *testing.T) {
	for _, rt := range []route{routeFor(t, "Update"), routeFor(t, "Delete")} {
		t.Run(rt.name(), func(t *testing.T) {
			f := happy(t)
			var got int64
			f.UpdateFn = func(_ auth.Principal, id string, c directory.Change) (*user.User, error) {
				got = c.IfVersion
				return &user.User{ID: id}, nil
			}
			f.DeleteFn = func(_ auth.Principal, _ string, v int64) error { got = v; return nil }
			rq := rt.request(owner)
			rq.Header = map[string]string{"If-Match": `"4"`}
			assertJSON(t, do(t, f, rq), 200, succeeded)
			if got != 4 {
				t.Errorf("version %d, want 4", got)
			}

			for _, v := range []string{`W/"4"`, `"04"`, `"0"`, `"x"`} {
				f := happy(t)
				rq.Header = map[string]string{"If-Match": v}
				webtest.AssertTraceProblem(t, do(t, f, rq), http.StatusPreconditionFailed)
				webtest.AssertCalls(t, f)
			}
			for _, v := range []string{`4`, `"4", "5"`} {
				f := happy(t)
				rq.Header = map[string]string{"If-Match": v}
				assertValidation(t, do(t, f, rq), "If-Match")
				webtest.AssertCalls(t, f)
			}
		})
	}
}

func TestUpdateUserRefusesBadValuesBeforeTheDirectory(t *testing.T) {
	many := make([]string, directory.MaxGroups+1)
	for i := range many {
		many[i] = fmt.Sprintf(`"g%d"`, i)
	}
	cases := []struct {
		name, body string
		fields     []string
	}{
		{"blank name", `{"name":"  "}`, []string{"name"}},
		{"long surname", `{"surname":"` + strings.Repeat("é", 101) + `"}`, []string{"surname"}},
		{"control character", `{"name":"Her\u0000mione"}`, []string{"name"}},
		{"bad email", `{"email":"hermione"}`, []string{"email"}},
		{"empty email", `{"email":""}`, []string{"email"}},
		{"empty password", `{"password":""}`, []string{"password"}},
		{"long password", `{"password":"` + strings.Repeat("x", 1025) + `"}`, []string{"password"}},
		{"bad group id", `{"groupIDsToAdd":["gryff 01"]}`, []string{"groupIDsToAdd"}},
		{"empty group id", `{"groupIDsToRemove":[""]}`, []string{"groupIDsToRemove"}},
		{"repeated group id", `{"groupIDsToAdd":["a","b","a"]}`, []string{"groupIDsToAdd"}},
		{"too many groups", `{"groupIDsToAdd":[` + strings.Join(many, ",") + `]}`, []string{"groupIDsToAdd"}},
		{"added and removed", `{"groupIDsToAdd":["a"],"groupIDsToRemove":["a"]}`, []string{"groupIDsToRemove"}},
		{"several at once", `{"name":"","email":"x","isActive":"yes"}`, []string{"isActive"}}, // decoding stops at the first wrong type
		{"several valid-shaped problems", `{"name":"","email":"x"}`, []string{"name", "email"}},
		{"wrong type in a list", `{"groupIDsToAdd":["a",1]}`, []string{"groupIDsToAdd"}},
		{"string for a list", `{"groupIDsToRemove":"a"}`, []string{"groupIDsToRemove"}},
		{"number for a string", `{"email":5}`, []string{"email"}},
		{"object for a boolean", `{"invitationAccepted":{}}`, []string{"invitationAccepted"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := happy(t)
			assertValidation(t, do(t, f, request{Method: "PUT", Target: acme + "/User/her-1909", Body: c.body, As: &owner}), c.fields...)
			webtest.AssertCalls(t, f)
		})
	}
}

func TestUpdateUserNamesTheDirectorysFieldProblemsAsTheRequestDoes(t *testing.T) {
	cases := []struct {
		dirField, want string
	}{
		{"groupIDsToAdd", "groupIDsToAdd"}, // unknown groups
		{"groupsToAdd", "groupIDsToAdd"},
		{"firstName", "name"},
		{"lastName", "surname"},
		{"email", "email"},
		{"password", "password"}, // the password policy
		{"bypassBasicAuth", "bypassBasicAuthRestriction"},
		{"active", "isActive"},
	}
	for _, c := range cases {
		t.Run(c.dirField, func(t *testing.T) {
			f := failing(t, fault.InvalidField(c.dirField, "must name groups of the tenant"))
			v := assertValidation(t, do(t, f, routeFor(t, "Update").request(owner)), c.want)
			if got := v.Errors[c.want][0]; got != "The "+c.want+" field must name groups of the tenant." {
				t.Errorf("message %q", got)
			}
			webtest.AssertCalls(t, f, "GetTenant", "Update")
		})
	}
}

func TestUpdateUserPrivilegedFieldsAreTheDirectorysToRefuse(t *testing.T) {
	f := happy(t)
	f.UpdateFn = func(p auth.Principal, _ string, c directory.Change) (*user.User, error) {
		if (c.Active != nil || c.BypassBasicAuth != nil) && !p.Can("users:privileged") {
			return nil, fault.New(fault.Forbidden, "You are not allowed to do this.")
		}
		return &user.User{}, nil
	}
	for _, body := range []string{`{"isActive":false}`, `{"bypassBasicAuthRestriction":true}`} {
		res := do(t, f, request{Method: "PUT", Target: acme + "/User/her-1909", Body: body, As: &manager})
		if p := webtest.AssertTraceProblem(t, res, http.StatusForbidden); p.Detail != "You are not allowed to do this." {
			t.Errorf("detail %q", p.Detail)
		}
		assertJSON(t, do(t, f, request{Method: "PUT", Target: acme + "/User/her-1909", Body: body, As: &owner}), 200, succeeded)
	}
}

func TestDeleteUserTakesNoBody(t *testing.T) {
	rt := routeFor(t, "Delete")
	for _, body := range []string{"", " \n", "{}"} {
		f := happy(t)
		rq := rt.request(owner)
		rq.Body = body
		assertJSON(t, do(t, f, rq), 200, succeeded)
	}
	f := happy(t)
	rq := rt.request(owner)
	rq.Body = `{"userIds":["her-1909"]}`
	assertValidation(t, do(t, f, rq), "userIds")
	webtest.AssertCalls(t, f)
}

func TestDeleteUsersReportsEachIDInTheOrderAsked(t *testing.T) {
	f := happy(t)
	var got []string
	f.DeleteManyFn = func(_ auth.Principal, ids []string) ([]directory.DeleteOutcome, error) {
		got = ids
		// Out of order on purpose: the response follows the request.
		return []directory.DeleteOutcome{
			{ID: "globex-user", Status: "not_found"}, // another tenant's reads as unknown
			{ID: "her-1909", Status: "deleted"},
			{ID: "nobody", Status: "not_found"},
		}, nil
	}
	res := do(t, f, request{Method: "DELETE", Target: acme + "/User", Body: `{"userIds":["her-1909","nobody","globex-user"]}`, As: &owner})
	assertJSON(t, res, 200, `{"succeeded":false,
		"errors":[
			{"code":"UserNotFound","description":"User \"nobody\" was not found."},
			{"code":"UserNotFound","description":"User \"globex-user\" was not found."}],
		"results":[
			{"userId":"her-1909","succeeded":true,"error":null},
			{"userId":"nobody","succeeded":false,"error":"not found"},
			{"userId":"globex-user","succeeded":false,"error":"not found"}]}`)
	if !reflect.DeepEqual(got, []string{"her-1909", "nobody", "globex-user"}) {
		t.Errorf("ids %q", got)
	}
}

func TestDeleteUsersWithAnOutcomeMissingIsAnError(t *testing.T) {
	f := happy(t)
	f.DeleteManyFn = func(auth.Principal, []string) ([]directory.DeleteOutcome, error) {
		return []directory.DeleteOutcome{{ID: "her-1909", Status: "deleted"}}, nil
	}
	res := do(t, f, request{Method: "DELETE", Target: acme + "/User", Body: `{"userIds":["her-1909","ron-1903"]}`, As: &owner})
	webtest.AssertTraceProblem(t, res, http.StatusInternalServerError)
}

func TestDeleteUsersRefusesBadLists(t *testing.T) {
	ids := func(n int) string {
		s := make([]string, n)
		for i := range s {
			s[i] = fmt.Sprintf(`"user-%d"`, i)
		}
		return `{"userIds":[` + strings.Join(s, ",") + `]}`
	}
	cases := []struct {
		name, body string
		field      string
	}{
		{"no member", `{}`, "userIds"},
		{"null", `{"userIds":null}`, "userIds"},
		{"empty", `{"userIds":[]}`, "userIds"},
		{"101 ids", ids(101), "userIds"},
		{"bad id", `{"userIds":["her-1909","her 1909"]}`, "userIds"},
		{"empty id", `{"userIds":[""]}`, "userIds"},
		{"long id", `{"userIds":["` + strings.Repeat("a", 65) + `"]}`, "userIds"},
		{"repeated id", `{"userIds":["her-1909","her-1909"]}`, "userIds"},
		{"number", `{"userIds":[1]}`, "userIds"},
		{"unknown member", `{"ids":["her-1909"]}`, "ids"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := happy(t)
			assertValidation(t, do(t, f, request{Method: "DELETE", Target: acme + "/User", Body: c.body, As: &owner}), c.field)
			webtest.AssertCalls(t, f)
		})
	}
	t.Run("100 ids", func(t *testing.T) {
		f := happy(t)
		res := do(t, f, request{Method: "DELETE", Target: acme + "/User", Body: ids(100), As: &owner})
		if res.Code != 200 {
			t.Fatalf("status %d; body %s", res.Code, res.Body)
		}
	})
}

func TestSetPassword(t *testing.T) {
	type call struct {
		p       auth.Principal
		id, pw  string
		current *string
	}
	cases := []struct {
		name   string
		as     auth.Principal
		userID string
		body   string
		want   call
	}{
		{"an administrator sets another's", owner, "her-1909", `{"newPassword":"` + passwd + `"}`,
			call{owner, "her-1909", passwd, nil}},
		{"an API key sets another's", adminKey, "her-1909", `{"newPassword":"` + passwd + `"}`,
			call{adminKey, "her-1909", passwd, nil}},
		{"a member changes their own", member, "usr1", `{"newPassword":"` + passwd + `","oldPassword":"old one"}`,
			call{member, "usr1", passwd, new("old one")}},
		{"an administrator changes their own", owner, "usr9", `{"newPassword":"` + passwd + `","oldPassword":"old one"}`,
			call{owner, "usr9", passwd, new("old one")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := happy(t)
			var got call
			f.SetPasswordFn = func(p auth.Principal, id, pw string, current *string) error {
				got = call{p, id, pw, current}
				return nil
			}
			assertJSON(t, do(t, f, request{Method: "PUT", Target: acme + "/User/" + c.userID + "/password", Body: c.body, As: &c.as}), 200, succeeded)
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("SetPassword %+v, want %+v", got, c.want)
			}
			if strings.Contains(c.body, passwd) && strings.Contains(do(t, happy(t), request{Method: "PUT", Target: acme + "/User/" + c.userID + "/password", Body: c.body, As: &c.as}).Logs, passwd) {
				t.Error("the password is in the logs")
			}
		})
	}
}

func TestSetPasswordOfOnesOwnNeedsTheOldOne(t *testing.T) {
	for _, as := range []auth.Principal{member, owner} {
		f := happy(t)
		res := do(t, f, request{Method: "PUT", Target: acme + "/User/" + as.UserID + "/password", Body: `{"newPassword":"` + passwd + `"}`, As: &as})
		assertValidation(t, res, "oldPassword")
		webtest.AssertCalls(t, f)
	}
}

func TestSetPasswordRefusesBadBodies(t *testing.T) {
	cases := []struct {
		name, body string
		field      string
	}{
		{"no new password", `{}`, "newPassword"},
		{"empty new password", `{"newPassword":""}`, "newPassword"},
		{"long new password", `{"newPassword":"` + strings.Repeat("x", 1025) + `"}`, "newPassword"},
		{"empty old password", `{"newPassword":"x","oldPassword":""}`, "oldPassword"},
		{"the update body's name", `{"password":"x"}`, "password"},
		{"number", `{"newPassword":"x","oldPassword":1}`, "oldPassword"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := happy(t)
			assertValidation(t, do(t, f, request{Method: "PUT", Target: acme + "/User/her-1909/password", Body: c.body, As: &owner}), c.field)
			webtest.AssertCalls(t, f)
		})
	}
}

func TestSetPasswordNamesTheDirectorysProblemsAsTheRequestDoes(t *testing.T) {
	cases := []struct{ dirField, want string }{
		{"password", "newPassword"},        // the policy
		{"currentPassword", "oldPassword"}, // a wrong old password
	}
	for _, c := range cases {
		f := failing(t, fault.InvalidField(c.dirField, "is not right"))
		res := do(t, f, request{Method: "PUT", Target: acme + "/User/usr1/password", Body: `{"newPassword":"x","oldPassword":"y"}`, As: &member})
		assertValidation(t, res, c.want)
	}
}

func TestSetPasswordOfAnothersIsTheDirectorysToRefuse(t *testing.T) {
	f := failing(t, fault.New(fault.Forbidden, "You are not allowed to do this."))
	res := do(t, f, request{Method: "PUT", Target: acme + "/User/her-1909/password", Body: `{"newPassword":"x"}`, As: &member})
	webtest.AssertTraceProblem(t, res, http.StatusForbidden)
	webtest.AssertCalls(t, f, "GetTenant", "SetPassword")
}
