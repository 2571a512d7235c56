package scim_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"roster/shared/provision"
	"roster/shared/store/storetest"
	"roster/shared/user"
)

// createN creates n users through SCIM, named u000.., each with an
// external id and a title that says whether its number is even.
func createN(t *testing.T, l *live, n int) {
	t.Helper()
	for i := range n {
		title := "odd"
		if i%2 == 0 {
			title = "even"
		}
		body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u%03d","externalId":"ext-%03d",
			"emails":[{"value":"u%03d@acme.example","primary":true}],"title":%q,"name":{"givenName":"G%03d","familyName":"F%03d"}}`, i, i, i, title, n-i, i)
		want(t, l.send(acmeToken, http.MethodPost, "/scim/v2/Users", body), http.StatusCreated)
	}
}

type listPage struct {
	TotalResults, StartIndex, ItemsPerPage int
	Resources                              []map[string]any
}

func list(t *testing.T, r res) listPage {
	t.Helper()
	want(t, r, http.StatusOK)
	var p listPage
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func names(p listPage) string {
	var n []string
	for _, r := range p.Resources {
		s, _ := r["userName"].(string)
		n = append(n, s)
	}
	return strings.Join(n, ",")
}

func TestTheClientsCommonFiltersCostOneIndexReadAndTheUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		l := newLive(t, env)
		createN(t, l, 5)
		for _, f := range []string{`userName eq "U003"`, `externalId eq "ext-003"`, `emails.value eq "U003@acme.example"`,
			`emails[value eq "u003@acme.example"]`, `userName eq "u003" and active eq true`} {
			r, usage := l.sendCounted(acmeToken, http.MethodGet, "/scim/v2/Users?filter="+url.QueryEscape(f), "")
			p := list(t, r)
			if p.TotalResults != 1 || names(p) != "u003" {
				t.Errorf("%s: %d results %s", f, p.TotalResults, names(p))
			}
			if got := usage.Calls(); got != 2 || usage.Calls("GetItem") != 2 {
				t.Errorf("%s: %v calls, want two GetItems (the index, then the user)", f, usage.Counts())
			}
		}
		// No match is an empty list, not a 404; another tenant's user is no match.
		for _, f := range []string{`userName eq "nobody"`, `externalId eq "nope"`, `userName eq "u003" and active eq false`} {
			if p := list(t, l.send(acmeToken, http.MethodGet, "/scim/v2/Users?filter="+url.QueryEscape(f), "")); p.TotalResults != 0 || len(p.Resources) != 0 {
				t.Errorf("%s: %+v", f, p)
			}
		}
		if p := list(t, l.send(globexToken, http.MethodGet, "/scim/v2/Users?filter="+url.QueryEscape(`userName eq "u003"`), "")); p.TotalResults != 0 {
			t.Errorf("globex sees acme's user: %+v", p)
		}
	})
}

func TestListsPageSortAndFilterWithinTheirBounds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		l := newLive(t, env)
		createN(t, l, 7)
		get := func(q string) listPage {
			t.Helper()
			return list(t, l.send(acmeToken, http.MethodGet, "/scim/v2/Users?"+q, ""))
		}
		if p := get("startIndex=3&count=2"); names(p) != "u002,u003" || p.StartIndex != 3 || p.ItemsPerPage != 2 || p.TotalResults != 5 {
			t.Errorf("page 2: %s %+v", names(p), p)
		}
		if p := get("startIndex=7&count=2"); names(p) != "u006" || p.TotalResults != 7 {
			t.Errorf("last page: %s, total %d", names(p), p.TotalResults)
		}
		if p := get("sortBy=name.givenName&count=3"); names(p) != "u006,u005,u004" {
			t.Errorf("by given name: %s", names(p))
		}
		if p := get("sortBy=userName&sortOrder=descending&count=2"); names(p) != "u006,u005" {
			t.Errorf("by userName descending: %s", names(p))
		}
		if p := get("filter=" + url.QueryEscape(`title eq "EVEN"`) + "&sortBy=title&count=2&startIndex=2"); names(p) != "u002,u004" || p.TotalResults != 4 {
			t.Errorf("filtered, paged: %s total %d", names(p), p.TotalResults)
		}
		if p := get("filter=" + url.QueryEscape(`not (title eq "even") or userName sw "U00"`) + "&count=0"); p.TotalResults != 7 || len(p.Resources) != 0 {
			t.Errorf("count=0: %+v", p)
		}
		if p := get("filter=" + url.QueryEscape(`userName eq "u001"`) + "&attributes=userName"); len(p.Resources) != 1 || len(p.Resources[0]) != 3 {
			t.Errorf("attributes: %+v", p.Resources)
		}
		r := l.send(acmeToken, http.MethodPost, "/scim/v2/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
			"filter":"externalId sw \"ext-00\" and title eq \"odd\"","sortBy":"userName","sortOrder":"descending"}`)
		if p := list(t, r); names(p) != "u005,u003,u001" {
			t.Errorf("search: %s", names(p))
		}
	})
}

func TestAFilterNoIndexServesIsRefusedOnALargeTenantNotScanned(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds over a thousand users")
	}
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		if env.Emulator != "dynamodb-local" {
			t.Skip("one emulator is enough to show the bound")
		}
		l := newLive(t, env)
		ctx := context.Background()
		now := time.Now().UTC()
		for i := range 1001 {
			u := user.New(user.Fields{TenantID: "acme", Username: fmt.Sprintf("bulk%04d", i), Active: true}, now, "seed")
			if err := env.Table.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
		r, usage := l.sendCounted(acmeToken, http.MethodGet, "/scim/v2/Users?filter="+url.QueryEscape(`title eq "x"`), "")
		wantError(t, r, http.StatusBadRequest, "tooMany", "1000")
		if q := usage.Calls("Query"); q > 10 {
			t.Errorf("%d Queries for a refused filter; the bound is 10 pages", q)
		}
		// The indexed filters and an unfiltered page still answer.
		if p := list(t, l.send(acmeToken, http.MethodGet, "/scim/v2/Users?filter="+url.QueryEscape(`userName eq "bulk0999"`), "")); p.TotalResults != 1 {
			t.Errorf("indexed: %+v", p)
		}
		r, usage = l.sendCounted(acmeToken, http.MethodGet, "/scim/v2/Users?startIndex=501&count=100", "")
		if p := list(t, r); p.ItemsPerPage != 100 || p.TotalResults != 601 {
			t.Errorf("deep page: %d items, total %d", p.ItemsPerPage, p.TotalResults)
		}
		t.Logf("an unfiltered page at startIndex 501: %v", usage.Counts())
	})
}

func TestExternalIDIsSharedWithEventProvisioning(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		l := newLive(t, env)
		proc, err := l.p.Provisioning(provision.NotifierFunc(func(context.Context, provision.Notification) error { return nil }))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		upsert := func(id, ext, email string, at time.Time) {
			t.Helper()
			e, err := provision.Decode([]byte(fmt.Sprintf(`{"type":"user.upsert","version":1,"id":%q,"tenant":"acme","externalId":%q,"occurredAt":%q,
				"user":{"username":%q,"email":%q,"firstName":"Fed","lastName":"Byfeed","active":true}}`, id, ext, at.UTC().Format(time.RFC3339Nano), email, email)))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := proc.Apply(ctx, e); err != nil {
				t.Fatalf("upsert %s: %v", id, err)
			}
		}
		// A user the queue made is the one a SCIM filter on externalId finds.
		upsert("ev-1", "hr-7", "fed@acme.example", time.Now())
		p := list(t, l.send(acmeToken, http.MethodGet, "/scim/v2/Users?filter="+url.QueryEscape(`externalId eq "hr-7"`), ""))
		if p.TotalResults != 1 || p.Resources[0]["externalId"] != "hr-7" {
			t.Fatalf("SCIM finds %+v", p)
		}
		// SCIM cannot make a second user with it.
		wantError(t, l.send(acmeToken, http.MethodPost, "/scim/v2/Users", strings.Replace(barbara, "00u1barbara", "hr-7", 1)),
			http.StatusConflict, "uniqueness", "externalId")

		// A user SCIM made is the one a later event updates: no duplicate.
		r := l.send(acmeToken, http.MethodPost, "/scim/v2/Users", barbara)
		want(t, r, http.StatusCreated)
		id := r.JSON(t)["id"].(string)
		upsert("ev-2", "00u1barbara", "barbara@acme.example", time.Now().Add(time.Second))
		got := l.send(acmeToken, http.MethodGet, "/scim/v2/Users/"+id, "").JSON(t)
		if path(got, "name", "givenName") != "Fed" || got["externalId"] != "00u1barbara" {
			t.Errorf("after the event: %v", got)
		}
		if p := list(t, l.send(acmeToken, http.MethodGet, "/scim/v2/Users?filter="+url.QueryEscape(`userName eq "barbara@acme.example"`), "")); p.TotalResults != 1 {
			t.Errorf("%d users named barbara", p.TotalResults)
		}
		// Deleted through SCIM, the id is free for the queue again.
		if r := l.send(acmeToken, http.MethodDelete, "/scim/v2/Users/"+id, ""); r.Code != http.StatusNoContent {
			t.Fatalf("delete: %d %s", r.Code, r.Body)
		}
		upsert("ev-3", "00u1barbara", "barbara@acme.example", time.Now().Add(2*time.Second))
		p = list(t, l.send(acmeToken, http.MethodGet, "/scim/v2/Users?filter="+url.QueryEscape(`externalId eq "00u1barbara"`), ""))
		if p.TotalResults != 1 || p.Resources[0]["id"] == id {
			t.Errorf("after delete and a new event: %+v", p)
		}
	})
}
