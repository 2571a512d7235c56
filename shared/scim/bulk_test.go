package scim_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"roster/shared/store/storetest"
)

type bulkAnswer struct {
	Schemas    []string
	Operations []struct {
		Method, BulkID, Version, Location, Status string
		Response                                  map[string]any
	}
}

func TestBulkRunsOperationsInOrderWithBulkIDReferences(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		l := newLive(t, env)
		r := l.send(acmeToken, http.MethodPost, "/scim/v2/Bulk", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"failOnErrors":1,"Operations":[
			{"method":"POST","path":"/Users","bulkId":"ada","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada","externalId":"e-ada"}},
			{"method":"POST","path":"/Users","bulkId":"bob","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bob",
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"bulkId:ada"}}}},
			{"method":"POST","path":"/Groups","bulkId":"eng","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Eng",
				"members":[{"value":"bulkId:ada"},{"value":"bulkId:bob"}]}},
			{"method":"PATCH","path":"/Users/bulkId:bob","data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"Engineer"}]}}
		]}`)
		want(t, r, http.StatusOK)
		var a bulkAnswer
		if err := json.Unmarshal(r.Body, &a); err != nil {
			t.Fatal(err)
		}
		if len(a.Operations) != 4 {
			t.Fatalf("%d results: %s", len(a.Operations), r.Body)
		}
		for i, want := range []string{"201", "201", "201", "200"} {
			if a.Operations[i].Status != want || a.Operations[i].Location == "" {
				t.Errorf("operation %d: %+v", i, a.Operations[i])
			}
		}
		bob := l.send(acmeToken, http.MethodGet, "/scim/v2/Users?filter=userName%20eq%20%22bob%22", "")
		p := list(t, bob)
		if p.TotalResults != 1 || p.Resources[0]["title"] != "Engineer" || path(p.Resources[0], "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "manager", "value") == "bulkId:ada" {
			t.Errorf("bob: %+v", p.Resources)
		}
		if g := list(t, l.send(acmeToken, http.MethodGet, "/scim/v2/Groups?filter=displayName%20eq%20%22Eng%22", "")); len(memberIDs(t, g.Resources[0])) != 2 {
			t.Errorf("group: %+v", g.Resources)
		}

		// failOnErrors stops after that many failures; an unknown
		// reference is one.
		r = l.send(acmeToken, http.MethodPost, "/scim/v2/Bulk", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"failOnErrors":1,"Operations":[
			{"method":"POST","path":"/Users","bulkId":"dup","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada"}},
			{"method":"POST","path":"/Users","bulkId":"cy","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"cy"}}
		]}`)
		want(t, r, http.StatusOK)
		a = bulkAnswer{}
		_ = json.Unmarshal(r.Body, &a)
		if len(a.Operations) != 1 || a.Operations[0].Status != "409" || a.Operations[0].Response["scimType"] != "uniqueness" {
			t.Errorf("failOnErrors: %s", r.Body)
		}
		r = l.send(acmeToken, http.MethodPost, "/scim/v2/Bulk", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[
			{"method":"DELETE","path":"/Users/bulkId:nobody"},
			{"method":"GET","path":"/Users"}
		]}`)
		wantError(t, r, http.StatusBadRequest, "invalidSyntax", "method")
		r = l.send(acmeToken, http.MethodPost, "/scim/v2/Bulk", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[
			{"method":"DELETE","path":"/Users/bulkId:nobody"},
			{"method":"DELETE","path":"/Schemas/x"}
		]}`)
		want(t, r, http.StatusOK)
		a = bulkAnswer{}
		_ = json.Unmarshal(r.Body, &a)
		if len(a.Operations) != 2 || a.Operations[0].Status != "409" || a.Operations[1].Status != "400" || a.Operations[1].Response["scimType"] != "invalidPath" {
			t.Errorf("refused operations: %s", r.Body)
		}
		for _, bad := range []string{
			`{"Operations":[]}`,
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"POST","path":"/Users","data":{}}]}`,
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"PUT","path":"/Users/x"}]}`,
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"failOnErrors":-1,"Operations":[{"method":"DELETE","path":"/Users/x"}]}`,
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"DELETE","path":"/Users/x","extra":1}]}`,
		} {
			before := env.Count(t)
			if r := l.send(acmeToken, http.MethodPost, "/scim/v2/Bulk", bad); r.Code != http.StatusBadRequest {
				t.Errorf("%s: %d %s", bad, r.Code, r.Body)
			}
			if env.Count(t) != before {
				t.Errorf("%s wrote", bad)
			}
		}
	})
}
