// Package loginprofile owns a tenant's login profiles: the ways its users
// sign in (the tenant's own passwords, an LDAP directory, a SAML or OpenID
// Connect identity provider). A user names one by its number, the Access
// User API's authId / loginProfileId; a user that names none has the
// tenant's default profile.
//
// Profiles are never changed or deleted once added: users refer to them by
// number, and a reader may keep one it has read for as long as it likes.
package loginprofile

import (
	"context"
	"time"
)

// AuthType is how the users of a profile prove who they are.
type AuthType int

// The authentication types. The numbers are the Access User API's
// authTypeId and never change.
const (
	Local AuthType = 1 // a password kept by the service (hashed)
	LDAP  AuthType = 2 // a bind against the tenant's LDAP / Active Directory
	SAML  AuthType = 3 // a SAML 2.0 identity provider
	OIDC  AuthType = 4 // an OpenID Connect identity provider
)

// Valid reports whether t is one of the authentication types.
func (t AuthType) Valid() bool { return t >= Local && t <= OIDC }

// String is the type's name as the API shows it (authTypeStr).
func (t AuthType) String() string {
	switch t {
	case Local:
		return "LOCAL"
	case LDAP:
		return "LDAP"
	case SAML:
		return "SAML"
	case OIDC:
		return "OIDC"
	}
	return "UNKNOWN"
}

// ManagesPasswords reports whether the service keeps the passwords of the
// type's users; for the others the identity provider does.
func (t AuthType) ManagesPasswords() bool { return t == Local }

// Profile is one login profile of a tenant.
type Profile struct {
	ID        int64     // the tenant-scoped number users refer to; DefaultID or above
	Name      string    // unique per tenant, case-insensitively
	AuthType  AuthType  // how its users sign in
	CreatedAt time.Time // zero for the built-in default
	CreatedBy string    // principal that added it; "" for the built-in default
}

// DefaultID is the number of the profile every tenant has without adding
// it: the tenant's own passwords. A user whose profile is 0 has this one.
const DefaultID int64 = 1

// MaxPerTenant bounds the profiles of one tenant (the default included),
// so listing them is always one small read.
const MaxPerTenant = 100

// Default is the built-in profile every tenant has.
func Default() Profile { return Profile{ID: DefaultID, Name: "Local", AuthType: Local} }

// Effective returns the profile number a user with the stored number id
// has: the default for 0.
func Effective(id int64) int64 {
	if id == 0 {
		return DefaultID
	}
	return id
}

// Store keeps login profiles.
type Store interface {
	// ListLoginProfiles returns the tenant's profiles by number, the
	// built-in default first.
	ListLoginProfiles(ctx context.Context, tenantID string) ([]Profile, error)
	// AddLoginProfile stores a new profile under the next free number and
	// returns it. fault.Conflict naming name when the name is taken;
	// fault.Conflict when the tenant has MaxPerTenant profiles.
	AddLoginProfile(ctx context.Context, tenantID string, p Profile) (Profile, error)
}
