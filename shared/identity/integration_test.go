package identity_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/platform"
	"roster/shared/secrets"
	"roster/shared/store/storetest"
	"roster/shared/user"
	"roster/shared/web"
	"roster/shared/web/webtest"
)

// TestLive drives the group end to end, as the function serves it: built
// as the function builds it (package platform) over a table on each emulator, with the real
// authenticator in process where the Lambda authorizer would run, and API
// keys as the credentials. It holds the dialect to what the directory
// really does.
func TestLive(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		keys, err := secrets.Parse(secrets.SecretString(secrets.NewMasterKey()))
		if err != nil {
			t.Fatal(err)
		}
		p, err := platform.Assemble(platform.Config{}, web.NewLogger(&bytes.Buffer{}, "info"), env.Table, keys)
		if err != nil {
			t.Fatal(err)
		}
		h := p.Identity(auth.InProcess(p.Authenticator, web.WriteProblem))
		dir := p.Directory

		// Two tenants (storetest names tenant x's organization org-x), an
		// admin API key for each, and users made through the directory.
		env.Tenant(t, "acme")
		env.Tenant(t, "globex")
		acmeKey, globexKey := env.APIKey(t, "acme", keys.Pepper), env.APIKey(t, "globex", keys.Pepper)
		acmeAdmin := auth.Principal{TenantID: "acme", KeyID: "seed", Roles: []string{"admin"}, Method: auth.ViaAPIKey}
		globexAdmin := auth.Principal{TenantID: "globex", KeyID: "seed", Roles: []string{"admin"}, Method: auth.ViaAPIKey}
		newUser := func(p auth.Principal, name string) *user.User {
			t.Helper()
			u, err := dir.Create(ctx, p, directory.NewUser{
				Username: name, Email: name + "@" + p.TenantID + ".example", FirstName: name, Active: true, Password: passwd,
			})
			if err != nil {
				t.Fatalf("create %s: %v", name, err)
			}
			return u
		}
		her, ron, foreign := newUser(acmeAdmin, "hermione"), newUser(acmeAdmin, "ron"), newUser(globexAdmin, "viktor")

		send := func(method, path, body, key string) *httptest.ResponseRecorder {
			t.Helper()
			var r *http.Request
			if body == "" {
				r = httptest.NewRequest(method, path, nil)
			} else {
				r = httptest.NewRequest(method, path, strings.NewReader(body))
				r.Header.Set("Content-Type", "application/json")
			}
			r.Header.Set("Authorization", "Bearer "+key)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			return w
		}
		expect := func(w *httptest.ResponseRecorder, status int, want string) {
			t.Helper()
			if w.Code != status {
				t.Fatalf("status %d, want %d; body %s", w.Code, status, w.Body)
			}
			if want != "" && webtest.Compact(t, w.Body.String()) != webtest.Compact(t, want) {
				t.Errorf("body %s, want %s", w.Body, want)
			}
		}
		get := func(p auth.Principal, id string) *user.User {
			t.Helper()
			u, err := dir.Get(ctx, p, id)
			if err != nil {
				t.Fatalf("get %s: %v", id, err)
			}
			return u
		}
		const acmeBase = "/ORG-ACME/acme/identity_/api"

		// Groups.
		w := send("POST", acmeBase+"/Group", `{"name":"gryffindor"}`, acmeKey)
		expect(w, 201, "")
		var g struct{ ID, Name string }
		if err := json.Unmarshal(w.Body.Bytes(), &g); err != nil || g.ID == "" || g.Name != "gryffindor" {
			t.Fatalf("group %s: %v", w.Body, err)
		}
		expect(send("POST", acmeBase+"/Group", `{"name":"Gryffindor"}`, acmeKey), 409, "")
		expect(send("GET", acmeBase+"/Group", "", acmeKey), 200, `{"groups":[{"id":"`+g.ID+`","name":"gryffindor"}]}`)
		expect(send("GET", "/org-globex/globex/identity_/api/Group", "", globexKey), 200, `{"groups":[]}`)

		// Update User, as the document's example.
		expect(send("PUT", acmeBase+"/User/"+her.ID,
			`{"name":"Hermione","surname":"Granger-Weasley","email":"hermione@hogwarts.example","groupIDsToAdd":["`+g.ID+`"],"groupIDsToRemove":[],"bypassBasicAuthRestriction":false}`,
			acmeKey), 200, succeeded)
		u := get(acmeAdmin, her.ID)
		if u.FirstName != "Hermione" || u.LastName != "Granger-Weasley" || u.Email != "hermione@hogwarts.example" || !slices.Equal(u.Groups, []string{g.ID}) || u.BypassBasicAuth {
			t.Errorf("after the update: %+v", u)
		}
		w = send("PUT", acmeBase+"/User/"+her.ID, `{"groupIDsToAdd":["no-such-group"]}`, acmeKey)
		expect(w, 400, "")
		if v := decodeValidation(t, w); len(v.Errors) != 1 || len(v.Errors["groupIDsToAdd"]) != 1 {
			t.Errorf("unknown group: %s", w.Body)
		}
		expect(send("PUT", acmeBase+"/User/"+her.ID, `{"email":"ron@acme.example"}`, acmeKey), 409, "")
		expect(send("PUT", acmeBase+"/User/"+her.ID, `{"name":"Ronald"}`, acmeKey+"x"), 401, "")

		// Another tenant's names, and another tenant's user, read as unknown.
		unknown := send("PUT", acmeBase+"/User/nobody", `{"name":"X"}`, acmeKey)
		expect(unknown, 404, "")
		for _, w := range []*httptest.ResponseRecorder{
			send("PUT", "/org-globex/globex/identity_/api/User/"+her.ID, `{"name":"X"}`, acmeKey),
			send("PUT", acmeBase+"/User/"+foreign.ID, `{"name":"X"}`, acmeKey),
			send("PUT", "/org-globex/globex/identity_/api/User/"+her.ID, `{"name":"X"}`, globexKey),
		} {
			if w.Code != 404 || withoutTrace(t, w) != withoutTrace(t, unknown) {
				t.Errorf("status %d, body %s; an unknown user gets %s", w.Code, w.Body, unknown.Body)
			}
		}
		if u := get(globexAdmin, foreign.ID); u.FirstName != "viktor" {
			t.Errorf("another tenant changed globex's user: %+v", u)
		}

		// Update User Password, an administrator's reset.
		expect(send("PUT", acmeBase+"/User/"+her.ID+"/password", `{"newPassword":"a different long passphrase"}`, acmeKey), 200, succeeded)
		w = send("PUT", acmeBase+"/User/"+her.ID+"/password", `{"newPassword":"short"}`, acmeKey)
		expect(w, 400, "")
		if v := decodeValidation(t, w); len(v.Errors["newPassword"]) == 0 {
			t.Errorf("a password against the policy: %s", w.Body)
		}

		// Delete Users reports each id; another tenant's is not found and
		// stays.
		expect(send("DELETE", acmeBase+"/User", `{"userIds":["`+her.ID+`","`+foreign.ID+`","nobody"]}`, acmeKey), 200,
			`{"succeeded":false,
			"errors":[
				{"code":"UserNotFound","description":"User \"`+foreign.ID+`\" was not found."},
				{"code":"UserNotFound","description":"User \"nobody\" was not found."}],
			"results":[
				{"userId":"`+her.ID+`","succeeded":true,"error":null},
				{"userId":"`+foreign.ID+`","succeeded":false,"error":"not found"},
				{"userId":"nobody","succeeded":false,"error":"not found"}]}`)
		if _, err := dir.Get(ctx, acmeAdmin, her.ID); fault.CodeOf(err) != fault.NotFound {
			t.Errorf("hermione after the bulk delete: %v", err)
		}
		get(globexAdmin, foreign.ID)

		// Delete Specific User, then again.
		expect(send("DELETE", acmeBase+"/User/"+ron.ID, "", acmeKey), 200, succeeded)
		expect(send("DELETE", acmeBase+"/User/"+ron.ID, "", acmeKey), 404, "")
	})
}

func decodeValidation(t *testing.T, w *httptest.ResponseRecorder) validation {
	t.Helper()
	var v validation
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("body %s: %v", w.Body, err)
	}
	return v
}

// withoutTrace is a problem body without its traceId, which differs per
// request.
func withoutTrace(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
		t.Fatalf("body %s: %v", w.Body, err)
	}
	delete(m, "traceId")
	b, _ := json.Marshal(m)
	return string(b)
}
