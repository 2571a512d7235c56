// Package seal owns the encryption of third-party secrets Roster must store
// but never show (a user's external access token, an application key):
// AES-256-GCM under the field key, bound to the record it belongs to so a
// sealed value copied to another user or tenant does not open.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// prefix marks the sealing scheme and key. A later key or algorithm gets a
// new prefix, so values sealed under the old one keep opening while they are
// re-sealed.
const prefix = "v1."

// KeySize is the key length New requires: AES-256.
const KeySize = 32

// errOpen is deliberately one error for every way opening can fail: callers
// have nothing different to do, and the value itself is never echoed.
var errOpen = errors.New("open sealed value: malformed, or sealed under another key or context")

// Sealer seals and opens values under one key. It is safe for concurrent use.
type Sealer struct {
	aead cipher.AEAD
}

// New returns a Sealer for a 32-byte key (secrets.Keys.FieldKey).
func New(key []byte) (*Sealer, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("new sealer: key is %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("new sealer: %w", err)
	}
	// The standard library draws a fresh random 96-bit nonce per Seal and
	// prepends it, so no caller can ever reuse one.
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, fmt.Errorf("new sealer: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts plaintext and returns it as "v1." followed by unpadded
// base64url of nonce, ciphertext and tag, safe to store as a string
// attribute. context names where the value lives (for example
// "tenant/user/field") and must be passed unchanged to Open; it is
// authenticated, not stored. Its parts must not be able to run into each
// other (use a separator that cannot occur in them). Seal fails only for an
// empty context, which would let a value open anywhere.
func (s *Sealer) Seal(plaintext []byte, context string) (string, error) {
	if context == "" {
		return "", errors.New("seal: context is empty")
	}
	ct := s.aead.Seal(nil, nil, plaintext, []byte(context))
	return prefix + base64.RawURLEncoding.EncodeToString(ct), nil
}

// Open returns the plaintext of a value sealed by Seal with the same key and
// context. Every failure, whether a bad format, tampering, another key or
// another context, returns the same error.
func (s *Sealer) Open(sealed, context string) ([]byte, error) {
	body, ok := strings.CutPrefix(sealed, prefix)
	if !ok || context == "" {
		return nil, errOpen
	}
	ct, err := base64.RawURLEncoding.Strict().DecodeString(body)
	if err != nil || len(ct) < s.aead.Overhead() {
		return nil, errOpen
	}
	pt, err := s.aead.Open(nil, nil, ct, []byte(context))
	if err != nil {
		return nil, errOpen
	}
	return pt, nil
}
