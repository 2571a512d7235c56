package contract_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"roster/shared/role"
	"roster/shared/user"
)

// identityBase is the prefix of every Identity route for acme.
func identityBase(a *api) string {
	return "/" + a.Organization + "/" + a.TenantName + "/identity_/api"
}

// identityProblem is either error body of the group: the validation
// problem (errors) or the problem with a detail.
type identityProblem struct {
	Errors  map[string][]string `json:"errors"`
	Type    string              `json:"type"`
	Status  int                 `json:"status"`
	Detail  string              `json:"detail"`
	TraceID string              `json:"traceId"`
}

// identityKeys lists the errors keys of a validation problem, sorted.
func identityKeys(t testing.TB, r Response) []string {
	t.Helper()
	var p identityProblem
	r.JSON(t, &p)
	var keys []string
	for k := range p.Errors {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// identitySucceeded fails unless r is the documented success body.
func identitySucceeded(t testing.TB, r Response) {
	t.Helper()
	if got := strings.TrimSpace(string(r.Body)); got != `{"succeeded":true,"errors":[]}` {
		t.Errorf("body %s, want the documented success", got)
	}
}

// identityRoute is a route of the group with a valid request for user id.
type identityRoute struct {
	method, path, body string
}

func identityRoutes(base, id string) []identityRoute {
	return []identityRoute{
		{"PUT", base + "/User/" + id, `{"name":"Hermione"}`},
		{"DELETE", base + "/User/" + id, ""},
		{"DELETE", base + "/User", `{"userIds":["` + id + `"]}`},
		{"PUT", base + "/User/" + id + "/password", `{"newPassword":"a much longer passphrase now"}`},
		{"POST", base + "/Group", `{"name":"alumni"}`},
		{"GET", base + "/Group", ""},
	}
}

// identityGroup makes a group and returns its id.
func identityGroup(t testing.TB, a *api, name string) string {
	t.Helper()
	rq := Request{Method: "POST", Path: identityBase(a) + "/Group", Credential: a.APIKey, Body: `{"name":"` + name + `"}`}
	a.Valid(t, rq)
	var g struct{ ID, Name string }
	a.Do(t, rq, http.StatusCreated).JSON(t, &g)
	if g.Name != name || g.ID == "" {
		t.Fatalf("created group %+v, want name %s", g, name)
	}
	return g.ID
}

func TestIdentityUpdateUserChangesTheUserEveryGroupShows(t *testing.T) {
	a := newAPI(t)
	her := a.Person(t, "hermione", role.Member)
	gryff, alumni := identityGroup(t, a, "Gryffindor"), identityGroup(t, a, "alumni")
	rq := Request{Method: "PUT", Path: identityBase(a) + "/User/" + her.User.ID, Credential: a.APIKey,
		Body: `{"name":"Hermione","surname":"Granger-Weasley","email":"hermione@hogwarts.com","isActive":true,` +
			`"groupIDsToAdd":["` + gryff + `","` + alumni + `"],"groupIDsToRemove":[],"bypassBasicAuthRestriction":false,"invitationAccepted":true}`}
	a.Valid(t, rq)
	res := a.Do(t, rq, http.StatusOK)
	identitySucceeded(t, res)
	if !strings.HasPrefix(res.Header.Get("Traceresponse"), "00-") {
		t.Errorf("traceresponse = %q", res.Header.Get("Traceresponse"))
	}
	u, etag := usersGet(t, a, her.User.ID)
	if u.FirstName != "Hermione" || u.LastName != "Granger-Weasley" || u.Email != "hermione@hogwarts.com" || etag != `"2"` {
		t.Errorf("Users shows %+v with ETag %s", u, etag)
	}

	// Absent and null members leave the user alone.
	for _, body := range []string{`{}`, `{"name":null,"groupIDsToAdd":null}`} {
		rq := Request{Method: "PUT", Path: identityBase(a) + "/User/" + her.User.ID, Credential: a.APIKey, Body: body}
		a.Valid(t, rq)
		identitySucceeded(t, a.Do(t, rq, http.StatusOK))
	}
	if _, etag := usersGet(t, a, her.User.ID); etag != `"2"` {
		t.Errorf("a change of nothing wrote the user: ETag %s", etag)
	}
}

func TestIdentityNamesInThePathMatchWhateverTheirCase(t *testing.T) {
	a := newAPI(t)
	her := a.Person(t, "hermione", role.Member)
	path := "/" + strings.ToUpper(a.Organization) + "/" + strings.ToUpper(a.TenantName) + "/identity_/api/User/" + her.User.ID
	identitySucceeded(t, a.Do(t, Request{Method: "PUT", Path: path, Credential: a.APIKey, Body: `{"surname":""}`}, http.StatusOK))
}

func TestIdentityGroupsAreListedByNameAndNamedOnce(t *testing.T) {
	a := newAPI(t)
	rq := Request{Method: "GET", Path: identityBase(a) + "/Group", Credential: a.APIKey}
	if got := strings.TrimSpace(string(a.Do(t, rq, http.StatusOK).Body)); got != `{"groups":[]}` {
		t.Errorf("a tenant without groups lists %s", got)
	}
	identityGroup(t, a, "teachers")
	identityGroup(t, a, "alumni")
	res := a.Do(t, Request{Method: "POST", Path: identityBase(a) + "/Group", Credential: a.APIKey, Body: `{"name":"ALUMNI"}`}, http.StatusConflict)
	var p identityProblem
	res.JSON(t, &p)
	if p.Type != "https://tools.ietf.org/html/rfc7231#section-6.5.8" {
		t.Errorf("409 type %s", p.Type)
	}
	var list struct {
		Groups []struct{ ID, Name string } `json:"groups"`
	}
	rq.Body = "{}" // a route without a body accepts an empty object
	a.Do(t, rq, http.StatusOK).JSON(t, &list)
	var names []string
	for _, g := range list.Groups {
		names = append(names, g.Name)
	}
	if strings.Join(names, ",") != "alumni,teachers" {
		t.Errorf("groups %v, want alumni,teachers", names)
	}
}

func TestIdentityRefusesBadInputWithTheValidationProblem(t *testing.T) {
	a := newAPI(t)
	her := a.Person(t, "hermione", role.Admin) // an admin, to reach the checks on one's own password
	s := a.Login(t, her)
	base, id := identityBase(a), her.User.ID
	group := identityGroup(t, a, "alumni")
	cases := []struct {
		name, method, path, body string
		header                   map[string]string
		credential               string
		key                      string
	}{
		{"a wrong type", "PUT", base + "/User/" + id, `{"bypassBasicAuthRestriction":"ha"}`, nil, "", "bypassBasicAuthRestriction"},
		{"an unknown member", "PUT", base + "/User/" + id, `{"surName":"Granger"}`, nil, "", "surName"},
		{"a body that is not JSON", "PUT", base + "/User/" + id, `{"name":`, nil, "", "$"},
		{"an empty body", "PUT", base + "/User/" + id, ` `, nil, "", "$"},
		{"a blank name", "PUT", base + "/User/" + id, `{"name":"  "}`, nil, "", "name"},
		{"a member twice", "PUT", base + "/User/" + id, `{"name":"Hermione","name":"Granger"}`, nil, "", "name"},
		{"a name not UTF-8", "PUT", base + "/User/" + id, "{\"name\":\"\xff\xfe\"}", nil, "", "name"},
		{"a bad email", "PUT", base + "/User/" + id, `{"email":"hermione"}`, nil, "", "email"},
		{"a group in both lists", "PUT", base + "/User/" + id, `{"groupIDsToAdd":["` + group + `"],"groupIDsToRemove":["` + group + `"]}`, nil, "", "groupIDsToRemove"},
		{"a group listed twice", "PUT", base + "/User/" + id, `{"groupIDsToAdd":["` + group + `","` + group + `"]}`, nil, "", "groupIDsToAdd"},
		{"a group that does not exist", "PUT", base + "/User/" + id, `{"groupIDsToAdd":["no-such-group"]}`, nil, "", "groupIDsToAdd"},
		{"a malformed If-Match", "PUT", base + "/User/" + id, `{"name":"H"}`, map[string]string{"If-Match": "3"}, "", "If-Match"},
		{"an organization name against its pattern", "PUT", "/org~acme/" + a.TenantName + "/identity_/api/User/" + id, `{"name":"H"}`, nil, "", "organizationName"},
		{"a userId against its pattern", "PUT", base + "/User/" + strings.Repeat("u", 65), `{"name":"H"}`, nil, "", "userId"},
		{"one's own password through Update User", "PUT", base + "/User/" + id, `{"password":"a much longer passphrase now"}`, nil, s.AccessToken, "password"},
		{"delete with a body", "DELETE", base + "/User/" + id, `{"force":true}`, nil, "", "force"},
		{"bulk delete of nobody", "DELETE", base + "/User", `{"userIds":[]}`, nil, "", "userIds"},
		{"bulk delete naming one twice", "DELETE", base + "/User", `{"userIds":["` + id + `","` + id + `"]}`, nil, "", "userIds"},
		{"bulk delete with a bad id", "DELETE", base + "/User", `{"userIds":["a b"]}`, nil, "", "userIds"},
		{"a password without the new one", "PUT", base + "/User/" + id + "/password", `{"oldPassword":"x"}`, nil, "", "newPassword"},
		{"a password against the policy", "PUT", base + "/User/" + id + "/password", `{"newPassword":"short"}`, nil, "", "newPassword"},
		{"one's own password without the old one", "PUT", base + "/User/" + id + "/password", `{"newPassword":"a much longer passphrase now"}`, nil, s.AccessToken, "oldPassword"},
		{"a blank group name", "POST", base + "/Group", `{"name":""}`, nil, "", "name"},
		{"a group name of the wrong type", "POST", base + "/Group", `{"name":["alumni"]}`, nil, "", "name"},
		{"a group list with a body", "GET", base + "/Group", `{"name":"x"}`, nil, "", "name"},
		{"a group list under a bad tenant name", "GET", "/" + a.Organization + "/acme!/identity_/api/Group", "", nil, "", "tenantName"},
	}
	before := a.Count(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cred := c.credential
			if cred == "" {
				cred = a.APIKey
			}
			res := a.Do(t, Request{Method: c.method, Path: c.path, Credential: cred, Header: c.header, Body: c.body}, http.StatusBadRequest)
			if keys := identityKeys(t, res); len(keys) != 1 || keys[0] != c.key {
				t.Errorf("errors keys %v, want [%s]; body %s", keys, c.key, res.Body)
			}
		})
	}
	if after := a.Count(t); after != before {
		t.Errorf("refused requests changed the table: %d items, then %d", before, after)
	}
	if _, etag := usersGet(t, a, id); etag != `"1"` {
		t.Errorf("refused requests changed the user: ETag %s", etag)
	}
}

func TestIdentityWrongTypeMessagesSayWhere(t *testing.T) {
	a := newAPI(t)
	her := a.Person(t, "hermione", role.Member)
	res := a.Do(t, Request{Method: "PUT", Path: identityBase(a) + "/User/" + her.User.ID, Credential: a.APIKey,
		Body: `{"groupIDsToAdd":["a",7]}`}, http.StatusBadRequest)
	var p identityProblem
	res.JSON(t, &p)
	if msgs := p.Errors["groupIDsToAdd"]; len(msgs) != 1 || !strings.Contains(msgs[0], "Path 'groupIDsToAdd[1]', line 1, position") {
		t.Errorf("messages %q, want the path, line and position", msgs)
	}
	if res.Header.Get("Traceresponse") != p.TraceID {
		t.Errorf("traceId %s, traceresponse %s", p.TraceID, res.Header.Get("Traceresponse"))
	}
}

func TestIdentityTraceIdContinuesTheCallersTrace(t *testing.T) {
	a := newAPI(t)
	const trace = "4bf92f3577b34da6a3ce929d0e0e4736"
	res := a.Do(t, Request{Method: "GET", Path: identityBase(a) + "/Group", Credential: a.APIKey,
		Header: map[string]string{"traceparent": "00-" + trace + "-00f067aa0ba902b7-01"}}, http.StatusOK)
	if got := res.Header.Get("Traceresponse"); !strings.HasPrefix(got, "00-"+trace+"-") {
		t.Errorf("traceresponse %s does not continue trace %s", got, trace)
	}
}

func TestIdentityRefusesOversizedAndNonJSONBodies(t *testing.T) {
	a := newAPI(t)
	her := a.Person(t, "hermione", role.Member)
	before := a.Count(t)
	for _, r := range identityRoutes(identityBase(a), her.User.ID) {
		limit := 16 << 10
		if r.body == "" {
			limit = 64
		}
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			big := `{"name":"` + strings.Repeat("x", limit) + `"}`
			a.Do(t, Request{Method: r.method, Path: r.path, Credential: a.APIKey, Body: big}, http.StatusRequestEntityTooLarge)
			body := r.body
			if body == "" {
				body = "{}"
			}
			a.Do(t, Request{Method: r.method, Path: r.path, Credential: a.APIKey, Body: body,
				Header: map[string]string{"Content-Type": "text/plain"}}, http.StatusUnsupportedMediaType)
			a.Do(t, Request{Method: r.method, Path: r.path, Credential: a.APIKey, Body: body,
				Header: map[string]string{"Content-Encoding": "gzip"}}, http.StatusUnsupportedMediaType)
		})
	}
	if after := a.Count(t); after != before {
		t.Errorf("refused bodies changed the table: %d items, then %d", before, after)
	}
}

func TestIdentityRequiresAValidCredential(t *testing.T) {
	a := newAPI(t)
	her := a.Person(t, "hermione", role.Admin)
	before := a.Count(t)
	for _, r := range identityRoutes(identityBase(a), her.User.ID) {
		for name, cred := range map[string]string{
			"none":         "",
			"unknown key":  "rst_AAAAAAAAAAAAAAAAAAAAAA_" + strings.Repeat("x", 43),
			"device token": her.DeviceToken,
		} {
			t.Run(r.method+" "+r.path+" with "+name, func(t *testing.T) {
				a.Unauthenticated(t, Request{Method: r.method, Path: r.path, Credential: cred, Body: r.body})
			})
		}
	}
	if after := a.Count(t); after != before {
		t.Errorf("unauthenticated requests changed the table: %d items, then %d", before, after)
	}
}

func TestIdentityRefusesRolesWithoutThePermission(t *testing.T) {
	a := newAPI(t)
	base := identityBase(a)
	ron := a.Person(t, "ron", role.Member).User.ID
	admin := a.Person(t, "minerva", role.Admin).User.ID
	member := a.Login(t, a.Person(t, "neville", role.Member))
	manager := a.Login(t, a.Person(t, "filius", role.UserManager))
	cases := []struct {
		name, credential, method, path, body string
	}{
		{"a member updating a user", member.AccessToken, "PUT", base + "/User/" + ron, `{"name":"Ronald"}`},
		{"a member deleting a user", member.AccessToken, "DELETE", base + "/User/" + ron, ""},
		{"a member deleting users", member.AccessToken, "DELETE", base + "/User", `{"userIds":["` + ron + `"]}`},
		{"a member setting another's password", member.AccessToken, "PUT", base + "/User/" + ron + "/password", `{"newPassword":"a much longer passphrase now"}`},
		{"a member creating a group", member.AccessToken, "POST", base + "/Group", `{"name":"alumni"}`},
		{"a member listing groups", member.AccessToken, "GET", base + "/Group", ""},
		{"a user manager deactivating a user", manager.AccessToken, "PUT", base + "/User/" + ron, `{"isActive":false}`},
		{"a user manager letting a user bypass basic auth", manager.AccessToken, "PUT", base + "/User/" + ron, `{"bypassBasicAuthRestriction":true}`},
		{"a user manager renaming an admin", manager.AccessToken, "PUT", base + "/User/" + admin, `{"name":"Minnie"}`},
		{"a user manager deleting an admin", manager.AccessToken, "DELETE", base + "/User/" + admin, ""},
		{"a user manager deleting an admin among others", manager.AccessToken, "DELETE", base + "/User", `{"userIds":["` + ron + `","` + admin + `"]}`},
		{"a user manager setting an admin's password", manager.AccessToken, "PUT", base + "/User/" + admin + "/password", `{"newPassword":"a much longer passphrase now"}`},
	}
	before := a.Count(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a.Do(t, Request{Method: c.method, Path: c.path, Credential: c.credential, Body: c.body}, http.StatusForbidden)
		})
	}
	if after := a.Count(t); after != before {
		t.Errorf("forbidden requests changed the table: %d items, then %d", before, after)
	}
	if _, etag := usersGet(t, a, ron); etag != `"1"` {
		t.Errorf("forbidden requests changed ron: ETag %s", etag)
	}
}

func TestIdentityForeignNamesReadLikeAnUnknownUser(t *testing.T) {
	a := newAPI(t)
	other := a.env.Tenant(t, "globex")
	her := a.Person(t, "hermione", role.Member)
	now := time.Now().UTC()
	foreign := &user.User{TenantID: other.ID, ID: user.NewID(), Username: "hank", Email: "hank@globex.example",
		FirstName: "Hank", LastName: "Scorpio", Active: true, Role: string(role.Member), CreatedAt: now, UpdatedAt: now}
	if err := a.env.Table.CreateUser(context.Background(), foreign); err != nil {
		t.Fatal(err)
	}
	bases := map[string]string{
		"another tenant's names": "/" + other.Organization + "/" + other.Name + "/identity_/api",
		"an unknown tenant":      "/org-nowhere/nowhere/identity_/api",
		"another organization":   "/org-globex/" + a.TenantName + "/identity_/api",
	}
	before := a.Count(t)
	unknown := a.Do(t, Request{Method: "PUT", Path: identityBase(a) + "/User/" + user.NewID(), Credential: a.APIKey, Body: `{"name":"X"}`}, http.StatusNotFound)
	var want identityProblem
	unknown.JSON(t, &want)
	check := func(t *testing.T, res Response) {
		t.Helper()
		var got identityProblem
		res.JSON(t, &got)
		if got.Type != want.Type || got.Detail != want.Detail || got.Status != want.Status {
			t.Errorf("body %s, an unknown user's %s", res.Body, unknown.Body)
		}
	}
	for name, base := range bases {
		for _, r := range identityRoutes(base, her.User.ID) {
			t.Run(name+" "+r.method+" "+r.path, func(t *testing.T) {
				check(t, a.Do(t, Request{Method: r.method, Path: r.path, Credential: a.APIKey, Body: r.body}, http.StatusNotFound))
			})
		}
	}
	for _, r := range identityRoutes(identityBase(a), foreign.ID) {
		if !strings.Contains(r.path, foreign.ID) {
			continue
		}
		t.Run("another tenant's user "+r.method+" "+r.path, func(t *testing.T) {
			check(t, a.Do(t, Request{Method: r.method, Path: r.path, Credential: a.APIKey, Body: r.body}, http.StatusNotFound))
		})
	}
	if after := a.Count(t); after != before {
		t.Errorf("requests under foreign names changed the table: %d items, then %d", before, after)
	}
}

func TestIdentityBulkDeleteReportsEachIdInOrder(t *testing.T) {
	a := newAPI(t)
	other := a.env.Tenant(t, "globex")
	now := time.Now().UTC()
	foreign := &user.User{TenantID: other.ID, ID: user.NewID(), Username: "hank", Email: "hank@globex.example",
		FirstName: "Hank", LastName: "Scorpio", Active: true, Role: string(role.Member), CreatedAt: now, UpdatedAt: now}
	if err := a.env.Table.CreateUser(context.Background(), foreign); err != nil {
		t.Fatal(err)
	}
	her, ron := a.Person(t, "hermione", role.Member).User.ID, a.Person(t, "ron", role.Member).User.ID
	missing := user.NewID()
	rq := Request{Method: "DELETE", Path: identityBase(a) + "/User", Credential: a.APIKey,
		Body: fmt.Sprintf(`{"userIds":[%q,%q,%q,%q]}`, her, missing, ron, foreign.ID)}
	a.Valid(t, rq)
	var res struct {
		Succeeded bool `json:"succeeded"`
		Errors    []struct {
			Code, Description string
		} `json:"errors"`
		Results []struct {
			UserID    string  `json:"userId"`
			Succeeded bool    `json:"succeeded"`
			Error     *string `json:"error"`
		} `json:"results"`
	}
	a.Do(t, rq, http.StatusOK).JSON(t, &res)
	if res.Succeeded || len(res.Errors) != 2 || len(res.Results) != 4 {
		t.Fatalf("result %+v", res)
	}
	for i, want := range []struct {
		id string
		ok bool
	}{{her, true}, {missing, false}, {ron, true}, {foreign.ID, false}} {
		r := res.Results[i]
		if r.UserID != want.id || r.Succeeded != want.ok || (r.Error == nil) != want.ok {
			t.Errorf("results[%d] = %+v, want %s deleted=%v", i, r, want.id, want.ok)
		}
	}
	a.Do(t, Request{Method: "GET", Path: "/users/" + her, Credential: a.APIKey}, http.StatusNotFound)
	a.Do(t, Request{Method: "GET", Path: "/users/" + ron, Credential: a.APIKey}, http.StatusNotFound)
	if _, err := a.env.Table.GetUser(context.Background(), other.ID, foreign.ID); err != nil {
		t.Errorf("another tenant's user was deleted: %v", err)
	}

	all := Request{Method: "DELETE", Path: identityBase(a) + "/User", Credential: a.APIKey,
		Body: fmt.Sprintf(`{"userIds":[%q]}`, a.Person(t, "ginny", role.Member).User.ID)}
	var done struct {
		Succeeded bool `json:"succeeded"`
	}
	a.Do(t, all, http.StatusOK).JSON(t, &done)
	if !done.Succeeded {
		t.Errorf("deleting every id listed did not succeed")
	}
}

func TestIdentityDeleteUserAnswersTheDocumentedSuccess(t *testing.T) {
	a := newAPI(t)
	her := a.Person(t, "hermione", role.Member)
	rq := Request{Method: "DELETE", Path: identityBase(a) + "/User/" + her.User.ID, Credential: a.APIKey, Header: map[string]string{"If-Match": `"1"`}}
	a.Valid(t, rq)
	identitySucceeded(t, a.Do(t, rq, http.StatusOK))
	a.Do(t, rq, http.StatusNotFound)
}

func TestIdentityStaleIfMatchChangesNothing(t *testing.T) {
	a := newAPI(t)
	her := a.Person(t, "hermione", role.Member)
	path := identityBase(a) + "/User/" + her.User.ID
	a.Do(t, Request{Method: "PUT", Path: path, Credential: a.APIKey, Body: `{"surname":"Granger-Weasley"}`}, http.StatusOK)
	for _, tag := range []string{`"1"`, `W/"2"`} {
		for _, r := range []identityRoute{{"PUT", path, `{"name":"Hermione Jean"}`}, {"DELETE", path, ""}} {
			t.Run(r.method+" If-Match "+tag, func(t *testing.T) {
				rq := Request{Method: r.method, Path: r.path, Credential: a.APIKey, Body: r.body, Header: map[string]string{"If-Match": tag}}
				a.Valid(t, rq)
				a.Do(t, rq, http.StatusPreconditionFailed)
			})
		}
	}
	if u, etag := usersGet(t, a, her.User.ID); etag != `"2"` || u.FirstName != "Hermione" {
		t.Errorf("after stale requests: %+v with ETag %s", u, etag)
	}
	identitySucceeded(t, a.Do(t, Request{Method: "PUT", Path: path, Credential: a.APIKey, Body: `{"name":"Hermione Jean"}`,
		Header: map[string]string{"If-Match": `"2"`}}, http.StatusOK))
}

func TestIdentityTakenEmailIsAConflict(t *testing.T) {
	a := newAPI(t)
	her := a.Person(t, "hermione", role.Member)
	ron := a.Person(t, "ron", role.Member)
	before := a.Count(t)
	res := a.Do(t, Request{Method: "PUT", Path: identityBase(a) + "/User/" + ron.User.ID, Credential: a.APIKey,
		Body: `{"email":"` + strings.ToUpper(her.User.Email) + `"}`}, http.StatusConflict)
	var p identityProblem
	res.JSON(t, &p)
	if !strings.Contains(p.Detail, "email") {
		t.Errorf("409 detail %q does not name the email", p.Detail)
	}
	if after := a.Count(t); after != before {
		t.Errorf("a conflicting change changed the table: %d items, then %d", before, after)
	}
}

func TestIdentityPasswords(t *testing.T) {
	a := newAPI(t)
	base := identityBase(a)
	const next = "a much longer passphrase now"

	t.Run("one's own, with the old one", func(t *testing.T) {
		her := a.Person(t, "hermione", role.Member)
		s := a.Login(t, her)
		rq := Request{Method: "PUT", Path: base + "/User/" + her.User.ID + "/password", Credential: s.AccessToken,
			Body: fmt.Sprintf(`{"newPassword":%q,"oldPassword":%q}`, next, her.Password)}
		a.Valid(t, rq)
		identitySucceeded(t, a.Do(t, rq, http.StatusOK))
		her.Password = next
		a.Login(t, her)
		a.NoSecretsLogged(t, next, "correct horse battery staple")
	})
	t.Run("one's own, with a wrong old one", func(t *testing.T) {
		ron := a.Person(t, "ron", role.Member)
		s := a.Login(t, ron)
		res := a.Do(t, Request{Method: "PUT", Path: base + "/User/" + ron.User.ID + "/password", Credential: s.AccessToken,
			Body: fmt.Sprintf(`{"newPassword":%q,"oldPassword":"not my password at all"}`, next)}, http.StatusBadRequest)
		if keys := identityKeys(t, res); len(keys) != 1 || keys[0] != "oldPassword" {
			t.Errorf("errors keys %v, want [oldPassword]", keys)
		}
		a.Login(t, ron) // the old password still opens
	})
	t.Run("another's, by an administrator", func(t *testing.T) {
		ginny := a.Person(t, "ginny", role.Member)
		rq := Request{Method: "PUT", Path: base + "/User/" + ginny.User.ID + "/password", Credential: a.APIKey,
			Body: fmt.Sprintf(`{"newPassword":%q}`, next)}
		a.Valid(t, rq)
		identitySucceeded(t, a.Do(t, rq, http.StatusOK))
		ginny.Password = next
		a.Login(t, ginny)
	})
	t.Run("another's, by an administrator, when the person has users in other tenants", func(t *testing.T) {
		luna := a.Person(t, "luna", role.Member)
		other := a.env.Tenant(t, "globex")
		now := time.Now().UTC()
		if err := a.env.Table.CreateUser(context.Background(), &user.User{TenantID: other.ID, ID: user.NewID(), AccountID: luna.User.AccountID,
			Username: "luna", Email: luna.User.Email, FirstName: "Luna", LastName: "Lovegood", Active: true, Role: string(role.Member),
			CreatedAt: now, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
		a.Do(t, Request{Method: "PUT", Path: base + "/User/" + luna.User.ID + "/password", Credential: a.APIKey,
			Body: fmt.Sprintf(`{"newPassword":%q}`, next)}, http.StatusForbidden)
		a.Login(t, luna)
	})
}
