package userinfo_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/shared/store/storetest"
)

const validUpdate = `{"accessToken":"tok","userEmail":"grace@example.com"}`

// updateBody is an UpdateAccessToken body.
func updateBody(token, email string) string {
	b, err := json.Marshal(map[string]string{"accessToken": token, "userEmail": email})
	if err != nil {
		panic(err)
	}
	return string(b)
}

// sealContext is where the group binds a user's sealed access token.
func sealContext(tenantID, userID string) string {
	return "userinfo/accessToken/" + tenantID + "/" + userID
}

func TestUpdateAccessTokenStoresTheTokenSealed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		email string
		token func(f *fixture) string
	}{
		{name: "email as registered", email: "grace@example.com", token: (*fixture).accessToken},
		{name: "email in another case replaces the token", email: "Grace@EXAMPLE.com", token: (*fixture).accessToken},
		{name: "email with spaces around", email: " grace@example.com ", token: (*fixture).accessToken},
		{name: "token of 8192 bytes, the limit", email: "grace@example.com", token: func(f *fixture) string {
			tok := f.accessToken()
			return tok + strings.Repeat("x", 8192-len(tok))
		}},
	}
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		id := f.register(t, f.key, validRegister)
		otherID := f.register(t, f.key, `{"userEmail":"alan@example.com","firstName":"Alan","lastName":"Turing"}`)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := env.Count(t)
				versionBefore := numberAttr(t, f.rawUser(t, f.tenant, id), "version")
				token := tt.token(f)

				res := f.do(t, request{method: http.MethodPatch, target: pathUpdate, key: f.key, body: updateBody(token, tt.email)})

				if res.Code != http.StatusOK {
					t.Fatalf("status %d, want 200; body %s", res.Code, res.Body)
				}
				if len(res.Body) != 0 {
					t.Errorf("body %q, want none", res.Body)
				}
				if ct := res.Header.Get("Content-Type"); ct != "" {
					t.Errorf("Content-Type %q on a response without a body", ct)
				}
				assertCalls(t, res.usage, map[string]int{"GetItem": 3, "UpdateItem": 1}) // API key, its tenant, email marker; user
				if n := env.Count(t); n != before {
					t.Errorf("table holds %d items, want %d: an update adds none", n, before)
				}

				item := f.rawUser(t, f.tenant, id)
				stored := f.storedToken(t, f.tenant, id)
				if stored == "" || strings.Contains(stored, token) {
					t.Fatalf("stored accessToken %.40q is empty or holds the plaintext", stored)
				}
				opened, err := f.sealer.Open(stored, sealContext(f.tenant, id))
				if err != nil || string(opened) != token {
					t.Fatalf("stored accessToken does not open to the token sent under the user's context: %v", err)
				}
				if _, err := f.sealer.Open(stored, sealContext(f.tenant, otherID)); err == nil {
					t.Error("the sealed token opens under another user's context")
				}
				if _, err := f.sealer.Open(stored, sealContext("globex", id)); err == nil {
					t.Error("the sealed token opens under another tenant's context")
				}
				if v := numberAttr(t, item, "version"); v != versionBefore+1 {
					t.Errorf("version %d, want %d", v, versionBefore+1)
				}
				if tok := f.storedToken(t, f.tenant, otherID); tok != "" {
					t.Error("another user of the tenant got an access token")
				}
			})
		}
	})
}

func TestUpdateAccessTokenConflictsWhenNoUserHasTheEmail(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		f.register(t, f.key, validRegister)
		before := env.Count(t)

		res := f.do(t, request{method: http.MethodPatch, target: pathUpdate, key: f.key, body: updateBody(f.accessToken(), "nobody@example.com")})

		assertProblem(t, res, http.StatusConflict)
		assertCalls(t, res.usage, map[string]int{"GetItem": 3}) // API key, its tenant, email marker; no write
		if n := env.Count(t); n != before {
			t.Errorf("table holds %d items, want %d as before", n, before)
		}
	})
}

func TestUpdateAccessTokenRejectsBadInputWithoutWriting(t *testing.T) {
	t.Parallel()
	tooLongEmail := "a@" + strings.Repeat("b", 249) + ".com" // 255 bytes
	with := func(field, rawValue string) string { return withField(validUpdate, field, rawValue) }
	q := jsonString
	tests := []badInput{
		{name: "empty object names both fields", body: `{}`, status: 400, fields: []string{"accessToken", "userEmail"}},
		{name: "both fields empty names both", body: `{"accessToken":"","userEmail":""}`, status: 400, fields: []string{"accessToken", "userEmail"}},

		{name: "missing accessToken", body: with("accessToken", ""), status: 400, fields: []string{"accessToken"}},
		{name: "empty accessToken", body: with("accessToken", `""`), status: 400, fields: []string{"accessToken"}},
		{name: "whitespace accessToken", body: with("accessToken", `"    "`), status: 400, fields: []string{"accessToken"}},
		{name: "null accessToken", body: with("accessToken", `null`), status: 400, fields: []string{"accessToken"}},
		{name: "accessToken over 8192 bytes", body: with("accessToken", q(strings.Repeat("x", 8193))), status: 400, fields: []string{"accessToken"}},
		{name: "accessToken with a NUL", body: with("accessToken", `"tok\u0000en"`), status: 400, fields: []string{"accessToken"}},
		{name: "accessToken with a newline", body: with("accessToken", `"tok\nen"`), status: 400, fields: []string{"accessToken"}},
		{name: "accessToken as a number", body: with("accessToken", `12345`), status: 400, fields: []string{"accessToken"}},
		{name: "accessToken as an object", body: with("accessToken", `{"token":"x"}`), status: 400, fields: []string{"accessToken"}},

		{name: "missing userEmail", body: with("userEmail", ""), status: 400, fields: []string{"userEmail"}},
		{name: "empty userEmail", body: with("userEmail", `""`), status: 400, fields: []string{"userEmail"}},
		{name: "whitespace userEmail", body: with("userEmail", `"   "`), status: 400, fields: []string{"userEmail"}},
		{name: "userEmail over 254 bytes", body: with("userEmail", q(tooLongEmail)), status: 400, fields: []string{"userEmail"}},
		{name: "userEmail without @", body: with("userEmail", `"grace"`), status: 400, fields: []string{"userEmail"}},
		{name: "userEmail without a domain dot", body: with("userEmail", `"grace@localhost"`), status: 400, fields: []string{"userEmail"}},
		{name: "userEmail with a display name", body: with("userEmail", `"Grace <grace@example.com>"`), status: 400, fields: []string{"userEmail"}},
		{name: "userEmail as a boolean", body: with("userEmail", `false`), status: 400, fields: []string{"userEmail"}},
		{name: "userEmail as an array", body: with("userEmail", `["grace@example.com"]`), status: 400, fields: []string{"userEmail"}},
	}
	tests = append(tests, bodyDecodeCases(validUpdate)...)
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		id := f.register(t, f.key, validRegister)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := env.Count(t)

				res := f.do(t, request{method: http.MethodPatch, target: pathUpdate, key: f.key, body: tt.body, edit: tt.edit})

				assertProblem(t, res, tt.status, tt.fields...)
				assertNoWrite(t, f, res, before)
				if tok := f.storedToken(t, f.tenant, id); tok != "" {
					t.Error("rejected input set the user's access token")
				}
			})
		}
	})
}

// numberAttr reads a numeric attribute of a raw item.
func numberAttr(t *testing.T, item map[string]types.AttributeValue, name string) int64 {
	t.Helper()
	n, ok := item[name].(*types.AttributeValueMemberN)
	if !ok {
		t.Fatalf("%s is %T, want a number", name, item[name])
	}
	var v int64
	if err := json.Unmarshal([]byte(n.Value), &v); err != nil {
		t.Fatalf("%s = %q: %v", name, n.Value, err)
	}
	return v
}
