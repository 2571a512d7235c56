// Package auth owns who a request acts for: the Principal every handler
// reads its tenant, user and roles from, the Authenticator that establishes
// it from an API key or an access token (run by the Lambda authorizer in AWS
// and in process by the local server and tests), and the middleware that
// requires a permission. The tenant of a request comes only from verified
// credentials, never from a header, path or body the caller controls.
package auth

import (
	"context"
	"slices"
	"strings"
	"time"

	"roster/shared/role"
	"roster/shared/tenant"
)

// Method says how a principal proved who it is.
type Method string

// The credentials the authorizer accepts.
const (
	ViaAPIKey      Method = "api_key"      // a tenant API key (machine clients)
	ViaAccessToken Method = "access_token" // a user's access token (JWT)
)

// The callers that act outside any request, each through a principal of
// its own so the directory checks them as it checks every caller. No
// authorizer context carries them (PrincipalFromContext refuses them): a
// request can never claim one.
const (
	// ViaFeed is a tenant's provisioning feed, trusted by its queue's
	// access policy: it may do what the tenant's owner may.
	ViaFeed Method = "feed"
	// ViaInvitation is the holder of an invitation sign-in has checked,
	// joining the invitation's tenant as the person (AccountID) their
	// auth token proved.
	ViaInvitation Method = "invitation"
)

// Principal is the verified caller of a request.
type Principal struct {
	TenantID  string   // the tenant every read and write is confined to
	UserID    string   // the user, for access tokens
	AccountID string   // the person behind the user, for access tokens
	KeyID     string   // the API key, for API keys
	Roles     []string // built-in role ids
	Method    Method   // how the principal was verified
}

// Can reports whether the principal's roles grant p.
func (p Principal) Can(perm role.Permission) bool { return role.Grants(perm, p.Roles...) }

// Actor names the principal in audit fields (createdBy, updatedBy).
func (p Principal) Actor() string {
	if p.Method == ViaAPIKey {
		return "apikey:" + p.KeyID
	}
	return "user:" + p.UserID
}

// Context renders the principal as the Lambda authorizer's context, which
// API Gateway hands to the function with the request.
func (p Principal) Context() map[string]any {
	return map[string]any{
		"tenant": p.TenantID, "user": p.UserID, "account": p.AccountID, "key": p.KeyID,
		"roles": strings.Join(p.Roles, ","), "method": string(p.Method),
	}
}

// PrincipalFromContext reads a principal from an authorizer context; ok is
// false when the context holds no verified principal.
func PrincipalFromContext(m map[string]any) (Principal, bool) {
	get := func(k string) string { s, _ := m[k].(string); return s }
	p := Principal{
		TenantID: get("tenant"), UserID: get("user"), AccountID: get("account"), KeyID: get("key"),
		Method: Method(get("method")),
	}
	if r := get("roles"); r != "" {
		p.Roles = strings.Split(r, ",")
	}
	switch {
	case p.TenantID == "":
		return Principal{}, false
	case p.Method == ViaAPIKey && p.KeyID != "":
	case p.Method == ViaAccessToken && p.UserID != "":
	default:
		return Principal{}, false
	}
	return p, true
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the verified caller, if any.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// APIKey is a stored tenant API key. Only the HMAC of the key is kept.
type APIKey struct {
	ID        string    // public key id, part of the token
	TenantID  string    // the tenant the key acts for
	Name      string    // a label for people
	Roles     []string  // what the key may do; empty means admin (keys made before roles)
	Hash      []byte    `json:"-"` // HMAC-SHA256(pepper, token)
	CreatedAt time.Time // creation time
	CreatedBy string    // who made it
	Revoked   bool      // a revoked key authenticates nothing
}

// KeyRoles returns the roles a key acts with.
func (k *APIKey) KeyRoles() []string {
	if len(k.Roles) == 0 {
		return []string{string(role.Admin)}
	}
	return slices.Clone(k.Roles)
}

// KeyStore finds API keys and the tenants they act for.
type KeyStore interface {
	// GetAPIKey returns the key with the given id. Returns fault.NotFound.
	GetAPIKey(ctx context.Context, id string) (*APIKey, error)
	// GetTenant returns a tenant, so a key of an inactive tenant is
	// refused. Returns fault.NotFound.
	GetTenant(ctx context.Context, id string) (*tenant.Tenant, error)
}
