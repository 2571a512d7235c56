package auth

import (
	"context"
	"strings"

	"roster/shared/fault"
	"roster/shared/opaque"
	"roster/shared/tenant"
	"roster/shared/token"
	"roster/shared/user"
)

// TokenVerifier checks an access token's signature and claims.
type TokenVerifier interface {
	Verify(token string) (token.Claims, error)
}

// UserReader reads the user an access token names together with its
// tenant, in one call, so a token is refused once its user is deactivated,
// deleted or has changed password, or its tenant is deactivated.
type UserReader interface {
	// GetUserAndTenant returns the user and its tenant. fault.NotFound
	// when either is missing.
	GetUserAndTenant(ctx context.Context, tenantID, id string) (*user.User, *tenant.Tenant, error)
}

// Authenticator verifies the credential in an Authorization header: a
// tenant API key or a user's access token. The Lambda authorizer runs it in
// AWS; the local server and tests run the same code in process.
type Authenticator struct {
	Keys   KeyStore
	Pepper []byte
	Tokens TokenVerifier
	Users  UserReader
}

// errUnauthenticated is the one answer for every rejected credential, so a
// caller learns nothing about which check failed.
var errUnauthenticated = fault.New(fault.Unauthorized, "A valid API key or access token is required in the Authorization header.")

// dummyHash stands in for a stored hash when the key id is unknown, so an
// unknown key costs the same HMAC and comparison as a wrong one.
var dummyHash = make([]byte, 32)

// Authenticate returns the principal the header proves. Every rejection is
// the same fault.Unauthorized; the reason is in the wrapped error, for logs.
// A store failure is returned as it is (Unavailable or Internal).
func (a *Authenticator) Authenticate(ctx context.Context, header string) (Principal, error) {
	cred := strings.TrimSpace(header)
	if len(cred) > 7 && strings.EqualFold(cred[:7], "bearer ") {
		cred = strings.TrimSpace(cred[7:])
	}
	if cred == "" {
		return Principal{}, reject("no credential")
	}
	if opaque.APIKey.Is(cred) {
		return a.apiKey(ctx, cred)
	}
	return a.accessToken(ctx, cred)
}

func reject(reason string) error {
	e := *errUnauthenticated
	e.Err = fault.New(fault.Unauthorized, "%s", reason)
	return &e
}

func (a *Authenticator) apiKey(ctx context.Context, cred string) (Principal, error) {
	id, err := opaque.APIKey.Parse(cred)
	if err != nil {
		return Principal{}, reject("malformed api key")
	}
	if a.Keys == nil {
		return Principal{}, reject("api keys not accepted here")
	}
	k, err := a.Keys.GetAPIKey(ctx, id)
	switch {
	case fault.CodeOf(err) == fault.NotFound:
		opaque.Verify(a.Pepper, cred, dummyHash)
		return Principal{}, reject("unknown api key id")
	case err != nil:
		return Principal{}, err
	}
	if !opaque.Verify(a.Pepper, cred, k.Hash) {
		return Principal{}, reject("wrong api key secret")
	}
	if k.Revoked {
		return Principal{}, reject("revoked api key")
	}
	// Only the key names its tenant, so the tenant is a second read; it
	// comes after the secret is proven, so an unknown or wrong key costs
	// one read and learns nothing about tenants.
	tn, err := a.Keys.GetTenant(ctx, k.TenantID)
	switch {
	case fault.CodeOf(err) == fault.NotFound:
		return Principal{}, reject("api key tenant gone")
	case err != nil:
		return Principal{}, err
	case !tn.Active:
		return Principal{}, reject("api key tenant inactive")
	}
	return Principal{TenantID: k.TenantID, KeyID: k.ID, Roles: k.KeyRoles(), Method: ViaAPIKey}, nil
}

func (a *Authenticator) accessToken(ctx context.Context, cred string) (Principal, error) {
	if a.Tokens == nil || a.Users == nil {
		return Principal{}, reject("access tokens not accepted here")
	}
	c, err := a.Tokens.Verify(cred)
	if err != nil {
		return Principal{}, reject("access token: " + err.Error())
	}
	u, tn, err := a.Users.GetUserAndTenant(ctx, c.Tenant, c.Subject)
	switch {
	case fault.CodeOf(err) == fault.NotFound:
		return Principal{}, reject("token user or tenant gone")
	case err != nil:
		return Principal{}, err
	case !tn.Active:
		return Principal{}, reject("token tenant inactive")
	case !u.Active:
		return Principal{}, reject("token user inactive")
	case u.TokenVersion != c.Version:
		return Principal{}, reject("token revoked by a newer token version")
	}
	// Roles come from the user as it is now, so a demotion takes effect
	// at once rather than when the token expires.
	return Principal{TenantID: c.Tenant, UserID: c.Subject, AccountID: c.Account, Roles: []string{u.Role}, Method: ViaAccessToken}, nil
}
