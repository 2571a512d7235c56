package user

import (
	"slices"
	"strings"
	"time"
)

// DefaultRole is the role of a user created without one: the least a
// user can hold.
const DefaultRole = "member"

// Fields are what the creator of a user chooses. Everything else a new user
// starts with (id, number, version, times and actors) New decides.
type Fields struct {
	TenantID  string // owning tenant
	AccountID string // the person behind the user; "" for a new person, who gets an account
	Username  string
	Email     string // trimmed by New; "" for none
	FirstName string
	LastName  string
	// DisplayName is how the user is shown.
	DisplayName        string
	Active             bool
	Role               string // "" means DefaultRole
	LDAPUserName       string
	NotificationsOptIn bool
	EmailVerified      bool     // the creator vouches for the address (an administrator, provisioning)
	LoginProfileID     int64    // 0: the tenant's default login profile
	Groups             []string // group ids; New keeps each once, sorted
	ExternalID         string   // a feed's or identity provider's key; "" for none
	Profile            *Profile // SCIM's further attributes; nil for none
}

// New builds a new user record, the one place every way of creating a
// user (the five dialects, provisioning, invitations, the local stack's
// seed) goes through, so a new user starts the same whichever door it came
// in by: a fresh id, a first number to try (a store draws again on a
// collision), Version 1, created and updated at now by by, the email
// trimmed, the role defaulted and the groups a sorted set. now is stored as
// given: callers decide its precision.
func New(f Fields, now time.Time, by string) *User {
	accountID := f.AccountID
	if accountID == "" {
		accountID = NewID()
	}
	r := f.Role
	if r == "" {
		r = DefaultRole
	}
	var groups []string
	if len(f.Groups) > 0 {
		groups = slices.Clone(f.Groups)
		slices.Sort(groups)
		groups = slices.Compact(groups)
	}
	return &User{
		TenantID: f.TenantID, ID: NewID(), Number: NewNumber(now), AccountID: accountID,
		Username: f.Username, Email: strings.TrimSpace(f.Email),
		FirstName: f.FirstName, LastName: f.LastName, DisplayName: f.DisplayName,
		Active: f.Active, Role: r, LDAPUserName: f.LDAPUserName,
		NotificationsOptIn: f.NotificationsOptIn, LoginProfileID: f.LoginProfileID, Groups: groups,
		EmailVerified: f.EmailVerified, ExternalID: f.ExternalID, Profile: f.Profile,
		CreatedAt: now, UpdatedAt: now, CreatedBy: by, UpdatedBy: by, Version: 1,
	}
}

// Stamp makes u the next version of old, changed at now by by. Every
// change of a stored user goes through it, so a version only ever follows
// the version read, which the store's conditional write checks.
func (u *User) Stamp(old *User, now time.Time, by string) {
	u.Version = old.Version + 1
	u.UpdatedAt, u.UpdatedBy = now, by
}

// Reverify clears EmailVerified when u's address differs from old's: a
// proof is of an address, not of a user. A change that vouches for the new
// address itself (an administrator's, a feed's) sets EmailVerified after
// instead of calling it.
func (u *User) Reverify(old *User) {
	if NormalizeEmail(u.Email) != NormalizeEmail(old.Email) {
		u.EmailVerified = false
	}
}

// RevokeAccess applies what a change from old means for access, whoever
// makes it: a demoted or deactivated user's tokens stop working now, and a
// deactivated user's sessions end at now (to the millisecond), so a user
// reactivated later opens only to new logins.
func (u *User) RevokeAccess(old *User, now time.Time) {
	if u.Role != old.Role || old.Active && !u.Active {
		u.TokenVersion++
	}
	if old.Active && !u.Active {
		u.SessionsRevokedAt = now.Truncate(time.Millisecond)
	}
}

// Also is what must commit in one transaction with a new user, or not at
// all: the mark and ref of the provisioning event that asked for the user
// (provision.Provisioned), or the invitation and auth token an acceptance
// consumes (signin.Acceptance). Each is a value of the package that
// decides it, never a store type; the store turns each kind it knows into
// transaction items and refuses any other, and the directory, the only
// door to a tenant's users, refuses one of another tenant than the
// user's. It lives here, beside the record it goes with, so that signin
// can name it without importing the directory.
type Also interface {
	// Tenant is the tenant the record belongs to.
	Tenant() string
}
