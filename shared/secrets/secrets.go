// Package secrets owns Roster's key material: it reads the one Secrets
// Manager secret that holds the master key and derives every purpose-specific
// key from it. Functions load it once per container at init, never per
// request, so a request never waits on Secrets Manager.
package secrets

import (
	"context"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
)

// secretVersion is the only secret layout Load understands. A new layout
// that an older function would misread gets a new number. An optional member
// that older functions may safely ignore (signingKeys: functions built before
// it neither sign nor verify tokens) does not.
const secretVersion = 1

// MinMasterKeyLength is the shortest master key Parse accepts: 43 random
// alphanumerics carry just over 256 bits, the strength of the keys derived
// from it. The deployed secret is generated with 64.
const MinMasterKeyLength = 43

// masterKeyLength is what NewMasterKey generates, matching the deployed secret.
const masterKeyLength = 64

// HKDF info labels. Each purpose has its own label so that a key leaked or
// misused in one place says nothing about another; bump the version suffix to
// rotate one purpose without touching the others.
const (
	pepperLabel   = "roster/pepper/v1"
	fieldKeyLabel = "roster/field-key/v1"
)

// keyLength is the size of every derived symmetric key: HMAC-SHA256 pepper
// and AES-256 key alike.
const keyLength = 32

// Keys is the key material derived from the master key. Its fields are
// secret: they never marshal to JSON and every formatting path (fmt, slog)
// prints a placeholder, so a stray log line cannot leak them.
type Keys struct {
	// Pepper is the HMAC key for stored hashes of API keys and other opaque
	// tokens, and the pepper for password hashes: a stolen table alone is
	// not enough to test guesses.
	Pepper []byte `json:"-"`
	// FieldKey is the AES-256 key that seals stored third-party secrets.
	FieldKey []byte `json:"-"`
	// Signing holds the access-token signing keys, the active one first and
	// marked Active; the others are still accepted when verifying, so a
	// rotation never logs anyone out. See SigningKey for the procedure.
	Signing []SigningKey `json:"-"`
}

const redacted = "secrets.Keys{REDACTED}"

// String hides the key bytes.
func (Keys) String() string { return redacted }

// GoString hides the key bytes from %#v.
func (Keys) GoString() string { return redacted }

// Format hides the key bytes from every fmt verb, including those (%d, %x)
// that would otherwise bypass String and print the fields.
func (Keys) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// LogValue hides the key bytes from slog.
func (Keys) LogValue() slog.Value { return slog.StringValue(redacted) }

// Source reads a secret's string value. *Cache satisfies it;
// tests use a fake.
type Source interface {
	GetSecretStringWithContext(ctx context.Context, secretID string) (string, error)
}

// Load reads the secret secretID from src and derives the Keys from it.
// Errors name the secret but never include its content.
func Load(ctx context.Context, src Source, secretID string) (Keys, error) {
	s, err := src.GetSecretStringWithContext(ctx, secretID)
	if err != nil {
		return Keys{}, fmt.Errorf("read key secret %s: %w", secretID, err)
	}
	keys, err := Parse(s)
	if err != nil {
		return Keys{}, fmt.Errorf("key secret %s: %w", secretID, err)
	}
	return keys, nil
}

// secretFile is the layout of the secret string.
type secretFile struct {
	Version     int          `json:"version"`
	MasterKey   string       `json:"masterKey"`
	SigningKeys *signingFile `json:"signingKeys,omitempty"`
}

// Parse derives the Keys from a secret string of the form
// {"version":1,"masterKey":"...","signingKeys":{"active":"k2","kids":["k1","k2"]}},
// where signingKeys is optional and defaults to the single active kid "k1".
// Its errors never include any part of the string: JSON decoding errors can
// quote the input, so they are not wrapped.
func Parse(secretString string) (Keys, error) {
	var f secretFile
	if err := json.Unmarshal([]byte(secretString), &f); err != nil {
		return Keys{}, errors.New("parse key secret: not a JSON object with a version and a masterKey string")
	}
	if f.Version != secretVersion {
		return Keys{}, fmt.Errorf("parse key secret: version %d is not supported (want %d)", f.Version, secretVersion)
	}
	if f.MasterKey == "" {
		return Keys{}, errors.New("parse key secret: masterKey is missing")
	}
	if len(f.MasterKey) < MinMasterKeyLength {
		return Keys{}, fmt.Errorf("parse key secret: masterKey is shorter than %d characters", MinMasterKeyLength)
	}
	kids, err := f.SigningKeys.kids()
	if err != nil {
		return Keys{}, fmt.Errorf("parse key secret: %w", err)
	}
	return derive([]byte(f.MasterKey), kids)
}

// derive expands the master key into one key per purpose. No salt: the
// master key is already random, and HKDF needs a salt only to extract
// entropy from non-uniform input.
func derive(master []byte, kids []string) (Keys, error) {
	pepper, err := hkdf.Key(sha256.New, master, nil, pepperLabel, keyLength)
	if err != nil {
		return Keys{}, fmt.Errorf("derive pepper: %w", err)
	}
	fieldKey, err := hkdf.Key(sha256.New, master, nil, fieldKeyLabel, keyLength)
	if err != nil {
		return Keys{}, fmt.Errorf("derive field key: %w", err)
	}
	signing, err := deriveSigningKeys(master, kids)
	if err != nil {
		return Keys{}, err
	}
	return Keys{Pepper: pepper, FieldKey: fieldKey, Signing: signing}, nil
}

const alphanumerics = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// NewMasterKey returns 64 random alphanumerics, the same shape as the
// deployed secret's master key, for a local stack's secret.
func NewMasterKey() string {
	// Rejection sampling: 248 is the largest multiple of 62 that fits in a
	// byte, so accepting only bytes below it keeps every character equally
	// likely.
	const limit = 256 - 256%len(alphanumerics)
	out := make([]byte, 0, masterKeyLength)
	buf := make([]byte, masterKeyLength)
	for len(out) < masterKeyLength {
		rand.Read(buf) // never fails; the runtime aborts if randomness is unavailable
		for _, b := range buf {
			if int(b) < limit && len(out) < masterKeyLength {
				out = append(out, alphanumerics[int(b)%len(alphanumerics)])
			}
		}
	}
	return string(out)
}

// SecretString returns the secret string for masterKey in the layout Parse
// reads, for a local stack creating its own secret.
func SecretString(masterKey string) string {
	b, _ := json.Marshal(secretFile{Version: secretVersion, MasterKey: masterKey}) // cannot fail for these field types
	return string(b)
}
