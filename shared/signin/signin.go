// Package signin owns how people prove who they are and what they hold
// across tenants: login with a device token and a password (with lockout),
// the auth token that proves a login and is exchanged for tenant access
// tokens, accounts (the person behind tenant users) and their memberships,
// self-service changes, invitations, devices, and tenant API keys.
package signin

import (
	"context"
	"time"

	"roster/shared/auth"
	"roster/shared/user"
)

// Account is a person: the one who holds users in one or more tenants. The
// password belongs to the person, so one password opens every tenant they
// belong to, and lockout counts their failures wherever they occur.
type Account struct {
	ID            string    // account uid
	DefaultTenant string    // the tenant the person enters by default
	CreatedAt     time.Time // creation time
	Version       int64     // optimistic-concurrency version

	PasswordHash string    `json:"-"` // argon2id PHC string; empty: no password yet
	FailedLogins int       `json:"-"` // consecutive failures
	LockedUntil  time.Time `json:"-"` // logins refused until then

	// SessionsRevokedAt ends the person's sessions: one that began at or
	// before it (to the millisecond) is refused. A password change sets it.
	SessionsRevokedAt time.Time `json:"-"`

	Factors AccountFactors // second factors (mfa.go)
}

// Membership is one tenant a person can enter, with the user they are there.
type Membership struct {
	TenantID     string // tenant uid
	TenantName   string // tenant name, as shown to people
	Organization string // organisation name
	UserID       string // the person's user in that tenant
	Role         string // that user's role (as of the last change through Roster)
}

// Tokens is what a successful login or exchange hands out. AuthToken is
// single-use: each exchange consumes it and returns a fresh one.
type Tokens struct {
	AccessToken   string    `json:"-"` // JWT for TenantID; secret
	AccessExpires time.Time // expiry of the access token
	AuthToken     string    `json:"-"` // opaque proof of login; secret
	AuthExpires   time.Time // expiry of the auth token
	TenantID      string    // the tenant the access token is for
	UserID        string    // the user in that tenant
	AccountID     string    // the person

	// Challenge, when set, means the login needs its second step (mfa.go):
	// no access or auth token was issued.
	Challenge *PendingChallenge
	// RecoveryCodes are handed out, once, by a login that enrolled TOTP.
	RecoveryCodes []string
}

// SelfChange is a user's change to their own profile in one tenant. Nil
// fields are left alone. Privileged fields (role, active, tenant, LDAP) have
// no place here by construction.
type SelfChange struct {
	DisplayName     *string
	Email           *string
	FirstName       *string
	LastName        *string
	Mobile          *string
	LanguageCode    *string // ISO 639-1
	DefaultStoreID  *string
	Password        *string // the new password
	CurrentPassword *string // required with Password
	IfVersion       int64   // when > 0, the change applies only to this version (If-Match)
}

// InviteInfo is what an invite token reveals to whoever holds it: enough to
// decide whether to accept, nothing more.
type InviteInfo struct {
	TenantID     string
	TenantName   string
	Organization string
	Role         string
	EmailHint    string    // the invited address, masked (a***@example.com)
	ExpiresAt    time.Time // when the invitation lapses
}

// NewInvite asks to invite a person into the caller's tenant.
type NewInvite struct {
	Email     string // where the invitation goes; the new user's email
	Role      string // role the new user gets; the inviter must be allowed to assign it
	FirstName string
	LastName  string
	TTL       time.Duration // 0: the default (7 days)
}

// Issued is a freshly made opaque secret: Token is shown once, then only
// its hash exists.
type Issued struct {
	ID        string    // public id of the secret
	Token     string    `json:"-"` // the secret itself
	ExpiresAt time.Time // zero when it does not expire
}

// Service is the sign-in domain. Every method that acts for a caller takes
// the verified principal; tenants in paths must equal the principal's
// tenant, and a mismatch is fault.NotFound (never Forbidden, so tenants
// cannot be probed).
type Service interface {
	// Login checks a device token (fault.Unauthorized "device" when
	// missing, wrong, expired or revoked) and then userCode and password in
	// the device's tenant. A wrong password, an unknown userCode, a user
	// without a password, an inactive user and a locked user all return the
	// same fault.Unauthorized with the same message, in similar time.
	// Success resets the failure count and may rehash the password.
	Login(ctx context.Context, deviceToken, userCode, password string) (Tokens, error)
	// Exchange consumes an auth token and returns an access token for
	// tenantID plus a fresh auth token of the same session.
	// fault.Unauthorized for a bad, used or expired auth token and for a
	// session that is older than Options.MaxSession or was revoked (a
	// password change, or the tenant user's deactivation, since it began);
	// fault.NotFound when the person holds no active user in tenantID.
	Exchange(ctx context.Context, authToken, tenantID string) (Tokens, *user.User, error)
	// Account returns the caller's account and every tenant they can enter.
	Account(ctx context.Context, p auth.Principal) (*Account, []Membership, error)
	// SetDefaultTenant sets the caller's default tenant; fault.Invalid
	// (field defaultTenantUid) when the person holds no user there.
	SetDefaultTenant(ctx context.Context, p auth.Principal, tenantID string) (*Account, []Membership, error)
	// TenantUser returns the caller's own user in tenantID.
	TenantUser(ctx context.Context, p auth.Principal, tenantID string) (*user.User, error)
	// UpdateSelf applies a self-service change. A password change needs
	// the current password (fault.Invalid, field currentPassword, when
	// wrong), passes the password policy, and revokes every earlier access
	// token of the person's users and every session of the person, the
	// caller's own included. An email taken in the tenant is fault.Conflict.
	// A stale IfVersion is fault.PreconditionFailed.
	UpdateSelf(ctx context.Context, p auth.Principal, tenantID string, c SelfChange) (*user.User, error)
	// DescribeInvite tells what an invitation is for. A used, expired or
	// unknown token is the same fault.NotFound.
	DescribeInvite(ctx context.Context, inviteToken string) (InviteInfo, error)
	// AcceptInvite makes the person proven by authToken a user of the
	// invitation's tenant, consuming the invitation and the auth token in
	// one transaction, and returns tokens for the new tenant (with a fresh
	// auth token of the same session). A bad auth token, or one of a
	// session too old or revoked (as for Exchange), is fault.Unauthorized,
	// whatever the invite token; a used, expired or unknown invite token is
	// the same fault.NotFound;
	// a person who is already a member, or an email already taken there,
	// is fault.Conflict.
	AcceptInvite(ctx context.Context, authToken, inviteToken string) (Tokens, *user.User, error)
	// CreateInvite invites a person into the caller's tenant
	// (permission invitations:write; the role must be one the caller may assign),
	// replacing the earlier invitation to the same address, whose token
	// stops working. fault.Conflict when a user of the tenant has the
	// address; fault.TooManyRequests, with RetryAfter, when the address or
	// the tenant has had its mail for the hour (throttle.Mail).
	CreateInvite(ctx context.Context, p auth.Principal, in NewInvite) (Issued, error)
	// CreateDevice registers a device to the caller's tenant (devices:write).
	CreateDevice(ctx context.Context, p auth.Principal, name string) (Issued, error)
	// RevokeDevice revokes a device token of the caller's tenant; fault.NotFound otherwise.
	RevokeDevice(ctx context.Context, p auth.Principal, id string) error
	// CreateAPIKey makes a tenant API key with the given roles (apikeys:write;
	// roles the caller may assign).
	CreateAPIKey(ctx context.Context, p auth.Principal, name string, roles []string) (Issued, error)
	// RevokeAPIKey revokes a key of the caller's tenant; fault.NotFound otherwise.
	RevokeAPIKey(ctx context.Context, p auth.Principal, id string) error
}
