package secrets

import (
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"slices"
)

// signingKeyLabel prefixes the HKDF info of each signing key; the kid
// completes it, so every kid names a different key and a new kid is a new
// key without a new master key.
const signingKeyLabel = "roster/signing-key/v1/"

// DefaultSigningKeyID is the only signing key, and the active one, when the
// secret has no signingKeys member: a freshly generated secret signs at once.
const DefaultSigningKeyID = "k1"

// maxKeyIDLength bounds a kid. Kids travel in every token header and in the
// JWKS document, so they stay short and URL- and JSON-safe.
const maxKeyIDLength = 32

// SigningKey is one Ed25519 access-token signing key, named by the kid that
// tokens carry in their header. Private is secret: it never marshals to
// JSON and every formatting path (fmt, slog) prints only the kid.
//
// Rotation, with no one logged out. Every listed kid is accepted when
// verifying; only the active one signs. Keys are read once per container
// (through a cache whose TTL is one hour), so "every function knows" means
// every container started before the change is gone; redeploying the
// functions replaces them all at once. Edit the secret value only (for
// example with put-secret-value, keeping masterKey): changing the template's
// GenerateSecretString would generate a new masterKey.
//
//  1. Add the new kid to kids, leaving active as it is:
//     {"active":"k1","kids":["k1","k2"]}.
//  2. Wait until every function knows the new kid (or redeploy). Until then
//     a container with the old list would reject tokens signed with it.
//  3. Make the new kid active: {"active":"k2","kids":["k1","k2"]}.
//  4. Wait until every function signs with the new kid (or redeploy), then
//     for the longest token lifetime plus the verifier's leeway, so every
//     token signed with the old kid has expired.
//  5. Remove the old kid: {"active":"k2","kids":["k2"]}. Its tokens now fail.
//
// A kid that leaks is removed at once instead; its holders must log in again.
type SigningKey struct {
	// ID is the kid.
	ID string `json:"kid"`
	// Private is the Ed25519 private key derived for ID.
	Private ed25519.PrivateKey `json:"-"`
	// Active marks the one key that signs new tokens.
	Active bool `json:"active"`
}

// Public returns the verification half of k, which is safe to publish.
func (k SigningKey) Public() ed25519.PublicKey {
	return k.Private.Public().(ed25519.PublicKey)
}

func (k SigningKey) redacted() string {
	return fmt.Sprintf("secrets.SigningKey{ID:%q Active:%t Private:REDACTED}", k.ID, k.Active)
}

// String hides the private key.
func (k SigningKey) String() string { return k.redacted() }

// GoString hides the private key from %#v.
func (k SigningKey) GoString() string { return k.redacted() }

// Format hides the private key from every fmt verb, including those (%d, %x)
// that would otherwise bypass String and print the fields.
func (k SigningKey) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(k.redacted())) }

// LogValue hides the private key from slog.
func (k SigningKey) LogValue() slog.Value { return slog.StringValue(k.redacted()) }

// signingFile is the optional signingKeys member of the secret.
type signingFile struct {
	Active string   `json:"active"`
	Kids   []string `json:"kids"`
}

// kids returns the kids to derive, the active one first. A nil f is the
// default single key. Errors never quote a kid: a malformed one may be a
// secret pasted into the wrong place.
func (f *signingFile) kids() ([]string, error) {
	if f == nil {
		return []string{DefaultSigningKeyID}, nil
	}
	if len(f.Kids) == 0 {
		return nil, errors.New("signingKeys.kids is empty")
	}
	for i, kid := range f.Kids {
		if !validKeyID(kid) {
			return nil, fmt.Errorf("signingKeys.kids[%d] is not 1 to %d of [A-Za-z0-9._-]", i, maxKeyIDLength)
		}
		if slices.Contains(f.Kids[:i], kid) {
			return nil, fmt.Errorf("signingKeys.kids[%d] repeats an earlier kid", i)
		}
	}
	at := slices.Index(f.Kids, f.Active)
	if at < 0 {
		return nil, errors.New("signingKeys.active is not one of signingKeys.kids")
	}
	kids := make([]string, 0, len(f.Kids))
	kids = append(kids, f.Active)
	kids = append(kids, f.Kids[:at]...)
	return append(kids, f.Kids[at+1:]...), nil
}

func validKeyID(kid string) bool {
	if kid == "" || len(kid) > maxKeyIDLength {
		return false
	}
	for _, c := range []byte(kid) {
		ok := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}

// deriveSigningKeys derives one Ed25519 key per kid; the first is active.
// The seed comes from HKDF like every other key, so the secret never holds
// a private key and a new kid needs nothing but its name.
func deriveSigningKeys(master []byte, kids []string) ([]SigningKey, error) {
	keys := make([]SigningKey, 0, len(kids))
	for i, kid := range kids {
		seed, err := hkdf.Key(sha256.New, master, nil, signingKeyLabel+kid, ed25519.SeedSize)
		if err != nil {
			return nil, fmt.Errorf("derive signing key %s: %w", kid, err)
		}
		keys = append(keys, SigningKey{ID: kid, Private: ed25519.NewKeyFromSeed(seed), Active: i == 0})
	}
	return keys, nil
}
