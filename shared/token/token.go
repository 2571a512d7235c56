// Package token owns Roster's access tokens: short-lived JWTs (RFC 9068,
// typ "at+jwt") signed with EdDSA over Ed25519 keys from shared/secrets,
// how they are issued and verified, and the JWKS document that publishes
// their public keys. It carries the claims; deciding what they allow (roles,
// whether the token version is still current) is the caller's business.
//
// The JWS is built here on the standard library rather than a general JWT
// library: Roster signs with one algorithm and one token shape, so a
// verifier that knows only those has no algorithm or header option to be
// talked into.
package token

import (
	"encoding/base64"
	"errors"
	"time"
)

// Defaults used when a constructor is given zero.
const (
	// DefaultTTL is an access token's lifetime: short, because a token
	// cannot be recalled before it expires except by the version check.
	DefaultTTL = 15 * time.Minute
	// DefaultLeeway absorbs clock skew between the Lambda hosts that issue
	// and verify a token.
	DefaultLeeway = 30 * time.Second
)

// MaxSize is the longest token Verify reads; longer ones are refused before
// any decoding, so a huge header cannot cost parsing time or memory. Real
// tokens are a few hundred bytes.
const MaxSize = 8 << 10

// Type is the JWS typ header of an access token (RFC 9068). Verify requires
// it, so a JWT minted for another purpose (an ID token, say) with the same
// key cannot be replayed as an access token.
const Type = "at+jwt"

// algorithm is the only JWS alg Roster signs or accepts.
const algorithm = "EdDSA"

// Claims is what an access token says about its holder.
type Claims struct {
	Issuer    string    // iss
	Audience  string    // aud
	Subject   string    // sub: the user id
	Tenant    string    // tid: the tenant uid
	Account   string    // acct: the account (person) id behind the user
	Roles     []string  // roles
	Version   int64     // ver: the user's token version; a password change bumps it so older tokens can be refused
	ID        string    // jti: unique per token, for logs and deny lists
	IssuedAt  time.Time // iat
	NotBefore time.Time // nbf
	Expires   time.Time // exp
}

// header is the JOSE header. Crit is read only to refuse it: Roster
// understands no extension, and RFC 7515 says a token naming one it does not
// understand must be rejected.
type header struct {
	Alg  string   `json:"alg"`
	Kid  string   `json:"kid,omitempty"`
	Typ  string   `json:"typ,omitempty"`
	Crit []string `json:"crit,omitempty"`
}

// payload is the JWT claims set. The pointers tell a missing claim from a
// zero one, so a token without ver or exp is refused rather than read as 0.
type payload struct {
	Iss   string   `json:"iss"`
	Aud   string   `json:"aud"`
	Sub   string   `json:"sub"`
	Tid   string   `json:"tid"`
	Acct  string   `json:"acct,omitempty"`
	Roles []string `json:"roles"`
	Ver   *int64   `json:"ver"`
	Jti   string   `json:"jti"`
	Iat   *int64   `json:"iat"`
	Nbf   *int64   `json:"nbf"`
	Exp   *int64   `json:"exp"`
}

// b64 is base64url without padding (RFC 7515). Strict refuses non-zero
// trailing bits, so each token has exactly one spelling and a deny list or
// cache keyed by the token string cannot be sidestepped by re-encoding.
var b64 = base64.RawURLEncoding.Strict()

// Why Verify refused a token. They only ever reach logs, wrapped in a
// fault.Error whose message is the same for all of them.
var (
	errTooLarge     = errors.New("token longer than MaxSize")
	errMalformed    = errors.New("malformed token")
	errAlgorithm    = errors.New("algorithm is not EdDSA")
	errType         = errors.New("typ is not at+jwt")
	errCritical     = errors.New("unsupported critical header")
	errKeyID        = errors.New("missing or unknown kid")
	errSignature    = errors.New("bad signature")
	errMissingClaim = errors.New("missing required claim")
	errIssuer       = errors.New("wrong issuer")
	errAudience     = errors.New("wrong audience")
	errExpired      = errors.New("token expired")
	errNotYetValid  = errors.New("token not yet valid")
)
