// Package opaque owns Roster's opaque secrets: API keys, device tokens,
// auth tokens and invite tokens. Each has the form <prefix>_<id>_<secret>;
// the id finds the stored record, the secret proves possession, and the
// whole token is stored and compared only as a peppered HMAC, in constant
// time. The prefix says what a token is for, so one kind is never accepted
// as another, and the HMAC covers it.
package opaque

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"fmt"
	"log/slog"
	"strings"

	"roster/shared/fault"
)

// Token layout. Every length is fixed so Parse can check positions rather
// than split on "_", which also occurs in base64url secrets.
const (
	prefixLen = 4  // "rst_"
	idBytes   = 10 // 80 bits: unique enough to find a key, and not a secret
	idLen     = 16 // base32 of idBytes, no padding
	secBytes  = 32 // 256 bits of guessing resistance
	secLen    = 43 // base64url of secBytes, no padding
	sepAt     = prefixLen + idLen
	secAt     = sepAt + 1
	tokenLen  = secAt + secLen
	idChars   = "abcdefghijklmnopqrstuvwxyz234567"
)

const redactTok = "REDACTED"

// idEncoding is lowercase base32 so ids are readable, case-stable in URLs and
// logs, and never contain the "_" separator.
var idEncoding = base32.NewEncoding(idChars).WithPadding(base32.NoPadding)

// Kind is a kind of opaque token, told apart by its prefix.
type Kind struct {
	Prefix string // three letters and "_"
	Name   string // for messages: "API key", "device token", ...
}

// The kinds Roster issues.
var (
	APIKey = Kind{Prefix: "rst_", Name: "API key"}            // tenant API key, for machine clients
	Device = Kind{Prefix: "rdt_", Name: "device token"}       // a device registered to a tenant
	Auth   = Kind{Prefix: "rat_", Name: "auth token"}         // proof of login, exchanged for access tokens
	Invite = Kind{Prefix: "rit_", Name: "invite token"}       // an invitation into a tenant
	Reset  = Kind{Prefix: "rrt_", Name: "reset token"}        // a password reset, mailed to the person (decision 021)
	Email  = Kind{Prefix: "rvt_", Name: "verification token"} // proves an email address, mailed to it (decision 023)
)

// Key is an opaque token. ID is safe to store, log and show; Token is the
// secret and is shown to its owner once, at creation, then only its Hash is
// kept. Formatting a Key with fmt or slog hides the Token.
type Key struct {
	ID    string
	Token string
}

// String names the key without its token.
func (k Key) String() string { return "opaque.Key{ID:" + k.ID + " Token:" + redactTok + "}" }

// GoString hides the token from %#v.
func (k Key) GoString() string { return k.String() }

// Format hides the token from every fmt verb, including those (%d, %x) that
// would otherwise bypass String and print the fields.
func (k Key) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(k.String())) }

// LogValue logs the id only.
func (k Key) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", k.ID), slog.String("token", redactTok))
}

// Generate returns a new random token of this kind.
func (kd Kind) Generate() (Key, error) {
	id := make([]byte, idBytes)
	sec := make([]byte, secBytes)
	// crypto/rand never returns an error (the runtime aborts instead); the
	// checks keep that assumption local.
	if _, err := rand.Read(id); err != nil {
		return Key{}, fmt.Errorf("generate %s: %w", kd.Name, err)
	}
	if _, err := rand.Read(sec); err != nil {
		return Key{}, fmt.Errorf("generate %s: %w", kd.Name, err)
	}
	return kd.newKey(idEncoding.EncodeToString(id), base64.RawURLEncoding.EncodeToString(sec)), nil
}

func (kd Kind) newKey(id, secret string) Key {
	return Key{ID: id, Token: kd.Prefix + id + "_" + secret}
}

// FromSecret builds the key with the given id and secret, for a fixed,
// configured key such as a local demo key. It returns a fault.Invalid error,
// which does not repeat either part, when they are not in the generated
// format.
func (kd Kind) FromSecret(id, secret string) (Key, error) {
	k := kd.newKey(id, secret)
	// The lengths are checked apart from Parse: an id that ends in "_x" and
	// a secret one shorter would otherwise join into a valid-looking token.
	if _, err := kd.Parse(k.Token); err != nil || len(id) != idLen || len(secret) != secLen {
		return Key{}, fault.New(fault.Invalid, "The %s id or secret is not in the %s format.", kd.Name, kd.Name)
	}
	return k, nil
}

// Parse checks that token has the exact format of this kind and returns its id
// for the lookup. On any deviation it returns a fault.Unauthorized error with
// one generic message: telling a caller which part was wrong helps only an
// attacker. Parse does not prove the token is genuine; Verify does.
func (kd Kind) Parse(token string) (id string, err error) {
	if len(token) != tokenLen || token[:prefixLen] != kd.Prefix || token[sepAt] != '_' {
		return "", kd.invalid()
	}
	id, secret := token[prefixLen:sepAt], token[secAt:]
	for i := 0; i < len(id); i++ {
		if strings.IndexByte(idChars, id[i]) < 0 {
			return "", kd.invalid()
		}
	}
	for i := 0; i < len(secret); i++ {
		if !isBase64URL(secret[i]) {
			return "", kd.invalid()
		}
	}
	// With the alphabet already checked, Strict rejects only a last
	// character with stray low bits, so each secret has one spelling.
	if _, err := base64.RawURLEncoding.Strict().DecodeString(secret); err != nil {
		return "", kd.invalid()
	}
	return id, nil
}

func (kd Kind) invalid() error {
	return fault.New(fault.Unauthorized, "The %s is invalid.", kd.Name)
}

// Is reports whether token carries this kind's prefix (it may still be
// malformed), so a header can be routed to the right check.
func (kd Kind) Is(token string) bool { return strings.HasPrefix(token, kd.Prefix) }

func isBase64URL(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// Hash returns HMAC-SHA256(pepper, token), the only form of a token that is
// stored. The pepper (secrets.Keys.Pepper) lives outside the table, so a
// copy of the table alone cannot be used to check guesses.
func Hash(pepper []byte, token string) []byte {
	m := hmac.New(sha256.New, pepper)
	m.Write([]byte(token))
	return m.Sum(nil)
}

// Verify reports whether token hashes to stored, comparing in constant time
// so response timing reveals nothing about how close a guess was.
func Verify(pepper []byte, token string, stored []byte) bool {
	return hmac.Equal(Hash(pepper, token), stored)
}

// Derive returns the token of this kind that key and label determine: the
// same inputs always give the same token. It is for a token whose only
// stored form is its hash but which must be delivered again after a failed
// first delivery (a provisioned owner's invitation). key must be secret and
// label unique to the token; id and secret come from separate HMACs, so
// knowing the id (which is logged) says nothing of the secret.
func (kd Kind) Derive(key []byte, label string) Key {
	sum := func(part string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(kd.Prefix + part + "\x00" + label))
		return m.Sum(nil)
	}
	return kd.newKey(idEncoding.EncodeToString(sum("id")[:idBytes]), base64.RawURLEncoding.EncodeToString(sum("secret")))
}
