package contract_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"roster/shared/auth"
	"roster/shared/emulator"
	"roster/shared/opaque"
	"roster/shared/role"
	"roster/shared/web"
)

// ownerKey creates an API key of acme with the owner role: the one
// credential that may demote, deactivate or delete any owner, the last
// one included, were it not for the count.
func (a *api) ownerKey(t testing.TB) string {
	t.Helper()
	k, err := opaque.APIKey.Generate()
	if err != nil {
		t.Fatal(err)
	}
	err = a.env.Table.PutAPIKey(context.Background(), &auth.APIKey{
		ID: k.ID, TenantID: a.Tenant, Name: "owner", Roles: []string{string(role.Owner)},
		Hash: opaque.Hash(a.keys.Pepper, k.Token), CreatedAt: time.Now(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return k.Token
}

func TestLastOwnerCannotBeDemotedThroughTheUsersAPI(t *testing.T) {
	a := newAPI(t)
	key := a.ownerKey(t)
	olivia := a.Person(t, "olivia", role.Owner)
	demote := func(p Person) Request {
		return Request{Method: "PUT", Path: "/users/" + p.User.ID + "/role", Credential: key, Body: `{"roleId":"admin"}`}
	}
	before := a.Count(t)
	var p web.Problem
	a.Do(t, demote(olivia), http.StatusConflict).JSON(t, &p)
	if len(p.Errors) != 1 || p.Errors[0].Field != "roleId" || !strings.Contains(p.Detail, "last active owner") {
		t.Errorf("problem = %+v, want the last owner named through roleId", p)
	}
	if a.Count(t) != before {
		t.Error("a refused demotion wrote to the table")
	}

	otto := a.Person(t, "otto", role.Owner)
	a.Do(t, demote(olivia), http.StatusOK)
	a.Do(t, demote(otto), http.StatusConflict)
}

func TestLastOwnerCannotBeDeactivatedThroughTheIdentityAPI(t *testing.T) {
	a := newAPI(t)
	key := a.ownerKey(t)
	olivia := a.Person(t, "olivia", role.Owner)
	rq := Request{Method: "PUT", Path: identityBase(a) + "/User/" + olivia.User.ID, Credential: key, Body: `{"isActive":false}`}
	before := a.Count(t)
	var p identityProblem
	a.Do(t, rq, http.StatusConflict).JSON(t, &p)
	if !strings.Contains(p.Detail, "last active owner") || !strings.Contains(p.Detail, "isActive") {
		t.Errorf("detail %q does not name the last owner and isActive", p.Detail)
	}
	if a.Count(t) != before {
		t.Error("a refused deactivation wrote to the table")
	}
	a.Person(t, "otto", role.Owner)
	a.Do(t, rq, http.StatusOK)
}

func TestLastOwnerCannotBeDeactivatedThroughTheAccessUserAPI(t *testing.T) {
	a := newAPI(t)
	key := a.ownerKey(t)
	olivia := a.Person(t, "olivia", role.Owner)
	rq := Request{Method: "POST", Path: "/api/v1/accessuser/update", Credential: key,
		Body: fmt.Sprintf(`{"id":%d,"active":false,"authId":1}`, olivia.User.Number)}
	before := a.Count(t)
	accessUsersFailed(t, a.Do(t, rq, http.StatusConflict), 40907, "last active owner")
	if a.Count(t) != before {
		t.Error("a refused deactivation wrote to the table")
	}
	a.Person(t, "otto", role.Owner)
	a.Do(t, rq, http.StatusOK)
}

// Two owner keys each demote one of the tenant's two owners at the same
// moment: one demotion is answered 200, the other 409, and one owner stays.
func TestLastOwnerSurvivesTwoConcurrentDemotions(t *testing.T) {
	a := newAPI(t)
	if emulator.DynamoDB(t)[0].Name == emulator.NameMoto {
		t.Skip("moto's TransactWriteItems is not isolated under concurrency")
	}
	pair := []Person{a.Person(t, "olivia", role.Owner), a.Person(t, "otto", role.Owner)}
	keys := []string{a.ownerKey(t), a.ownerKey(t)}
	statuses := make([]int, 2)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, p := range pair {
		rq := Request{Method: "PUT", Path: "/users/" + p.User.ID + "/role", Credential: keys[i], Body: `{"roleId":"member"}`}
		wg.Go(func() {
			<-start
			w := httptest.NewRecorder()
			a.h.ServeHTTP(w, rq.HTTP())
			statuses[i] = w.Code
		})
	}
	close(start)
	wg.Wait()
	if !(statuses[0] == http.StatusOK && statuses[1] == http.StatusConflict) &&
		!(statuses[0] == http.StatusConflict && statuses[1] == http.StatusOK) {
		t.Errorf("concurrent demotions answered %v, want one 200 and one 409", statuses)
	}
	owners := 0
	for _, p := range pair {
		var u usersUser
		a.Do(t, Request{Method: "GET", Path: "/users/" + p.User.ID, Credential: a.APIKey}, http.StatusOK).JSON(t, &u)
		if u.RoleID == string(role.Owner) {
			owners++
		}
	}
	if owners != 1 {
		t.Errorf("%d owners left, want 1", owners)
	}
}

func TestLastOwnerCannotBeDeletedThroughAnyAPI(t *testing.T) {
	a := newAPI(t)
	key := a.ownerKey(t)
	olivia := a.Person(t, "olivia", role.Owner)
	var id int64
	for _, u := range a.accessUsersSearch(t, "searchWord=olivia").List {
		if u.Username == "olivia" {
			id = u.ID
		}
	}
	if id == 0 {
		t.Fatal("search does not find olivia")
	}
	base := identityBase(a)
	for _, rq := range []Request{
		{Method: "DELETE", Path: "/users/" + olivia.User.ID},
		{Method: "DELETE", Path: base + "/User/" + olivia.User.ID},
		{Method: "DELETE", Path: base + "/User", Body: fmt.Sprintf(`{"userIds":[%q]}`, olivia.User.ID)},
		{Method: "DELETE", Path: "/api/v1/accessuser/delete", Body: fmt.Sprintf(`{"id":%d}`, id)},
		{Method: "DELETE", Path: "/api/v1/accessuser/deleteByUsername", Body: `{"username":"olivia","loginProfileId":1}`},
	} {
		t.Run(rq.Path, func(t *testing.T) {
			rq.Credential = key
			before := a.Count(t)
			res := a.Do(t, rq, http.StatusConflict)
			if !strings.Contains(string(res.Body), "last active owner") {
				t.Errorf("body %s does not say the user is the last active owner", res.Body)
			}
			if a.Count(t) != before {
				t.Error("a refused delete wrote to the table")
			}
		})
	}
}
