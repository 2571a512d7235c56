// Package tenant owns the tenant: the unit of isolation every user, key and
// group belongs to.
package tenant

import (
	"regexp"
	"time"
)

// UIDPattern is the documented shape of a tenant uid.
var UIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// MaxUIDLength bounds tenant uids so keys stay small.
const MaxUIDLength = 64

// Tenant is one customer organisation's space in Roster.
type Tenant struct {
	ID           string    // uid, matches UIDPattern
	Organization string    // organisation name (the identity dialect's {organizationName})
	Name         string    // tenant name (the identity dialect's {tenantName})
	Active       bool      // an inactive tenant accepts no requests and no credentials
	CreatedAt    time.Time // when the tenant was created
	// StateAt is the occurredAt of the last provisioning event that set
	// Active (tenant.create, tenant.deactivate, tenant.reactivate), so an
	// older one arriving late changes nothing; zero when none did.
	StateAt time.Time
	// MFARoles are the roles whose users must log in with a second factor
	// (decision 024); empty, the default, requires it of nobody.
	MFARoles []string
}

// RequiresMFA reports whether the tenant requires a second factor of a
// user with the role.
func (t *Tenant) RequiresMFA(role string) bool {
	for _, r := range t.MFARoles {
		if r == role {
			return true
		}
	}
	return false
}

// ValidUID reports whether id is a well-formed tenant uid.
func ValidUID(id string) bool {
	return len(id) <= MaxUIDLength && UIDPattern.MatchString(id)
}
