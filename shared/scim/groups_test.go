package scim_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"roster/shared/store/storetest"
	"roster/shared/user"
)

// seedUsers creates n users directly in the table and returns their ids.
func seedUsers(t *testing.T, env storetest.Env, prefix string, n int) []string {
	t.Helper()
	now := time.Now().UTC()
	var ids []string
	for i := range n {
		u := user.New(user.Fields{TenantID: "acme", Username: fmt.Sprintf("%s%04d", prefix, i), Active: true}, now, "seed")
		if err := env.Table.CreateUser(context.Background(), u); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
	}
	return ids
}

func memberList(ids []string) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = `{"value":"` + id + `"}`
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func memberIDs(t *testing.T, g map[string]any) []string {
	t.Helper()
	list, _ := g["members"].([]any)
	var ids []string
	for _, m := range list {
		ids = append(ids, m.(map[string]any)["value"].(string))
	}
	return ids
}

// The request shapes are those of Okta's and Microsoft Entra ID's
// provisioning documentation for groups.
func TestGroupsTakeOktasAndEntraIDsMembershipRequests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		l := newLive(t, env)
		ids := seedUsers(t, env, "m", 4)
		r := l.send(acmeToken, http.MethodPost, "/scim/v2/Groups",
			`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Engineering","members":`+memberList(ids[:1])+`}`)
		want(t, r, http.StatusCreated)
		gid := r.JSON(t)["id"].(string)
		one := "/scim/v2/Groups/" + gid
		patch := func(ops string) {
			t.Helper()
			r := l.send(acmeToken, http.MethodPatch, one, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":`+ops+`}`)
			if r.Code != http.StatusNoContent {
				t.Fatalf("PATCH %s: %d %s", ops, r.Code, r.Body)
			}
		}
		members := func() []string {
			t.Helper()
			r := l.send(acmeToken, http.MethodGet, one, "")
			want(t, r, http.StatusOK)
			return memberIDs(t, r.JSON(t))
		}
		// Okta: add members, remove one by a value filter, rename with its id sent back.
		patch(`[{"op":"add","path":"members","value":` + memberList(ids[1:3]) + `}]`)
		patch(`[{"op":"remove","path":"members[value eq \"` + ids[0] + `\"]"}]`)
		patch(`[{"op":"replace","value":{"id":"` + gid + `","displayName":"Eng"}}]`)
		if got := members(); len(got) != 2 {
			t.Errorf("after Okta's calls: %v", got)
		}
		// Entra ID: capitalised ops, removal by value, rename by path.
		patch(`[{"op":"Add","path":"members","value":[{"value":"` + ids[3] + `"}]},{"op":"Remove","path":"members","value":[{"value":"` + ids[1] + `"}]}]`)
		patch(`[{"op":"Replace","path":"displayName","value":"Engineering"}]`)
		got := members()
		if len(got) != 2 || !contains(got, ids[2]) || !contains(got, ids[3]) {
			t.Errorf("after Entra ID's calls: %v", got)
		}
		// The membership is the one every other API sees: on the user.
		u, err := l.p.Directory.Get(context.Background(), acmeAdmin, ids[3])
		if err != nil || !contains(u.Groups, gid) {
			t.Errorf("user %v groups %v", err, u.Groups)
		}
		// Found by name with one read, members excluded.
		r, usage := l.sendCounted(acmeToken, http.MethodGet, "/scim/v2/Groups?filter="+url.QueryEscape(`displayName eq "engineering"`)+"&excludedAttributes=members", "")
		if p := list(t, r); p.TotalResults != 1 || p.Resources[0]["members"] != nil || usage.Calls() != 2 {
			t.Errorf("by name: %+v, %v", p, usage.Counts())
		}
		// Replace all, then delete: every member leaves first.
		r = l.send(acmeToken, http.MethodPut, one, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Engineering","members":`+memberList(ids[:1])+`}`)
		want(t, r, http.StatusOK)
		if got := memberIDs(t, r.JSON(t)); len(got) != 1 || got[0] != ids[0] {
			t.Errorf("after PUT: %v", got)
		}
		if r := l.send(acmeToken, http.MethodDelete, one, ""); r.Code != http.StatusNoContent {
			t.Fatalf("delete: %d %s", r.Code, r.Body)
		}
		u, _ = l.p.Directory.Get(context.Background(), acmeAdmin, ids[0])
		if contains(u.Groups, gid) {
			t.Errorf("a deleted group is still the user's: %v", u.Groups)
		}
		// Another tenant's token sees no such group.
		wantError(t, l.send(globexToken, http.MethodGet, one, ""), http.StatusNotFound, "")
	})
}

func TestAMembershipPatchOfHundredsOfMembersIsOneRequest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		if env.Emulator != "dynamodb-local" {
			t.Skip("one emulator is enough for the load")
		}
		l := newLive(t, env)
		ids := seedUsers(t, env, "h", 250)
		r := l.send(acmeToken, http.MethodPost, "/scim/v2/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"All hands"}`)
		want(t, r, http.StatusCreated)
		one := "/scim/v2/Groups/" + r.JSON(t)["id"].(string)
		// An unknown member anywhere in the list changes nothing.
		before := env.Count(t)
		bad := append(append([]string{}, ids[:100]...), "nosuchuser")
		wantError(t, l.send(acmeToken, http.MethodPatch, one, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":`+memberList(bad)+`}]}`),
			http.StatusBadRequest, "invalidValue", "nosuchuser")
		if env.Count(t) != before {
			t.Error("a refused membership patch wrote")
		}
		start := time.Now()
		r, usage := l.sendCounted(acmeToken, http.MethodPatch, one, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":`+memberList(ids)+`}]}`)
		if r.Code != http.StatusNoContent {
			t.Fatalf("%d %s", r.Code, r.Body)
		}
		t.Logf("250 members added in %v: %v", time.Since(start), usage.Counts())
		if got := memberIDs(t, l.send(acmeToken, http.MethodGet, one, "").JSON(t)); len(got) != 250 {
			t.Errorf("%d members", len(got))
		}
		r = l.send(acmeToken, http.MethodPatch, one, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members","value":`+memberList(ids[:200])+`}]}`)
		if r.Code != http.StatusNoContent {
			t.Fatalf("%d %s", r.Code, r.Body)
		}
		if got := memberIDs(t, l.send(acmeToken, http.MethodGet, one, "").JSON(t)); len(got) != 50 {
			t.Errorf("%d members after removing 200", len(got))
		}
	})
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}
