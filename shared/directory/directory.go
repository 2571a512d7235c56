// Package directory owns administering a tenant's users: creating, reading,
// listing, changing (always conditional on the version read), deleting one
// or many, setting passwords, and the tenant's groups. The Users, Identity
// and Access User endpoint groups are three dialects over this one service,
// so a change made through one reads back the same through the others.
package directory

import (
	"context"
	"errors"
	"time"

	"roster/shared/auth"
	"roster/shared/user"
)

// NewUser asks to create a user in the caller's tenant.
type NewUser struct {
	Username           string // required; unique per tenant, case-insensitively
	Email              string // optional in some dialects; unique when set
	FirstName          string
	LastName           string
	Active             bool
	Role               string // "" means member; the caller must be allowed to assign it
	LDAPUserName       string
	NotificationsOptIn bool
	EmailVerified      bool   // the caller vouches for the address (decision 023)
	Password           string // optional initial password (the person's, see signin.Account)
	LoginProfileID     int64  // 0: the tenant's default login profile
	Groups             []string
	DisplayName        string
	ExternalID         string        // unique per tenant when set, and shared with provisioning's refs
	Profile            *user.Profile // SCIM's further attributes
}

// Registration asks to register a person by email in the caller's tenant.
type Registration struct {
	Email     string // required; trimmed
	Username  string // "" means the email
	FirstName string
	LastName  string
}

// Change is an administrative change to a user. Nil fields are left alone.
// Privileged fields (Active, Role, BypassBasicAuth, LDAPUserName) need
// role.UsersPrivileged; the rest role.UsersWrite.
type Change struct {
	Username            *string
	Email               *string
	FirstName           *string
	LastName            *string
	Active              *bool
	Role                *string
	LDAPUserName        *string
	NotificationsOptIn  *bool
	EmailVerified       *bool // the caller vouches for the address, or withdraws that (decision 023)
	BypassBasicAuth     *bool
	InvitationAccepted  *bool
	LoginProfileID      *int64
	WorkingEnvironments *[]string
	Azure               *user.AzureCredentials // ApplicationKey in clear here; the service seals it
	Password            *string                // sets the person's password; revokes the user's tokens
	GroupsToAdd         []string               // unknown group ids: fault.Invalid naming the list's field
	GroupsToRemove      []string
	DisplayName         *string
	ExternalID          *string        // "" removes it; fault.Conflict naming externalId when taken
	Profile             **user.Profile // replaces the whole profile; a nil *user.Profile removes it
	// IfVersion, when > 0, is the version the caller read (If-Match): a
	// stale one is fault.PreconditionFailed. When 0 the change applies to
	// the version the service reads, and a concurrent change in between is
	// fault.Conflict — never a silent overwrite.
	IfVersion int64
}

// Page is one page of a listing.
type Page struct {
	Users []*user.User
	Next  string // opaque cursor of the next page; "" on the last page
}

// DeleteOutcome is what happened to one id of a bulk delete. Another
// tenant's id reads exactly like an unknown one.
type DeleteOutcome struct {
	ID     string
	Status string // "deleted" or "not_found"
}

// Group is a tenant-scoped set of users.
type Group struct {
	ID         string
	Name       string // unique per tenant, case-insensitively
	CreatedAt  time.Time
	ExternalID string // an identity provider's id of the group (SCIM); not unique, "" for none
}

// ErrLastOwner is in the chain of the fault.Conflict that refuses a change
// because it would leave the tenant without an active owner: a demotion
// (naming role), a deactivation (naming active) or a delete (naming userId,
// or userIds for several). The store enforces it in the same transaction
// as the change, against a per-tenant count of active owners, so two
// owners demoting each other at once cannot both succeed.
var ErrLastOwner = errors.New("the change would leave the tenant without an active owner")

// IsLastOwner reports whether err refuses a change that would leave the
// tenant without an active owner, so a dialect can answer it in its own
// terms.
func IsLastOwner(err error) bool { return errors.Is(err, ErrLastOwner) }

// Limits the service enforces (and the dialects document).
const (
	MaxPageSize   = 100 // users per listed page
	MaxBulkDelete = 100 // ids per bulk delete
	MaxGroups     = 100 // groups per user
)

// Service administers users. Every method acts for a verified principal and
// sees only the principal's tenant: another tenant's user is fault.NotFound,
// exactly as a missing one. Permissions are checked here (fault.Forbidden).
//
// A caller administers (changes, resets the password of, deletes) only
// users whose role it could assign or holds itself, so a user manager never
// takes over an admin; an owner cannot demote, deactivate or delete
// themselves, so a tenant is not left without one by its own hand, and no
// caller may demote, deactivate or delete the tenant's last active owner
// (fault.Conflict, see ErrLastOwner). Users
// come back with the Azure application key sealed: no dialect shows it in
// clear (the Users API masks it).
type Service interface {
	// Create makes a user (users:write; users:privileged for a role other
	// than member or an LDAP name). fault.Conflict naming username or
	// email when taken; fault.Invalid naming each bad field.
	Create(ctx context.Context, p auth.Principal, in NewUser) (*user.User, error)
	// Get returns a user by id (users:read).
	Get(ctx context.Context, p auth.Principal, id string) (*user.User, error)
	// GetByNumber returns a user by tenant-scoped number (users:read).
	GetByNumber(ctx context.Context, p auth.Principal, n int64) (*user.User, error)
	// GetByUsername returns a user by username, case-insensitively (users:read).
	GetByUsername(ctx context.Context, p auth.Principal, username string) (*user.User, error)
	// GetByExternalID returns the user an external id names, through the
	// ref provisioning shares (users:read): two GetItems. fault.NotFound.
	GetByExternalID(ctx context.Context, p auth.Principal, externalID string) (*user.User, error)
	// GetByEmail returns the user with an email, case-insensitively,
	// through its marker (users:read): two GetItems. fault.NotFound.
	GetByEmail(ctx context.Context, p auth.Principal, email string) (*user.User, error)
	// List returns users oldest first, limit per page (1..MaxPageSize),
	// from the cursor of the previous page (users:read). A bad cursor is
	// fault.Invalid naming "cursor".
	List(ctx context.Context, p auth.Principal, limit int, cursor string) (Page, error)
	// Update applies a change conditional on the version and returns the
	// user as stored (users:write; users:privileged to change a privileged
	// field; groups:write to change groups). Email and username changes
	// move their markers in the same transaction; group changes check every
	// group exists in that transaction too. Deactivating, changing the role
	// or setting a password revokes the user's tokens. One's own password
	// changes only through SetPassword. Demoting or deactivating the
	// tenant's last active owner is fault.Conflict naming role or active
	// (ErrLastOwner).
	Update(ctx context.Context, p auth.Principal, id string, c Change) (*user.User, error)
	// Delete removes a user with its markers and membership (users:delete).
	// ifVersion > 0 makes it conditional (fault.PreconditionFailed). The
	// tenant's last active owner is fault.Conflict naming userId
	// (ErrLastOwner).
	Delete(ctx context.Context, p auth.Principal, id string, ifVersion int64) error
	// DeleteMany deletes up to MaxBulkDelete users, reporting each id
	// (users:delete); fault.Invalid naming userIds for an empty or too
	// long list. When the caller may not delete one of them, nothing is
	// deleted (fault.Forbidden); when they include every active owner of
	// the tenant, fault.Conflict naming userIds (ErrLastOwner), and nothing
	// is deleted unless a concurrent change forced a second pass.
	DeleteMany(ctx context.Context, p auth.Principal, ids []string) ([]DeleteOutcome, error)
	// SetPassword sets a user's password: an admin (users:write) needs no
	// current password; a user changing their own must give it
	// (fault.Invalid naming currentPassword when wrong). The password policy
	// applies (fault.Invalid naming password). Revokes the user's tokens.
	// An admin may not reset the password of a person who also holds users
	// in other tenants (fault.Forbidden): the password opens them all.
	SetPassword(ctx context.Context, p auth.Principal, id, newPassword string, currentPassword *string) error
	// Register makes an active member from an email, as the UserInfo API
	// registers people (users:write): the username is the email unless
	// given. fault.Conflict naming email or username when taken. The
	// dialect has checked the fields.
	Register(ctx context.Context, p auth.Principal, r Registration) (*user.User, error)
	// UserIDByEmail returns the id of the user with an email,
	// case-insensitively (users:read). fault.NotFound.
	UserIDByEmail(ctx context.Context, p auth.Principal, email string) (string, error)
	// SetAccessToken stores a third-party access token on the user with an
	// email, sealed to that user (users:write); it is never returned.
	// fault.NotFound when no user has the email, or the user's email
	// changed meanwhile.
	SetAccessToken(ctx context.Context, p auth.Principal, email, token string) error
	// PasswordTarget returns the user with a username whose password p
	// asks to set: p's own user (through p's access token), or anyone's
	// with users:write. fault.Forbidden for anyone else, whether or not
	// the username exists, so a member cannot probe for usernames;
	// fault.NotFound.
	PasswordTarget(ctx context.Context, p auth.Principal, username string) (*user.User, error)
	// SearchUsers returns one page of a search of the caller's tenant
	// (users:read). fault.Invalid naming cursor for a cursor of another
	// search or one that was tampered with, naming limit or skip when out
	// of range.
	SearchUsers(ctx context.Context, p auth.Principal, q UserSearch) (UserPage, error)
	// Admit stores u, a new user built by user.New outside any request,
	// in one transaction with also, so the user and the record of what
	// brought it in commit together or not at all: provisioning's event
	// mark and ref, an invitation's acceptance. Only two principals may: a
	// tenant's provisioning feed (auth.ViaFeed), with any role, and the
	// holder of a checked invitation (auth.ViaInvitation), as the person
	// p.AccountID names; u and also must be of p's tenant. fault.Forbidden
	// for anyone else (requests create users through Create and Register);
	// fault.Conflict naming email or username when taken; fault.NotFound
	// when the tenant is missing or inactive; also's own failures as the
	// store reports them. The caller has checked the fields.
	Admit(ctx context.Context, p auth.Principal, u *user.User, also user.Also) error
	// CreateGroup makes a group (groups:write); fault.Conflict when the
	// name is taken.
	CreateGroup(ctx context.Context, p auth.Principal, name string) (Group, error)
	// ListGroups lists the tenant's groups by name (groups:read).
	ListGroups(ctx context.Context, p auth.Principal) ([]Group, error)
	// GetGroup returns a group by id (groups:read): one GetItem.
	// fault.NotFound.
	GetGroup(ctx context.Context, p auth.Principal, id string) (Group, error)
	// GroupByName returns a group by name, case-insensitively
	// (groups:read): two GetItems. fault.NotFound.
	GroupByName(ctx context.Context, p auth.Principal, name string) (Group, error)
	// UpdateGroup renames a group and, when externalID is set, sets its
	// external id (groups:write). fault.Conflict naming name when taken;
	// fault.NotFound.
	UpdateGroup(ctx context.Context, p auth.Principal, id, name string, externalID *string) (Group, error)
	// DeleteGroup deletes a group (groups:write); members holds the
	// users in it, each of whom leaves it first (a change each, as
	// Update with GroupsToRemove). fault.NotFound.
	DeleteGroup(ctx context.Context, p auth.Principal, id string, members []string) error
}
