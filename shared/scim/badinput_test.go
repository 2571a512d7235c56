package scim_test

import (
	"net/http"
	"strings"
	"testing"

	"roster/shared/store/storetest"
)

const (
	userURN  = `"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]`
	patchURN = `"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]`
	findURN  = `"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]`
)

// TestBadInputOnEveryRouteIsA4xxThatWritesNothing sends each route what
// it must refuse: the answer is the documented status and scimType, the
// detail names the attribute, and the table is as it was. None is a 500
// (send fails the test on one).
func TestBadInputOnEveryRouteIsA4xxThatWritesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		l := newLive(t, env)
		r := l.send(acmeToken, http.MethodPost, "/scim/v2/Users", barbara)
		want(t, r, http.StatusCreated)
		one := "/scim/v2/Users/" + r.JSON(t)["id"].(string)
		r = l.send(acmeToken, http.MethodPost, "/scim/v2/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Eng"}`)
		want(t, r, http.StatusCreated)
		group := "/scim/v2/Groups/" + r.JSON(t)["id"].(string)
		cases := []struct {
			name, method, target, body string
			status                     int
			scimType, says             string
		}{
			{"filter syntax", "GET", "/scim/v2/Users?filter=userName+zz+%22x%22", "", 400, "invalidFilter", "filter"},
			{"filter attribute", "GET", "/scim/v2/Users?filter=shoeSize+eq+%2242%22", "", 400, "invalidFilter", "shoeSize"},
			{"filter type", "GET", "/scim/v2/Users?filter=active+gt+true", "", 400, "invalidFilter", "active"},
			{"filter too long", "GET", "/scim/v2/Users?filter=" + strings.Repeat("x", 5000), "", 400, "invalidFilter", "4096"},
			{"unknown parameter", "GET", "/scim/v2/Users?limit=3", "", 400, "invalidValue", "limit"},
			{"repeated parameter", "GET", "/scim/v2/Users?count=1&count=2", "", 400, "invalidValue", "count"},
			{"count not a number", "GET", "/scim/v2/Users?count=ten", "", 400, "invalidValue", "count"},
			{"sortBy unknown", "GET", "/scim/v2/Users?sortBy=shoeSize", "", 400, "invalidValue", "sortBy"},
			{"sortOrder", "GET", "/scim/v2/Users?sortOrder=up", "", 400, "invalidValue", "sortOrder"},
			{"attributes unknown", "GET", "/scim/v2/Users?attributes=shoeSize", "", 400, "invalidValue", "attributes"},
			{"too deep without a filter", "GET", "/scim/v2/Users?startIndex=20000", "", 400, "invalidValue", "startIndex"},
			{"not JSON", "POST", "/scim/v2/Users", `{"userName":`, 400, "invalidSyntax", "body"},
			{"no schemas", "POST", "/scim/v2/Users", `{"userName":"x"}`, 400, "invalidSyntax", "schemas"},
			{"wrong schema", "POST", "/scim/v2/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"userName":"x"}`, 400, "invalidSyntax", "schemas"},
			{"unknown attribute", "POST", "/scim/v2/Users", `{` + userURN + `,"userName":"x","shoeSize":"42"}`, 400, "invalidSyntax", "shoeSize"},
			{"unknown sub-attribute", "POST", "/scim/v2/Users", `{` + userURN + `,"userName":"x","name":{"nick":"y"}}`, 400, "invalidSyntax", "name.nick"},
			{"wrong type", "POST", "/scim/v2/Users", `{` + userURN + `,"userName":"x","active":"yes"}`, 400, "invalidValue", "active"},
			{"not a list", "POST", "/scim/v2/Users", `{` + userURN + `,"userName":"x","emails":{"value":"a@b.example"}}`, 400, "invalidValue", "emails"},
			{"no userName", "POST", "/scim/v2/Users", `{` + userURN + `,"displayName":"x"}`, 400, "invalidValue", "userName"},
			{"bad email", "POST", "/scim/v2/Users", `{` + userURN + `,"userName":"x","emails":[{"value":"not-an-email"}]}`, 400, "invalidValue", "emails"},
			{"two primaries", "POST", "/scim/v2/Users", `{` + userURN + `,"userName":"x","emails":[{"value":"a@b.example","primary":true},{"value":"c@b.example","primary":true}]}`, 400, "invalidValue", "primary"},
			{"weak password", "POST", "/scim/v2/Users", `{` + userURN + `,"userName":"x","password":"password"}`, 400, "invalidValue", "password"},
			{"control character", "POST", "/scim/v2/Users", `{` + userURN + `,"userName":"x","title":"a\u0007b"}`, 400, "invalidValue", "title"},
			{"unknown extension attribute", "POST", "/scim/v2/Users", `{` + userURN + `,"userName":"x","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"shoeSize":"1"}}`, 400, "invalidSyntax", "shoeSize"},
			{"wrong media type", "POST", "/scim/v2/Users", `x`, 415, "", "Content-Type"},
			{"PUT without userName", "PUT", one, `{` + userURN + `}`, 400, "invalidValue", "userName"},
			{"PUT bad If-Match", "PUT", one + "#if-match", `{` + userURN + `,"userName":"x"}`, 400, "invalidValue", "If-Match"},
			{"PATCH no operations", "PATCH", one, `{` + patchURN + `}`, 400, "invalidSyntax", "Operations"},
			{"PATCH bad op", "PATCH", one, `{` + patchURN + `,"Operations":[{"op":"merge","path":"title","value":"x"}]}`, 400, "invalidSyntax", "op"},
			{"PATCH no target", "PATCH", one, `{` + patchURN + `,"Operations":[{"op":"remove"}]}`, 400, "noTarget", "path"},
			{"PATCH filter matches nothing", "PATCH", one, `{` + patchURN + `,"Operations":[{"op":"replace","path":"emails[value sw \"zz\"].type","value":"home"}]}`, 400, "noTarget", "emails"},
			{"PATCH bad path", "PATCH", one, `{` + patchURN + `,"Operations":[{"op":"replace","path":"shoeSize","value":"x"}]}`, 400, "invalidPath", "shoeSize"},
			{"PATCH read-only", "PATCH", one, `{` + patchURN + `,"Operations":[{"op":"replace","path":"meta.created","value":"x"}]}`, 400, "mutability", "meta.created"},
			{"PATCH groups", "PATCH", one, `{` + patchURN + `,"Operations":[{"op":"add","path":"groups","value":[{"value":"g1"}]}]}`, 400, "mutability", "groups"},
			{"PATCH bad value", "PATCH", one, `{` + patchURN + `,"Operations":[{"op":"replace","path":"active","value":"maybe"}]}`, 400, "invalidValue", "active"},
			{"PATCH remove userName", "PATCH", one, `{` + patchURN + `,"Operations":[{"op":"remove","path":"userName"}]}`, 400, "invalidValue", "userName"},
			{"PATCH bad email", "PATCH", one, `{` + patchURN + `,"Operations":[{"op":"replace","path":"emails[type eq \"work\"].value","value":"nope"}]}`, 400, "invalidValue", "emails"},
			{"DELETE with a body", "DELETE", one, `{"x":1}`, 400, "invalidValue", "x"},
			{"search without schemas", "POST", "/scim/v2/Users/.search", `{"filter":"userName eq \"x\""}`, 400, "invalidSyntax", "schemas"},
			{"search unknown member", "POST", "/scim/v2/.search", `{` + findURN + `,"limit":3}`, 400, "invalidSyntax", "limit"},
			{"search bad filter", "POST", "/scim/v2/.search", `{` + findURN + `,"filter":"("}`, 400, "invalidFilter", "filter"},
			{"search count", "POST", "/scim/v2/Users/.search", `{` + findURN + `,"count":1.5}`, 400, "invalidValue", "count"},
			{"discovery query", "GET", "/scim/v2/ServiceProviderConfig?x=1", "", 400, "invalidValue", "x"},
			{"group without a name", "POST", "/scim/v2/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":" "}`, 400, "invalidValue", "displayName"},
			{"group unknown attribute", "POST", "/scim/v2/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"x","owner":"me"}`, 400, "invalidSyntax", "owner"},
			{"group members not a list", "POST", "/scim/v2/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"x","members":"u1"}`, 400, "invalidValue", "members"},
			{"group member without value", "PUT", group, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"x","members":[{"display":"u1"}]}`, 400, "invalidValue", "members[0].value"},
			{"group unknown member", "PATCH", group, `{` + patchURN + `,"Operations":[{"op":"add","path":"members","value":[{"value":"nosuchuser"}]}]}`, 400, "invalidValue", "nosuchuser"},
			{"group PATCH id", "PATCH", group, `{` + patchURN + `,"Operations":[{"op":"replace","path":"id","value":"x"}]}`, 400, "mutability", "id"},
			{"group PATCH bad path", "PATCH", group, `{` + patchURN + `,"Operations":[{"op":"replace","path":"owner","value":"x"}]}`, 400, "invalidPath", "owner"},
			{"group PATCH remove name", "PATCH", group, `{` + patchURN + `,"Operations":[{"op":"remove","path":"displayName"}]}`, 400, "invalidValue", "displayName"},
			{"group PATCH name not a string", "PATCH", group, `{` + patchURN + `,"Operations":[{"op":"replace","path":"displayName","value":5}]}`, 400, "invalidValue", "displayName"},
			{"group filter", "GET", "/scim/v2/Groups?filter=owner+eq+%22x%22", "", 400, "invalidFilter", "owner"},
			{"group DELETE query", "DELETE", group + "?x=1", "", 400, "invalidValue", "x"},
			{"bulk without schemas", "POST", "/scim/v2/Bulk", `{"Operations":[{"method":"DELETE","path":"/Users/x"}]}`, 400, "invalidSyntax", "schemas"},
			{"bulk GET", "POST", "/scim/v2/Bulk", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"GET","path":"/Users"}]}`, 400, "invalidSyntax", "method"},
			{"bulk POST without bulkId", "POST", "/scim/v2/Bulk", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"POST","path":"/Users","data":{}}]}`, 400, "invalidValue", "bulkId"},
		}
		before := env.Count(t)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				target, header := c.target, []string(nil)
				if strings.HasSuffix(target, "#if-match") {
					target, header = strings.TrimSuffix(target, "#if-match"), []string{"If-Match", "7"}
				}
				if c.status == 415 {
					header = append(header, "Content-Type", "text/plain")
				}
				r := l.send(acmeToken, c.method, target, c.body, header...)
				wantError(t, r, c.status, c.scimType, c.says)
			})
		}
		if after := env.Count(t); after != before {
			t.Errorf("refused requests wrote: %d items, then %d", before, after)
		}
	})
}
