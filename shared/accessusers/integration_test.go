package accessusers_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"roster/shared/auth"
	"roster/shared/store/storetest"
	"roster/shared/web/webtest"
)

// The test in this file drives the group end to end, as the composition
// root (package platform) builds it for the function: the real directory,
// search and login profiles over a table on each emulator.

// liveGroup returns a function that sends requests to the group built by
// the composition root over env's table, acting as each request's caller.
func liveGroup(t *testing.T, env storetest.Env) func(request) response {
	t.Helper()
	var (
		as   *auth.Principal
		logs bytes.Buffer
	)
	authn := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { webtest.As(as)(next).ServeHTTP(w, r) })
	}
	h := webtest.PlatformOn(t, env.Table, &logs).AccessUsers(authn)
	return func(rq request) response {
		t.Helper()
		as = rq.As
		return serve(t, h, rq, &logs)
	}
}

// page is a search reply as a client reads it.
type page struct {
	List []struct {
		ID                                           int64
		Username, FirstName, LastName, Email         string
		AuthID                                       int64
		LoginProfileName, AuthTypeStr, CreatedOwner  string
		Active                                       bool
		CreateDateTime, UpdateDateTime, UpdatedOwner string
	}
	StartIndex, ResultCount, TotalCount int
	TotalCountExact, Partial            bool
	NextCursor, SearchType              string
}

func (p page) names() string {
	var n []string
	for _, u := range p.List {
		n = append(n, u.Username)
	}
	return strings.Join(n, ",")
}

func TestTheGroupOverARealTableSeesEveryChangeInTheNextSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		t.Parallel()
		env.Tenant(t, "acme")
		env.Tenant(t, "globex")
		send := liveGroup(t, env)
		ok := func(rq request) {
			t.Helper()
			if res := send(rq); res.Code != http.StatusOK {
				t.Fatalf("%s %s: %d %s", rq.Method, rq.Target, res.Code, res.Body)
			}
		}
		find := func(query string, as *auth.Principal) page {
			t.Helper()
			res := send(search(query, as))
			if res.Code != http.StatusOK {
				t.Fatalf("search %s: %d %s", query, res.Code, res.Body)
			}
			var p page
			if err := json.Unmarshal(res.Body, &p); err != nil {
				t.Fatal(err)
			}
			return p
		}

		ok(post(addProfilePath, `{"name":"Corporate LDAP","authTypeId":2}`, &owner))
		ok(post(addPath, `{"username":"ada","firstName":"Ada","lastName":"Lovelace","email":"ada@example.com","active":true}`, &owner))
		ok(post(addPath, `{"username":"linus","firstName":"Linus","lastName":"Torvalds","email":"linus@example.com","authId":2,"active":true}`, &owner))
		ok(post(addPath, `{"username":"grace","firstName":"Grace","lastName":"Hopper","authId":1,"active":false}`, &manager))

		// Added a moment ago, found at once, with the profile's name.
		p := find("?searchWord=LI", &owner)
		if p.names() != "linus" || p.List[0].LoginProfileName != "Corporate LDAP" || p.List[0].AuthTypeStr != "LDAP" ||
			p.List[0].AuthID != 2 || p.List[0].CreatedOwner != "user:usr9" || !p.TotalCountExact || p.TotalCount != 1 || p.SearchType != "indexed" {
			t.Fatalf("search li: %+v", p)
		}
		if got := find("?sortField=username&sortOrder=dsc", &owner).names(); got != "linus,grace,ada" {
			t.Errorf("by username descending: %s", got)
		}
		if got := find("?authId=2", &owner).names(); got != "linus" {
			t.Errorf("profile 2: %s", got)
		}

		// Changed a moment ago, found by the new value at once.
		gid := find("?searchWord=grace", &owner).List[0].ID
		ok(post(updatePath, `{"id":`+strconv.FormatInt(gid, 10)+`,"lastName":"Murray","authId":1}`, &owner))
		if got := find("?searchWord=murr", &owner).names(); got != "grace" {
			t.Errorf("new last name: %s", got)
		}
		if got := find("?sortField=updateDateTime&sortOrder=dsc&pageSize=1", &owner).names(); got != "grace" {
			t.Errorf("last changed: %s", got)
		}

		// Pages by cursor end where the result does.
		var all []string
		q := "?sortField=lastName&pageSize=1"
		for i := 0; ; i++ {
			p := find(q, &owner)
			all = append(all, p.names())
			if p.NextCursor == "" {
				break
			}
			q = "?sortField=lastName&pageSize=1&cursor=" + url.QueryEscape(p.NextCursor)
		}
		if got := strings.Join(all, ","); got != "ada,grace,linus" {
			t.Errorf("by last name, a page at a time: %s", got)
		}

		// Passwords: an LDAP user's is kept elsewhere; a local one is set.
		res := send(post(passwordPath, `{"username":"linus","userPassword":"`+newPassword+`","confirmPassword":"`+newPassword+`"}`, &owner))
		assertStatusAndID(t, res, http.StatusConflict, 40905)
		ok(post(passwordPath, `{"username":"ada","userPassword":"`+newPassword+`","confirmPassword":"`+newPassword+`"}`, &owner))

		// Another tenant sees none of it.
		other := owner
		other.TenantID = "globex"
		if p := find("", &other); len(p.List) != 0 || p.TotalCount != 0 {
			t.Errorf("globex sees %s", p.names())
		}
		assertStatusAndID(t, send(del(deletePath, `{"id":`+strconv.FormatInt(gid, 10)+`}`, &other)), http.StatusNotFound, 40401)

		// Deletes: by username needs the user's profile.
		assertStatusAndID(t, send(del(deleteByPath, `{"username":"grace","loginProfileId":2}`, &owner)), http.StatusNotFound, 40401)
		ok(del(deleteByPath, `{"username":"grace","loginProfileId":1}`, &owner))
		ok(del(deletePath, `{"id":`+strconv.FormatInt(find("?searchWord=linus", &owner).List[0].ID, 10)+`}`, &owner))
		if got := find("", &owner).names(); got != "ada" {
			t.Errorf("after the deletes: %s", got)
		}
	})
}

func assertStatusAndID(t *testing.T, res response, status, messageID int) {
	t.Helper()
	var e webtest.Envelope
	if err := json.Unmarshal(res.Body, &e); err != nil || res.Code != status || e.Status != status || e.MessageID != messageID {
		t.Errorf("status %d, body %s; want %d with messageId %d", res.Code, res.Body, status, messageID)
	}
}
