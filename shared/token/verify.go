package token

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"roster/shared/fault"
	"roster/shared/secrets"
)

// unauthorized is the one message a caller sees for every refused token, so
// a response never tells an attacker which check a forgery failed.
const unauthorized = "The access token is invalid or has expired."

// Verifier checks access tokens against every listed signing key. It keeps
// only the public halves, is safe for concurrent use, and should be built
// once per container.
type Verifier struct {
	keys     map[string]ed25519.PublicKey
	issuer   string
	audience string
	now      func() time.Time
	leeway   time.Duration
}

// NewVerifier returns a Verifier that accepts tokens signed by any of keys
// (all of secrets.Keys.Signing, so tokens signed before a rotation still
// verify) for the given iss and aud. A zero leeway means DefaultLeeway; a
// nil now means time.Now.
func NewVerifier(keys []secrets.SigningKey, issuer, audience string, now func() time.Time, leeway time.Duration) (*Verifier, error) {
	if len(keys) == 0 {
		return nil, errors.New("new token verifier: no signing keys")
	}
	if issuer == "" || audience == "" {
		return nil, errors.New("new token verifier: issuer and audience are required")
	}
	if leeway < 0 {
		return nil, fmt.Errorf("new token verifier: negative leeway %s", leeway)
	}
	if leeway == 0 {
		leeway = DefaultLeeway
	}
	if now == nil {
		now = time.Now
	}
	pub := make(map[string]ed25519.PublicKey, len(keys))
	for _, k := range keys {
		if k.ID == "" || len(k.Private) != ed25519.PrivateKeySize {
			return nil, errors.New("new token verifier: a signing key has no kid or is not an Ed25519 key")
		}
		if _, dup := pub[k.ID]; dup {
			return nil, fmt.Errorf("new token verifier: kid %s listed twice", k.ID)
		}
		pub[k.ID] = k.Public()
	}
	return &Verifier{keys: pub, issuer: issuer, audience: audience, now: now, leeway: leeway}, nil
}

// Verify checks token and returns its claims. Any failure is a *fault.Error
// with code Unauthorized and the same message, whose wrapped Err says why
// for the logs.
//
// It checks the signature before it reads the claims, so the JSON decoder
// only ever sees bytes Roster signed. Whether Version is still the user's
// current one is for the caller to check.
func (v *Verifier) Verify(token string) (Claims, error) {
	c, err := v.verify(token)
	if err != nil {
		return Claims{}, fault.Wrap(err, fault.Unauthorized, unauthorized)
	}
	return c, nil
}

func (v *Verifier) verify(token string) (Claims, error) {
	if len(token) > MaxSize {
		return Claims{}, errTooLarge
	}
	h64, rest, ok1 := strings.Cut(token, ".")
	p64, s64, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.Contains(s64, ".") {
		return Claims{}, fmt.Errorf("%w: not three segments", errMalformed)
	}

	var h header
	if err := decodeJSON(h64, &h); err != nil {
		return Claims{}, fmt.Errorf("%w: header: %w", errMalformed, err)
	}
	// The algorithm is pinned, never taken from the token: "none", HMAC
	// keyed with the public key, RSA and ECDSA all stop here.
	if h.Alg != algorithm {
		return Claims{}, errAlgorithm
	}
	if !strings.EqualFold(h.Typ, Type) && !strings.EqualFold(h.Typ, "application/"+Type) {
		return Claims{}, errType
	}
	if h.Crit != nil {
		return Claims{}, errCritical
	}
	// Only kid picks the key; jwk, jku and x5u headers are never read, so a
	// token cannot bring its own key.
	pub, ok := v.keys[h.Kid]
	if !ok {
		return Claims{}, errKeyID
	}
	sig, err := b64.DecodeString(s64)
	if err != nil {
		return Claims{}, fmt.Errorf("%w: signature: %w", errMalformed, err)
	}
	if len(sig) != ed25519.SignatureSize || !ed25519.Verify(pub, []byte(token[:len(h64)+1+len(p64)]), sig) {
		return Claims{}, errSignature
	}

	var p payload
	if err := decodeJSON(p64, &p); err != nil {
		return Claims{}, fmt.Errorf("%w: claims: %w", errMalformed, err)
	}
	switch {
	case p.Sub == "":
		return Claims{}, fmt.Errorf("%w: sub", errMissingClaim)
	case p.Tid == "":
		return Claims{}, fmt.Errorf("%w: tid", errMissingClaim)
	case p.Exp == nil:
		return Claims{}, fmt.Errorf("%w: exp", errMissingClaim)
	case p.Ver == nil:
		return Claims{}, fmt.Errorf("%w: ver", errMissingClaim)
	case p.Iss != v.issuer:
		return Claims{}, errIssuer
	case p.Aud != v.audience:
		return Claims{}, errAudience
	}

	now := v.now()
	c := Claims{
		Issuer:   p.Iss,
		Audience: p.Aud,
		Subject:  p.Sub,
		Tenant:   p.Tid,
		Account:  p.Acct,
		Roles:    p.Roles,
		Version:  *p.Ver,
		ID:       p.Jti,
		Expires:  unix(p.Exp),
	}
	if !now.Before(c.Expires.Add(v.leeway)) {
		return Claims{}, fmt.Errorf("%w at %s", errExpired, c.Expires.Format(time.RFC3339))
	}
	c.NotBefore, c.IssuedAt = unix(p.Nbf), unix(p.Iat)
	for _, t := range []time.Time{c.NotBefore, c.IssuedAt} {
		if now.Add(v.leeway).Before(t) {
			return Claims{}, fmt.Errorf("%w until %s", errNotYetValid, t.Format(time.RFC3339))
		}
	}
	return c, nil
}

// decodeJSON decodes one base64url segment into v. encoding/json matches
// names case-insensitively ("ALG" fills Alg); unlike a request body
// (web.Decode), that changes nothing here: the header and claims are inside
// the signed input, so only what Roster itself wrote ever verifies.
func decodeJSON(segment string, v any) error {
	raw, err := b64.DecodeString(segment)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}

// unix turns a NumericDate into a time; a missing one is the zero time.
func unix(sec *int64) time.Time {
	if sec == nil {
		return time.Time{}
	}
	return time.Unix(*sec, 0).UTC()
}
