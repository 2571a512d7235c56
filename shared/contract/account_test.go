package contract_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"roster/shared/directory"
	"roster/shared/mail"
	"roster/shared/role"
)

// The Account API's contract: every route, every status it answers, held
// to openapi.yaml by the harness.

// accountProblem is the part of a problem body the tests read.
type accountProblem struct {
	Detail string `json:"detail"`
	Errors []struct {
		Field string `json:"field"`
	} `json:"errors"`
}

// accountFields returns the fields a problem names.
func accountFields(t testing.TB, res Response) []string {
	t.Helper()
	var p accountProblem
	res.JSON(t, &p)
	var fs []string
	for _, e := range p.Errors {
		fs = append(fs, e.Field)
	}
	return fs
}

// accountWantField fails unless the problem names field.
func accountWantField(t testing.TB, res Response, field string) {
	t.Helper()
	if fs := accountFields(t, res); !slices.Contains(fs, field) {
		t.Errorf("problem names %v, want %q; body %s", fs, field, res.Body)
	}
}

// accountDetail returns a problem's detail.
func accountDetail(t testing.TB, res Response) string {
	t.Helper()
	var p accountProblem
	res.JSON(t, &p)
	return p.Detail
}

// accountLoginBody is a login request body.
func accountLoginBody(userCode, password string) string {
	return fmt.Sprintf(`{"userCode":%q,"password":%q}`, userCode, password)
}

// accountETag reads the tenant user's ETag through the API.
func accountETag(t testing.TB, a *api, accessToken string) string {
	t.Helper()
	return a.Do(t, Request{Method: "GET", Path: "/tenants/" + a.Tenant + "/account", Credential: accessToken}, http.StatusOK).Header.Get("ETag")
}

func TestAccountLoginIssuesTokensForTheDevicesTenant(t *testing.T) {
	a := newAPI(t)
	p := a.Person(t, "ada", role.Member)
	rq := Request{Method: "POST", Path: "/account", Credential: p.DeviceToken, Body: accountLoginBody("ada", p.Password)}
	a.Valid(t, rq)
	res := a.Do(t, rq, http.StatusOK)
	var got struct {
		Session
		AccountUID string `json:"accountUid"`
		TokenType  string `json:"tokenType"`
		ExpiresIn  int    `json:"expiresIn"`
	}
	res.JSON(t, &got)
	if got.TenantUID != a.Tenant || got.UserUID != p.User.ID || got.AccountUID != p.User.AccountID {
		t.Errorf("logged in as %s/%s (account %s), want %s/%s (account %s)",
			got.TenantUID, got.UserUID, got.AccountUID, a.Tenant, p.User.ID, p.User.AccountID)
	}
	if got.TokenType != "Bearer" || got.ExpiresIn <= 0 {
		t.Errorf("tokenType %q expiresIn %d", got.TokenType, got.ExpiresIn)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
	// The access token works, and the user code is read without its
	// surrounding space.
	a.Do(t, Request{Method: "GET", Path: "/account", Credential: got.AccessToken}, http.StatusOK)
	a.Do(t, Request{Method: "POST", Path: "/account", Credential: p.DeviceToken, Body: accountLoginBody("  ada ", p.Password)}, http.StatusOK)
	a.NoSecretsLogged(t, p.Password, p.DeviceToken, got.AuthToken, got.AccessToken)
}

// TestAccountLoginFailuresAreOneAnswer: whatever is wrong about the person
// (user code, password, inactive, locked), the answer is the same 401, so a
// caller cannot tell which users exist. A bad device is a 401 too.
func TestAccountLoginFailuresAreOneAnswer(t *testing.T) {
	a := newAPI(t)
	ada := a.Person(t, "ada", role.Member)
	gone := a.Person(t, "gone", role.Member)
	locked := a.Person(t, "locked", role.Member)
	off := *gone.User
	off.Active, off.Version = false, gone.User.Version+1
	if err := a.env.Table.UpdateUser(t.Context(), directory.UserUpdate{Old: gone.User, New: &off}); err != nil {
		t.Fatalf("deactivate: %v", err)
	}
	for range 10 {
		a.Do(t, Request{Method: "POST", Path: "/account", Credential: locked.DeviceToken, Body: accountLoginBody("locked", "not the password")}, http.StatusUnauthorized)
	}

	wrongPassword := a.Do(t, Request{Method: "POST", Path: "/account", Credential: ada.DeviceToken,
		Body: accountLoginBody("ada", "not the password")}, http.StatusUnauthorized)
	want := accountDetail(t, wrongPassword)
	for _, tc := range []struct {
		name             string
		device, userCode string
		password         string
	}{
		{"unknown user code", ada.DeviceToken, "nobody", ada.Password},
		{"inactive user", gone.DeviceToken, "gone", gone.Password},
		{"locked account, right password", locked.DeviceToken, "locked", locked.Password},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := a.Do(t, Request{Method: "POST", Path: "/account", Credential: tc.device, Body: accountLoginBody(tc.userCode, tc.password)}, http.StatusUnauthorized)
			if got := accountDetail(t, res); got != want {
				t.Errorf("detail %q differs from a wrong password's %q: it tells which check failed", got, want)
			}
		})
	}
	for _, tc := range []struct{ name, device string }{
		{"no device token", ""},
		{"malformed device token", "rdt_x"},
		{"an API key instead", a.APIKey},
		{"an auth token instead", a.Login(t, ada).AuthToken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a.Do(t, Request{Method: "POST", Path: "/account", Credential: tc.device, Body: accountLoginBody("ada", ada.Password)}, http.StatusUnauthorized)
		})
	}
}

func TestAccountLoginRefusesBadInputNamingTheField(t *testing.T) {
	a := newAPI(t)
	p := a.Person(t, "ada", role.Member)
	before := a.Count(t)
	for _, tc := range []struct{ name, body, field string }{
		{"no password", `{"userCode":"ada"}`, "password"},
		{"empty password", `{"userCode":"ada","password":""}`, "password"},
		{"no user code", `{"password":"x"}`, "userCode"},
		{"blank user code", `{"userCode":"   ","password":"x"}`, "userCode"},
		{"user code too long", accountLoginBody(strings.Repeat("a", 255), "x"), "userCode"},
		{"password too long", accountLoginBody("ada", strings.Repeat("p", 1025)), "password"},
		{"user code not a string", `{"userCode":7,"password":"x"}`, "userCode"},
		{"unknown field", `{"userCode":"ada","password":"x","tenantUid":"acme"}`, "tenantUid"},
		{"field in the wrong case", `{"UserCode":"ada","password":"x"}`, "UserCode"},
		{"not an object", `["ada","x"]`, "body"},
		{"null", `null`, "body"},
		{"two values", `{"userCode":"ada","password":"x"} {}`, "body"},
		{"user code twice", `{"userCode":"ada","password":"x","userCode":"bob"}`, "userCode"},
		{"user code not UTF-8", "{\"userCode\":\"ad\xff\",\"password\":\"x\"}", "userCode"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := a.Do(t, Request{Method: "POST", Path: "/account", Credential: p.DeviceToken, Body: tc.body}, http.StatusBadRequest)
			accountWantField(t, res, tc.field)
		})
	}
	if after := a.Count(t); after != before {
		t.Errorf("refused logins changed the table: %d items, then %d", before, after)
	}
}

// TestAccountBodyRoutesRefuseWhatIsNotJSON: every route that reads a body
// refuses one that is not JSON (415), compressed (415) or over 16 KiB (413),
// before anything is read or written.
func TestAccountBodyRoutesRefuseWhatIsNotJSON(t *testing.T) {
	a := newAPI(t)
	owner, s := a.Owner(t)
	big := `{"name":"` + strings.Repeat("x", 17<<10) + `"}`
	routes := []struct {
		method, path, cred string
	}{
		{"POST", "/account", owner.DeviceToken},
		{"PUT", "/account", s.AccessToken},
		{"PUT", "/tenants/acme/account", s.AccessToken},
		{"PUT", "/account/invite", s.AuthToken},
		{"POST", "/tenants/acme/invitations", a.APIKey},
		{"POST", "/tenants/acme/devices", a.APIKey},
		{"POST", "/tenants/acme/apikeys", a.APIKey},
	}
	before := a.Count(t)
	for _, r := range routes {
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			res := a.Do(t, Request{Method: r.method, Path: r.path, Credential: r.cred, Body: `{}`,
				Header: map[string]string{"Content-Type": "text/plain"}}, http.StatusUnsupportedMediaType)
			accountWantField(t, res, "Content-Type")
			res = a.Do(t, Request{Method: r.method, Path: r.path, Credential: r.cred, Body: `{}`,
				Header: map[string]string{"Content-Type": "application/json; charset=latin1"}}, http.StatusUnsupportedMediaType)
			accountWantField(t, res, "Content-Type")
			res = a.Do(t, Request{Method: r.method, Path: r.path, Credential: r.cred, Body: `{}`,
				Header: map[string]string{"Content-Encoding": "gzip"}}, http.StatusUnsupportedMediaType)
			accountWantField(t, res, "Content-Encoding")
			res = a.Do(t, Request{Method: r.method, Path: r.path, Credential: r.cred, Body: big}, http.StatusRequestEntityTooLarge)
			accountWantField(t, res, "body")
		})
	}
	if after := a.Count(t); after != before {
		t.Errorf("refused bodies changed the table: %d items, then %d", before, after)
	}
}

// TestAccountBodylessRoutesRefuseABody: a route that takes no body accepts
// none, white space or {}, and refuses anything else as a body route
// would, so a client sending data the route ignores finds out.
func TestAccountBodylessRoutesRefuseABody(t *testing.T) {
	a := newAPI(t)
	_, s := a.Owner(t)
	routes := []struct {
		method, path, cred string
		header             map[string]string
	}{
		{"GET", "/account", s.AccessToken, nil},
		{"GET", "/tenants/acme/account", s.AccessToken, nil},
		{"POST", "/tenants/acme/account", s.AuthToken, nil},
		{"GET", "/account/invite", "", map[string]string{"x-invite-token": "rit_unknown"}},
		{"DELETE", "/tenants/acme/devices/abcdefghijklmnop", a.APIKey, nil},
		{"DELETE", "/tenants/acme/apikeys/abcdefghijklmnop", a.APIKey, nil},
		{"GET", "/.well-known/jwks.json", "", nil},
	}
	before := a.Count(t)
	for _, r := range routes {
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			with := func(body string, extra map[string]string) Request {
				h := map[string]string{}
				for k, v := range r.header {
					h[k] = v
				}
				for k, v := range extra {
					h[k] = v
				}
				return Request{Method: r.method, Path: r.path, Credential: r.cred, Header: h, Body: body}
			}
			res := a.Do(t, with(`{"ignored":true}`, nil), http.StatusBadRequest)
			accountWantField(t, res, "ignored")
			res = a.Do(t, with(`[]`, nil), http.StatusBadRequest)
			accountWantField(t, res, "body")
			res = a.Do(t, with(`{"pad":"`+strings.Repeat("x", 64)+`"}`, nil), http.StatusRequestEntityTooLarge)
			accountWantField(t, res, "body")
			res = a.Do(t, with(`hello`, map[string]string{"Content-Type": "text/plain"}), http.StatusUnsupportedMediaType)
			accountWantField(t, res, "Content-Type")
		})
	}
	if after := a.Count(t); after != before {
		t.Errorf("refused bodies changed the table: %d items, then %d", before, after)
	}
	// An empty object and white space are no body.
	a.Do(t, Request{Method: "GET", Path: "/.well-known/jwks.json", Body: `{}`}, http.StatusOK)
	a.Do(t, Request{Method: "GET", Path: "/account", Credential: s.AccessToken, Body: " \n"}, http.StatusOK)
}

// TestAccountCredentialsOfTheWrongKindAreRefused: every route that takes a
// credential answers 401, with the bearer challenge, to none, to a bad one
// and to one of the wrong kind; self-service takes access tokens only.
func TestAccountCredentialsOfTheWrongKindAreRefused(t *testing.T) {
	a := newAPI(t)
	_, s := a.Owner(t)
	for _, tc := range []struct {
		method, path, body string
		creds              []string
	}{
		{"GET", "/account", "", []string{"", "garbage", a.APIKey, s.AuthToken}},
		{"PUT", "/account", `{"defaultTenantUid":"acme"}`, []string{"", a.APIKey, s.AuthToken}},
		{"GET", "/tenants/acme/account", "", []string{"", a.APIKey, s.AuthToken}},
		{"PUT", "/tenants/acme/account", `{"displayName":"x"}`, []string{"", a.APIKey, s.AuthToken}},
		{"POST", "/tenants/acme/account", "", []string{"", "rat_x", s.AccessToken, a.APIKey}},
		{"PUT", "/account/invite", `{"inviteToken":"rit_x"}`, []string{"", s.AccessToken}},
		{"POST", "/tenants/acme/invitations", `{"email":"g@example.com","role":"member","firstname":"G","lastname":"H"}`, []string{"", s.AuthToken}},
		{"POST", "/tenants/acme/devices", `{"name":"desk"}`, []string{"", s.AuthToken, "rst_malformed"}},
		{"DELETE", "/tenants/acme/devices/abcdefghijklmnop", "", []string{"", s.AuthToken}},
		{"POST", "/tenants/acme/apikeys", `{"name":"k","roles":["member"]}`, []string{"", s.AuthToken}},
		{"DELETE", "/tenants/acme/apikeys/abcdefghijklmnop", "", []string{"", s.AuthToken}},
	} {
		for i, cred := range tc.creds {
			t.Run(fmt.Sprintf("%s %s #%d", tc.method, tc.path, i), func(t *testing.T) {
				a.Unauthenticated(t, Request{Method: tc.method, Path: tc.path, Credential: cred, Body: tc.body})
			})
		}
	}
}

// TestAccountAdministrationNeedsItsPermissionAndOwnTenant: a role without
// the route's permission is 403; another tenant, existing or not, is the
// same 404; a malformed path parameter is 400 naming it.
func TestAccountAdministrationNeedsItsPermissionAndOwnTenant(t *testing.T) {
	a := newAPI(t)
	a.env.Tenant(t, "globex")
	member := a.Login(t, a.Person(t, "mike", role.Member))
	manager := a.Login(t, a.Person(t, "mona", role.UserManager))
	invite := `{"email":"g@example.com","role":"member","firstname":"G","lastname":"H"}`
	routes := []struct {
		method, path, body, id string
	}{
		{"POST", "/tenants/%s/invitations", invite, ""},
		{"POST", "/tenants/%s/devices", `{"name":"desk"}`, ""},
		{"DELETE", "/tenants/%s/devices/%s", "", "deviceId"},
		{"POST", "/tenants/%s/apikeys", `{"name":"k","roles":["member"]}`, ""},
		{"DELETE", "/tenants/%s/apikeys/%s", "", "keyId"},
	}
	before := a.Count(t)
	for _, r := range routes {
		path := func(tenant, id string) string {
			if r.id == "" {
				return fmt.Sprintf(r.path, tenant)
			}
			return fmt.Sprintf(r.path, tenant, id)
		}
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			a.Do(t, Request{Method: r.method, Path: path("acme", "abcdefghijklmnop"), Credential: member.AccessToken, Body: r.body}, http.StatusForbidden)
			for _, other := range []string{"globex", "nowhere"} {
				a.Do(t, Request{Method: r.method, Path: path(other, "abcdefghijklmnop"), Credential: a.APIKey, Body: r.body}, http.StatusNotFound)
			}
			for _, bad := range []string{"not.a.uid", strings.Repeat("t", 65)} {
				res := a.Do(t, Request{Method: r.method, Path: path(bad, "abcdefghijklmnop"), Credential: a.APIKey, Body: r.body}, http.StatusBadRequest)
				accountWantField(t, res, "tenantUid")
			}
			if r.id != "" {
				for _, bad := range []string{"not.an.id", strings.Repeat("i", 65)} {
					res := a.Do(t, Request{Method: r.method, Path: path("acme", bad), Credential: a.APIKey}, http.StatusBadRequest)
					accountWantField(t, res, r.id)
				}
			}
		})
	}
	// A user manager may invite but not manage devices or keys.
	a.Do(t, Request{Method: "POST", Path: "/tenants/acme/devices", Credential: manager.AccessToken, Body: `{"name":"desk"}`}, http.StatusForbidden)
	if after := a.Count(t); after != before {
		t.Errorf("refused administration changed the table: %d items, then %d", before, after)
	}
}

func TestAccountShowsTheAccountAndSetsItsDefaultTenant(t *testing.T) {
	a := newAPI(t)
	p := a.Person(t, "ada", role.Member)
	s := a.Login(t, p)
	res := a.Do(t, Request{Method: "GET", Path: "/account", Credential: s.AccessToken}, http.StatusOK)
	var acct struct {
		AccountUID       string `json:"accountUid"`
		DefaultTenantUID string `json:"defaultTenantUid"`
		Tenants          []struct {
			TenantUID, TenantName, OrganizationName, UserUID, Role string
		} `json:"tenants"`
	}
	res.JSON(t, &acct)
	if acct.AccountUID != p.User.AccountID || len(acct.Tenants) != 1 || acct.Tenants[0].TenantUID != a.Tenant ||
		acct.Tenants[0].UserUID != p.User.ID || acct.Tenants[0].OrganizationName != a.Organization {
		t.Errorf("account %+v", acct)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}

	rq := Request{Method: "PUT", Path: "/account", Credential: s.AccessToken, Body: `{"defaultTenantUid":"acme"}`}
	a.Valid(t, rq)
	res = a.Do(t, rq, http.StatusOK)
	res.JSON(t, &acct)
	if acct.DefaultTenantUID != a.Tenant {
		t.Errorf("default tenant %q, want %q", acct.DefaultTenantUID, a.Tenant)
	}

	a.env.Tenant(t, "globex")
	before := a.Count(t)
	for _, tc := range []struct{ name, body, field string }{
		{"a tenant the caller is not in", `{"defaultTenantUid":"globex"}`, "defaultTenantUid"},
		{"a tenant that does not exist", `{"defaultTenantUid":"nowhere"}`, "defaultTenantUid"},
		{"against the pattern", `{"defaultTenantUid":"a b"}`, "defaultTenantUid"},
		{"too long", `{"defaultTenantUid":"` + strings.Repeat("t", 65) + `"}`, "defaultTenantUid"},
		{"missing", `{}`, "defaultTenantUid"},
		{"not a string", `{"defaultTenantUid":1}`, "defaultTenantUid"},
		{"unknown field", `{"defaultTenantUid":"acme","tenants":[]}`, "tenants"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := a.Do(t, Request{Method: "PUT", Path: "/account", Credential: s.AccessToken, Body: tc.body}, http.StatusBadRequest)
			accountWantField(t, res, tc.field)
		})
	}
	if after := a.Count(t); after != before {
		t.Errorf("refused changes changed the table: %d items, then %d", before, after)
	}
}

func TestAccountTenantUserIsTheCallersOwn(t *testing.T) {
	a := newAPI(t)
	a.env.Tenant(t, "globex")
	p := a.Person(t, "ada", role.UserManager)
	s := a.Login(t, p)
	res := a.Do(t, Request{Method: "GET", Path: "/tenants/acme/account", Credential: s.AccessToken}, http.StatusOK)
	var u struct {
		UserUID     string   `json:"userUid"`
		UserCode    string   `json:"userCode"`
		Role        string   `json:"role"`
		Permissions []string `json:"permissions"`
	}
	res.JSON(t, &u)
	if u.UserUID != p.User.ID || u.UserCode != "ada" || u.Role != string(role.UserManager) || !slices.Contains(u.Permissions, "invitations:write") {
		t.Errorf("tenant user %+v", u)
	}
	if res.Header.Get("ETag") != `"1"` {
		t.Errorf("ETag %q, want \"1\"", res.Header.Get("ETag"))
	}
	for _, other := range []string{"globex", "nowhere"} {
		a.Do(t, Request{Method: "GET", Path: "/tenants/" + other + "/account", Credential: s.AccessToken}, http.StatusNotFound)
	}
	for _, bad := range []string{"not.a.uid", strings.Repeat("t", 65)} {
		res := a.Do(t, Request{Method: "GET", Path: "/tenants/" + bad + "/account", Credential: s.AccessToken}, http.StatusBadRequest)
		accountWantField(t, res, "tenantUid")
	}
}

func TestAccountProfileChangesOnlyWhatTheCallerOwns(t *testing.T) {
	a := newAPI(t)
	a.env.Tenant(t, "globex")
	p := a.Person(t, "ada", role.Member)
	a.Person(t, "grace", role.Member)
	s := a.Login(t, p)
	path := "/tenants/acme/account"

	rq := Request{Method: "PUT", Path: path, Credential: s.AccessToken, Header: map[string]string{"If-Match": `"1"`},
		Body: `{"displayName":"Ada L.","languageCode":"en","mobile":"+44 20 7946 0958","defaultStoreUid":"store-1","firstname":"Ada","lastname":"Lovelace","email":"ada@example.com"}`}
	a.Valid(t, rq)
	res := a.Do(t, rq, http.StatusOK)
	var u struct {
		DisplayName, Email, PendingEmail, Mobile, LanguageCode, DefaultStoreUID string
	}
	res.JSON(t, &u)
	// The new address waits for its link (decision 023).
	if u.DisplayName != "Ada L." || u.Email != "ada@acme.example" || u.PendingEmail != "ada@example.com" || u.LanguageCode != "en" || u.Mobile != "+44 20 7946 0958" {
		t.Errorf("changed user %+v", u)
	}
	if res.Header.Get("ETag") != `"2"` {
		t.Errorf("ETag %q, want \"2\"", res.Header.Get("ETag"))
	}
	// Null leaves a field alone; "*" is no condition.
	rq = Request{Method: "PUT", Path: path, Credential: s.AccessToken, Header: map[string]string{"If-Match": "*"},
		Body: `{"displayName":null,"mobile":""}`}
	a.Valid(t, rq)
	res = a.Do(t, rq, http.StatusOK)
	res.JSON(t, &u)
	if u.DisplayName != "Ada L." || u.Mobile != "" {
		t.Errorf("after null and empty: %+v", u)
	}

	tag := accountETag(t, a, s.AccessToken)
	for _, tc := range []struct {
		name, body, ifMatch string
		status              int
		field               string
	}{
		{"role", `{"role":"owner"}`, "", http.StatusBadRequest, "role"},
		{"active", `{"active":false}`, "", http.StatusBadRequest, "active"},
		{"userCode", `{"userCode":"root"}`, "", http.StatusBadRequest, "userCode"},
		{"tenantUid", `{"tenantUid":"globex"}`, "", http.StatusBadRequest, "tenantUid"},
		{"ldapUserName", `{"ldapUserName":"ada"}`, "", http.StatusBadRequest, "ldapUserName"},
		{"unknown field", `{"nickname":"A"}`, "", http.StatusBadRequest, "nickname"},
		{"nothing set", `{}`, "", http.StatusBadRequest, "body"},
		{"only nulls", `{"displayName":null}`, "", http.StatusBadRequest, "body"},
		{"blank firstname", `{"firstname":"  "}`, "", http.StatusBadRequest, "firstname"},
		{"long lastname", `{"lastname":"` + strings.Repeat("l", 101) + `"}`, "", http.StatusBadRequest, "lastname"},
		{"control character", `{"displayName":"a\u0007b"}`, "", http.StatusBadRequest, "displayName"},
		{"bad email", `{"email":"ada at example"}`, "", http.StatusBadRequest, "email"},
		{"mobile letters", `{"mobile":"call me"}`, "", http.StatusBadRequest, "mobile"},
		{"mobile too few digits", `{"mobile":"12"}`, "", http.StatusBadRequest, "mobile"},
		{"language not ISO 639-1", `{"languageCode":"xx"}`, "", http.StatusBadRequest, "languageCode"},
		{"language upper case", `{"languageCode":"EN"}`, "", http.StatusBadRequest, "languageCode"},
		{"store uid pattern", `{"defaultStoreUid":"store 1"}`, "", http.StatusBadRequest, "defaultStoreUid"},
		{"password without current", `{"password":"a brand new passphrase 42"}`, "", http.StatusBadRequest, "currentPassword"},
		{"current without password", `{"currentPassword":"x"}`, "", http.StatusBadRequest, "currentPassword"},
		{"wrong current password", `{"password":"a brand new passphrase 42","currentPassword":"wrong"}`, "", http.StatusBadRequest, "currentPassword"},
		{"password the policy refuses", `{"password":"short","currentPassword":"` + p.Password + `"}`, "", http.StatusBadRequest, "password"},
		{"malformed If-Match", `{"displayName":"X"}`, `"1", "2"`, http.StatusBadRequest, "If-Match"},
		{"unquoted If-Match", `{"displayName":"X"}`, `3`, http.StatusBadRequest, "If-Match"},
		{"stale If-Match", `{"displayName":"X"}`, `"1"`, http.StatusPreconditionFailed, ""},
		{"weak If-Match", `{"displayName":"X"}`, `W/` + tag, http.StatusPreconditionFailed, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rq := Request{Method: "PUT", Path: path, Credential: s.AccessToken, Body: tc.body}
			if tc.ifMatch != "" {
				rq.Header = map[string]string{"If-Match": tc.ifMatch}
			}
			res := a.Do(t, rq, tc.status)
			if tc.field != "" {
				accountWantField(t, res, tc.field)
			}
			if got := accountETag(t, a, s.AccessToken); got != tag {
				t.Errorf("a refused change moved the version from %s to %s", tag, got)
			}
		})
	}
	for _, other := range []string{"globex", "nowhere"} {
		a.Do(t, Request{Method: "PUT", Path: "/tenants/" + other + "/account", Credential: s.AccessToken, Body: `{"displayName":"X"}`}, http.StatusNotFound)
	}
	res = a.Do(t, Request{Method: "PUT", Path: "/tenants/not.a.uid/account", Credential: s.AccessToken, Body: `{"displayName":"X"}`}, http.StatusBadRequest)
	accountWantField(t, res, "tenantUid")
}

// TestAccountProfileAcceptsAMobileWrittenWithDots guards the documented
// mobile format (digits with spaces, dots, dashes or parentheses): the
// service once refused the dots the handler let through.
func TestAccountProfileAcceptsAMobileWrittenWithDots(t *testing.T) {
	a := newAPI(t)
	s := a.Login(t, a.Person(t, "ada", role.Member))
	for _, mobile := range []string{"+47.912.34.567", "(020) 7946-0958", "+1 555.010.9999"} {
		rq := Request{Method: "PUT", Path: "/tenants/acme/account", Credential: s.AccessToken, Body: `{"mobile":"` + mobile + `"}`}
		a.Valid(t, rq)
		var u struct{ Mobile string }
		a.Do(t, rq, http.StatusOK).JSON(t, &u)
		if u.Mobile != mobile {
			t.Errorf("mobile %q, want %q", u.Mobile, mobile)
		}
	}
}

// TestAccountPasswordChangeEndsEarlierSessions: the new password opens the
// account, the old one does not, and every earlier access and auth token
// stops working, the caller's own included.
func TestAccountPasswordChangeEndsEarlierSessions(t *testing.T) {
	a := newAPI(t)
	p := a.Person(t, "ada", role.Member)
	s := a.Login(t, p)
	const next = "a brand new passphrase 42"
	body := fmt.Sprintf(`{"password":%q,"currentPassword":%q}`, next, p.Password)
	rq := Request{Method: "PUT", Path: "/tenants/acme/account", Credential: s.AccessToken, Body: body}
	a.Valid(t, rq)
	a.Do(t, rq, http.StatusOK)
	a.Do(t, Request{Method: "GET", Path: "/account", Credential: s.AccessToken}, http.StatusUnauthorized)
	a.Do(t, Request{Method: "POST", Path: "/tenants/acme/account", Credential: s.AuthToken}, http.StatusUnauthorized)
	a.Do(t, Request{Method: "POST", Path: "/account", Credential: p.DeviceToken, Body: accountLoginBody("ada", p.Password)}, http.StatusUnauthorized)
	a.Do(t, Request{Method: "POST", Path: "/account", Credential: p.DeviceToken, Body: accountLoginBody("ada", next)}, http.StatusOK)
	a.NoSecretsLogged(t, p.Password, next)
}

// TestAccountExchangeIsSingleUseAndStaysInTheSession: an auth token buys an
// access token to a tenant the person belongs to, once; the fresh one
// carries on.
func TestAccountExchangeIsSingleUseAndStaysInTheSession(t *testing.T) {
	a := newAPI(t)
	a.env.Tenant(t, "globex")
	p := a.Person(t, "ada", role.Member)
	s := a.Login(t, p)

	rq := Request{Method: "POST", Path: "/tenants/acme/account", Credential: s.AuthToken}
	a.Valid(t, rq)
	res := a.Do(t, rq, http.StatusOK)
	var got Session
	res.JSON(t, &got)
	if got.TenantUID != a.Tenant || got.UserUID != p.User.ID || got.AuthToken == s.AuthToken || got.AccessToken == "" {
		t.Errorf("exchange %+v", got)
	}
	if res.Header.Get("ETag") != `"1"` || res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("ETag %q Cache-Control %q", res.Header.Get("ETag"), res.Header.Get("Cache-Control"))
	}
	// Used up.
	a.Do(t, rq, http.StatusUnauthorized)
	// The fresh token works, with an empty object as body.
	rq = Request{Method: "POST", Path: "/tenants/acme/account", Credential: got.AuthToken, Body: `{}`}
	a.Valid(t, rq)
	res = a.Do(t, rq, http.StatusOK)
	res.JSON(t, &got)

	// A tenant the person is not in, or that does not exist, consumes nothing.
	before := a.Count(t)
	for _, other := range []string{"globex", "nowhere"} {
		a.Do(t, Request{Method: "POST", Path: "/tenants/" + other + "/account", Credential: got.AuthToken}, http.StatusNotFound)
	}
	res = a.Do(t, Request{Method: "POST", Path: "/tenants/not.a.uid/account", Credential: got.AuthToken}, http.StatusBadRequest)
	accountWantField(t, res, "tenantUid")
	if after := a.Count(t); after != before {
		t.Errorf("refused exchanges changed the table: %d items, then %d", before, after)
	}
	a.Do(t, Request{Method: "POST", Path: "/tenants/acme/account", Credential: got.AuthToken}, http.StatusOK)
	a.NoSecretsLogged(t, s.AuthToken, got.AuthToken, got.AccessToken)
}

// accountInvite creates an invitation through the API and returns its token.
func accountInvite(t *testing.T, a *api, tenant, key, email, r string) string {
	t.Helper()
	rq := Request{Method: "POST", Path: "/tenants/" + tenant + "/invitations", Credential: key,
		Body: fmt.Sprintf(`{"email":%q,"role":%q,"firstname":"Grace","lastname":"Hopper","expiresInHours":72}`, email, r)}
	a.Valid(t, rq)
	var in struct {
		InviteToken string `json:"inviteToken"`
		TenantUID   string `json:"tenantUid"`
		Email       string `json:"email"`
		Role        string `json:"role"`
	}
	a.Do(t, rq, http.StatusCreated).JSON(t, &in)
	if in.TenantUID != tenant || in.Email != email || in.Role != r {
		t.Errorf("invitation %+v", in)
	}
	return in.InviteToken
}

// TestAccountInvitationJoinsAPersonToAnotherTenant walks an invitation
// from its creation to its acceptance, and the account that results.
func TestAccountInvitationJoinsAPersonToAnotherTenant(t *testing.T) {
	a := newAPI(t)
	globex := a.env.Tenant(t, "globex")
	globexKey := a.env.APIKey(t, globex.ID, a.keys.Pepper)
	p := a.Person(t, "ada", role.Member)
	s := a.Login(t, p)

	tok := accountInvite(t, a, "globex", globexKey, "ada@globex.example", "user_manager")
	// The invitation is mailed, as provisioning's are (decision 022).
	if m := a.Mail.Last(t); m.Type != mail.InvitationCreated || m.Email != "ada@globex.example" || m.InviteToken != tok || m.Tenant != "globex" || m.Role != "user_manager" {
		t.Errorf("invitation mail %+v", m)
	}
	rq := Request{Method: "GET", Path: "/account/invite", Header: map[string]string{"x-invite-token": tok}}
	a.Valid(t, rq)
	var info struct {
		TenantUID, Role, Email string
	}
	a.Do(t, rq, http.StatusOK).JSON(t, &info)
	if info.TenantUID != "globex" || info.Role != "user_manager" || info.Email != "a***@globex.example" {
		t.Errorf("invitation shows %+v", info)
	}

	rq = Request{Method: "PUT", Path: "/account/invite", Credential: s.AuthToken, Body: fmt.Sprintf(`{"inviteToken":%q}`, tok)}
	a.Valid(t, rq)
	res := a.Do(t, rq, http.StatusOK)
	var joined Session
	res.JSON(t, &joined)
	if joined.TenantUID != "globex" || joined.Role != "user_manager" || res.Header.Get("ETag") == "" {
		t.Errorf("joined %+v, ETag %q", joined, res.Header.Get("ETag"))
	}
	// The token was shown to the administrator too: holding it proves no
	// address, so the new user is mailed a link that does (decision 023).
	if m := a.Mail.Last(t); m.Type != mail.VerificationNeeded || m.Email != "ada@globex.example" || m.Tenant != "globex" {
		t.Errorf("after acceptance, the last mail is %+v", m)
	}
	// Used up, both of them; a refused acceptance consumes no auth token.
	a.Do(t, Request{Method: "GET", Path: "/account/invite", Header: map[string]string{"x-invite-token": tok}}, http.StatusNotFound)
	a.Do(t, rq, http.StatusUnauthorized)
	a.Do(t, Request{Method: "PUT", Path: "/account/invite", Credential: joined.AuthToken, Body: rq.Body}, http.StatusNotFound)
	a.Do(t, Request{Method: "POST", Path: "/tenants/globex/account", Credential: s.AuthToken}, http.StatusUnauthorized)

	// The account now lists both tenants, and either can be the default.
	var acct struct {
		DefaultTenantUID string `json:"defaultTenantUid"`
		Tenants          []struct {
			TenantUID string `json:"tenantUid"`
		} `json:"tenants"`
	}
	a.Do(t, Request{Method: "PUT", Path: "/account", Credential: joined.AccessToken, Body: `{"defaultTenantUid":"globex"}`}, http.StatusOK).JSON(t, &acct)
	if acct.DefaultTenantUID != "globex" || len(acct.Tenants) != 2 {
		t.Errorf("account %+v", acct)
	}
	a.Do(t, Request{Method: "POST", Path: "/tenants/acme/account", Credential: joined.AuthToken}, http.StatusOK)
	a.NoSecretsLogged(t, tok, joined.AuthToken)
}

func TestAccountInvitationAcceptanceRefusals(t *testing.T) {
	a := newAPI(t)
	p := a.Person(t, "ada", role.Member)
	s := a.Login(t, p)
	a.Person(t, "grace", role.Member)

	// Ada is already in acme.
	tok := accountInvite(t, a, "acme", a.APIKey, "ada.again@example.com", "member")
	before := a.Count(t)
	a.Do(t, Request{Method: "PUT", Path: "/account/invite", Credential: s.AuthToken, Body: fmt.Sprintf(`{"inviteToken":%q}`, tok)}, http.StatusConflict)

	for _, tc := range []struct {
		name, cred, body string
		status           int
		field            string
	}{
		{"unknown invitation", s.AuthToken, `{"inviteToken":"rit_abcdefghijklmnop_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`, http.StatusNotFound, ""},
		{"malformed invitation", s.AuthToken, `{"inviteToken":"rit_x"}`, http.StatusNotFound, ""},
		{"bad auth token", "rat_x", fmt.Sprintf(`{"inviteToken":%q}`, tok), http.StatusUnauthorized, ""},
		{"no invite token", s.AuthToken, `{}`, http.StatusBadRequest, "inviteToken"},
		{"empty invite token", s.AuthToken, `{"inviteToken":""}`, http.StatusBadRequest, "inviteToken"},
		{"spaces in the invite token", s.AuthToken, `{"inviteToken":"rit a"}`, http.StatusBadRequest, "inviteToken"},
		{"long invite token", s.AuthToken, `{"inviteToken":"` + strings.Repeat("r", 513) + `"}`, http.StatusBadRequest, "inviteToken"},
		{"unknown field", s.AuthToken, fmt.Sprintf(`{"inviteToken":%q,"role":"owner"}`, tok), http.StatusBadRequest, "role"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := a.Do(t, Request{Method: "PUT", Path: "/account/invite", Credential: tc.cred, Body: tc.body}, tc.status)
			if tc.field != "" {
				accountWantField(t, res, tc.field)
			}
		})
	}
	if after := a.Count(t); after != before {
		t.Errorf("refused acceptances changed the table: %d items, then %d", before, after)
	}

	for _, tc := range []struct {
		name, token string
		status      int
	}{
		{"no token", "", http.StatusBadRequest},
		{"token too long", strings.Repeat("r", 513), http.StatusBadRequest},
		{"token not printable ASCII", "rit_ä", http.StatusBadRequest},
		{"unknown token", "rit_abcdefghijklmnop_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", http.StatusNotFound},
	} {
		t.Run("describe: "+tc.name, func(t *testing.T) {
			rq := Request{Method: "GET", Path: "/account/invite"}
			if tc.token != "" {
				rq.Header = map[string]string{"x-invite-token": tc.token}
			}
			res := a.Do(t, rq, tc.status)
			if tc.status == http.StatusBadRequest {
				accountWantField(t, res, "x-invite-token")
			}
		})
	}
}

func TestAccountInvitationCreationRefusals(t *testing.T) {
	a := newAPI(t)
	a.Person(t, "grace", role.Member)
	before := a.Count(t)
	valid := map[string]any{"email": "new@example.com", "role": "member", "firstname": "New", "lastname": "Person"}
	with := func(k string, v any) string {
		m := map[string]any{}
		for k, v := range valid {
			m[k] = v
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
	for _, tc := range []struct {
		name, body string
		status     int
		field      string
	}{
		{"no email", with("email", nil), http.StatusBadRequest, "email"},
		{"bad email", with("email", "new at example"), http.StatusBadRequest, "email"},
		{"email with a name", with("email", "New <new@example.com>"), http.StatusBadRequest, "email"},
		{"no role", with("role", nil), http.StatusBadRequest, "role"},
		{"unknown role", with("role", "boss"), http.StatusBadRequest, "role"},
		{"no firstname", with("firstname", nil), http.StatusBadRequest, "firstname"},
		{"long lastname", with("lastname", strings.Repeat("l", 101)), http.StatusBadRequest, "lastname"},
		{"zero hours", with("expiresInHours", 0), http.StatusBadRequest, "expiresInHours"},
		{"721 hours", with("expiresInHours", 721), http.StatusBadRequest, "expiresInHours"},
		{"fractional hours", with("expiresInHours", 1.5), http.StatusBadRequest, "expiresInHours"},
		{"unknown field", with("tenantUid", "acme"), http.StatusBadRequest, "tenantUid"},
		{"a role the caller may not hand out", with("role", "owner"), http.StatusForbidden, ""},
		{"an email taken in the tenant", with("email", "grace@acme.example"), http.StatusConflict, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := a.Do(t, Request{Method: "POST", Path: "/tenants/acme/invitations", Credential: a.APIKey, Body: tc.body}, tc.status)
			if tc.field != "" {
				accountWantField(t, res, tc.field)
			}
		})
	}
	if after := a.Count(t); after != before {
		t.Errorf("refused invitations changed the table: %d items, then %d", before, after)
	}
	// The bounds themselves are accepted, and hours may be left to default.
	for _, body := range []string{with("expiresInHours", 1), with("expiresInHours", 720), with("expiresInHours", nil)} {
		rq := Request{Method: "POST", Path: "/tenants/acme/invitations", Credential: a.APIKey, Body: body}
		a.Valid(t, rq)
		a.Do(t, rq, http.StatusCreated)
	}
}

// TestAccountDeviceLifecycle: a registered device's token logs people in
// until the device is revoked.
func TestAccountDeviceLifecycle(t *testing.T) {
	a := newAPI(t)
	p := a.Person(t, "ada", role.Member)
	_, owner := a.Owner(t)

	rq := Request{Method: "POST", Path: "/tenants/acme/devices", Credential: owner.AccessToken, Body: `{"name":"Front desk"}`}
	a.Valid(t, rq)
	res := a.Do(t, rq, http.StatusCreated)
	var dev struct {
		DeviceID    string `json:"deviceId"`
		DeviceToken string `json:"deviceToken"`
		Name        string `json:"name"`
	}
	res.JSON(t, &dev)
	if want := "/tenants/acme/devices/" + dev.DeviceID; res.Header.Get("Location") != want || dev.Name != "Front desk" {
		t.Errorf("Location %q (want %q), device %+v", res.Header.Get("Location"), want, dev)
	}
	login := Request{Method: "POST", Path: "/account", Credential: dev.DeviceToken, Body: accountLoginBody("ada", p.Password)}
	a.Do(t, login, http.StatusOK)

	before := a.Count(t)
	for _, tc := range []struct{ name, body, field string }{
		{"no name", `{}`, "name"},
		{"blank name", `{"name":" "}`, "name"},
		{"long name", `{"name":"` + strings.Repeat("n", 101) + `"}`, "name"},
		{"unknown field", `{"name":"x","tenantUid":"acme"}`, "tenantUid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := a.Do(t, Request{Method: "POST", Path: "/tenants/acme/devices", Credential: a.APIKey, Body: tc.body}, http.StatusBadRequest)
			accountWantField(t, res, tc.field)
		})
	}
	if after := a.Count(t); after != before {
		t.Errorf("refused devices changed the table: %d items, then %d", before, after)
	}

	a.Do(t, Request{Method: "DELETE", Path: "/tenants/acme/devices/" + dev.DeviceID, Credential: a.APIKey}, http.StatusNoContent)
	a.Do(t, login, http.StatusUnauthorized)
	a.Do(t, Request{Method: "DELETE", Path: "/tenants/acme/devices/abcdefghijklmnop", Credential: a.APIKey}, http.StatusNotFound)
	a.NoSecretsLogged(t, dev.DeviceToken)
}

// TestAccountAPIKeyLifecycle: a new key acts with the roles it was given
// until it is revoked; a caller hands out only roles it may assign.
func TestAccountAPIKeyLifecycle(t *testing.T) {
	a := newAPI(t)
	rq := Request{Method: "POST", Path: "/tenants/acme/apikeys", Credential: a.APIKey, Body: `{"name":"reporting","roles":["user_manager"]}`}
	a.Valid(t, rq)
	res := a.Do(t, rq, http.StatusCreated)
	var key struct {
		KeyID  string   `json:"keyId"`
		APIKey string   `json:"apiKey"`
		Roles  []string `json:"roles"`
	}
	res.JSON(t, &key)
	if want := "/tenants/acme/apikeys/" + key.KeyID; res.Header.Get("Location") != want || !slices.Equal(key.Roles, []string{"user_manager"}) {
		t.Errorf("Location %q (want %q), key %+v", res.Header.Get("Location"), want, key)
	}
	// A user manager may invite, not register devices.
	accountInvite(t, a, "acme", key.APIKey, "new@example.com", "member")
	a.Do(t, Request{Method: "POST", Path: "/tenants/acme/devices", Credential: key.APIKey, Body: `{"name":"desk"}`}, http.StatusForbidden)

	before := a.Count(t)
	for _, tc := range []struct {
		name, body string
		status     int
		field      string
	}{
		{"no roles", `{"name":"k"}`, http.StatusBadRequest, "roles"},
		{"empty roles", `{"name":"k","roles":[]}`, http.StatusBadRequest, "roles"},
		{"a role twice", `{"name":"k","roles":["member","member"]}`, http.StatusBadRequest, "roles"},
		{"unknown role", `{"name":"k","roles":["boss"]}`, http.StatusBadRequest, "roles"},
		{"roles not an array", `{"name":"k","roles":"member"}`, http.StatusBadRequest, "roles"},
		{"no name", `{"roles":["member"]}`, http.StatusBadRequest, "name"},
		{"unknown field", `{"name":"k","roles":["member"],"expiresAt":"2030-01-01T00:00:00Z"}`, http.StatusBadRequest, "expiresAt"},
		{"a role the caller may not hand out", `{"name":"k","roles":["member","owner"]}`, http.StatusForbidden, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := a.Do(t, Request{Method: "POST", Path: "/tenants/acme/apikeys", Credential: a.APIKey, Body: tc.body}, tc.status)
			if tc.field != "" {
				accountWantField(t, res, tc.field)
			}
		})
	}
	if after := a.Count(t); after != before {
		t.Errorf("refused keys changed the table: %d items, then %d", before, after)
	}

	a.Do(t, Request{Method: "DELETE", Path: "/tenants/acme/apikeys/" + key.KeyID, Credential: a.APIKey}, http.StatusNoContent)
	a.Do(t, Request{Method: "POST", Path: "/tenants/acme/invitations", Credential: key.APIKey,
		Body: `{"email":"other@example.com","role":"member","firstname":"O","lastname":"P"}`}, http.StatusUnauthorized)
	a.Do(t, Request{Method: "DELETE", Path: "/tenants/acme/apikeys/abcdefghijklmnop", Credential: a.APIKey}, http.StatusNotFound)
	a.NoSecretsLogged(t, key.APIKey)
}

// TestAccountJWKSVerifiesTheAccessTokens: the published set holds the key
// that signed a real access token, and shared caches may keep it.
func TestAccountJWKSVerifiesTheAccessTokens(t *testing.T) {
	a := newAPI(t)
	_, s := a.Owner(t)
	rq := Request{Method: "GET", Path: "/.well-known/jwks.json"}
	a.Valid(t, rq)
	res := a.Do(t, rq, http.StatusOK)
	if cc := res.Header.Get("Cache-Control"); cc != "public, max-age=300" {
		t.Errorf("Cache-Control %q", cc)
	}
	var set struct {
		Keys []struct{ Kty, Crv, X, Kid, Use, Alg string }
	}
	res.JSON(t, &set)

	parts := strings.Split(s.AccessToken, ".")
	if len(parts) != 3 {
		t.Fatalf("access token has %d parts", len(parts))
	}
	hdr, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		t.Fatal(err)
	}
	var h struct{ Alg, Kid string }
	if err := json.Unmarshal(hdr, &h); err != nil {
		t.Fatal(err)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		t.Fatal(err)
	}
	verified := false
	for _, k := range set.Keys {
		if k.Kid != h.Kid {
			continue
		}
		x, err := base64.RawURLEncoding.DecodeString(k.X)
		if err != nil || len(x) != ed25519.PublicKeySize {
			t.Fatalf("key %s: x is not an Ed25519 public key", k.Kid)
		}
		verified = h.Alg == k.Alg && ed25519.Verify(x, []byte(parts[0]+"."+parts[1]), sig)
	}
	if !verified {
		t.Errorf("no key of the set (%+v) verifies an access token signed with kid %q", set.Keys, h.Kid)
	}
	// A credential is neither needed nor checked.
	a.Do(t, Request{Method: "GET", Path: "/.well-known/jwks.json", Credential: "garbage"}, http.StatusOK)
}

// accountDescriptionRefuses fails unless the description's request schema
// refuses rq, as the code does.
func accountDescriptionRefuses(t testing.TB, rq Request) {
	t.Helper()
	req := rq.HTTP()
	if err := spec.CheckRequest(req, []byte(rq.Body)); err == nil {
		t.Errorf("%s %s %s: the code refuses it, the description accepts it", rq.Method, rq.Path, rq.Body)
	}
}

// TestAccountDescriptionRefusesWhatTheCodeRefuses: each request here is a
// 400 from the code, and the description's schemas say so, so a client
// validating against the document finds out before sending.
func TestAccountDescriptionRefusesWhatTheCodeRefuses(t *testing.T) {
	a := newAPI(t)
	p := a.Person(t, "ada", role.Member)
	s := a.Login(t, p)
	long := func(n int) string { return strings.Repeat("x", n) }
	for _, tc := range []struct {
		name string
		rq   Request
	}{
		{"login without password", Request{Method: "POST", Path: "/account", Credential: p.DeviceToken, Body: `{"userCode":"ada"}`}},
		{"login with a blank user code", Request{Method: "POST", Path: "/account", Credential: p.DeviceToken, Body: `{"userCode":" ","password":"x"}`}},
		{"login with a long user code", Request{Method: "POST", Path: "/account", Credential: p.DeviceToken, Body: accountLoginBody(long(255), "x")}},
		{"login with an unknown field", Request{Method: "POST", Path: "/account", Credential: p.DeviceToken, Body: `{"userCode":"ada","password":"x","remember":true}`}},
		{"default tenant against the pattern", Request{Method: "PUT", Path: "/account", Credential: s.AccessToken, Body: `{"defaultTenantUid":"a b"}`}},
		{"tenant uid against the pattern", Request{Method: "GET", Path: "/tenants/not.a.uid/account", Credential: s.AccessToken}},
		{"tenant uid too long", Request{Method: "GET", Path: "/tenants/" + long(65) + "/account", Credential: s.AccessToken}},
		{"exchange with a body", Request{Method: "POST", Path: "/tenants/acme/account", Credential: s.AuthToken, Body: `{"tenantUid":"acme"}`}},
		{"profile: nothing set", Request{Method: "PUT", Path: "/tenants/acme/account", Credential: s.AccessToken, Body: `{}`}},
		{"profile: role", Request{Method: "PUT", Path: "/tenants/acme/account", Credential: s.AccessToken, Body: `{"role":"owner"}`}},
		{"profile: blank firstname", Request{Method: "PUT", Path: "/tenants/acme/account", Credential: s.AccessToken, Body: `{"firstname":" "}`}},
		{"profile: control character", Request{Method: "PUT", Path: "/tenants/acme/account", Credential: s.AccessToken, Body: `{"displayName":"a\u0007b"}`}},
		{"profile: long display name", Request{Method: "PUT", Path: "/tenants/acme/account", Credential: s.AccessToken, Body: `{"displayName":"` + long(101) + `"}`}},
		{"profile: bad email", Request{Method: "PUT", Path: "/tenants/acme/account", Credential: s.AccessToken, Body: `{"email":"ada at example"}`}},
		{"profile: mobile letters", Request{Method: "PUT", Path: "/tenants/acme/account", Credential: s.AccessToken, Body: `{"mobile":"call me"}`}},
		{"profile: mobile + inside", Request{Method: "PUT", Path: "/tenants/acme/account", Credential: s.AccessToken, Body: `{"mobile":"1+234"}`}},
		{"profile: mobile of 16 digits", Request{Method: "PUT", Path: "/tenants/acme/account", Credential: s.AccessToken, Body: `{"mobile":"1234567890123456"}`}},
		{"profile: language not ISO 639-1", Request{Method: "PUT", Path: "/tenants/acme/account", Credential: s.AccessToken, Body: `{"languageCode":"xx"}`}},
		{"profile: store uid pattern", Request{Method: "PUT", Path: "/tenants/acme/account", Credential: s.AccessToken, Body: `{"defaultStoreUid":"store 1"}`}},
		{"invite token with a space", Request{Method: "PUT", Path: "/account/invite", Credential: s.AuthToken, Body: `{"inviteToken":"rit a"}`}},
		{"invite token header too long", Request{Method: "GET", Path: "/account/invite", Header: map[string]string{"x-invite-token": long(513)}}},
		{"invitation without lastname", Request{Method: "POST", Path: "/tenants/acme/invitations", Credential: a.APIKey, Body: `{"email":"g@example.com","role":"member","firstname":"G"}`}},
		{"invitation for 721 hours", Request{Method: "POST", Path: "/tenants/acme/invitations", Credential: a.APIKey, Body: `{"email":"g@example.com","role":"member","firstname":"G","lastname":"H","expiresInHours":721}`}},
		{"invitation for 1.5 hours", Request{Method: "POST", Path: "/tenants/acme/invitations", Credential: a.APIKey, Body: `{"email":"g@example.com","role":"member","firstname":"G","lastname":"H","expiresInHours":1.5}`}},
		{"invitation with an unknown role", Request{Method: "POST", Path: "/tenants/acme/invitations", Credential: a.APIKey, Body: `{"email":"g@example.com","role":"boss","firstname":"G","lastname":"H"}`}},
		{"device with a blank name", Request{Method: "POST", Path: "/tenants/acme/devices", Credential: a.APIKey, Body: `{"name":"  "}`}},
		{"device id against the pattern", Request{Method: "DELETE", Path: "/tenants/acme/devices/not.an.id", Credential: a.APIKey}},
		{"key with a role twice", Request{Method: "POST", Path: "/tenants/acme/apikeys", Credential: a.APIKey, Body: `{"name":"k","roles":["member","member"]}`}},
		{"key without roles", Request{Method: "POST", Path: "/tenants/acme/apikeys", Credential: a.APIKey, Body: `{"name":"k","roles":[]}`}},
		{"key id too long", Request{Method: "DELETE", Path: "/tenants/acme/apikeys/" + long(65), Credential: a.APIKey}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a.Do(t, tc.rq, http.StatusBadRequest)
			accountDescriptionRefuses(t, tc.rq)
		})
	}
}
