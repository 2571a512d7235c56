package userinfo_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"roster/shared/auth"
	"roster/shared/opaque"
	"roster/shared/store/storetest"
)

// routes are the group's routes, each with a request it would accept.
var routes = []struct {
	method, path, query, body string
}{
	{http.MethodGet, pathUserID, "?userEmail=grace%40example.com", ""},
	{http.MethodPost, pathRegister, "", `{"userEmail":"new@example.com","firstName":"New","lastName":"User"}`},
	{http.MethodPatch, pathUpdate, "", `{"accessToken":"tok","userEmail":"grace@example.com"}`},
}

func TestEveryRouteRejectsABadAPIKeyWithTheSameAnswer(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		f.register(t, f.key, validRegister)
		env.Tenant(t, "globex")
		otherKey := f.apiKey(t, "globex")
		id, secret := splitKey(t, f.key)
		_, otherSecret := splitKey(t, otherKey)

		unknown := newKey(t, f)
		wrongSecret := fromSecret(t, f, id, strings.Repeat("A", len(secret)))
		crossed := fromSecret(t, f, id, otherSecret)
		revoked := newKey(t, f)
		storeKey(t, env, revoked, "acme", f.pepper, true)
		otherPepper := newKey(t, f)
		storeKey(t, env, otherPepper, "acme", randomBytes(32), false)

		setAuth := func(v string) func(*http.Request) {
			return func(r *http.Request) { r.Header["Authorization"] = []string{v} }
		}
		cases := []struct {
			name string
			key  string
			edit func(*http.Request)
		}{
			{name: "no Authorization header"},
			{name: "empty Authorization header", edit: setAuth("")},
			{name: "Bearer without a key", edit: setAuth("Bearer ")},
			{name: "Basic credentials", key: "Basic " + base64.StdEncoding.EncodeToString([]byte("acme:"+f.key))},
			{name: "not a key at all", key: "not-a-key"},
			{name: "key cut short", key: f.key[:len(f.key)-1]},
			{name: "key with an extra character", key: f.key + "A"},
			{name: "key in upper case", key: strings.ToUpper(f.key)},
			{name: "key with a character outside the alphabet", key: f.key[:len(f.key)-1] + "!"},
			{name: "key sent twice", key: f.key + " " + f.key},
			{name: "unknown key id", key: unknown},
			{name: "known id with a wrong secret", key: wrongSecret},
			{name: "known id with another tenant's secret", key: crossed},
			{name: "revoked key", key: revoked},
			{name: "key hashed under another pepper", key: otherPepper},
		}
		for _, rt := range routes {
			t.Run(rt.method+" "+rt.path, func(t *testing.T) {
				var first []byte
				for _, c := range cases {
					t.Run(c.name, func(t *testing.T) {
						before := env.Count(t)

						res := f.do(t, request{method: rt.method, target: rt.path + rt.query, key: c.key, body: rt.body, edit: c.edit})

						assertProblem(t, res, http.StatusUnauthorized)
						assertNoWrite(t, f, res, before)
						if first == nil {
							first = res.Body
						} else if !bytes.Equal(res.Body, first) {
							t.Errorf("401 body differs from the other bad keys':\n%s\nwant\n%s", res.Body, first)
						}
					})
				}
				t.Run("bad key and bad input is 401, not 400", func(t *testing.T) {
					before := env.Count(t)
					res := f.do(t, request{method: rt.method, target: rt.path + "?junk=1", key: unknown, body: `{"junk":`})
					assertProblem(t, res, http.StatusUnauthorized)
					assertNoWrite(t, f, res, before)
					if !bytes.Equal(res.Body, first) {
						t.Errorf("401 body differs from the other bad keys':\n%s\nwant\n%s", res.Body, first)
					}
				})
			})
		}
	})
}

func TestAPIKeyIsAcceptedBareOrAsBearer(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		f.register(t, f.key, validRegister)
		for _, header := range []string{f.key, "Bearer " + f.key, "bearer " + f.key, "  " + f.key + " "} {
			res := f.do(t, request{method: http.MethodGet, target: pathUserID + "?userEmail=grace%40example.com", key: header})
			if res.Code != http.StatusOK {
				t.Errorf("Authorization %.10q…: status %d, want 200; body %s", header, res.Code, res.Body)
			}
		}
	})
}

func TestTenantsCannotSeeOrChangeEachOthersUsers(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		env.Tenant(t, "globex")
		keyB := f.apiKey(t, "globex")
		idA := f.register(t, f.key, validRegister)
		tokenA := f.accessToken()
		if res := f.do(t, request{method: http.MethodPatch, target: pathUpdate, key: f.key, body: updateBody(tokenA, "grace@example.com")}); res.Code != http.StatusOK {
			t.Fatalf("set tenant A's token: status %d, body %s", res.Code, res.Body)
		}
		sealedA := f.storedToken(t, f.tenant, idA)
		lookup := request{method: http.MethodGet, target: pathUserID + "?userEmail=grace%40example.com"}
		missing := request{method: http.MethodGet, target: pathUserID + "?userEmail=nobody%40example.com"}

		t.Run("another tenant's user is not found, exactly like a missing one", func(t *testing.T) {
			lookup.key, missing.key = keyB, keyB
			res := f.do(t, lookup)
			assertProblem(t, res, http.StatusNotFound)
			if none := f.do(t, missing); !bytes.Equal(res.Body, none.Body) {
				t.Errorf("404 for another tenant's user:\n%s\ndiffers from 404 for no user:\n%s", res.Body, none.Body)
			}
		})
		t.Run("another tenant's user's token cannot be set, exactly like a missing one's", func(t *testing.T) {
			before := env.Count(t)
			res := f.do(t, request{method: http.MethodPatch, target: pathUpdate, key: keyB, body: updateBody(f.accessToken(), "grace@example.com")})
			assertProblem(t, res, http.StatusConflict)
			if n := res.usage.Writes(); n != 0 {
				t.Errorf("%d write calls, want 0", n)
			}
			if n := env.Count(t); n != before {
				t.Errorf("table holds %d items, want %d as before", n, before)
			}
			none := f.do(t, request{method: http.MethodPatch, target: pathUpdate, key: keyB, body: updateBody(f.accessToken(), "nobody@example.com")})
			if !bytes.Equal(res.Body, none.Body) {
				t.Errorf("409 for another tenant's user:\n%s\ndiffers from 409 for no user:\n%s", res.Body, none.Body)
			}
			if got := f.storedToken(t, f.tenant, idA); got != sealedA {
				t.Error("tenant B changed tenant A's stored token")
			}
		})
		t.Run("the same email in another tenant is another user", func(t *testing.T) {
			idB := f.register(t, keyB, validRegister)
			if idB == idA {
				t.Fatalf("both tenants' users have id %s", idA)
			}
			tokenB := f.accessToken()
			if res := f.do(t, request{method: http.MethodPatch, target: pathUpdate, key: keyB, body: updateBody(tokenB, "grace@example.com")}); res.Code != http.StatusOK {
				t.Fatalf("set tenant B's token: status %d, body %s", res.Code, res.Body)
			}
			for _, c := range []struct {
				key, tenant, id, token string
			}{{f.key, f.tenant, idA, tokenA}, {keyB, "globex", idB, tokenB}} {
				lookup.key = c.key
				if res := f.do(t, lookup); string(res.Body) != `{"userId":"`+c.id+`"}`+"\n" {
					t.Errorf("tenant %s finds %s, want its own user %s", c.tenant, res.Body, c.id)
				}
				opened, err := f.sealer.Open(f.storedToken(t, c.tenant, c.id), sealContext(c.tenant, c.id))
				if err != nil || string(opened) != c.token {
					t.Errorf("tenant %s's user does not hold the token that tenant set (%v)", c.tenant, err)
				}
			}
			if f.storedToken(t, f.tenant, idA) != sealedA {
				t.Error("tenant B's update changed tenant A's stored token")
			}
		})
	})
}

// splitKey returns a token's id and secret.
func splitKey(t *testing.T, token string) (id, secret string) {
	t.Helper()
	id, err := opaque.APIKey.Parse(token)
	if err != nil {
		t.Fatalf("parse api key: %v", err)
	}
	return id, strings.TrimPrefix(token, "rst_"+id+"_")
}

// newKey returns a well-formed token that is stored nowhere, remembered as
// a secret.
func newKey(t *testing.T, f *fixture) string {
	t.Helper()
	k, err := opaque.APIKey.Generate()
	if err != nil {
		t.Fatal(err)
	}
	f.secrets = append(f.secrets, k.Token)
	return k.Token
}

// fromSecret builds the token of id and secret, remembered as a secret.
func fromSecret(t *testing.T, f *fixture, id, secret string) string {
	t.Helper()
	k, err := opaque.APIKey.FromSecret(id, secret)
	if err != nil {
		t.Fatalf("build api key: %v", err)
	}
	f.secrets = append(f.secrets, k.Token)
	return k.Token
}

// storeKey stores token as a key of tenantID, hashed under pepper.
func storeKey(t *testing.T, env storetest.Env, token, tenantID string, pepper []byte, revoked bool) {
	t.Helper()
	id, _ := splitKey(t, token)
	err := env.Table.PutAPIKey(context.Background(), &auth.APIKey{
		ID: id, TenantID: tenantID, Name: "test", Hash: opaque.Hash(pepper, token), CreatedAt: time.Now(), Revoked: revoked,
	})
	if err != nil {
		t.Fatalf("put api key: %v", err)
	}
}
