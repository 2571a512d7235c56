package scim_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"roster/shared/auth"
	"roster/shared/store/storetest"
)

func TestAUserCreatedThroughSCIMIsReadReplacedPatchedAndDeleted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		l := newLive(t, env)
		r := l.send(acmeToken, http.MethodPost, "/scim/v2/Users", barbara)
		want(t, r, http.StatusCreated)
		u := r.JSON(t)
		id, _ := u["id"].(string)
		if id == "" || r.Header.Get("Location") != "http://example.com/scim/v2/Users/"+id && !strings.HasSuffix(r.Header.Get("Location"), "/scim/v2/Users/"+id) {
			t.Fatalf("id %q, Location %q", id, r.Header.Get("Location"))
		}
		if r.Header.Get("ETag") != `"1"` || path(u, "meta", "version") != `"1"` {
			t.Errorf("ETag %q, meta.version %v, want \"1\"", r.Header.Get("ETag"), path(u, "meta", "version"))
		}
		if path(u, "name", "givenName") != "Barbara" || u["externalId"] != "00u1barbara" || u["active"] != true {
			t.Errorf("created %s", r.Body)
		}

		// The same user through the directory, as every other API sees it.
		du, err := l.p.Directory.Get(context.Background(), acmeAdmin, id)
		if err != nil || du.Username != "barbara@acme.example" || du.Email != "barbara@acme.example" || du.FirstName != "Barbara" || du.Profile.Locale != "en-US" {
			t.Fatalf("directory reads %+v, %v", du, err)
		}

		r = l.send(acmeToken, http.MethodGet, "/scim/v2/Users/"+id, "")
		want(t, r, http.StatusOK)

		// Okta's deactivation.
		r = l.send(acmeToken, http.MethodPatch, "/scim/v2/Users/"+id,
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}`)
		want(t, r, http.StatusOK)
		if r.JSON(t)["active"] != false || r.Header.Get("ETag") != `"2"` {
			t.Errorf("after deactivation %s (ETag %s)", r.Body, r.Header.Get("ETag"))
		}

		// A stale If-Match is 412 and writes nothing.
		r = l.send(acmeToken, http.MethodPut, "/scim/v2/Users/"+id, barbara, "If-Match", `"1"`)
		wantError(t, r, http.StatusPreconditionFailed, "")
		r = l.send(acmeToken, http.MethodPut, "/scim/v2/Users/"+id, strings.Replace(barbara, `"Barbara","familyName"`, `"Babs","familyName"`, 1), "If-Match", `"2"`)
		want(t, r, http.StatusOK)
		if path(r.JSON(t), "name", "givenName") != "Babs" || r.JSON(t)["active"] != true {
			t.Errorf("after PUT %s", r.Body)
		}

		r = l.send(acmeToken, http.MethodDelete, "/scim/v2/Users/"+id, "")
		if r.Code != http.StatusNoContent {
			t.Fatalf("delete: %d %s", r.Code, r.Body)
		}
		wantError(t, l.send(acmeToken, http.MethodGet, "/scim/v2/Users/"+id, ""), http.StatusNotFound, "")

		// The external id is free again.
		want(t, l.send(acmeToken, http.MethodPost, "/scim/v2/Users", barbara), http.StatusCreated)
	})
}

func TestADuplicateUserNameOrExternalIDIs409UniquenessAndWritesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		l := newLive(t, env)
		want(t, l.send(acmeToken, http.MethodPost, "/scim/v2/Users", barbara), http.StatusCreated)
		before := env.Count(t)
		sameName := strings.Replace(strings.Replace(barbara, "00u1barbara", "00u2", 1), `"value":"barbara@acme.example"`, `"value":"b3@acme.example"`, 1)
		wantError(t, l.send(acmeToken, http.MethodPost, "/scim/v2/Users", sameName), http.StatusConflict, "uniqueness", "userName")
		wantError(t, l.send(acmeToken, http.MethodPost, "/scim/v2/Users", strings.Replace(strings.Replace(barbara, "00u1barbara", "00u5", 1), `"userName":"barbara@acme.example"`, `"userName":"b4"`, 1)),
			http.StatusConflict, "uniqueness", "emails")
		wantError(t, l.send(acmeToken, http.MethodPost, "/scim/v2/Users",
			strings.ReplaceAll(barbara, "barbara@acme.example", "b2@acme.example")),
			http.StatusConflict, "uniqueness", "externalId")
		if after := env.Count(t); after != before {
			t.Errorf("items %d -> %d", before, after)
		}
		// Another tenant has its own names and external ids.
		want(t, l.send(globexToken, http.MethodPost, "/scim/v2/Users", barbara), http.StatusCreated)
	})
}

func TestOnlyAnSCIMTokenUsesSCIM(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		l := newLive(t, env)
		owner := auth.Principal{TenantID: "acme", UserID: "usr9", Roles: []string{"owner"}, Method: auth.ViaAccessToken}
		for _, p := range []auth.Principal{acmeAdmin, owner} {
			r := l.send(p, http.MethodGet, "/scim/v2/Users", "")
			if r.Code != http.StatusForbidden && r.Code != http.StatusUnauthorized {
				t.Errorf("%s %v: %d %s", p.Method, p.Roles, r.Code, r.Body)
			}
		}
	})
}
