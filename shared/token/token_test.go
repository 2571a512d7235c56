package token

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"roster/shared/fault"
	"roster/shared/secrets"
)

const (
	testMaster   = "q3Jx9LmZp0Rt7VbN2cYw8KdHs5FgAe1UiOo4TlXvBnMj6WkPzQrSu2yCxD7hGf0a"
	testIssuer   = "https://roster.example/prod"
	testAudience = "roster-api"
)

// t0 is the fixed "now" of every test.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func at(t time.Time) func() time.Time { return func() time.Time { return t } }

// signingKeys derives the signing keys for testMaster from a signingKeys
// member ("" for none), as a function would from its secret.
func signingKeys(t testing.TB, member string) []secrets.SigningKey {
	t.Helper()
	s := `{"version":1,"masterKey":"` + testMaster + `"`
	if member != "" {
		s += `,"signingKeys":` + member
	}
	k, err := secrets.Parse(s + "}")
	if err != nil {
		t.Fatal(err)
	}
	return k.Signing
}

func newIssuer(t testing.TB, keys []secrets.SigningKey, now time.Time) *Issuer {
	t.Helper()
	i, err := NewIssuer(keys, testIssuer, testAudience, 0, at(now))
	if err != nil {
		t.Fatal(err)
	}
	return i
}

func newVerifier(t testing.TB, keys []secrets.SigningKey, now time.Time) *Verifier {
	t.Helper()
	v, err := NewVerifier(keys, testIssuer, testAudience, at(now), 0)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func someClaims() Claims {
	return Claims{Subject: "user-1", Tenant: "tenant-1", Account: "acct-1", Roles: []string{"admin", "member"}, Version: 7}
}

// --- forging helpers: build tokens by hand, the way an attacker would.

func enc(v any) string {
	if s, ok := v.(string); ok {
		return b64.EncodeToString([]byte(s)) // raw JSON, possibly broken on purpose
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b64.EncodeToString(b)
}

// forge returns header.payload.signature with the signature sign makes over
// the first two segments.
func forge(h, p any, sign func(input []byte) []byte) string {
	input := enc(h) + "." + enc(p)
	return input + "." + b64.EncodeToString(sign([]byte(input)))
}

func edSigner(key ed25519.PrivateKey) func([]byte) []byte {
	return func(in []byte) []byte { return ed25519.Sign(key, in) }
}

func goodHeader() map[string]any { return map[string]any{"alg": "EdDSA", "kid": "k1", "typ": "at+jwt"} }

func goodPayload() map[string]any {
	return map[string]any{
		"iss": testIssuer, "aud": testAudience, "sub": "user-1", "tid": "tenant-1", "acct": "acct-1",
		"roles": []string{"member"}, "ver": 1, "jti": "j1",
		"iat": t0.Unix(), "nbf": t0.Unix(), "exp": t0.Add(DefaultTTL).Unix(),
	}
}

func with(m map[string]any, kv ...any) map[string]any {
	m = maps.Clone(m)
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

func without(m map[string]any, key string) map[string]any {
	m = maps.Clone(m)
	delete(m, key)
	return m
}

func TestVerifyAcceptsGenuineTokens(t *testing.T) {
	keys := signingKeys(t, "")
	k1 := edSigner(keys[0].Private)
	tests := []struct {
		name  string
		token string
	}{
		{"token from Issue", func() string { tok, _, _ := newIssuer(t, keys, t0).Issue(someClaims()); return tok }()},
		{"hand-built token", forge(goodHeader(), goodPayload(), k1)},
		{"expired but within leeway (clock skew)", forge(goodHeader(), with(goodPayload(), "exp", t0.Add(-DefaultLeeway+time.Second).Unix()), k1)},
		{"nbf ahead but within leeway (clock skew)", forge(goodHeader(), with(goodPayload(), "nbf", t0.Add(DefaultLeeway).Unix(), "iat", t0.Add(DefaultLeeway).Unix()), k1)},
		{"no nbf and no iat", forge(goodHeader(), without(without(goodPayload(), "nbf"), "iat"), k1)},
		{"typ with media type prefix (RFC 9068)", forge(with(goodHeader(), "typ", "application/at+jwt"), goodPayload(), k1)},
		{"typ in upper case (media types ignore case)", forge(with(goodHeader(), "typ", "AT+JWT"), goodPayload(), k1)},
	}
	v := newVerifier(t, keys, t0)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := v.Verify(tt.token); err != nil {
				t.Fatalf("Verify = %v, want success", err)
			}
		})
	}
}

// TestVerifyRefusesForgedTokens has one case per kind of forged, damaged or
// misused token; each must fail for its own reason, not by accident.
func TestVerifyRefusesForgedTokens(t *testing.T) {
	keys := signingKeys(t, "")
	pub := keys[0].Public()
	k1 := edSigner(keys[0].Private)
	_, attacker, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	hmacWith := func(secret []byte) func([]byte) []byte {
		return func(in []byte) []byte { m := hmac.New(sha256.New, secret); m.Write(in); return m.Sum(nil) }
	}
	rs256 := func(in []byte) []byte {
		d := sha256.Sum256(in)
		s, err := rsa.SignPKCS1v15(rand.Reader, rsaKey, crypto.SHA256, d[:])
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	es256 := func(in []byte) []byte {
		d := sha256.Sum256(in)
		r, s, err := ecdsa.Sign(rand.Reader, ecKey, d[:])
		if err != nil {
			t.Fatal(err)
		}
		return append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
	}
	unsigned := func([]byte) []byte { return nil }

	genuine := forge(goodHeader(), goodPayload(), k1)
	seg := strings.Split(genuine, ".")
	// The last of the 86 signature characters carries 2 bits of data and 4
	// zero bits; setting one of those spells the same signature differently.
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	respelled := string(alphabet[strings.IndexByte(alphabet, seg[2][len(seg[2])-1])|1])

	tests := []struct {
		name  string
		token string
		want  error
	}{
		// Algorithm confusion.
		{"alg none (unsigned token)", forge(with(goodHeader(), "alg", "none"), goodPayload(), unsigned), errAlgorithm},
		{"alg none with a genuine signature", forge(with(goodHeader(), "alg", "none"), goodPayload(), k1), errAlgorithm},
		{"HS256 keyed with the public key bytes (key confusion)", forge(with(goodHeader(), "alg", "HS256"), goodPayload(), hmacWith(pub)), errAlgorithm},
		{"HS256 keyed with the published JWKS x value", forge(with(goodHeader(), "alg", "HS256"), goodPayload(), hmacWith([]byte(b64.EncodeToString(pub)))), errAlgorithm},
		{"RS256 signed with another key", forge(with(goodHeader(), "alg", "RS256"), goodPayload(), rs256), errAlgorithm},
		{"ES256 signed with another key", forge(with(goodHeader(), "alg", "ES256"), goodPayload(), es256), errAlgorithm},

		// Key selection.
		{"unknown kid", forge(with(goodHeader(), "kid", "k9"), goodPayload(), k1), errKeyID},
		{"missing kid", forge(without(goodHeader(), "kid"), goodPayload(), k1), errKeyID},
		{"signature from a key outside the set under a known kid", forge(goodHeader(), goodPayload(), edSigner(attacker)), errSignature},
		{"embedded jwk header bringing its own key", forge(with(goodHeader(), "jwk", map[string]any{
			"kty": "OKP", "crv": "Ed25519", "x": b64.EncodeToString(attacker.Public().(ed25519.PublicKey)),
		}), goodPayload(), edSigner(attacker)), errSignature},
		{"claims edited after signing (role escalation)", seg[0] + "." + enc(with(goodPayload(), "roles", []string{"owner"})) + "." + seg[2], errSignature},
		{"truncated signature", seg[0] + "." + seg[1] + "." + seg[2][:40], errSignature},
		{"signature re-spelled with non-zero trailing bits", seg[0] + "." + seg[1] + "." + seg[2][:len(seg[2])-1] + respelled, errMalformed},

		// Token kind.
		{"typ JWT (another JWT replayed as an access token)", forge(with(goodHeader(), "typ", "JWT"), goodPayload(), k1), errType},
		{"missing typ", forge(without(goodHeader(), "typ"), goodPayload(), k1), errType},
		{"unsupported crit header", forge(with(goodHeader(), "crit", []string{"exp"}), goodPayload(), k1), errCritical},
		{"opaque auth token", "rat_4f9XkQ2mZ8pL0tRv_Yb7nW3cJ5hD1sGq6aEuT9oKiMx", errMalformed},

		// Lifetime.
		{"expired beyond leeway", forge(goodHeader(), with(goodPayload(), "exp", t0.Add(-DefaultLeeway-time.Second).Unix()), k1), errExpired},
		{"nbf in the future beyond leeway", forge(goodHeader(), with(goodPayload(), "nbf", t0.Add(DefaultLeeway+time.Second).Unix()), k1), errNotYetValid},
		{"iat in the future beyond leeway", forge(goodHeader(), with(goodPayload(), "iat", t0.Add(DefaultLeeway+time.Second).Unix()), k1), errNotYetValid},

		// Audience and issuer.
		{"wrong audience", forge(goodHeader(), with(goodPayload(), "aud", "other-api"), k1), errAudience},
		{"wrong issuer", forge(goodHeader(), with(goodPayload(), "iss", "https://evil.example"), k1), errIssuer},
		{"missing audience", forge(goodHeader(), without(goodPayload(), "aud"), k1), errAudience},
		{"missing issuer", forge(goodHeader(), without(goodPayload(), "iss"), k1), errIssuer},

		// Required claims.
		{"missing sub", forge(goodHeader(), without(goodPayload(), "sub"), k1), errMissingClaim},
		{"missing tid", forge(goodHeader(), without(goodPayload(), "tid"), k1), errMissingClaim},
		{"missing exp", forge(goodHeader(), without(goodPayload(), "exp"), k1), errMissingClaim},
		{"missing ver", forge(goodHeader(), without(goodPayload(), "ver"), k1), errMissingClaim},

		// Malformed.
		{"empty token", "", errMalformed},
		{"two segments", seg[0] + "." + seg[1], errMalformed},
		{"four segments", genuine + "." + seg[2], errMalformed},
		{"bad base64 in header", "!!!." + seg[1] + "." + seg[2], errMalformed},
		{"padded base64 in header", seg[0] + "=." + seg[1] + "." + seg[2], errMalformed},
		{"bad base64 in signature", seg[0] + "." + seg[1] + ".***", errMalformed},
		{"bad base64 in signed claims", func() string {
			in := seg[0] + ".%%%"
			return in + "." + b64.EncodeToString(ed25519.Sign(keys[0].Private, []byte(in)))
		}(), errMalformed},
		{"bad JSON header", forge(`{"alg":"EdDSA",`, goodPayload(), k1), errMalformed},
		{"bad JSON in signed claims", forge(goodHeader(), `{"sub":`, k1), errMalformed},
		{"claims not an object", forge(goodHeader(), `["sub"]`, k1), errMalformed},
		{"ver not an integer", forge(goodHeader(), with(goodPayload(), "ver", 1.5), k1), errMalformed},
		{"huge token refused before parsing", forge(goodHeader(), with(goodPayload(), "roles", []string{strings.Repeat("r", MaxSize)}), k1), errTooLarge},
	}
	v := newVerifier(t, keys, t0)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := v.Verify(tt.token)
			if err == nil {
				t.Fatalf("Verify accepted a forged token: %+v", c)
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("Verify = %v, want it refused for %v", err, tt.want)
			}
			var fe *fault.Error
			if !errors.As(err, &fe) || fe.Code != fault.Unauthorized || fe.Message != unauthorized {
				t.Errorf("Verify = %#v, want a fault.Error Unauthorized with the generic message", err)
			}
			if len(tt.token) > 8 && strings.Contains(err.Error(), tt.token[:8]) {
				t.Errorf("error %q quotes the token", err)
			}
			if !c.Expires.IsZero() || c.Subject != "" {
				t.Errorf("Verify returned claims %+v alongside an error", c)
			}
		})
	}
}

func TestClaimsRoundTrip(t *testing.T) {
	keys := signingKeys(t, "")
	in := someClaims()
	// What Issue sets itself must not come from the caller.
	in.Issuer, in.Audience, in.ID, in.Expires = "forged-iss", "forged-aud", "forged-jti", t0.Add(24*time.Hour)
	tok, exp, err := newIssuer(t, keys, t0.Add(500*time.Millisecond)).Issue(in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := newVerifier(t, keys, t0.Add(time.Minute)).Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	if !exp.Equal(t0.Add(DefaultTTL)) || !got.Expires.Equal(exp) {
		t.Errorf("exp = %s, claims exp = %s, want %s", exp, got.Expires, t0.Add(DefaultTTL))
	}
	if !got.IssuedAt.Equal(t0) || !got.NotBefore.Equal(t0) {
		t.Errorf("iat = %s, nbf = %s, want %s", got.IssuedAt, got.NotBefore, t0)
	}
	if got.Issuer != testIssuer || got.Audience != testAudience {
		t.Errorf("iss, aud = %q, %q; want %q, %q", got.Issuer, got.Audience, testIssuer, testAudience)
	}
	if got.Subject != in.Subject || got.Tenant != in.Tenant || got.Account != in.Account || got.Version != in.Version || !slices.Equal(got.Roles, in.Roles) {
		t.Errorf("claims = %+v, want the subject, tenant, account, roles and version of %+v", got, in)
	}
	if len(got.ID) < 22 || got.ID == in.ID {
		t.Errorf("jti = %q, want a fresh random id", got.ID)
	}
}

func TestIssueWritesTheRFC9068Header(t *testing.T) {
	keys := signingKeys(t, `{"active":"k2","kids":["k1","k2"]}`)
	tok, _, err := newIssuer(t, keys, t0).Issue(someClaims())
	if err != nil {
		t.Fatal(err)
	}
	raw, err := b64.DecodeString(strings.Split(tok, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"alg":"EdDSA","kid":"k2","typ":"at+jwt"}`; string(raw) != want {
		t.Errorf("header = %s, want %s", raw, want)
	}
}

func TestIssueGivesEveryTokenItsOwnID(t *testing.T) {
	keys := signingKeys(t, "")
	i, v := newIssuer(t, keys, t0), newVerifier(t, keys, t0)
	a, _, _ := i.Issue(someClaims())
	b, _, _ := i.Issue(someClaims())
	ca, _ := v.Verify(a)
	cb, _ := v.Verify(b)
	if ca.ID == "" || ca.ID == cb.ID {
		t.Fatalf("jti %q and %q, want two different ids", ca.ID, cb.ID)
	}
}

func TestIssueRefusesTokensVerifyWouldRefuse(t *testing.T) {
	i := newIssuer(t, signingKeys(t, ""), t0)
	for _, c := range []Claims{{Tenant: "t"}, {Subject: "u"}} {
		if _, _, err := i.Issue(c); err == nil {
			t.Errorf("Issue(%+v) succeeded, want error for the missing subject or tenant", c)
		}
	}
}

func TestIssuedTokenExpiresAfterTTL(t *testing.T) {
	keys := signingKeys(t, "")
	i, err := NewIssuer(keys, testIssuer, testAudience, 5*time.Minute, at(t0))
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := i.Issue(someClaims())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newVerifier(t, keys, t0.Add(5*time.Minute)).Verify(tok); err != nil {
		t.Errorf("at expiry (within leeway): %v", err)
	}
	if _, err := newVerifier(t, keys, t0.Add(5*time.Minute+DefaultLeeway)).Verify(tok); !errors.Is(err, errExpired) {
		t.Errorf("after expiry plus leeway: %v, want expired", err)
	}
}

// TestRotationNeverLogsAnyoneOut walks the documented rotation of
// secrets.SigningKey from k1 to k2.
func TestRotationNeverLogsAnyoneOut(t *testing.T) {
	var (
		onlyK1    = signingKeys(t, "")
		k2Listed  = signingKeys(t, `{"active":"k1","kids":["k1","k2"]}`)
		k2Active  = signingKeys(t, `{"active":"k2","kids":["k1","k2"]}`)
		k1Removed = signingKeys(t, `{"active":"k2","kids":["k2"]}`)
		issue     = func(keys []secrets.SigningKey) string {
			tok, _, err := newIssuer(t, keys, t0).Issue(someClaims())
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
		kidOf = func(tok string) string {
			var h header
			if err := decodeJSON(strings.Split(tok, ".")[0], &h); err != nil {
				t.Fatal(err)
			}
			return h.Kid
		}
	)
	oldTok := issue(onlyK1)
	if kidOf(oldTok) != "k1" {
		t.Fatalf("before rotation signed with %s, want k1", kidOf(oldTok))
	}
	if kidOf(issue(k2Listed)) != "k1" {
		t.Error("listing k2 changed the signing key; it must only be added for verification")
	}
	newTok := issue(k2Active)
	if kidOf(newTok) != "k2" {
		t.Errorf("after activation signed with %s, want k2", kidOf(newTok))
	}

	steps := []struct {
		name         string
		keys         []secrets.SigningKey
		oldOK, newOK bool
	}{
		{"k2 listed", k2Listed, true, true}, // a container that already knows k2 accepts what an activated one signs
		{"k2 active", k2Active, true, true},
		{"k1 removed", k1Removed, false, true},
	}
	for _, s := range steps {
		v := newVerifier(t, s.keys, t0)
		if _, err := v.Verify(oldTok); (err == nil) != s.oldOK {
			t.Errorf("%s: k1 token error = %v, want accepted = %t", s.name, err, s.oldOK)
		}
		if _, err := v.Verify(newTok); (err == nil) != s.newOK {
			t.Errorf("%s: k2 token error = %v, want accepted = %t", s.name, err, s.newOK)
		}
	}
	if _, err := newVerifier(t, onlyK1, t0).Verify(newTok); !errors.Is(err, errKeyID) {
		t.Errorf("a container that never learnt k2: %v, want unknown kid (why step 2 waits)", err)
	}
}

func TestJWKSPublishesEveryPublicKeyAndNoPrivateOne(t *testing.T) {
	keys := signingKeys(t, `{"active":"k2","kids":["k1","k2"]}`)
	doc, err := JWKS(keys)
	if err != nil {
		t.Fatal(err)
	}
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(doc, &set); err != nil {
		t.Fatal(err)
	}
	if len(set.Keys) != len(keys) {
		t.Fatalf("JWKS has %d keys, want %d", len(set.Keys), len(keys))
	}
	for i, k := range keys {
		want := map[string]any{"kty": "OKP", "crv": "Ed25519", "x": b64.EncodeToString(k.Public()), "kid": k.ID, "use": "sig", "alg": "EdDSA"}
		if !maps.Equal(set.Keys[i], want) {
			t.Errorf("key %d = %v, want %v", i, set.Keys[i], want)
		}
		if _, ok := set.Keys[i]["d"]; ok {
			t.Errorf("key %s has a private \"d\" member", k.ID)
		}
		for _, secret := range [][]byte{k.Private.Seed(), k.Private} {
			if strings.Contains(string(doc), b64.EncodeToString(secret)) {
				t.Errorf("JWKS contains %s's private key", k.ID)
			}
		}
	}
}

// TestJWKSVerifiesIssuedTokens checks that another service holding only the
// published document can verify a token.
func TestJWKSVerifiesIssuedTokens(t *testing.T) {
	keys := signingKeys(t, `{"active":"k2","kids":["k1","k2"]}`)
	doc, _ := JWKS(keys)
	var set struct {
		Keys []struct{ Kid, X string } `json:"keys"`
	}
	if err := json.Unmarshal(doc, &set); err != nil {
		t.Fatal(err)
	}
	tok, _, _ := newIssuer(t, keys, t0).Issue(someClaims())
	seg := strings.Split(tok, ".")
	sig, _ := b64.DecodeString(seg[2])
	x, _ := b64.DecodeString(set.Keys[0].X)
	if set.Keys[0].Kid != "k2" || !ed25519.Verify(x, []byte(seg[0]+"."+seg[1]), sig) {
		t.Fatal("the published active key does not verify an issued token")
	}
}

func TestConstructorsRefuseBadKeySets(t *testing.T) {
	k1 := signingKeys(t, "")
	both := signingKeys(t, `{"active":"k1","kids":["k1","k2"]}`)
	noneActive := slices.Clone(both)
	noneActive[0].Active = false
	twoActive := slices.Clone(both)
	twoActive[1].Active = true
	for name, err := range map[string]error{
		"issuer, no active key":     func() error { _, err := NewIssuer(noneActive, testIssuer, testAudience, 0, nil); return err }(),
		"issuer, two active keys":   func() error { _, err := NewIssuer(twoActive, testIssuer, testAudience, 0, nil); return err }(),
		"issuer, no audience":       func() error { _, err := NewIssuer(k1, testIssuer, "", 0, nil); return err }(),
		"issuer, sub-second ttl":    func() error { _, err := NewIssuer(k1, testIssuer, testAudience, time.Millisecond, nil); return err }(),
		"verifier, no keys":         func() error { _, err := NewVerifier(nil, testIssuer, testAudience, nil, 0); return err }(),
		"verifier, no issuer":       func() error { _, err := NewVerifier(k1, "", testAudience, nil, 0); return err }(),
		"verifier, kid twice":       func() error { _, err := NewVerifier(append(k1, k1...), testIssuer, testAudience, nil, 0); return err }(),
		"verifier, negative leeway": func() error { _, err := NewVerifier(k1, testIssuer, testAudience, nil, -time.Second); return err }(),
		"jwks, no private key":      func() error { _, err := JWKS([]secrets.SigningKey{{ID: "k1"}}); return err }(),
	} {
		if err == nil {
			t.Errorf("%s: succeeded, want error", name)
		}
	}
}

func BenchmarkIssue(b *testing.B) {
	i := newIssuer(b, signingKeys(b, ""), t0)
	c := someClaims()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := i.Issue(c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	keys := signingKeys(b, `{"active":"k2","kids":["k1","k2"]}`)
	tok, _, err := newIssuer(b, keys, t0).Issue(someClaims())
	if err != nil {
		b.Fatal(err)
	}
	v := newVerifier(b, keys, t0)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(tok); err != nil {
			b.Fatal(err)
		}
	}
}
