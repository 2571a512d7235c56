package contract_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"roster/shared/auth"
	"roster/shared/loginprofile"
	"roster/shared/opaque"
	"roster/shared/role"
	"roster/shared/tenant"
)

// The Access User API's routes, with a body each would accept from an
// administrator (the user 1 and the username "nobody" need not exist).
var accessUsersRoutes = []struct {
	method, path, body string
}{
	{"POST", "/api/v1/accessuser/add", `{"username":"ada","active":true}`},
	{"POST", "/api/v1/accessuser/update", `{"id":1,"authId":1}`},
	{"POST", "/api/v1/accessuser/updateUserPassword", `{"username":"nobody","userPassword":"a brand new passphrase","confirmPassword":"a brand new passphrase"}`},
	{"DELETE", "/api/v1/accessuser/delete", `{"id":1}`},
	{"DELETE", "/api/v1/accessuser/deleteByUsername", `{"username":"nobody","loginProfileId":1}`},
	{"GET", "/api/v1/accessuser/search", ``},
	{"GET", "/api/v1/loginprofile/list", ``},
	{"POST", "/api/v1/loginprofile/add", `{"name":"Okta","authTypeId":4}`},
}

// accessUsersReply is the envelope every reply but a search page or a
// profile list is.
type accessUsersReply struct {
	Timestamp string `json:"timestamp"`
	Status    int    `json:"status"`
	MessageID int    `json:"messageId"`
	Message   string `json:"message"`
	ID        int64  `json:"id"` // login profile add only
}

// accessUsersFailed checks a failure's envelope: its status, its messageId
// and that its message names each of mentions.
func accessUsersFailed(t *testing.T, res Response, messageID int, mentions ...string) accessUsersReply {
	t.Helper()
	var r accessUsersReply
	res.JSON(t, &r)
	if r.Status != res.Status || r.MessageID != messageID {
		t.Errorf("status %d, messageId %d; want %d, %d (message %q)", r.Status, r.MessageID, res.Status, messageID, r.Message)
	}
	for _, m := range mentions {
		if !strings.Contains(r.Message, m) {
			t.Errorf("message %q does not name %q", r.Message, m)
		}
	}
	return r
}

// accessUsersPage is a search page as a client reads it.
type accessUsersPage struct {
	List []struct {
		ID               int64  `json:"id"`
		Username         string `json:"username"`
		FirstName        string `json:"firstName"`
		LastName         string `json:"lastName"`
		Email            string `json:"email"`
		AuthID           int64  `json:"authId"`
		LoginProfileName string `json:"loginProfileName"`
		AuthTypeStr      string `json:"authTypeStr"`
		CreatedOwner     string `json:"createdOwner"`
		Active           bool   `json:"active"`
	} `json:"list"`
	StartIndex      int    `json:"startIndex"`
	ResultCount     int    `json:"resultCount"`
	TotalCount      int    `json:"totalCount"`
	TotalCountExact bool   `json:"totalCountExact"`
	CanDelete       bool   `json:"canDelete"`
	NextCursor      string `json:"nextCursor"`
}

func (p accessUsersPage) usernames() []string {
	var out []string
	for _, u := range p.List {
		out = append(out, u.Username)
	}
	return out
}

// search runs a search with an administrator's API key.
func (a *api) accessUsersSearch(t *testing.T, query string) accessUsersPage {
	t.Helper()
	rq := Request{Method: "GET", Path: "/api/v1/accessuser/search?" + query, Credential: a.APIKey}
	a.Valid(t, rq)
	var p accessUsersPage
	a.Do(t, rq, http.StatusOK).JSON(t, &p)
	return p
}

// accessUsersAdd adds a user through the API and returns its id.
func (a *api) accessUsersAdd(t *testing.T, body string) int64 {
	t.Helper()
	rq := Request{Method: "POST", Path: "/api/v1/accessuser/add", Credential: a.APIKey, Body: body}
	a.Valid(t, rq)
	var r accessUsersReply
	a.Do(t, rq, http.StatusOK).JSON(t, &r)
	_, idText, ok := strings.Cut(r.Message, " with id ")
	id, err := strconv.ParseInt(strings.TrimSuffix(idText, "."), 10, 64)
	if !ok || err != nil || r.Status != 0 || r.MessageID != 0 {
		t.Fatalf("add answered %+v; want status 0 and the new id in the message", r)
	}
	return id
}

// accessUsersKey is an API key of tenantID acting with roles.
func (a *api) accessUsersKey(t *testing.T, tenantID string, roles ...string) string {
	t.Helper()
	k, err := opaque.APIKey.Generate()
	if err != nil {
		t.Fatal(err)
	}
	if err := a.env.Table.PutAPIKey(context.Background(), &auth.APIKey{ID: k.ID, TenantID: tenantID, Name: "limited",
		Roles: roles, Hash: opaque.Hash(a.keys.Pepper, k.Token), CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	return k.Token
}

// dormantTenantKey is an admin API key of a tenant that is not active.
func (a *api) dormantTenantKey(t *testing.T) string {
	t.Helper()
	tn := &tenant.Tenant{ID: "dormant", Organization: "org-dormant", Name: "dormant", CreatedAt: time.Now()}
	if err := a.env.Table.CreateTenant(context.Background(), tn); err != nil {
		t.Fatal(err)
	}
	return a.env.APIKey(t, tn.ID, a.keys.Pepper)
}

func TestAccessUsersRefuseCallsWithoutAValidCredential(t *testing.T) {
	a := newAPI(t)
	for _, rt := range accessUsersRoutes {
		for name, cred := range map[string]string{"none": "", "unknown key": "rst_aaaaaaaaaaaaaaaa_" + strings.Repeat("b", 43), "garbage": "not-a-token"} {
			t.Run(rt.method+" "+rt.path+" "+name, func(t *testing.T) {
				res := a.Unauthenticated(t, Request{Method: rt.method, Path: rt.path, Credential: cred, Body: rt.body})
				accessUsersFailed(t, res, 40101)
			})
		}
	}
}

func TestAccessUsersRefuseRolesWithoutTheRoutePermission(t *testing.T) {
	a := newAPI(t)
	member := a.Login(t, a.Person(t, "mia", role.Member))
	manager := a.Login(t, a.Person(t, "uma", role.UserManager))
	for _, rt := range accessUsersRoutes {
		cred, perm := member.AccessToken, ""
		switch rt.path {
		case "/api/v1/accessuser/updateUserPassword":
			perm = "users:write" // a member may change only their own password
		case "/api/v1/loginprofile/add":
			cred, perm = manager.AccessToken, "tenant:admin"
		}
		t.Run(rt.method+" "+rt.path, func(t *testing.T) {
			before := a.Count(t)
			res := a.Do(t, Request{Method: rt.method, Path: rt.path, Credential: cred, Body: rt.body}, http.StatusForbidden)
			accessUsersFailed(t, res, 40301, perm)
			if a.Count(t) != before {
				t.Error("a refused call wrote to the table")
			}
		})
	}
}

func TestAccessUsersRefuseBodiesThatAreNotJSONOrTooLarge(t *testing.T) {
	a := newAPI(t)
	huge := `{"username":"` + strings.Repeat("x", 17<<10) + `"}`
	for _, rt := range accessUsersRoutes {
		if rt.body == "" {
			continue
		}
		t.Run(rt.method+" "+rt.path, func(t *testing.T) {
			before := a.Count(t)
			res := a.Do(t, Request{Method: rt.method, Path: rt.path, Credential: a.APIKey, Body: rt.body,
				Header: map[string]string{"Content-Type": "text/plain"}}, http.StatusUnsupportedMediaType)
			accessUsersFailed(t, res, 41501)
			res = a.Do(t, Request{Method: rt.method, Path: rt.path, Credential: a.APIKey, Body: huge}, http.StatusRequestEntityTooLarge)
			accessUsersFailed(t, res, 41301)
			if a.Count(t) != before {
				t.Error("a refused call wrote to the table")
			}
		})
	}
}

func TestAccessUsersAddCreatesAUserThatSearchLists(t *testing.T) {
	a := newAPI(t)
	id := a.accessUsersAdd(t, `{"username":"ada","firstName":"Ada","lastName":"Lovelace","email":"ada@example.com","authId":0,"active":true}`)
	p := a.accessUsersSearch(t, "searchWord=ADA")
	if len(p.List) != 1 {
		t.Fatalf("search for ADA lists %v, want ada", p.usernames())
	}
	u := p.List[0]
	if u.ID != id || u.Username != "ada" || u.FirstName != "Ada" || u.LastName != "Lovelace" || u.Email != "ada@example.com" ||
		u.AuthID != 1 || u.LoginProfileName != "Local" || u.AuthTypeStr != "LOCAL" || !u.Active || !strings.HasPrefix(u.CreatedOwner, "apikey:") {
		t.Errorf("listed %+v", u)
	}
	if !p.TotalCountExact || p.TotalCount != 1 || !p.CanDelete {
		t.Errorf("page %+v", p)
	}
}

func TestAccessUsersAddRefusesBadInputNamingTheField(t *testing.T) {
	a := newAPI(t)
	for _, tc := range []struct {
		name, body string
		messageID  int
		field      string
	}{
		{"empty object", `{}`, 40001, "username"},
		{"no active", `{"username":"ada"}`, 40001, "active"},
		{"blank username", `{"username":"  ","active":true}`, 40001, "username"},
		{"username with a space", `{"username":"ada l","active":true}`, 40001, "username"},
		{"long username", `{"username":"` + strings.Repeat("a", 129) + `","active":true}`, 40001, "username"},
		{"long first name", `{"username":"ada","firstName":"` + strings.Repeat("a", 101) + `","active":true}`, 40001, "firstName"},
		{"lower-case field name", `{"username":"ada","firstname":"Ada","active":true}`, 40001, "firstname"},
		{"unknown field", `{"username":"ada","active":true,"role":"admin"}`, 40001, "role"},
		{"active not a boolean", `{"username":"ada","active":"yes"}`, 40001, "active"},
		{"negative authId", `{"username":"ada","active":true,"authId":-1}`, 40001, "authId"},
		{"not an email", `{"username":"ada","active":true,"email":"ada@"}`, 40001, "email"},
		{"authId of no profile", `{"username":"ada","active":true,"authId":7}`, 40002, "authId"},
		{"not JSON", `{"username":`, 40001, "body"},
		{"active twice", `{"username":"ada","active":false,"active":true}`, 40001, "active"},
		{"first name not UTF-8", "{\"username\":\"ada\",\"firstName\":\"\xff\xfe\",\"active\":true}", 40001, "firstName"},
		{"null", `null`, 40001, "body"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := a.Count(t)
			res := a.Do(t, Request{Method: "POST", Path: "/api/v1/accessuser/add", Credential: a.APIKey, Body: tc.body}, http.StatusBadRequest)
			accessUsersFailed(t, res, tc.messageID, tc.field)
			if a.Count(t) != before {
				t.Error("a refused add wrote to the table")
			}
		})
	}
}

func TestAccessUsersAddRefusesATakenUsernameOrEmail(t *testing.T) {
	a := newAPI(t)
	a.accessUsersAdd(t, `{"username":"ada","email":"ada@example.com","active":true}`)
	before := a.Count(t)
	res := a.Do(t, Request{Method: "POST", Path: "/api/v1/accessuser/add", Credential: a.APIKey,
		Body: `{"username":"ADA","active":true}`}, http.StatusConflict)
	accessUsersFailed(t, res, 40901, "username")
	res = a.Do(t, Request{Method: "POST", Path: "/api/v1/accessuser/add", Credential: a.APIKey,
		Body: `{"username":"grace","email":"Ada@Example.com","active":true}`}, http.StatusConflict)
	accessUsersFailed(t, res, 40902, "email")
	if a.Count(t) != before {
		t.Error("a refused add wrote to the table")
	}
}

func TestAccessUsersAddAndAddLoginProfileInAnInactiveTenantAreNotFound(t *testing.T) {
	a := newAPI(t)
	key := a.dormantTenantKey(t)
	before := a.Count(t)
	add := Request{Method: "POST", Path: "/api/v1/accessuser/add", Credential: key, Body: `{"username":"ada","active":true}`}
	addProfile := Request{Method: "POST", Path: "/api/v1/loginprofile/add", Credential: key, Body: `{"name":"Okta","authTypeId":4}`}
	// The key of an inactive tenant is no credential (decision 014) ...
	accessUsersFailed(t, a.Do(t, add, http.StatusUnauthorized), 40101)
	// ... and a tenant suspended after the authorizer let the key through
	// is refused by the write itself.
	raced := a.verifiedBeforeSuspension(t, "dormant", key)
	accessUsersFailed(t, raced.Do(t, add, http.StatusNotFound), 40400)
	accessUsersFailed(t, raced.Do(t, addProfile, http.StatusNotFound), 40400)
	if a.Count(t) != before {
		t.Error("a refused add wrote to the table")
	}
}

func TestAccessUsersUpdateChangesOnlyTheFieldsGiven(t *testing.T) {
	a := newAPI(t)
	id := a.accessUsersAdd(t, `{"username":"ada","firstName":"Ada","lastName":"Byron","email":"ada@example.com","active":true}`)
	rq := Request{Method: "POST", Path: "/api/v1/accessuser/update", Credential: a.APIKey,
		Body: fmt.Sprintf(`{"id":%d,"lastName":"Lovelace","authId":1}`, id)}
	a.Valid(t, rq)
	var r accessUsersReply
	a.Do(t, rq, http.StatusOK).JSON(t, &r)
	if r.Status != 0 || r.MessageID != 0 || !strings.Contains(r.Message, "updated") {
		t.Errorf("update answered %+v", r)
	}
	u := a.accessUsersSearch(t, "searchWord=ada&sortField=username").List[0]
	if u.FirstName != "Ada" || u.LastName != "Lovelace" || u.Email != "ada@example.com" || !u.Active {
		t.Errorf("after the update the user is %+v; want only lastName changed", u)
	}

	a.Do(t, rq, http.StatusOK).JSON(t, &r)
	if !strings.Contains(r.Message, "nothing changed") {
		t.Errorf("an update that changes nothing answered %q", r.Message)
	}
}

func TestAccessUsersUpdateRefusals(t *testing.T) {
	a := newAPI(t)
	id := a.accessUsersAdd(t, `{"username":"ada","email":"ada@example.com","active":true}`)
	a.accessUsersAdd(t, `{"username":"grace","email":"grace@example.com","active":true}`)
	manager := a.Login(t, a.Person(t, "uma", role.UserManager))
	for _, tc := range []struct {
		name, cred, body  string
		status, messageID int
		mention           string
	}{
		{"no id", a.APIKey, `{"authId":1}`, 400, 40001, "id"},
		{"no authId", a.APIKey, fmt.Sprintf(`{"id":%d}`, id), 400, 40001, "authId"},
		{"id zero", a.APIKey, `{"id":0,"authId":1}`, 400, 40001, "id"},
		{"id a string", a.APIKey, fmt.Sprintf(`{"id":"%d","authId":1}`, id), 400, 40001, "id"},
		{"username", a.APIKey, fmt.Sprintf(`{"id":%d,"authId":1,"username":"eve"}`, id), 400, 40001, "username"},
		{"authId of no profile", a.APIKey, fmt.Sprintf(`{"id":%d,"authId":9}`, id), 400, 40002, "authId"},
		{"no such id", a.APIKey, `{"id":42,"authId":1}`, 404, 40401, "42"},
		{"email taken", a.APIKey, fmt.Sprintf(`{"id":%d,"authId":1,"email":"GRACE@example.com"}`, id), 409, 40902, "email"},
		{"active without users:privileged", manager.AccessToken, fmt.Sprintf(`{"id":%d,"authId":1,"active":false}`, id), 403, 40301, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := a.Count(t)
			res := a.Do(t, Request{Method: "POST", Path: "/api/v1/accessuser/update", Credential: tc.cred, Body: tc.body}, tc.status)
			accessUsersFailed(t, res, tc.messageID, tc.mention)
			if a.Count(t) != before {
				t.Error("a refused update wrote to the table")
			}
		})
	}
	if u := a.accessUsersSearch(t, "searchWord=ada&sortField=username").List[0]; u.Email != "ada@example.com" || !u.Active {
		t.Errorf("refused updates changed the user: %+v", u)
	}
}

func TestAccessUsersUpdateUserPasswordChangesOnesOwnWithTheCurrentOne(t *testing.T) {
	a := newAPI(t)
	p := a.Person(t, "mia", role.Member)
	s := a.Login(t, p)
	const next = "a brand new passphrase"
	body := func(current string) string {
		return fmt.Sprintf(`{"username":"mia","userPassword":%q,"confirmPassword":%q,"currentPassword":%q,"authId":1}`, next, next, current)
	}
	res := a.Do(t, Request{Method: "POST", Path: "/api/v1/accessuser/updateUserPassword", Credential: s.AccessToken,
		Body: body("not my password at all")}, http.StatusBadRequest)
	accessUsersFailed(t, res, 40005, "currentPassword")
	res = a.Do(t, Request{Method: "POST", Path: "/api/v1/accessuser/updateUserPassword", Credential: s.AccessToken,
		Body: fmt.Sprintf(`{"username":"mia","userPassword":%q,"confirmPassword":%q}`, next, next)}, http.StatusBadRequest)
	accessUsersFailed(t, res, 40005, "currentPassword")

	rq := Request{Method: "POST", Path: "/api/v1/accessuser/updateUserPassword", Credential: s.AccessToken, Body: body(p.Password)}
	a.Valid(t, rq)
	var r accessUsersReply
	a.Do(t, rq, http.StatusOK).JSON(t, &r)
	if r.Status != 0 || r.MessageID != 0 {
		t.Errorf("answered %+v", r)
	}
	// The new password revokes the old token and opens a new session.
	a.Do(t, Request{Method: "GET", Path: "/api/v1/accessuser/search", Credential: s.AccessToken}, http.StatusUnauthorized)
	p.Password = next
	a.Login(t, p)
	a.NoSecretsLogged(t, next, "not my password at all")
}

func TestAccessUsersUpdateUserPasswordLetsAdministratorsSetAnothersPassword(t *testing.T) {
	a := newAPI(t)
	p := a.Person(t, "mia", role.Member)
	const next = "set by an administrator"
	rq := Request{Method: "POST", Path: "/api/v1/accessuser/updateUserPassword", Credential: a.APIKey,
		Body: fmt.Sprintf(`{"username":"MIA","userPassword":%q,"confirmPassword":%q,"currentPassword":"ignored"}`, next, next)}
	a.Valid(t, rq)
	a.Do(t, rq, http.StatusOK)
	p.Password = next
	a.Login(t, p)
	a.NoSecretsLogged(t, next)
}

func TestAccessUsersUpdateUserPasswordRefusals(t *testing.T) {
	a := newAPI(t)
	a.Person(t, "miriam", role.Member)
	var prof accessUsersReply
	a.Do(t, Request{Method: "POST", Path: "/api/v1/loginprofile/add", Credential: a.APIKey,
		Body: `{"name":"Corporate LDAP","authTypeId":2}`}, http.StatusOK).JSON(t, &prof)
	a.accessUsersAdd(t, fmt.Sprintf(`{"username":"lee","authId":%d,"active":true}`, prof.ID))
	const pw = "a brand new passphrase"
	body := func(username, password, confirm, extra string) string {
		return fmt.Sprintf(`{"username":%q,"userPassword":%q,"confirmPassword":%q%s}`, username, password, confirm, extra)
	}
	for _, tc := range []struct {
		name, body        string
		status, messageID int
		mention           string
	}{
		{"no username", `{"userPassword":"x","confirmPassword":"x"}`, 400, 40001, "username"},
		{"no confirmPassword", `{"username":"miriam","userPassword":"x"}`, 400, 40001, "confirmPassword"},
		{"empty userPassword", body("miriam", "", "", ""), 400, 40001, "userPassword"},
		{"password too long", body("miriam", strings.Repeat("x", 1025), strings.Repeat("x", 1025), ""), 400, 40001, "userPassword"},
		{"unknown field", body("miriam", pw, pw, `,"password":"x"`), 400, 40001, "password"},
		{"passwords differ", body("miriam", pw, pw+"!", ""), 400, 40003, "confirmPassword"},
		{"too short", body("miriam", "short", "short", ""), 400, 40004, "userPassword"},
		{"the username as password", body("miriam", "I am miriam, hello", "I am miriam, hello", ""), 400, 40004, "userPassword"},
		{"authId of no profile", body("miriam", pw, pw, `,"authId":77`), 400, 40002, "authId"},
		{"authId not the user's", body("miriam", pw, pw, fmt.Sprintf(`,"authId":%d`, prof.ID)), 400, 40001, "authId"},
		{"no such username", body("nobody", pw, pw, ""), 404, 40401, "nobody"},
		{"password kept by LDAP", body("lee", pw, pw, ""), 409, 40905, "LDAP"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := a.Count(t)
			res := a.Do(t, Request{Method: "POST", Path: "/api/v1/accessuser/updateUserPassword", Credential: a.APIKey, Body: tc.body}, tc.status)
			accessUsersFailed(t, res, tc.messageID, tc.mention)
			if a.Count(t) != before {
				t.Error("a refused password change wrote to the table")
			}
		})
	}
	a.NoSecretsLogged(t, pw, "I am miriam, hello")
}

func TestAccessUsersDeleteRemovesTheUserById(t *testing.T) {
	a := newAPI(t)
	id := a.accessUsersAdd(t, `{"username":"ada","active":true}`)
	before := a.Count(t)
	for _, tc := range []struct {
		name, body string
		status     int
		messageID  int
		mention    string
	}{
		{"no id", `{}`, 400, 40001, "id"},
		{"id not a number", `{"id":"x"}`, 400, 40001, "id"},
		{"negative id", `{"id":-3}`, 400, 40001, "id"},
		{"no such id", `{"id":42}`, 404, 40401, "42"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := a.Do(t, Request{Method: "DELETE", Path: "/api/v1/accessuser/delete", Credential: a.APIKey, Body: tc.body}, tc.status)
			accessUsersFailed(t, res, tc.messageID, tc.mention)
		})
	}
	if a.Count(t) != before {
		t.Fatal("a refused delete wrote to the table")
	}
	rq := Request{Method: "DELETE", Path: "/api/v1/accessuser/delete", Credential: a.APIKey, Body: fmt.Sprintf(`{"id":%d}`, id)}
	a.Valid(t, rq)
	a.Do(t, rq, http.StatusOK)
	if p := a.accessUsersSearch(t, "searchWord=ada"); len(p.List) != 0 {
		t.Errorf("search still lists %v", p.usernames())
	}
	accessUsersFailed(t, a.Do(t, rq, http.StatusNotFound), 40401)
}

func TestAccessUsersDeleteByUsernameDeletesOnlyInTheProfileNamed(t *testing.T) {
	a := newAPI(t)
	a.accessUsersAdd(t, `{"username":"ada","active":true}`)
	var prof accessUsersReply
	a.Do(t, Request{Method: "POST", Path: "/api/v1/loginprofile/add", Credential: a.APIKey,
		Body: `{"name":"Okta","authTypeId":4}`}, http.StatusOK).JSON(t, &prof)
	before := a.Count(t)
	for _, tc := range []struct {
		name, body string
		status     int
		messageID  int
		mention    string
	}{
		{"no loginProfileId", `{"username":"ada"}`, 400, 40001, "loginProfileId"},
		{"no username", `{"loginProfileId":1}`, 400, 40001, "username"},
		{"loginProfileId of no profile", `{"username":"ada","loginProfileId":99}`, 400, 40002, "loginProfileId"},
		{"another profile", fmt.Sprintf(`{"username":"ada","loginProfileId":%d}`, prof.ID), 404, 40401, "ada"},
		{"no such username", `{"username":"nobody","loginProfileId":1}`, 404, 40401, "nobody"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := a.Do(t, Request{Method: "DELETE", Path: "/api/v1/accessuser/deleteByUsername", Credential: a.APIKey, Body: tc.body}, tc.status)
			accessUsersFailed(t, res, tc.messageID, tc.mention)
		})
	}
	if a.Count(t) != before {
		t.Fatal("a refused delete wrote to the table")
	}
	rq := Request{Method: "DELETE", Path: "/api/v1/accessuser/deleteByUsername", Credential: a.APIKey, Body: `{"username":"Ada","loginProfileId":0}`}
	a.Valid(t, rq)
	a.Do(t, rq, http.StatusOK)
	if p := a.accessUsersSearch(t, "searchWord=ada"); len(p.List) != 0 {
		t.Errorf("search still lists %v", p.usernames())
	}
}

func TestAccessUsersSearchPagesThroughEveryMatchOnce(t *testing.T) {
	a := newAPI(t)
	for _, n := range []string{"pat", "paula", "pablo", "quade"} {
		a.accessUsersAdd(t, fmt.Sprintf(`{"username":%q,"active":true}`, n))
	}
	first := a.accessUsersSearch(t, "searchWord=pa&sortField=username&sortOrder=DSC&pageSize=2")
	if got := strings.Join(first.usernames(), ","); got != "paula,pat" || first.TotalCountExact || first.NextCursor == "" {
		t.Fatalf("first page %s (exact %v, cursor %q); want paula,pat and a cursor", got, first.TotalCountExact, first.NextCursor)
	}
	next := a.accessUsersSearch(t, "searchWord=pa&sortField=username&sortOrder=DSC&pageSize=2&cursor="+url.QueryEscape(first.NextCursor))
	if got := strings.Join(next.usernames(), ","); got != "pablo" || !next.TotalCountExact || next.StartIndex != 2 || next.TotalCount != 3 {
		t.Errorf("next page %s %+v; want pablo at index 2 of exactly 3", got, next)
	}
	today := time.Now().UTC().Format(time.DateOnly)
	for _, q := range []string{
		"fromDate=" + today + "&toDate=" + today + "&dateField=updateDateTime&sortOrder=asc",
		"fromDate=" + today + "T00:00:00.000Z&toDate=9999-12-31T23:59&match=contains&searchWord=a",
		"fromDate=" + url.QueryEscape(today+"T02:00:00+02:00") + "&sortField=createDateTime&startIndex=0&authId=0",
	} {
		if p := a.accessUsersSearch(t, q); len(p.List) != 4 {
			t.Errorf("%s lists %v; want all four", q, p.usernames())
		}
	}
}

func TestAccessUsersSearchRefusesBadParametersNamingThem(t *testing.T) {
	a := newAPI(t)
	for _, tc := range []struct {
		query     string
		messageID int
		mention   string
	}{
		{"pageSize=0", 40001, "pageSize"},
		{"pageSize=101", 40001, "pageSize"},
		{"startIndex=10001", 40001, "startIndex"},
		{"startIndex=-1", 40001, "startIndex"},
		{"sortOrder=up", 40001, "sortOrder"},
		{"sortField=role", 40001, "sortField"},
		{"dateField=deleteDateTime", 40001, "dateField"},
		{"match=suffix", 40001, "match"},
		{"fromDate=12/09/2024", 40001, "fromDate"},
		{"toDate=1969-12-31", 40001, "toDate"},
		{"fromDate=2024-09-12&toDate=2024-09-11", 40001, "toDate"},
		{"searchWord=" + strings.Repeat("a", 101), 40001, "searchWord"},
		{"pagesize=10", 40001, "pagesize"},
		{"pageSize=10&pageSize=20", 40001, "pageSize"},
		{"authId=x", 40001, "authId"},
		{"authId=5", 40002, "authId"},
		{"cursor=abc", 40006, "cursor"},
	} {
		t.Run(tc.query, func(t *testing.T) {
			res := a.Do(t, Request{Method: "GET", Path: "/api/v1/accessuser/search?" + tc.query, Credential: a.APIKey}, http.StatusBadRequest)
			accessUsersFailed(t, res, tc.messageID, tc.mention)
		})
	}
}

func TestAccessUsersLoginProfilesAreListedAndAdded(t *testing.T) {
	a := newAPI(t)
	var list struct {
		List []struct {
			ID      int64  `json:"id"`
			Name    string `json:"name"`
			AuthTyp string `json:"authTypeStr"`
			Default bool   `json:"default"`
		} `json:"list"`
		ResultCount int `json:"resultCount"`
	}
	rq := Request{Method: "GET", Path: "/api/v1/loginprofile/list", Credential: a.APIKey}
	a.Valid(t, rq)
	a.Do(t, rq, http.StatusOK).JSON(t, &list)
	if list.ResultCount != 1 || list.List[0].ID != 1 || list.List[0].Name != "Local" || !list.List[0].Default {
		t.Fatalf("a new tenant lists %+v; want only the default", list)
	}
	add := Request{Method: "POST", Path: "/api/v1/loginprofile/add", Credential: a.APIKey, Body: `{"name":"Corporate LDAP","authTypeId":2}`}
	a.Valid(t, add)
	var r accessUsersReply
	a.Do(t, add, http.StatusOK).JSON(t, &r)
	if r.ID != 2 || r.Status != 0 || !strings.Contains(r.Message, "Corporate LDAP") {
		t.Errorf("add answered %+v", r)
	}
	a.Do(t, rq, http.StatusOK).JSON(t, &list)
	if list.ResultCount != 2 || list.List[1].ID != 2 || list.List[1].AuthTyp != "LDAP" || list.List[1].Default {
		t.Errorf("after the add the list is %+v", list)
	}
}

func TestAccessUsersLoginProfilesRefusals(t *testing.T) {
	a := newAPI(t)
	accessUsersFailed(t, a.Do(t, Request{Method: "GET", Path: "/api/v1/loginprofile/list?all=true", Credential: a.APIKey},
		http.StatusBadRequest), 40001, "all")
	a.Do(t, Request{Method: "POST", Path: "/api/v1/loginprofile/add", Credential: a.APIKey, Body: `{"name":"Okta","authTypeId":4}`}, http.StatusOK)
	before := a.Count(t)
	for _, tc := range []struct {
		name, body        string
		status, messageID int
		mention           string
	}{
		{"no name", `{"authTypeId":2}`, 400, 40001, "name"},
		{"blank name", `{"name":"   ","authTypeId":2}`, 400, 40001, "name"},
		{"long name", `{"name":"` + strings.Repeat("n", 101) + `","authTypeId":2}`, 400, 40001, "name"},
		{"no authTypeId", `{"name":"Corp"}`, 400, 40001, "authTypeId"},
		{"authTypeId of no type", `{"name":"Corp","authTypeId":5}`, 400, 40001, "authTypeId"},
		{"unknown field", `{"name":"Corp","authTypeId":2,"id":3}`, 400, 40001, "id"},
		{"name taken", `{"name":"OKTA","authTypeId":3}`, 409, 40904, ""},
		{"the default's name", `{"name":"local","authTypeId":1}`, 409, 40904, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := a.Do(t, Request{Method: "POST", Path: "/api/v1/loginprofile/add", Credential: a.APIKey, Body: tc.body}, tc.status)
			accessUsersFailed(t, res, tc.messageID, tc.mention)
		})
	}
	if a.Count(t) != before {
		t.Error("a refused add wrote to the table")
	}
}

func TestAccessUsersLoginProfilesStopAtTheTenantLimit(t *testing.T) {
	a := newAPI(t)
	ctx := context.Background()
	for i := 2; i <= loginprofile.MaxPerTenant; i++ {
		if _, err := a.env.Table.AddLoginProfile(ctx, a.Tenant, loginprofile.Profile{Name: fmt.Sprintf("Profile %d", i),
			AuthType: loginprofile.SAML, CreatedAt: time.Now(), CreatedBy: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	before := a.Count(t)
	res := a.Do(t, Request{Method: "POST", Path: "/api/v1/loginprofile/add", Credential: a.APIKey, Body: `{"name":"One more","authTypeId":3}`}, http.StatusConflict)
	accessUsersFailed(t, res, 40906, "100")
	if a.Count(t) != before {
		t.Error("a refused add wrote to the table")
	}
}
