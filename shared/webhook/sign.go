// Package webhook owns the tenants' webhooks (decision 027): Standard
// Webhooks signatures, the guard that keeps deliveries away from private
// and metadata addresses, the sender that makes one delivery, and the
// endpoints tenants register.
package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The Standard Webhooks headers (standardwebhooks.com): the message id
// (the event's id, so a receiver de-duplicates redeliveries), the time of
// this attempt in epoch seconds, and the signatures.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// SecretPrefix starts every signing secret, as the specification writes
// them: whsec_ and the base64 of the key.
const SecretPrefix = "whsec_"

// secretBytes is the key's length: the specification asks for 24 to 64
// random bytes.
const secretBytes = 32

// NewSecret returns a fresh signing secret.
func NewSecret() (string, error) {
	b := make([]byte, secretBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("webhook secret: %w", err)
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(b), nil
}

func key(secret string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, SecretPrefix))
	if err != nil || len(b) == 0 {
		return nil, errors.New("webhook secret: not whsec_ and base64")
	}
	return b, nil
}

// Sign returns the webhook-signature value for a message: "v1," and the
// base64 HMAC-SHA256 of "<id>.<timestamp>.<body>" under the secret's key.
func Sign(secret, id string, at time.Time, body []byte) (string, error) {
	k, err := key(secret)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, k)
	m.Write([]byte(id + "." + strconv.FormatInt(at.Unix(), 10) + "."))
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil)), nil
}

// Headers returns the three headers of a signed delivery.
func Headers(secret, id string, at time.Time, body []byte) (http.Header, error) {
	sig, err := Sign(secret, id, at, body)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(at.Unix(), 10))
	h.Set(HeaderSignature, sig)
	return h, nil
}

// Tolerance is how far a message's timestamp may be from the receiver's
// clock, as the specification's reference libraries allow.
const Tolerance = 5 * time.Minute

// ErrSignature is what Verify answers for a message it cannot trust.
var ErrSignature = errors.New("webhook: signature does not verify")

// Verify checks a delivery as a receiver should: the timestamp within
// Tolerance of now and one of the space-separated v1 signatures matching,
// compared in constant time. Receivers in Go can use it; Roster's own
// tests check it against the reference implementation.
func Verify(secret string, h http.Header, body []byte, now time.Time) error {
	ts, err := strconv.ParseInt(h.Get(HeaderTimestamp), 10, 64)
	if err != nil {
		return ErrSignature
	}
	at := time.Unix(ts, 0)
	if now.Sub(at) > Tolerance || at.Sub(now) > Tolerance {
		return ErrSignature
	}
	want, err := Sign(secret, h.Get(HeaderID), at, body)
	if err != nil {
		return err
	}
	for _, sig := range strings.Fields(h.Get(HeaderSignature)) {
		if hmac.Equal([]byte(sig), []byte(want)) {
			return nil
		}
	}
	return ErrSignature
}
