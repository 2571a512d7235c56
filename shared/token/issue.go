package token

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"roster/shared/secrets"
)

// Issuer signs access tokens with the active signing key. It is safe for
// concurrent use; build one per container.
type Issuer struct {
	key      ed25519.PrivateKey
	header   string // the encoded JOSE header, the same for every token
	issuer   string
	audience string
	ttl      time.Duration
	now      func() time.Time
}

// NewIssuer returns an Issuer that signs with the one key in keys marked
// Active (secrets.Keys.Signing), for the given iss and aud. A zero ttl means
// DefaultTTL; a nil now means time.Now.
func NewIssuer(keys []secrets.SigningKey, issuer, audience string, ttl time.Duration, now func() time.Time) (*Issuer, error) {
	var active []secrets.SigningKey
	for _, k := range keys {
		if k.Active {
			active = append(active, k)
		}
	}
	if len(active) != 1 {
		return nil, fmt.Errorf("new token issuer: %d active signing keys, want 1", len(active))
	}
	key := active[0]
	if key.ID == "" || len(key.Private) != ed25519.PrivateKeySize {
		return nil, errors.New("new token issuer: active signing key has no kid or is not an Ed25519 key")
	}
	if issuer == "" || audience == "" {
		return nil, errors.New("new token issuer: issuer and audience are required")
	}
	if ttl == 0 {
		ttl = DefaultTTL
	}
	// Claims carry whole seconds; a shorter lifetime would round to nothing.
	if ttl < time.Second {
		return nil, fmt.Errorf("new token issuer: ttl %s is shorter than a second", ttl)
	}
	if now == nil {
		now = time.Now
	}
	h, err := json.Marshal(header{Alg: algorithm, Kid: key.ID, Typ: Type})
	if err != nil {
		return nil, fmt.Errorf("new token issuer: encode header: %w", err)
	}
	return &Issuer{
		key:      key.Private,
		header:   b64.EncodeToString(h),
		issuer:   issuer,
		audience: audience,
		ttl:      ttl,
		now:      now,
	}, nil
}

// Issue signs an access token for c's Subject, Tenant, Account, Roles and
// Version, and returns it with its expiry. It sets iss, aud, iat, nbf, exp
// and jti itself, ignoring whatever c holds there, so no caller can mint a
// token for another audience or a longer life. Subject and Tenant are
// required: Verify would refuse a token without them.
func (i *Issuer) Issue(c Claims) (token string, exp time.Time, err error) {
	if c.Subject == "" || c.Tenant == "" {
		return "", time.Time{}, errors.New("issue access token: subject and tenant are required")
	}
	iat := i.now().Unix()
	expires := iat + int64(i.ttl/time.Second)
	roles := c.Roles
	if roles == nil {
		roles = []string{} // an empty list, not null, for other readers of the token
	}
	var jti [16]byte
	_, _ = rand.Read(jti[:]) // never fails; the runtime aborts if randomness is unavailable
	body, err := json.Marshal(payload{
		Iss:   i.issuer,
		Aud:   i.audience,
		Sub:   c.Subject,
		Tid:   c.Tenant,
		Acct:  c.Account,
		Roles: roles,
		Ver:   &c.Version,
		Jti:   b64.EncodeToString(jti[:]),
		Iat:   &iat,
		Nbf:   &iat,
		Exp:   &expires,
	})
	if err != nil {
		return "", time.Time{}, fmt.Errorf("issue access token: encode claims: %w", err)
	}

	// header.payload.signature, built in one buffer sized up front.
	n := len(i.header) + 1 + b64.EncodedLen(len(body))
	buf := make([]byte, 0, n+1+b64.EncodedLen(ed25519.SignatureSize))
	buf = append(buf, i.header...)
	buf = append(buf, '.')
	buf = b64.AppendEncode(buf, body)
	sig := ed25519.Sign(i.key, buf[:n])
	buf = append(buf, '.')
	buf = b64.AppendEncode(buf, sig)
	return string(buf), time.Unix(expires, 0).UTC(), nil
}
