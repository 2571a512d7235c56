package directory

import (
	"context"

	"roster/shared/signin"
	"roster/shared/user"
)

// UserUpdate is an administrative change as the store applies it: one
// transaction conditional on the version of Old, moving the email and
// username markers when they change, checking that every group joined
// exists and, with a password, replacing the account's password.
type UserUpdate struct {
	Old         *user.User             // the user as read; the change applies only while its version is stored
	New         *user.User             // the user as it is to be stored (Version bumped)
	CheckGroups []string               // groups New joins that Old was not in: each must exist
	Password    *signin.PasswordChange // when set, replaces the account's password and revokes the tokens of its other users
}

// Store is what the directory needs from the table; *store.Table
// implements it. Reads are strongly consistent. Errors carry fault codes.
type Store interface {
	// CreateUserWithPassword stores a new user (Version 1) with its
	// uniqueness markers, the ref of its external id (fault.Conflict
	// naming externalId when another user holds it), the person's membership and account, in one
	// transaction that also checks every group in u.Groups exists.
	// passwordHash, when set, becomes the password of a new account (an
	// existing account keeps its own). fault.Conflict naming email or
	// username when taken, fault.Invalid naming groups for an unknown
	// group, fault.NotFound when the tenant is missing or inactive. An
	// active owner raises the tenant's count of active owners in the same
	// transaction.
	CreateUserWithPassword(ctx context.Context, u *user.User, passwordHash string) error
	// CreateUserWith stores a new user (Version 1) with its markers, the
	// person's membership and account, in one transaction with the items
	// also stands for. fault.Internal for a kind of also the store does
	// not know; otherwise the failures of CreateUserWithPassword and of
	// also's own conditions.
	CreateUserWith(ctx context.Context, u *user.User, also user.Also) error
	// GetUser returns a user. fault.NotFound.
	GetUser(ctx context.Context, tenantID, id string) (*user.User, error)
	// UserIDByEmail finds a user by email, case-insensitively. fault.NotFound.
	UserIDByEmail(ctx context.Context, tenantID, email string) (string, error)
	// SetAccessToken stores a sealed third-party token on the user,
	// provided the user still has the given email. fault.NotFound.
	SetAccessToken(ctx context.Context, c user.AccessTokenChange) error
	// SearchUsers returns one page of a search of q.TenantID's users.
	// fault.Invalid naming cursor for a cursor of another search or one
	// that was tampered with, naming limit or skip when out of range.
	SearchUsers(ctx context.Context, q UserSearch) (UserPage, error)
	// GetUsers returns the users of the tenant with the given ids, in no
	// particular order; unknown ids are left out.
	GetUsers(ctx context.Context, tenantID string, ids []string) ([]*user.User, error)
	// UserIDByUsername finds a user by username, case-insensitively. fault.NotFound.
	UserIDByUsername(ctx context.Context, tenantID, username string) (string, error)
	// UserIDByExternalID finds the user an external id's ref names.
	// fault.NotFound when the id is unknown or its user was deleted.
	UserIDByExternalID(ctx context.Context, tenantID, externalID string) (string, error)
	// UserIDByNumber finds a user by tenant-scoped number. fault.NotFound.
	UserIDByNumber(ctx context.Context, tenantID string, n int64) (string, error)
	// ListUsers returns up to limit users in id order (oldest first), after
	// the user afterID when it is set; more reports whether users follow.
	ListUsers(ctx context.Context, tenantID string, limit int, afterID string) (users []*user.User, more bool, err error)
	// UpdateUser applies a change, moving the ref of the user's external
	// id when it changes. fault.Conflict when the user changed
	// since it was read (no fields) or the account's password did;
	// fault.Conflict naming email or username when the new value is taken;
	// fault.Invalid naming groupIDsToAdd when a group does not exist;
	// fault.Conflict naming role or active (ErrLastOwner) when the change
	// would leave the tenant without an active owner, decided in the same
	// transaction against the tenant's count of active owners.
	UpdateUser(ctx context.Context, c UserUpdate) error
	// DeleteUsers deletes each user as read, with its markers and
	// membership, conditional on its version. The ids of users that
	// changed or vanished since they were read come back as stale,
	// untouched, for the caller to read again. Deleting every active owner
	// of the tenant is fault.Conflict naming userId, or userIds when
	// several users were given (ErrLastOwner).
	DeleteUsers(ctx context.Context, users []*user.User) (stale []string, err error)

	// AccountCredentials is the privileged read a password change needs:
	// an account with its password hash, and its memberships.
	// fault.NotFound.
	AccountCredentials(ctx context.Context, accountID string) (*signin.Account, []signin.Membership, error)
	// RecordLoginFailure counts a wrong password against an account.
	RecordLoginFailure(ctx context.Context, f signin.LoginFailure) (locked bool, err error)

	// CreateGroup stores a new group of the tenant. fault.Conflict naming
	// name when the name is taken; fault.NotFound when the tenant is
	// missing or inactive.
	CreateGroup(ctx context.Context, tenantID string, g Group) error
	// ListGroups returns every group of the tenant, by name.
	ListGroups(ctx context.Context, tenantID string) ([]Group, error)
	// GetGroup returns a group. fault.NotFound.
	GetGroup(ctx context.Context, tenantID, id string) (*Group, error)
	// GroupIDByName finds a group by name, case-insensitively. fault.NotFound.
	GroupIDByName(ctx context.Context, tenantID, name string) (string, error)
	// UpdateGroup writes next's name and external id over the group as
	// read (old), moving its name marker. fault.Conflict naming name when
	// taken, without fields when the group changed since it was read.
	UpdateGroup(ctx context.Context, tenantID string, old, next Group) error
	// DeleteGroup deletes a group as read with its name marker.
	// fault.Conflict when it changed since it was read.
	DeleteGroup(ctx context.Context, tenantID string, g Group) error
}
