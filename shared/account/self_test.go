package account_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"roster/shared/auth"
	"roster/shared/fault"
	"roster/shared/signin"
	"roster/shared/user"
	"roster/shared/web/webtest"
)

func TestGetAccountListsTheCallersTenants(t *testing.T) {
	f := happy(t)
	var got auth.Principal
	f.account = func(p auth.Principal) (*signin.Account, []signin.Membership, error) {
		got = p
		a, ms := theAccount()
		return a, ms, nil
	}
	res := do(t, f, request{Method: "GET", Target: "/account", As: &member})

	webtest.AssertJSON(t, res, http.StatusOK, theAccountJSON)
	webtest.AssertHeaders(t, res, map[string]string{"Cache-Control": "no-store"})
	if got.UserID != member.UserID || got.TenantID != member.TenantID || got.AccountID != member.AccountID {
		t.Errorf("Account called for %+v", got)
	}
}

func TestGetAccountWithNoTenantsShowsAnEmptyList(t *testing.T) {
	f := happy(t)
	f.account = func(auth.Principal) (*signin.Account, []signin.Membership, error) {
		return &signin.Account{ID: "acc1"}, nil, nil
	}
	webtest.AssertJSON(t, do(t, f, request{Method: "GET", Target: "/account", As: &member}), 200,
		`{"accountUid":"acc1","defaultTenantUid":"","tenants":[]}`)
}

func TestPutAccountSetsTheDefaultTenant(t *testing.T) {
	f := happy(t)
	var got string
	f.setDefaultTenant = func(_ auth.Principal, tenant string) (*signin.Account, []signin.Membership, error) {
		got = tenant
		a, ms := theAccount()
		return a, ms, nil
	}
	res := do(t, f, request{Method: "PUT", Target: "/account", As: &member, Body: `{"defaultTenantUid":"globex"}`})
	webtest.AssertJSON(t, res, http.StatusOK, theAccountJSON)
	webtest.AssertHeaders(t, res, map[string]string{"Cache-Control": "no-store"})
	if got != "globex" {
		t.Errorf("SetDefaultTenant(%q)", got)
	}
}

func TestPutAccountRefusesABadDefaultTenant(t *testing.T) {
	for name, body := range map[string]string{
		"missing":          `{}`,
		"empty":            `{"defaultTenantUid":""}`,
		"space":            `{"defaultTenantUid":"glo bex"}`,
		"dot":              `{"defaultTenantUid":"glo.bex"}`,
		"slash":            `{"defaultTenantUid":"a/b"}`,
		"non-ASCII letter": `{"defaultTenantUid":"été"}`,
		"too long":         `{"defaultTenantUid":"` + strings.Repeat("g", 65) + `"}`,
		"null":             `{"defaultTenantUid":null}`,
	} {
		t.Run(name, func(t *testing.T) {
			f := happy(t)
			webtest.AssertProblem(t, do(t, f, request{Method: "PUT", Target: "/account", As: &member, Body: body}), 400, "defaultTenantUid")
			webtest.AssertCalls(t, f)
		})
	}
}

func TestPutAccountToATenantTheCallerIsNotInIs400(t *testing.T) {
	f := failing(t, fault.InvalidField("defaultTenantUid", "is not a tenant you belong to"))
	webtest.AssertProblem(t, do(t, f, request{Method: "PUT", Target: "/account", As: &member, Body: `{"defaultTenantUid":"initech"}`}), 400, "defaultTenantUid")
}

func TestGetTenantAccountShowsTheCallersUserWithItsVersion(t *testing.T) {
	f := happy(t)
	var gotP auth.Principal
	var gotTenant string
	f.tenantUser = func(p auth.Principal, tenant string) (*user.User, error) {
		gotP, gotTenant = p, tenant
		return theUser(), nil
	}
	res := do(t, f, request{Method: "GET", Target: "/tenants/acme/account", As: &member})

	webtest.AssertJSON(t, res, http.StatusOK, theUserJSON)
	webtest.AssertHeaders(t, res, map[string]string{"ETag": `"7"`, "Cache-Control": "no-store"})
	if gotP.UserID != "usr1" || gotTenant != "acme" {
		t.Errorf("TenantUser(%+v, %q)", gotP, gotTenant)
	}
	for _, secret := range []string{"sealed-third-party-token", "tokenVersion", "accessToken", "number", "createdBy"} {
		if strings.Contains(string(res.Body), secret) {
			t.Errorf("body shows %s: %s", secret, res.Body)
		}
	}
}

func TestGetTenantAccountOfAnUnknownRoleListsNoPermissions(t *testing.T) {
	f := happy(t)
	f.tenantUser = func(auth.Principal, string) (*user.User, error) {
		u := theUser()
		u.Role = "retired"
		return u, nil
	}
	res := do(t, f, request{Method: "GET", Target: "/tenants/acme/account", As: &member})
	if !strings.Contains(string(res.Body), `"permissions":[]`) {
		t.Errorf("body %s", res.Body)
	}
}

func TestPutTenantAccountAppliesEveryDocumentedField(t *testing.T) {
	f := happy(t)
	var got signin.SelfChange
	var gotTenant string
	f.updateSelf = func(_ auth.Principal, tenant string, c signin.SelfChange) (*user.User, error) {
		got, gotTenant = c, tenant
		u := theUser()
		u.Version = 8
		return u, nil
	}
	body := `{"displayName":"G","email":"grace@navy.example","firstname":"Grace B.","lastname":"Murray",
		"mobile":"+1 (202) 555-0100","password":"a new long passphrase","currentPassword":"` + passwd + `",
		"languageCode":"nb","defaultStoreUid":"store-2"}`
	res := do(t, f, request{Method: "PUT", Target: "/tenants/acme/account", As: &member, Body: body})

	// The new address waits for its link (decision 023): the answer shows
	// the address the user still has and the one asked for.
	webtest.AssertJSON(t, res, http.StatusOK, strings.TrimSuffix(theUserJSON, "}")+`,"pendingEmail":"grace@navy.example"}`)
	webtest.AssertHeaders(t, res, map[string]string{"ETag": `"8"`, "Cache-Control": "no-store"})
	want := signin.SelfChange{
		DisplayName: new("G"), Email: new("grace@navy.example"), FirstName: new("Grace B."), LastName: new("Murray"),
		Mobile: new("+1 (202) 555-0100"), LanguageCode: new("nb"), DefaultStoreID: new("store-2"),
		Password: new("a new long passphrase"), CurrentPassword: new(passwd),
	}
	if gotTenant != "acme" || !sameChange(got, want) {
		t.Errorf("UpdateSelf(%q, %s), want %s", gotTenant, showChange(got), showChange(want))
	}
}

func TestPutTenantAccountLeavesAbsentAndNullFieldsAlone(t *testing.T) {
	f := happy(t)
	var got signin.SelfChange
	f.updateSelf = func(_ auth.Principal, _ string, c signin.SelfChange) (*user.User, error) {
		got = c
		return theUser(), nil
	}
	res := do(t, f, request{Method: "PUT", Target: "/tenants/acme/account", As: &member,
		Body: `{"email":null,"displayName":"","mobile":"","defaultStoreUid":""}`})
	if res.Code != 200 {
		t.Fatalf("status %d; body %s", res.Code, res.Body)
	}
	want := signin.SelfChange{DisplayName: new(""), Mobile: new(""), DefaultStoreID: new("")}
	if !sameChange(got, want) {
		t.Errorf("UpdateSelf(%s), want %s", showChange(got), showChange(want))
	}
}

func TestPutTenantAccountIsConditionalOnIfMatch(t *testing.T) {
	tests := []struct {
		ifMatch string
		status  int
		version int64 // passed to the service; -1: not called
		field   string
	}{
		{`"7"`, 200, 7, ""},
		{` "7" `, 200, 7, ""},
		{`*`, 200, 0, ""},
		{`"70000000000"`, 200, 70000000000, ""},
		{`W/"7"`, 412, -1, ""},
		{`"07"`, 412, -1, ""},
		{`"0"`, 412, -1, ""},
		{`"-7"`, 412, -1, ""},
		{`"seven"`, 412, -1, ""},
		{`""`, 412, -1, ""},
		{`"99999999999999999999"`, 412, -1, ""},
		{`7`, 400, -1, "If-Match"},
		{`"7`, 400, -1, "If-Match"},
		{`"7", "8"`, 400, -1, "If-Match"},
		{`"a"b"`, 400, -1, "If-Match"},
	}
	for _, tt := range tests {
		t.Run(tt.ifMatch, func(t *testing.T) {
			f := happy(t)
			got := int64(-1)
			f.updateSelf = func(_ auth.Principal, _ string, c signin.SelfChange) (*user.User, error) {
				got = c.IfVersion
				u := theUser()
				u.Version = 8
				return u, nil
			}
			res := do(t, f, request{Method: "PUT", Target: "/tenants/acme/account", As: &member, Body: `{"displayName":"G"}`,
				Edit: func(r *http.Request) { r.Header["If-Match"] = []string{tt.ifMatch} }})
			if tt.status == 200 {
				if res.Code != 200 {
					t.Fatalf("status %d; body %s", res.Code, res.Body)
				}
			} else if tt.field != "" {
				webtest.AssertProblem(t, res, tt.status, tt.field)
			} else {
				webtest.AssertProblem(t, res, tt.status)
			}
			if got != tt.version {
				t.Errorf("IfVersion %d, want %d", got, tt.version)
			}
		})
	}
}

func TestPutTenantAccountWithoutIfMatchIsUnconditional(t *testing.T) {
	f := happy(t)
	got := int64(-1)
	f.updateSelf = func(_ auth.Principal, _ string, c signin.SelfChange) (*user.User, error) {
		got = c.IfVersion
		return theUser(), nil
	}
	do(t, f, request{Method: "PUT", Target: "/tenants/acme/account", As: &member, Body: `{"displayName":"G"}`})
	if got != 0 {
		t.Errorf("IfVersion %d, want 0", got)
	}
}

func TestPutTenantAccountStaleVersionIs412(t *testing.T) {
	f := failing(t, fault.New(fault.PreconditionFailed, "The user has changed since you read it."))
	res := do(t, f, request{Method: "PUT", Target: "/tenants/acme/account", As: &member, Body: `{"displayName":"G"}`,
		Header: map[string]string{"If-Match": `"6"`}})
	webtest.AssertProblem(t, res, http.StatusPreconditionFailed)
	webtest.AssertHeaders(t, res, map[string]string{"ETag": ""})
}

func TestPutTenantAccountRefusesPrivilegedFieldsChangingNothing(t *testing.T) {
	for _, field := range []string{"role", "roles", "active", "tenantUid", "userUid", "userCode", "ldap", "ldapUserName", "permissions", "version"} {
		t.Run(field, func(t *testing.T) {
			for _, value := range []string{`"admin"`, `true`, `null`, `1`} {
				f := happy(t)
				res := do(t, f, request{Method: "PUT", Target: "/tenants/acme/account", As: &member,
					Body: `{"displayName":"G","` + field + `":` + value + `}`})
				p := webtest.AssertProblem(t, res, http.StatusBadRequest, field)
				webtest.AssertCalls(t, f)
				if !strings.Contains(p.Errors[0].Message, "administrator") {
					t.Errorf("%s: message %q does not say who may change it", value, p.Errors[0].Message)
				}
			}
		})
	}
	t.Run("role alone, as the brief example", func(t *testing.T) {
		f := happy(t)
		webtest.AssertProblem(t, do(t, f, request{Method: "PUT", Target: "/tenants/acme/account", As: &member, Body: `{"role":"admin"}`}), 400, "role")
		webtest.AssertCalls(t, f)
	})
}

func TestPutTenantAccountRefusesBadFieldsWithoutCallingTheService(t *testing.T) {
	tests := []struct {
		name, body string
		fields     []string
	}{
		{"nothing to change", `{}`, []string{"body"}},
		{"only nulls", `{"email":null,"password":null}`, []string{"body"}},
		{"email not an address", `{"email":"grace"}`, []string{"email"}},
		{"email empty", `{"email":""}`, []string{"email"}},
		{"email with a display name", `{"email":"Grace <grace@example.com>"}`, []string{"email"}},
		{"email too long", `{"email":"` + strings.Repeat("g", 250) + `@example.com"}`, []string{"email"}},
		{"blank firstname", `{"firstname":"  "}`, []string{"firstname"}},
		{"blank lastname", `{"lastname":""}`, []string{"lastname"}},
		{"long displayName", `{"displayName":"` + strings.Repeat("é", 101) + `"}`, []string{"displayName"}},
		{"control character", `{"displayName":"a\u0007b"}`, []string{"displayName"}},
		{"mobile letters", `{"mobile":"call me"}`, []string{"mobile"}},
		{"mobile plus inside", `{"mobile":"12+34"}`, []string{"mobile"}},
		{"mobile too few digits", `{"mobile":"+1"}`, []string{"mobile"}},
		{"mobile too many digits", `{"mobile":"1234567890123456"}`, []string{"mobile"}},
		{"mobile too long", `{"mobile":"` + strings.Repeat("1 ", 17) + `"}`, []string{"mobile"}},
		{"language upper case", `{"languageCode":"EN"}`, []string{"languageCode"}},
		{"language three letters", `{"languageCode":"eng"}`, []string{"languageCode"}},
		{"language tag", `{"languageCode":"en-GB"}`, []string{"languageCode"}},
		{"language empty", `{"languageCode":""}`, []string{"languageCode"}},
		{"store with a space", `{"defaultStoreUid":"store 1"}`, []string{"defaultStoreUid"}},
		{"store too long", `{"defaultStoreUid":"` + strings.Repeat("s", 65) + `"}`, []string{"defaultStoreUid"}},
		{"password without the current one", `{"password":"a new long passphrase"}`, []string{"currentPassword"}},
		{"current password alone", `{"currentPassword":"x"}`, []string{"currentPassword"}},
		{"empty password", `{"password":"","currentPassword":"x"}`, []string{"password"}},
		{"empty current password", `{"password":"a new long passphrase","currentPassword":""}`, []string{"currentPassword"}},
		{"password over 1024 bytes", `{"password":"` + strings.Repeat("p", 1025) + `","currentPassword":"x"}`, []string{"password"}},
		{"every problem at once", `{"email":"x","languageCode":"xx1","mobile":"?"}`, []string{"email", "languageCode", "mobile"}},
		{"wrong type", `{"firstname":["Grace"]}`, []string{"firstname"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := happy(t)
			webtest.AssertProblem(t, do(t, f, request{Method: "PUT", Target: "/tenants/acme/account", As: &member, Body: tt.body}), 400, tt.fields...)
			webtest.AssertCalls(t, f)
		})
	}
}

func TestPutTenantAccountPassesOnTheServicesVerdicts(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		fields []string
	}{
		{"wrong current password", fault.InvalidField("currentPassword", "is not your current password"), 400, []string{"currentPassword"}},
		{"weak password", fault.InvalidField("password", "is too common"), 400, []string{"password"}},
		{"email taken", &fault.Error{Code: fault.Conflict, Message: "The email is taken.", Fields: []fault.FieldError{{Field: "email", Message: "is taken"}}}, 409, []string{"email"}},
		{"stale version", fault.New(fault.PreconditionFailed, "Stale."), 412, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := failing(t, tt.err)
			res := do(t, f, request{Method: "PUT", Target: "/tenants/acme/account", As: &member,
				Body: `{"email":"ada@example.com","password":"a new long passphrase","currentPassword":"x"}`})
			webtest.AssertProblem(t, res, tt.status, tt.fields...)
			webtest.AssertCalls(t, f, "UpdateSelf")
		})
	}
}

func sameChange(a, b signin.SelfChange) bool {
	return showChange(a) == showChange(b)
}

// showChange renders a change with its pointers followed.
func showChange(c signin.SelfChange) string {
	s := func(p *string) string {
		if p == nil {
			return "<nil>"
		}
		return "\"" + *p + "\""
	}
	return strings.Join([]string{
		"displayName=" + s(c.DisplayName), "email=" + s(c.Email), "first=" + s(c.FirstName), "last=" + s(c.LastName),
		"mobile=" + s(c.Mobile), "lang=" + s(c.LanguageCode), "store=" + s(c.DefaultStoreID),
		"password=" + s(c.Password), "current=" + s(c.CurrentPassword), "ifVersion=" + strconv.FormatInt(c.IfVersion, 10),
	}, " ")
}
