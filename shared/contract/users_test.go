package contract_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"roster/shared/role"
	"roster/shared/user"
)

// usersUser is the user every route of the Users group answers with.
type usersUser struct {
	PublicID                    string   `json:"publicId"`
	AssignedWorkingEnvironments []string `json:"assignedWorkingEnvironments"`
	FirstName                   string   `json:"firstName"`
	LastName                    string   `json:"lastName"`
	Email                       string   `json:"email"`
	RoleID                      string   `json:"roleId"`
	TenantID                    string   `json:"tenantId"`
	AzureCredentials            *struct {
		SubscriptionID string `json:"subscriptionId"`
		ApplicationKey string `json:"applicationKey"`
	} `json:"azureCredentials"`
	IsLDAP             bool     `json:"isLdap"`
	LDAPUserName       string   `json:"ldapUserName"`
	NotificationsOptIn bool     `json:"notificationsOptIn"`
	Permissions        []string `json:"permissions"`
}

// usersProblem is an RFC 9457 problem as the group answers it.
type usersProblem struct {
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

// usersFields lists the fields a problem names.
func usersFields(t testing.TB, r Response) []string {
	t.Helper()
	var p usersProblem
	r.JSON(t, &p)
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field)
	}
	return out
}

// usersAzureBody is a valid body of PUT /users/{userId}/azure-credentials.
func usersAzureBody(key string) string {
	return `{"subscriptionId":"8f2e4c1a-0b6d-4e7f-9a3c-5d1e2f3a4b5c","tenantId":"1b2c3d4e-5f60-4718-9a0b-c1d2e3f4a5b6",` +
		`"applicationId":"0a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9","applicationKey":"` + key + `"}`
}

// usersRoute is a route of the group with a valid request for user id.
type usersRoute struct {
	method, path, body string
	userID             bool // the path names a user
}

func usersRoutes(id string) []usersRoute {
	return []usersRoute{
		{"POST", "/users", `{"email":"new.person@example.com","firstName":"New","lastName":"Person"}`, false},
		{"GET", "/users", "", false},
		{"GET", "/users/" + id, "", true},
		{"PUT", "/users/" + id, `{"firstName":"Changed"}`, true},
		{"DELETE", "/users/" + id, "", true},
		{"PUT", "/users/" + id + "/role", `{"roleId":"member"}`, true},
		{"PUT", "/users/" + id + "/working-environments", `{"publicIds":["we-1"]}`, true},
		{"PUT", "/users/" + id + "/azure-credentials", usersAzureBody("local-demo-azure-key-never-valid"), true},
	}
}

// usersCreate makes a user through the API and returns it with its ETag.
func usersCreate(t testing.TB, a *api, body string) (usersUser, string) {
	t.Helper()
	rq := Request{Method: "POST", Path: "/users", Credential: a.APIKey, Body: body}
	a.Valid(t, rq)
	res := a.Do(t, rq, http.StatusCreated)
	var u usersUser
	res.JSON(t, &u)
	return u, res.Header.Get("ETag")
}

// usersGet reads a user and its ETag.
func usersGet(t testing.TB, a *api, id string) (usersUser, string) {
	t.Helper()
	res := a.Do(t, Request{Method: "GET", Path: "/users/" + id, Credential: a.APIKey}, http.StatusOK)
	var u usersUser
	res.JSON(t, &u)
	return u, res.Header.Get("ETag")
}

func TestUsersCreateReadUpdateAndDeleteAUser(t *testing.T) {
	a := newAPI(t)
	u, etag := usersCreate(t, a, `{"email":"grace@example.com","firstName":"Grace","lastName":"Hopper","roleId":"member","notificationsOptIn":true}`)
	if u.PublicID == "" || u.Email != "grace@example.com" || u.RoleID != "member" || !u.NotificationsOptIn || u.TenantID != a.Tenant {
		t.Fatalf("created %+v", u)
	}
	if etag != `"1"` {
		t.Errorf("ETag of a new user = %s, want \"1\"", etag)
	}
	if got, etag := usersGet(t, a, u.PublicID); got.FirstName != "Grace" || etag != `"1"` {
		t.Errorf("read %+v with ETag %s", got, etag)
	}

	rq := Request{Method: "PUT", Path: "/users/" + u.PublicID, Credential: a.APIKey, Header: map[string]string{"If-Match": `"1"`},
		Body: `{"firstName":"Grace","lastName":"Hopper","email":"grace.hopper@example.com","ldapUserName":"CORP\\ghopper","notificationsOptIn":false}`}
	a.Valid(t, rq)
	res := a.Do(t, rq, http.StatusOK)
	var changed usersUser
	res.JSON(t, &changed)
	if changed.Email != "grace.hopper@example.com" || !changed.IsLDAP || changed.LDAPUserName != `CORP\ghopper` || changed.NotificationsOptIn {
		t.Errorf("changed %+v", changed)
	}
	if got := res.Header.Get("ETag"); got != `"2"` {
		t.Errorf("ETag after a change = %s, want \"2\"", got)
	}

	del := Request{Method: "DELETE", Path: "/users/" + u.PublicID, Credential: a.APIKey, Header: map[string]string{"If-Match": `"2"`}}
	a.Valid(t, del)
	a.Do(t, del, http.StatusNoContent)
	a.Do(t, Request{Method: "GET", Path: "/users/" + u.PublicID, Credential: a.APIKey}, http.StatusNotFound)
}

func TestUsersDeleteAcceptsAnEmptyObjectForABody(t *testing.T) {
	a := newAPI(t)
	u, _ := usersCreate(t, a, `{"email":"ada@example.com","firstName":"Ada","lastName":"Lovelace"}`)
	rq := Request{Method: "DELETE", Path: "/users/" + u.PublicID, Credential: a.APIKey, Body: `{}`}
	a.Valid(t, rq)
	a.Do(t, rq, http.StatusNoContent)
}

func TestUsersListPagesThroughEveryUserOldestFirst(t *testing.T) {
	a := newAPI(t)
	var want []string
	for _, name := range []string{"ada", "grace", "edsger"} {
		u, _ := usersCreate(t, a, fmt.Sprintf(`{"email":"%s@example.com","firstName":"%s","lastName":"Tester"}`, name, name))
		want = append(want, u.PublicID)
		time.Sleep(2 * time.Millisecond) // ids order by creation time
	}
	var got []string
	cursor := ""
	for page := 0; ; page++ {
		path := "/users?limit=2"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		rq := Request{Method: "GET", Path: path, Credential: a.APIKey}
		a.Valid(t, rq)
		var p struct {
			Users      []usersUser `json:"users"`
			NextCursor *string     `json:"nextCursor"`
		}
		a.Do(t, rq, http.StatusOK).JSON(t, &p)
		for _, u := range p.Users {
			got = append(got, u.PublicID)
		}
		if p.NextCursor == nil {
			break
		}
		if page > 3 {
			t.Fatalf("more pages than users: %v", got)
		}
		cursor = *p.NextCursor
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("listed %v, want %v oldest first", got, want)
	}
}

func TestUsersRefuseBadInputNamingTheFieldWithoutWriting(t *testing.T) {
	a := newAPI(t)
	u, _ := usersCreate(t, a, `{"email":"grace@example.com","firstName":"Grace","lastName":"Hopper"}`)
	id := u.PublicID
	long := strings.Repeat("a", 120) + "@example.com"
	cases := []struct {
		name, method, path, body string
		header                   map[string]string
		field                    string
	}{
		{"create without email", "POST", "/users", `{"firstName":"A","lastName":"B"}`, nil, "email"},
		{"create with an unknown member", "POST", "/users", `{"email":"a@example.com","firstName":"A","lastName":"B","surname":"C"}`, nil, "surname"},
		{"create with a member in another case", "POST", "/users", `{"Email":"a@example.com","firstName":"A","lastName":"B"}`, nil, "Email"},
		{"create with a wrong type", "POST", "/users", `{"email":"a@example.com","firstName":"A","lastName":"B","notificationsOptIn":"yes"}`, nil, "notificationsOptIn"},
		{"create with an unknown role", "POST", "/users", `{"email":"a@example.com","firstName":"A","lastName":"B","roleId":"boss"}`, nil, "roleId"},
		{"create with a blank first name", "POST", "/users", `{"email":"a@example.com","firstName":"  ","lastName":"B"}`, nil, "firstName"},
		{"create with an email too long to be the user name", "POST", "/users", `{"email":"` + long + `","firstName":"A","lastName":"B"}`, nil, "email"},
		{"create with a user name holding a space", "POST", "/users", `{"email":"a@example.com","userName":"a b","firstName":"A","lastName":"B"}`, nil, "userName"},
		{"create with a body that is not JSON", "POST", "/users", `{"email":`, nil, "body"},
		{"create with email twice", "POST", "/users", `{"email":"a@example.com","firstName":"A","lastName":"B","email":"b@example.com"}`, nil, "email"},
		{"create with a first name not UTF-8", "POST", "/users", "{\"email\":\"a@example.com\",\"firstName\":\"\xff\xfe\",\"lastName\":\"B\"}", nil, "firstName"},
		{"list with a limit of 0", "GET", "/users?limit=0", "", nil, "limit"},
		{"list with limit twice", "GET", "/users?limit=1&limit=2", "", nil, "limit"},
		{"list with an unknown parameter", "GET", "/users?page=2", "", nil, "page"},
		{"list with a cursor it did not issue", "GET", "/users?cursor=not*a*cursor", "", nil, "cursor"},
		{"read with a userId against its pattern", "GET", "/users/" + strings.Repeat("x", 65), "", nil, "userId"},
		{"update setting nothing", "PUT", "/users/" + id, `{}`, nil, "body"},
		{"update setting the role", "PUT", "/users/" + id, `{"roleId":"admin"}`, nil, "roleId"},
		{"update with a bad email", "PUT", "/users/" + id, `{"email":"not-an-address"}`, nil, "email"},
		{"update with a malformed If-Match", "PUT", "/users/" + id, `{"firstName":"X"}`, map[string]string{"If-Match": "1"}, "If-Match"},
		{"update with a userId against its pattern", "PUT", "/users/bad.id", `{"firstName":"X"}`, nil, "userId"},
		{"delete with a body", "DELETE", "/users/" + id, `{"force":true}`, nil, "force"},
		{"delete with two If-Match tags", "DELETE", "/users/" + id, "", map[string]string{"If-Match": `"1", "2"`}, "If-Match"},
		{"role missing", "PUT", "/users/" + id + "/role", `{}`, nil, "roleId"},
		{"role unknown", "PUT", "/users/" + id + "/role", `{"roleId":"root"}`, nil, "roleId"},
		{"working environments missing", "PUT", "/users/" + id + "/working-environments", `{}`, nil, "publicIds"},
		{"working environment listed twice", "PUT", "/users/" + id + "/working-environments", `{"publicIds":["we-1","we-1"]}`, nil, "publicIds[1]"},
		{"working environment against its pattern", "PUT", "/users/" + id + "/working-environments", `{"publicIds":["we 1"]}`, nil, "publicIds[0]"},
		{"azure key missing", "PUT", "/users/" + id + "/azure-credentials", `{"subscriptionId":"s","tenantId":"t","applicationId":"a"}`, nil, "applicationKey"},
		{"azure id against its pattern", "PUT", "/users/" + id + "/azure-credentials", strings.Replace(usersAzureBody("k"), "8f2e4c1a", "8f2e 4c1a", 1), nil, "subscriptionId"},
	}
	before := a.Count(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := a.Do(t, Request{Method: c.method, Path: c.path, Credential: a.APIKey, Header: c.header, Body: c.body}, http.StatusBadRequest)
			if fields := usersFields(t, res); len(fields) != 1 || fields[0] != c.field {
				t.Errorf("fields %v, want [%s]", fields, c.field)
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

func TestUsersRefuseOversizedAndNonJSONBodies(t *testing.T) {
	a := newAPI(t)
	u, _ := usersCreate(t, a, `{"email":"grace@example.com","firstName":"Grace","lastName":"Hopper"}`)
	before := a.Count(t)
	for _, r := range usersRoutes(u.PublicID) {
		if r.method == "GET" {
			continue
		}
		limit := 16 << 10
		if r.method == "DELETE" {
			limit = 64
		}
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			big := `{"firstName":"` + strings.Repeat("x", limit) + `"}`
			res := a.Do(t, Request{Method: r.method, Path: r.path, Credential: a.APIKey, Body: big}, http.StatusRequestEntityTooLarge)
			if f := usersFields(t, res); len(f) != 1 || f[0] != "body" {
				t.Errorf("413 names %v, want [body]", f)
			}
			body := r.body
			if body == "" {
				body = "{}"
			}
			res = a.Do(t, Request{Method: r.method, Path: r.path, Credential: a.APIKey, Body: body,
				Header: map[string]string{"Content-Type": "text/plain"}}, http.StatusUnsupportedMediaType)
			if f := usersFields(t, res); len(f) != 1 || f[0] != "Content-Type" {
				t.Errorf("415 names %v, want [Content-Type]", f)
			}
			a.Do(t, Request{Method: r.method, Path: r.path, Credential: a.APIKey, Body: body,
				Header: map[string]string{"Content-Encoding": "gzip"}}, http.StatusUnsupportedMediaType)
		})
	}
	if after := a.Count(t); after != before {
		t.Errorf("refused bodies changed the table: %d items, then %d", before, after)
	}
}

func TestUsersRequireAValidCredential(t *testing.T) {
	a := newAPI(t)
	u, _ := usersCreate(t, a, `{"email":"grace@example.com","firstName":"Grace","lastName":"Hopper"}`)
	p := a.Person(t, "dora", role.Admin)
	before := a.Count(t)
	for _, r := range usersRoutes(u.PublicID) {
		for name, cred := range map[string]string{
			"none":         "",
			"unknown key":  "rst_AAAAAAAAAAAAAAAAAAAAAA_" + strings.Repeat("x", 43),
			"device token": p.DeviceToken, // a credential, but not one these routes take
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

func TestUsersMembersMayDoNothingHere(t *testing.T) {
	a := newAPI(t)
	u, _ := usersCreate(t, a, `{"email":"grace@example.com","firstName":"Grace","lastName":"Hopper"}`)
	s := a.Login(t, a.Person(t, "mike", role.Member))
	before := a.Count(t)
	for _, r := range usersRoutes(u.PublicID) {
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			a.Do(t, Request{Method: r.method, Path: r.path, Credential: s.AccessToken, Body: r.body}, http.StatusForbidden)
		})
	}
	if after := a.Count(t); after != before {
		t.Errorf("forbidden requests changed the table: %d items, then %d", before, after)
	}
}

func TestUsersUserManagersMakeNoPrivilegedChanges(t *testing.T) {
	a := newAPI(t)
	member, _ := usersCreate(t, a, `{"email":"grace@example.com","firstName":"Grace","lastName":"Hopper"}`)
	admin := a.Person(t, "dora", role.Admin).User.ID
	s := a.Login(t, a.Person(t, "uma", role.UserManager))
	cases := []struct{ name, method, path, body string }{
		{"create an admin", "POST", "/users", `{"email":"a@example.com","firstName":"A","lastName":"B","roleId":"admin"}`},
		{"create with an LDAP name", "POST", "/users", `{"email":"a@example.com","firstName":"A","lastName":"B","ldapUserName":"CORP\\a"}`},
		{"link an LDAP name", "PUT", "/users/" + member.PublicID, `{"ldapUserName":"CORP\\grace"}`},
		{"set a role", "PUT", "/users/" + member.PublicID + "/role", `{"roleId":"user_manager"}`},
		{"change an admin", "PUT", "/users/" + admin, `{"firstName":"Dee"}`},
		{"assign an admin's working environments", "PUT", "/users/" + admin + "/working-environments", `{"publicIds":[]}`},
		{"set an admin's Azure credentials", "PUT", "/users/" + admin + "/azure-credentials", usersAzureBody("k")},
		{"delete an admin", "DELETE", "/users/" + admin, ""},
	}
	before := a.Count(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a.Do(t, Request{Method: c.method, Path: c.path, Credential: s.AccessToken, Body: c.body}, http.StatusForbidden)
		})
	}
	if after := a.Count(t); after != before {
		t.Errorf("forbidden requests changed the table: %d items, then %d", before, after)
	}
	// What a user manager may do: a member's profile, working environments.
	a.Do(t, Request{Method: "PUT", Path: "/users/" + member.PublicID + "/working-environments", Credential: s.AccessToken,
		Body: `{"publicIds":["we-1"]}`}, http.StatusOK)
}

func TestUsersOnlyAnOwnerHandsOutAdmin(t *testing.T) {
	a := newAPI(t)
	u, _ := usersCreate(t, a, `{"email":"grace@example.com","firstName":"Grace","lastName":"Hopper"}`)
	rq := Request{Method: "PUT", Path: "/users/" + u.PublicID + "/role", Credential: a.APIKey, Body: `{"roleId":"admin"}`}
	a.Valid(t, rq)
	a.Do(t, rq, http.StatusForbidden) // the API key acts as an admin

	_, owner := a.Owner(t)
	rq.Credential = owner.AccessToken
	res := a.Do(t, rq, http.StatusOK)
	var got usersUser
	res.JSON(t, &got)
	if got.RoleID != "admin" || !strings.Contains(strings.Join(got.Permissions, ","), "users:privileged") {
		t.Errorf("after the owner made Grace an admin: %+v", got)
	}
}

func TestUsersTakenEmailOrUserNameIsAConflict(t *testing.T) {
	a := newAPI(t)
	usersCreate(t, a, `{"email":"grace@example.com","userName":"grace","firstName":"Grace","lastName":"Hopper"}`)
	ada, _ := usersCreate(t, a, `{"email":"ada@example.com","firstName":"Ada","lastName":"Lovelace"}`)
	before := a.Count(t)
	cases := []struct{ name, method, path, body, field string }{
		{"an email in another case", "POST", "/users", `{"email":"GRACE@example.com","userName":"g2","firstName":"G","lastName":"H"}`, "email"},
		{"a user name in another case", "POST", "/users", `{"email":"g2@example.com","userName":"Grace","firstName":"G","lastName":"H"}`, "userName"},
		{"an email that is a user name too", "POST", "/users", `{"email":"ada@example.com","firstName":"A","lastName":"L"}`, "email"},
		{"a change to a taken email", "PUT", "/users/" + ada.PublicID, `{"email":"grace@example.com"}`, "email"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rq := Request{Method: c.method, Path: c.path, Credential: a.APIKey, Body: c.body}
			a.Valid(t, rq)
			res := a.Do(t, rq, http.StatusConflict)
			if f := usersFields(t, res); len(f) == 0 || f[0] != c.field {
				t.Errorf("409 names %v, want %s", f, c.field)
			}
		})
	}
	if after := a.Count(t); after != before {
		t.Errorf("conflicting requests changed the table: %d items, then %d", before, after)
	}
}

func TestUsersStaleIfMatchChangesNothing(t *testing.T) {
	a := newAPI(t)
	u, _ := usersCreate(t, a, `{"email":"grace@example.com","firstName":"Grace","lastName":"Hopper"}`)
	a.Do(t, Request{Method: "PUT", Path: "/users/" + u.PublicID, Credential: a.APIKey, Body: `{"lastName":"Murray Hopper"}`}, http.StatusOK)
	for _, r := range usersRoutes(u.PublicID) {
		if !r.userID || r.method == "GET" {
			continue
		}
		for _, tag := range []string{`"1"`, `W/"2"`} {
			t.Run(r.method+" "+r.path+" If-Match "+tag, func(t *testing.T) {
				rq := Request{Method: r.method, Path: r.path, Credential: a.APIKey, Body: r.body, Header: map[string]string{"If-Match": tag}}
				a.Valid(t, rq)
				a.Do(t, rq, http.StatusPreconditionFailed)
			})
		}
	}
	if got, etag := usersGet(t, a, u.PublicID); etag != `"2"` || got.FirstName != "Grace" {
		t.Errorf("after stale requests: %+v with ETag %s", got, etag)
	}
}

// usersAnyStatus lets a test take whatever status a request gets (the
// answer is still held to the description) and judge it itself: a race
// decides who wins.
type usersAnyStatus struct{ testing.TB }

func (usersAnyStatus) Fatalf(string, ...any) {}

func TestUsersConcurrentChangesNeverOverwriteSilently(t *testing.T) {
	a := newAPI(t)
	u, _ := usersCreate(t, a, `{"email":"grace@example.com","firstName":"Grace","lastName":"Hopper"}`)
	id := u.PublicID
	routes := []struct {
		path string
		body func(round, i int) string
	}{
		{"/users/" + id, func(round, i int) string { return fmt.Sprintf(`{"firstName":"Grace-%d-%d"}`, round, i) }},
		{"/users/" + id + "/working-environments", func(round, i int) string { return fmt.Sprintf(`{"publicIds":["we-%d-%d"]}`, round, i) }},
		{"/users/" + id + "/azure-credentials", func(round, i int) string { return usersAzureBody(fmt.Sprintf("key-%d-%d", round, i)) }},
		{"/users/" + id + "/role", func(round, _ int) string { return `{"roleId":"` + []string{"user_manager", "member"}[round%2] + `"}` }},
	}
	const writers, rounds = 6, 25
	for _, r := range routes {
		t.Run(r.path, func(t *testing.T) {
			// Two answers with one ETag must show one user: a second writer
			// that read the same version never lands on top of the first.
			seen := map[string]string{}
			lost := false
			for round := 0; round < rounds && !lost; round++ {
				res := make([]Response, writers)
				var wg sync.WaitGroup
				for i := range writers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						res[i] = a.Do(usersAnyStatus{t}, Request{Method: "PUT", Path: r.path, Credential: a.APIKey, Body: r.body(round, i)}, http.StatusOK)
					}()
				}
				wg.Wait()
				for _, rs := range res {
					switch rs.Status {
					case http.StatusOK:
						etag := rs.Header.Get("ETag")
						if prev, ok := seen[etag]; ok && prev != string(rs.Body) {
							t.Fatalf("two writers both got ETag %s:\n%s\n%s", etag, prev, rs.Body)
						}
						seen[etag] = string(rs.Body)
					case http.StatusConflict:
						lost = true
						if f := usersFields(t, rs); len(f) != 0 {
							t.Errorf("a lost race names fields %v", f)
						}
					default:
						t.Fatalf("a concurrent change got %d: %s", rs.Status, rs.Body)
					}
				}
			}
			if !lost {
				t.Fatalf("%d rounds of %d concurrent changes without a 409", rounds, writers)
			}
		})
	}
}

func TestUsersAnotherTenantsUserReadsLikeAMissingOne(t *testing.T) {
	a := newAPI(t)
	other := a.env.Tenant(t, "globex")
	now := time.Now().UTC()
	foreign := &user.User{TenantID: other.ID, ID: user.NewID(), Username: "hank", Email: "hank@globex.example",
		FirstName: "Hank", LastName: "Scorpio", Active: true, Role: string(role.Member), CreatedAt: now, UpdatedAt: now}
	if err := a.env.Table.CreateUser(context.Background(), foreign); err != nil {
		t.Fatal(err)
	}
	missing := user.NewID()
	before := a.Count(t)
	for i, r := range usersRoutes(foreign.ID) {
		if !r.userID {
			continue
		}
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			got := a.Do(t, Request{Method: r.method, Path: r.path, Credential: a.APIKey, Body: r.body}, http.StatusNotFound)
			want := a.Do(t, Request{Method: r.method, Path: usersRoutes(missing)[i].path, Credential: a.APIKey, Body: r.body}, http.StatusNotFound)
			var g, w usersProblem
			got.JSON(t, &g)
			want.JSON(t, &w)
			if g.Detail != w.Detail || len(g.Errors) != len(w.Errors) {
				t.Errorf("another tenant's user: %s; a missing one: %s", got.Body, want.Body)
			}
		})
	}
	if after := a.Count(t); after != before {
		t.Errorf("requests for another tenant's user changed the table: %d items, then %d", before, after)
	}
}

func TestUsersAzureKeyIsNeverShownOrLogged(t *testing.T) {
	a := newAPI(t)
	u, _ := usersCreate(t, a, `{"email":"grace@example.com","firstName":"Grace","lastName":"Hopper"}`)
	const key = "local-demo-azure-key-never-valid-9f8e7d"
	rq := Request{Method: "PUT", Path: "/users/" + u.PublicID + "/azure-credentials", Credential: a.APIKey, Body: usersAzureBody(key)}
	a.Valid(t, rq)
	put := a.Do(t, rq, http.StatusOK)
	get := a.Do(t, Request{Method: "GET", Path: "/users/" + u.PublicID, Credential: a.APIKey}, http.StatusOK)
	for _, res := range []Response{put, get} {
		if strings.Contains(string(res.Body), key) {
			t.Errorf("a response shows the key: %s", res.Body)
		}
		var got usersUser
		res.JSON(t, &got)
		if got.AzureCredentials == nil || got.AzureCredentials.ApplicationKey != "********" {
			t.Errorf("azureCredentials = %+v, want the key masked", got.AzureCredentials)
		}
	}
	bad := a.Do(t, Request{Method: "PUT", Path: rq.Path, Credential: a.APIKey,
		Body: strings.Replace(usersAzureBody(key+`\u0001`), "8f2e4c1a", "8f2e 4c1a", 1)}, http.StatusBadRequest)
	if f := usersFields(t, bad); strings.Join(f, ",") != "subscriptionId,applicationKey" {
		t.Errorf("fields %v, want subscriptionId and applicationKey", f)
	}
	if strings.Contains(string(bad.Body), key) {
		t.Errorf("a refusal repeats the key: %s", bad.Body)
	}
	a.NoSecretsLogged(t, key)
}

// TestUsersLookAlikesOfATakenNameOrEmailConflict: a full-width copy of a
// user name, an email in full-width letters or with a combining accent,
// and a domain in its other IDNA spelling are the same person's, so each
// is a 409, in any dialect (the uniqueness keys are one normalisation).
func TestUsersLookAlikesOfATakenNameOrEmailConflict(t *testing.T) {
	a := newAPI(t)
	usersCreate(t, a, `{"email":"josé@bücher.example","userName":"ada","firstName":"Ada","lastName":"Lovelace"}`)
	before := a.Count(t)
	for name, body := range map[string]string{
		"full-width user name":         `{"email":"other@example.com","userName":"ＡＤＡ","firstName":"A","lastName":"B"}`,
		"full-width email":             `{"email":"ＪＯＳÉ@bücher.example","userName":"other","firstName":"A","lastName":"B"}`,
		"combining accent in email":    "{\"email\":\"jose\u0301@bücher.example\",\"userName\":\"other\",\"firstName\":\"A\",\"lastName\":\"B\"}",
		"domain in its ASCII spelling": `{"email":"josé@xn--bcher-kva.example","userName":"other","firstName":"A","lastName":"B"}`,
	} {
		t.Run(name, func(t *testing.T) {
			a.Do(t, Request{Method: "POST", Path: "/users", Credential: a.APIKey, Body: body}, http.StatusConflict)
		})
	}
	if after := a.Count(t); after != before {
		t.Errorf("look-alikes changed the table: %d items, then %d", before, after)
	}
	// Invisible characters are refused outright.
	res := a.Do(t, Request{Method: "POST", Path: "/users", Credential: a.APIKey,
		Body: "{\"email\":\"jos\u200bé@bücher.example\",\"firstName\":\"A\",\"lastName\":\"B\"}"}, http.StatusBadRequest)
	if fields := usersFields(t, res); len(fields) != 1 || fields[0] != "email" {
		t.Errorf("fields %v, want [email]", fields)
	}
}
