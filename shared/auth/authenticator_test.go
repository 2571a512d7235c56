package auth_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/shared/auth"
	"roster/shared/fault"
	"roster/shared/opaque"
	"roster/shared/platform"
	"roster/shared/role"
	"roster/shared/secrets"
	"roster/shared/store/storetest"
	"roster/shared/tenant"
	"roster/shared/token"
	"roster/shared/user"
)

// refusalMessage is what every refused credential answers, taken from the
// simplest refusal so the tests compare against the code, not a copy.
func refusalMessage(t *testing.T, a *auth.Authenticator) string {
	t.Helper()
	_, err := a.Authenticate(context.Background(), "")
	if fault.CodeOf(err) != fault.Unauthorized {
		t.Fatalf("no credential: %v, want unauthorized", err)
	}
	return fault.As(err).Message
}

// checkRefused fails unless err is the one Unauthorized answer, with its
// reason wrapped inside for the logs, and p is the zero principal.
func checkRefused(t *testing.T, p auth.Principal, err error, message string) {
	t.Helper()
	if fault.CodeOf(err) != fault.Unauthorized {
		t.Fatalf("Authenticate = %+v, %v; want fault.Unauthorized", p, err)
	}
	fe := fault.As(err)
	if fe.Message != message {
		t.Errorf("message %q differs from the other refusals' %q: it tells the caller which check failed", fe.Message, message)
	}
	if fe.Err == nil {
		t.Error("the refusal wraps no reason, so the logs cannot say why")
	}
	if len(fe.Fields) != 0 {
		t.Errorf("the refusal names fields %v", fe.Fields)
	}
	if p.TenantID != "" || p.UserID != "" || p.KeyID != "" || p.Roles != nil || p.Method != "" {
		t.Errorf("a refused credential yields principal %+v, want none", p)
	}
}

func keyID(t *testing.T, key string) string {
	t.Helper()
	id, err := opaque.APIKey.Parse(key)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// storeKey stores the API key tok for tenantID, hashed under pepper.
func storeKey(t *testing.T, env storetest.Env, tok, tenantID string, pepper []byte, revoked bool) {
	t.Helper()
	err := env.Table.PutAPIKey(context.Background(), &auth.APIKey{
		ID: keyID(t, tok), TenantID: tenantID, Name: "test", Hash: opaque.Hash(pepper, tok), CreatedAt: time.Now(), Revoked: revoked,
	})
	if err != nil {
		t.Fatal(err)
	}
}

func newAPIKey(t *testing.T) string {
	t.Helper()
	k, err := opaque.APIKey.Generate()
	if err != nil {
		t.Fatal(err)
	}
	return k.Token
}

func TestAuthenticatorAcceptsAnAPIKeyBareOrAsBearerInAnyCase(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		key := env.APIKey(t, f.tenant, f.keys.Pepper)
		want := auth.Principal{TenantID: f.tenant, KeyID: keyID(t, key), Roles: []string{string(role.Admin)}, Method: auth.ViaAPIKey}
		for _, tc := range []struct{ name, header string }{
			{"bare key", key},
			{"Bearer scheme", "Bearer " + key},
			{"bearer in lower case", "bearer " + key},
			{"BEARER in upper case", "BEARER " + key},
			{"surrounding and repeated spaces", "  Bearer   " + key + "  "},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p, err := f.authn.Authenticate(context.Background(), tc.header)
				if err != nil {
					t.Fatalf("Authenticate: %v", err)
				}
				if !samePrincipal(p, want) {
					t.Errorf("principal %+v, want %+v", p, want)
				}
			})
		}
	})
}

func TestAuthenticatorActsWithTheRolesStoredWithTheKey(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		key := newAPIKey(t)
		err := env.Table.PutAPIKey(context.Background(), &auth.APIKey{
			ID: keyID(t, key), TenantID: f.tenant, Name: "reader", Roles: []string{"member"},
			Hash: opaque.Hash(f.keys.Pepper, key), CreatedAt: time.Now(),
		})
		if err != nil {
			t.Fatal(err)
		}
		p, err := f.authn.Authenticate(context.Background(), key)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(p.Roles, []string{"member"}) || p.Can(role.UsersWrite) {
			t.Errorf("a member key acts with roles %v", p.Roles)
		}
	})
}

// TestAuthenticatorGivesAKeyItsRolesAndAKeyWithoutRolesAdmin uses a fake
// store: it is about what the Authenticator does with a key's roles, given
// that the store returns them.
func TestAuthenticatorGivesAKeyItsRolesAndAKeyWithoutRolesAdmin(t *testing.T) {
	t.Parallel()
	pepper := newKeys(t, secrets.NewMasterKey(), "").Pepper
	key := newAPIKey(t)
	for _, tc := range []struct {
		name   string
		stored []string
		want   []string
	}{
		{"no roles (a key made before roles) acts as admin", nil, []string{"admin"}},
		{"an empty list acts as admin", []string{}, []string{"admin"}},
		{"a member key", []string{"member"}, []string{"member"}},
		{"several roles", []string{"user_manager", "member"}, []string{"user_manager", "member"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stored := &auth.APIKey{ID: keyID(t, key), TenantID: "acme", Roles: tc.stored, Hash: opaque.Hash(pepper, key)}
			a := &auth.Authenticator{Pepper: pepper, Keys: fakeKeys{get: func(_ context.Context, id string) (*auth.APIKey, error) {
				if id != stored.ID {
					t.Errorf("looked up key %q, want %q", id, stored.ID)
				}
				return stored, nil
			}}}
			p, err := a.Authenticate(context.Background(), key)
			if err != nil {
				t.Fatal(err)
			}
			want := auth.Principal{TenantID: "acme", KeyID: stored.ID, Roles: tc.want, Method: auth.ViaAPIKey}
			if !samePrincipal(p, want) {
				t.Errorf("principal %+v, want %+v", p, want)
			}
			p.Roles[0] = "owner"
			if slices.Contains(stored.Roles, "owner") {
				t.Error("the principal shares its roles slice with the stored key")
			}
		})
	}
}

func TestAuthenticatorRefusesEveryBadAPIKeyWithTheSameAnswer(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		env.Tenant(t, "globex")
		good := env.APIKey(t, f.tenant, f.keys.Pepper)
		other := env.APIKey(t, "globex", f.keys.Pepper)
		id := keyID(t, good)
		secret := good[len(good)-43:]

		wrongSecret, err := opaque.APIKey.FromSecret(id, strings.Repeat("A", 42)+"Q")
		if err != nil {
			t.Fatal(err)
		}
		crossed, err := opaque.APIKey.FromSecret(id, other[len(other)-43:])
		if err != nil {
			t.Fatal(err)
		}
		revoked := newAPIKey(t)
		storeKey(t, env, revoked, f.tenant, f.keys.Pepper, true)
		otherPepper := newAPIKey(t)
		storeKey(t, env, otherPepper, f.tenant, newKeys(t, secrets.NewMasterKey(), "").Pepper, false)

		message := refusalMessage(t, f.authn)
		for _, tc := range []struct{ name, header string }{
			{"missing header", ""},
			{"blank header", "   "},
			{"Bearer without a key", "Bearer "},
			{"key cut short", good[:len(good)-1]},
			{"key with an extra character", good + "A"},
			{"key in upper case", strings.ToUpper(good)},
			{"key with a character outside the alphabet", good[:len(good)-1] + "!"},
			{"prefix and id only", "rst_" + id},
			{"secret without the key id", "rst_" + secret},
			{"key sent twice", good + " " + good},
			{"Basic credentials", "Basic " + base64.StdEncoding.EncodeToString([]byte("acme:"+good))},
			{"unknown key id", newAPIKey(t)},
			{"known id with a wrong secret", wrongSecret.Token},
			{"known id with another tenant's secret", crossed.Token},
			{"revoked key", revoked},
			{"key hashed under another pepper", otherPepper},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p, err := f.authn.Authenticate(context.Background(), tc.header)
				checkRefused(t, p, err, message)
			})
		}
	})
}

func TestAuthenticatorReturnsAStoreFailureAsItIsNotAsUnauthorized(t *testing.T) {
	t.Parallel()
	keys := newKeys(t, secrets.NewMasterKey(), "")
	iss, ver := tokens(t, keys, platform.TokenIssuer, platform.TokenAudience, time.Now)
	tok, _, err := iss.Issue(token.Claims{Subject: "u1", Tenant: "acme", Version: 1})
	if err != nil {
		t.Fatal(err)
	}
	internal := fault.Wrap(errors.New("unmarshal api key: bad item"), fault.Internal, "An internal error occurred.")
	goodKey := newAPIKey(t)
	okUsers := fakeUsers{get: func(context.Context, string, string) (*user.User, error) {
		return &user.User{ID: "u1", TenantID: "acme", Active: true, Role: "member", TokenVersion: 1}, nil
	}}
	for _, tc := range []struct {
		name   string
		a      *auth.Authenticator
		header string
		want   error
	}{
		{"API key store unavailable", &auth.Authenticator{Keys: unavailableKeys(), Pepper: keys.Pepper}, newAPIKey(t), errStoreDown},
		{"API key store internal error", &auth.Authenticator{Pepper: keys.Pepper, Keys: fakeKeys{get: func(context.Context, string) (*auth.APIKey, error) {
			return nil, internal
		}}}, newAPIKey(t), internal},
		{"tenant store unavailable for a good API key", &auth.Authenticator{Pepper: keys.Pepper, Keys: fakeKeys{
			get: func(context.Context, string) (*auth.APIKey, error) {
				return &auth.APIKey{ID: keyID(t, goodKey), TenantID: "acme", Hash: opaque.Hash(keys.Pepper, goodKey)}, nil
			},
			tenant: func(context.Context, string) (*tenant.Tenant, error) { return nil, errStoreDown },
		}}, goodKey, errStoreDown},
		{"user store unavailable", &auth.Authenticator{Tokens: ver, Users: fakeUsers{get: func(context.Context, string, string) (*user.User, error) {
			return nil, errStoreDown
		}}}, "Bearer " + tok, errStoreDown},
		{"same token with the user store up is accepted", &auth.Authenticator{Tokens: ver, Users: okUsers}, "Bearer " + tok, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.a.Authenticate(context.Background(), tc.header)
			if err != tc.want {
				t.Fatalf("Authenticate error = %v, want the store's own %v", err, tc.want)
			}
		})
	}
}

// tokens returns an issuer and a verifier over keys for iss and aud, on the
// clock now.
func tokens(t testing.TB, keys secrets.Keys, iss, aud string, now func() time.Time) (*token.Issuer, *token.Verifier) {
	t.Helper()
	i, err := token.NewIssuer(keys.Signing, iss, aud, platform.TokenTTL, now)
	if err != nil {
		t.Fatal(err)
	}
	v, err := token.NewVerifier(keys.Signing, iss, aud, now, 0)
	if err != nil {
		t.Fatal(err)
	}
	return i, v
}

func TestAuthenticatorAcceptsTheAccessTokenOfACurrentUser(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		u := f.newUser(t, func(u *user.User) { u.Role = "user_manager" })
		tok := f.tokenFor(t, f.issuer, u)
		want := auth.Principal{TenantID: f.tenant, UserID: u.ID, AccountID: u.AccountID, Roles: []string{"user_manager"}, Method: auth.ViaAccessToken}
		for _, header := range []string{"Bearer " + tok, "bearer " + tok, tok} {
			p, err := f.authn.Authenticate(context.Background(), header)
			if err != nil {
				t.Fatalf("Authenticate(%.12q…): %v", header, err)
			}
			if !samePrincipal(p, want) {
				t.Errorf("principal %+v, want %+v", p, want)
			}
		}
	})
}

func TestAuthenticatorTakesRolesFromTheUserAsItIsNowNotFromTheToken(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		u := f.newUser(t, nil) // admin
		tok := "Bearer " + f.tokenFor(t, f.issuer, u)
		if p, err := f.authn.Authenticate(context.Background(), tok); err != nil || !p.Can(role.UsersPrivileged) {
			t.Fatalf("before the demotion: %+v, %v; want an admin", p, err)
		}

		f.changeUser(t, u, "role", &types.AttributeValueMemberS{Value: "member"})

		p, err := f.authn.Authenticate(context.Background(), tok)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(p.Roles, []string{"member"}) || p.Can(role.UsersWrite) {
			t.Errorf("after the demotion the token still acts with roles %v", p.Roles)
		}
	})
}

func TestAuthenticatorRefusesAccessTokensThatProveNothing(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		ctx := context.Background()
		u := f.newUser(t, nil)
		good := f.tokenFor(t, f.issuer, u)
		hourAgo := func() time.Time { return time.Now().Add(-time.Hour) }
		expired, _ := tokens(t, f.keys, platform.TokenIssuer, platform.TokenAudience, hourAgo)
		otherAud, _ := tokens(t, f.keys, platform.TokenIssuer, "another-api", time.Now)
		otherIss, _ := tokens(t, f.keys, "https://issuer.example", platform.TokenAudience, time.Now)
		// Same kid, k1, derived from another master key: another stack's.
		otherStack, _ := tokens(t, newKeys(t, secrets.NewMasterKey(), ""), platform.TokenIssuer, platform.TokenAudience, time.Now)

		inactive := f.newUser(t, func(u *user.User) { u.Active = false })
		deactivated := f.newUser(t, nil)
		deactivatedTok := f.tokenFor(t, f.issuer, deactivated)
		f.changeUser(t, deactivated, "active", &types.AttributeValueMemberBOOL{Value: false})
		bumped := f.newUser(t, nil)
		bumpedTok := f.tokenFor(t, f.issuer, bumped)
		f.changeUser(t, bumped, "tokenVersion", &types.AttributeValueMemberN{Value: "2"})
		never := &user.User{TenantID: f.tenant, ID: user.NewID(), Role: "owner", TokenVersion: 1}
		elsewhere := *u
		elsewhere.TenantID = "globex" // the same user id claimed in a tenant it is not in

		authTok, err := opaque.Auth.Generate()
		if err != nil {
			t.Fatal(err)
		}
		deviceTok, err := opaque.Device.Generate()
		if err != nil {
			t.Fatal(err)
		}
		inviteTok, err := opaque.Invite.Generate()
		if err != nil {
			t.Fatal(err)
		}

		message := refusalMessage(t, f.authn)
		for _, tc := range []struct{ name, token string }{
			{"expired", f.tokenFor(t, expired, u)},
			{"for another audience", f.tokenFor(t, otherAud, u)},
			{"from another issuer", f.tokenFor(t, otherIss, u)},
			{"alg none, unsigned", unsigned(t, good)},
			{"signed by another key set", f.tokenFor(t, otherStack, u)},
			{"signature cut short", good[:len(good)-2]},
			{"claims from another token under this one's signature", swapClaims(t, good, f.tokenFor(t, f.issuer, never))},
			{"user never created (or deleted)", f.tokenFor(t, f.issuer, never)},
			{"user id claimed under another tenant", f.tokenFor(t, f.issuer, &elsewhere)},
			{"user inactive", f.tokenFor(t, f.issuer, inactive)},
			{"user deactivated after issue", deactivatedTok},
			{"token version bumped after issue", bumpedTok},
			{"an opaque auth token", authTok.Token},
			{"a device token", deviceTok.Token},
			{"an invite token", inviteTok.Token},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p, err := f.authn.Authenticate(ctx, "Bearer "+tc.token)
				checkRefused(t, p, err, message)
			})
		}
		if _, err := f.authn.Authenticate(ctx, "Bearer "+good); err != nil {
			t.Errorf("the genuine token the forgeries started from is refused: %v", err)
		}
	})
}

// unsigned rewrites tok's header to alg "none" and drops the signature, the
// oldest JWT forgery.
func unsigned(t *testing.T, tok string) string {
	t.Helper()
	h, err := json.Marshal(map[string]string{"alg": "none", "kid": "k1", "typ": "at+jwt"})
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(tok, ".")
	claims, _, _ := strings.Cut(rest, ".")
	return base64.RawURLEncoding.EncodeToString(h) + "." + claims + "."
}

// swapClaims puts from's claims under tok's header and signature.
func swapClaims(t *testing.T, tok, from string) string {
	t.Helper()
	parts, other := strings.Split(tok, "."), strings.Split(from, ".")
	if len(parts) != 3 || len(other) != 3 {
		t.Fatal("not a JWS compact token")
	}
	return parts[0] + "." + other[1] + "." + parts[2]
}

func TestAuthenticatorAcceptsTokensOfTheOldKidWhileBothKidsAreLive(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		master := secrets.NewMasterKey()
		u := f.newUser(t, nil)
		// The rotation steps of ADR 007 on one master key.
		_, k1Issuer := authenticator(t, env, newKeys(t, master, ""))
		k2Active := newKeys(t, master, `{"active":"k2","kids":["k1","k2"]}`)
		both, k2Issuer := authenticator(t, env, k2Active)
		k1Removed, _ := authenticator(t, env, newKeys(t, master, `{"active":"k2","kids":["k2"]}`))

		k1Tok := "Bearer " + f.tokenFor(t, k1Issuer, u)
		k2Tok := "Bearer " + f.tokenFor(t, k2Issuer, u)
		if kid(t, k1Tok) != "k1" || kid(t, k2Tok) != "k2" {
			t.Fatalf("tokens signed by kids %s and %s, want k1 and k2", kid(t, k1Tok), kid(t, k2Tok))
		}
		for _, tc := range []struct {
			name  string
			a     *auth.Authenticator
			token string
			ok    bool
		}{
			{"k1 token while k1 and k2 are live", both, k1Tok, true},
			{"k2 token while k1 and k2 are live", both, k2Tok, true},
			{"k2 token once k1 is removed", k1Removed, k2Tok, true},
			{"k1 token once k1 is removed", k1Removed, k1Tok, false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p, err := tc.a.Authenticate(context.Background(), tc.token)
				switch {
				case tc.ok && (err != nil || p.UserID != u.ID):
					t.Errorf("Authenticate = %+v, %v; want user %s", p, err, u.ID)
				case !tc.ok && fault.CodeOf(err) != fault.Unauthorized:
					t.Errorf("Authenticate = %+v, %v; want unauthorized", p, err)
				}
			})
		}
	})
}

// kid reads the kid from a token's header, without verifying anything.
func kid(t *testing.T, tok string) string {
	t.Helper()
	h, _, _ := strings.Cut(strings.TrimPrefix(tok, "Bearer "), ".")
	raw, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		t.Fatal(err)
	}
	var v struct{ Kid string }
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v.Kid
}

// samePrincipal compares principals field by field (Roles by content).
func samePrincipal(a, b auth.Principal) bool {
	return a.TenantID == b.TenantID && a.UserID == b.UserID && a.AccountID == b.AccountID &&
		a.KeyID == b.KeyID && a.Method == b.Method && slices.Equal(a.Roles, b.Roles)
}
