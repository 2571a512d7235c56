package contract_test

import (
	"net/http"
	"strings"
	"testing"

	"roster/shared/role"
)

// scimUser is a create body as Okta sends it.
const scimUser = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"barbara@acme.example",
"name":{"givenName":"Barbara","familyName":"Liskov"},"emails":[{"primary":true,"value":"barbara@acme.example","type":"work"}],
"externalId":"00u1barbara","active":true}`

// scimRoutes are the SCIM routes with a request each would accept ({id}
// replaced by a user's id).
var scimRoutes = []struct{ method, path, body string }{
	{"GET", "/scim/v2/Users", ``},
	{"POST", "/scim/v2/Users", scimUser},
	{"POST", "/scim/v2/Users/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}`},
	{"GET", "/scim/v2/Users/{id}", ``},
	{"PUT", "/scim/v2/Users/{id}", scimUser},
	{"PATCH", "/scim/v2/Users/{id}", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}`},
	{"DELETE", "/scim/v2/Users/{id}", ``},
	{"POST", "/scim/v2/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}`},
	{"GET", "/scim/v2/ServiceProviderConfig", ``},
	{"GET", "/scim/v2/Schemas", ``},
	{"GET", "/scim/v2/ResourceTypes", ``},
	{"GET", "/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User", ``},
	{"GET", "/scim/v2/ResourceTypes/User", ``},
	{"GET", "/scim/v2/Groups", ``},
	{"POST", "/scim/v2/Groups", scimGroup},
	{"POST", "/scim/v2/Groups/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}`},
	{"GET", "/scim/v2/Groups/{gid}", ``},
	{"PUT", "/scim/v2/Groups/{gid}", scimGroup},
	{"PATCH", "/scim/v2/Groups/{gid}", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"Ops"}]}`},
	{"DELETE", "/scim/v2/Groups/{gid}", ``},
	{"POST", "/scim/v2/Bulk", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"DELETE","path":"/Users/nobody"}]}`},
}

const scimGroup = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Engineering"}`

func scimRequest(token, method, path, body string, header ...string) Request {
	rq := Request{Method: method, Path: path, Credential: token, Body: body, Header: map[string]string{}}
	if body != "" {
		rq.Header["Content-Type"] = "application/scim+json"
	}
	for i := 0; i+1 < len(header); i += 2 {
		rq.Header[header[i]] = header[i+1]
	}
	return rq
}

func TestSCIMRoutesTakeOnlyASCIMTokenOfTheTenant(t *testing.T) {
	a := newAPI(t)
	token := a.accessUsersKey(t, a.Tenant, string(role.SCIM))
	_, owner := a.Owner(t)
	var created map[string]any
	a.Do(t, scimRequest(token, "POST", "/scim/v2/Users", scimUser), http.StatusCreated).JSON(t, &created)
	id := created["id"].(string)
	var group map[string]any
	a.Do(t, scimRequest(token, "POST", "/scim/v2/Groups", scimGroup), http.StatusCreated).JSON(t, &group)
	gid := group["id"].(string)
	for _, rt := range scimRoutes {
		path := strings.Replace(strings.Replace(rt.path, "{id}", id, 1), "{gid}", gid, 1)
		t.Run(rt.method+" "+rt.path, func(t *testing.T) {
			a.Unauthenticated(t, scimRequest("", rt.method, path, rt.body))
			before := a.Count(t)
			for _, cred := range []string{a.APIKey, owner.AccessToken} {
				a.Do(t, scimRequest(cred, rt.method, path, rt.body), http.StatusForbidden)
			}
			if a.Count(t) != before {
				t.Error("a refused call wrote to the table")
			}
		})
	}
	// And a SCIM token opens nothing else.
	a.Do(t, Request{Method: "GET", Path: "/users", Credential: token}, http.StatusForbidden)
}

func TestSCIMAnswersEveryRouteAsDocumented(t *testing.T) {
	a := newAPI(t)
	token := a.accessUsersKey(t, a.Tenant, string(role.SCIM))
	do := func(method, path, body string, want int, header ...string) Response {
		t.Helper()
		rq := scimRequest(token, method, path, body, header...)
		if want < 300 && body != "" {
			a.Valid(t, rq)
		}
		return a.Do(t, rq, want)
	}
	var u map[string]any
	do("POST", "/scim/v2/Users", scimUser, http.StatusCreated).JSON(t, &u)
	id := u["id"].(string)
	one := "/scim/v2/Users/" + id

	do("GET", "/scim/v2/Users?filter=userName%20eq%20%22barbara@acme.example%22", "", http.StatusOK)
	do("GET", "/scim/v2/Users?sortBy=userName&count=10", "", http.StatusOK)
	do("GET", one+"?attributes=userName", "", http.StatusOK)
	do("POST", "/scim/v2/Users/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"externalId eq \"00u1barbara\""}`, http.StatusOK)
	do("POST", "/scim/v2/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"name.familyName co \"isk\""}`, http.StatusOK)
	do("GET", "/scim/v2/ServiceProviderConfig", "", http.StatusOK)
	do("GET", "/scim/v2/Schemas", "", http.StatusOK)
	do("GET", "/scim/v2/ResourceTypes", "", http.StatusOK)
	do("GET", "/scim/v2/Schemas/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "", http.StatusOK)
	do("GET", "/scim/v2/ResourceTypes/User", "", http.StatusOK)
	do("GET", "/scim/v2/Schemas/urn:nope", "", http.StatusNotFound)
	do("GET", "/scim/v2/ResourceTypes/Role", "", http.StatusNotFound)
	do("GET", "/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User?x=1", "", http.StatusBadRequest)
	do("GET", "/scim/v2/ResourceTypes/User?x=1", "", http.StatusBadRequest)

	before := a.Count(t)
	// 400 on every route, writing nothing.
	do("GET", "/scim/v2/Users?filter=userName%20zz%20%22x%22", "", http.StatusBadRequest)
	do("POST", "/scim/v2/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"x","nickname":5}`, http.StatusBadRequest)
	do("POST", "/scim/v2/Users/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"("}`, http.StatusBadRequest)
	do("GET", one+"?bogus=1", "", http.StatusBadRequest)
	do("PUT", one, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}`, http.StatusBadRequest)
	do("PATCH", one, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"id","value":"x"}]}`, http.StatusBadRequest)
	do("DELETE", one, "", http.StatusBadRequest, "If-Match", "3")
	do("POST", "/scim/v2/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"count":"x"}`, http.StatusBadRequest)
	do("GET", "/scim/v2/ServiceProviderConfig?x=1", "", http.StatusBadRequest)
	do("GET", "/scim/v2/Schemas?x=1", "", http.StatusBadRequest)
	do("GET", "/scim/v2/ResourceTypes?x=1", "", http.StatusBadRequest)
	// 404, 412, 413, 415.
	missing := "/scim/v2/Users/nosuchuser"
	do("GET", missing, "", http.StatusNotFound)
	do("PUT", missing, scimUser, http.StatusNotFound)
	do("PATCH", missing, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}`, http.StatusNotFound)
	do("DELETE", missing, "", http.StatusNotFound)
	do("PUT", one, scimUser, http.StatusPreconditionFailed, "If-Match", `"9"`)
	do("PATCH", one, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}`, http.StatusPreconditionFailed, "If-Match", `"9"`)
	do("DELETE", one, "", http.StatusPreconditionFailed, "If-Match", `"9"`)
	huge := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"` + strings.Repeat("x", 300<<10) + `"}`
	do("POST", "/scim/v2/Users", huge, http.StatusRequestEntityTooLarge)
	for _, rt := range scimRoutes {
		if rt.body == "" {
			continue
		}
		do(rt.method, strings.Replace(rt.path, "{id}", id, 1), rt.body, http.StatusUnsupportedMediaType, "Content-Type", "text/plain")
	}
	if a.Count(t) != before {
		t.Errorf("refused calls wrote to the table: %d items, then %d", before, a.Count(t))
	}

	// 409 uniqueness on create, replace and patch.
	var other map[string]any
	do("POST", "/scim/v2/Users", strings.NewReplacer("barbara@", "ada@", "00u1barbara", "00u2ada").Replace(scimUser), http.StatusCreated).JSON(t, &other)
	do("POST", "/scim/v2/Users", scimUser, http.StatusConflict)
	do("PUT", "/scim/v2/Users/"+other["id"].(string), scimUser, http.StatusConflict)
	do("PATCH", "/scim/v2/Users/"+other["id"].(string), `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"externalId","value":"00u1barbara"}]}`, http.StatusConflict)

	// Groups.
	var g map[string]any
	do("POST", "/scim/v2/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Engineering","members":[{"value":"`+id+`"}]}`, http.StatusCreated).JSON(t, &g)
	gone := "/scim/v2/Groups/" + g["id"].(string)
	do("GET", "/scim/v2/Groups?filter=displayName%20eq%20%22engineering%22", "", http.StatusOK)
	do("POST", "/scim/v2/Groups/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"excludedAttributes":["members"]}`, http.StatusOK)
	do("GET", gone, "", http.StatusOK)
	do("PUT", gone, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Platform","members":[]}`, http.StatusOK)
	do("PATCH", gone, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"`+id+`"}]}]}`, http.StatusNoContent)
	before = a.Count(t)
	do("GET", "/scim/v2/Groups?filter=members%20zz%201", "", http.StatusBadRequest)
	do("POST", "/scim/v2/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"]}`, http.StatusBadRequest)
	do("POST", "/scim/v2/Groups/.search", `{"filter":"x"}`, http.StatusBadRequest)
	do("GET", gone+"?x=1", "", http.StatusBadRequest)
	do("PUT", gone, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"P","members":[{"value":"nosuchuser"}]}`, http.StatusBadRequest)
	do("PATCH", gone, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"nosuchuser"}]}]}`, http.StatusBadRequest)
	do("DELETE", gone+"?x=1", "", http.StatusBadRequest)
	do("POST", "/scim/v2/Groups", scimGroup, http.StatusUnsupportedMediaType, "Content-Type", "text/plain")
	for _, m := range []string{"GET", "PUT", "PATCH", "DELETE"} {
		body := ""
		switch m {
		case "PUT":
			body = scimGroup
		case "PATCH":
			body = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"X"}]}`
		}
		do(m, "/scim/v2/Groups/nosuchgroup", body, http.StatusNotFound)
	}
	if a.Count(t) != before {
		t.Errorf("refused group calls wrote: %d items, then %d", before, a.Count(t))
	}
	var g2 map[string]any
	do("POST", "/scim/v2/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Design"}`, http.StatusCreated).JSON(t, &g2)
	do("POST", "/scim/v2/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"design"}`, http.StatusConflict)
	do("PUT", "/scim/v2/Groups/"+g2["id"].(string), `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"platform"}`, http.StatusConflict)
	do("DELETE", gone, "", http.StatusNoContent)

	// Bulk.
	do("POST", "/scim/v2/Bulk", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"POST","path":"/Users","bulkId":"k","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"kay"}}]}`, http.StatusOK)
	do("POST", "/scim/v2/Bulk", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[]}`, http.StatusBadRequest)
	do("POST", "/scim/v2/Bulk", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"DELETE","path":"/Users/`+strings.Repeat("x", 1100<<10)+`"}]}`, http.StatusRequestEntityTooLarge)
	do("POST", "/scim/v2/Bulk", `{}`, http.StatusUnsupportedMediaType, "Content-Type", "text/plain")

	do("PUT", one, scimUser, http.StatusOK, "If-Match", do("GET", one, "", http.StatusOK).Header.Get("ETag"))
	do("PATCH", one, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`, http.StatusOK)
	do("DELETE", one, "", http.StatusNoContent)
}

func TestATenantAdministratorIssuesASCIMTokenShownOnce(t *testing.T) {
	a := newAPI(t)
	rq := Request{Method: "POST", Path: "/tenants/" + a.Tenant + "/apikeys", Credential: a.APIKey, Body: `{"name":"okta","roles":["scim"]}`}
	a.Valid(t, rq)
	var issued struct {
		KeyID  string `json:"keyId"`
		APIKey string `json:"apiKey"`
	}
	a.Do(t, rq, http.StatusCreated).JSON(t, &issued)
	a.Do(t, scimRequest(issued.APIKey, "GET", "/scim/v2/ServiceProviderConfig", ""), http.StatusOK)
	a.Do(t, Request{Method: "POST", Path: "/tenants/" + a.Tenant + "/apikeys", Credential: a.APIKey,
		Body: `{"name":"okta","roles":["scim","member"]}`}, http.StatusBadRequest)
	// Revoked, it stops at once.
	a.Do(t, Request{Method: "DELETE", Path: "/tenants/" + a.Tenant + "/apikeys/" + issued.KeyID, Credential: a.APIKey}, http.StatusNoContent)
	a.Unauthenticated(t, scimRequest(issued.APIKey, "GET", "/scim/v2/ServiceProviderConfig", ""))
	a.NoSecretsLogged(t, issued.APIKey)
}

func TestASCIMTokenOpensNoOtherRoute(t *testing.T) {
	a := newAPI(t)
	token := a.accessUsersKey(t, a.Tenant, string(role.SCIM))
	var u map[string]any
	a.Do(t, scimRequest(token, "POST", "/scim/v2/Users", scimUser), http.StatusCreated).JSON(t, &u)
	id := u["id"].(string)
	base := "/" + a.Organization + "/" + a.TenantName + "/identity_/api"
	before := a.Count(t)
	for _, rq := range []Request{
		{Method: "GET", Path: "/users"},
		{Method: "POST", Path: "/users", Body: `{"email":"x@acme.example","firstName":"X","lastName":"Y"}`},
		{Method: "PUT", Path: base + "/User/" + id + "/password", Body: `{"newPassword":"a much longer passphrase now"}`},
		{Method: "PUT", Path: base + "/User/" + id, Body: `{"name":"Hermione"}`},
		{Method: "GET", Path: "/api/v1/accessuser/search"},
		{Method: "GET", Path: "/UserInfo/UserId?userEmail=barbara@acme.example"},
		{Method: "POST", Path: "/tenants/" + a.Tenant + "/apikeys", Body: `{"name":"more","roles":["scim"]}`},
		{Method: "POST", Path: "/tenants/" + a.Tenant + "/invitations", Body: `{"email":"x@acme.example"}`},
	} {
		rq.Credential = token
		res := a.Do(t, rq, http.StatusForbidden)
		_ = res
	}
	if a.Count(t) != before {
		t.Error("a SCIM token wrote through another API")
	}
}
