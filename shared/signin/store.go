package signin

import (
	"context"
	"time"

	"roster/shared/auth"
	"roster/shared/tenant"
	"roster/shared/throttle"
	"roster/shared/user"
)

// Device is a device registered to a tenant. Its token, shown once, names
// the tenant a login on that device happens in.
type Device struct {
	ID        string    // public id, part of the token
	TenantID  string    // the tenant logins on this device enter
	Name      string    // a label for people
	Hash      []byte    `json:"-"` // HMAC-SHA256(pepper, token)
	CreatedAt time.Time // creation time
	CreatedBy string    // who registered it
	Revoked   bool      // a revoked device logs nobody in
}

// AuthToken is a stored proof of login: it names the person, and each
// exchange consumes it. The tokens a login's exchanges hand out one after
// another are one session: each carries the login's SessionStart.
type AuthToken struct {
	ID           string    // public id, part of the token
	AccountID    string    // the person who logged in
	Hash         []byte    `json:"-"` // HMAC-SHA256(pepper, token)
	CreatedAt    time.Time // creation time
	ExpiresAt    time.Time // whole seconds; also the item's TTL
	SessionStart time.Time // whole milliseconds; the time of the login the session began with
	SessionID    string    // the session's record (sessions.go); empty for a token older than records
	MFA          bool      // the session's login passed a second factor (mfa.go)
}

// Invite is a stored invitation into a tenant.
type Invite struct {
	ID        string    // public id, part of the token
	TenantID  string    // the tenant the invitee joins
	Email     string    // the new user's email and username
	Role      string    // the new user's role
	FirstName string    // the new user's given name
	LastName  string    // the new user's family name
	Hash      []byte    `json:"-"` // HMAC-SHA256(pepper, token)
	CreatedAt time.Time // creation time
	CreatedBy string    // who invited
	ExpiresAt time.Time // whole seconds; also the item's TTL
}

// LoginSuccess is what a successful login writes: the fresh auth token and,
// only when needed, a reset of the failure count and a stronger hash.
type LoginSuccess struct {
	Token         *AuthToken // the fresh auth token; its AccountID is the account logged in
	ResetFailures bool       // the account had failures to clear
	OldHash       string     // the hash the password was verified against
	NewHash       string     // when set, replaces OldHash (which must still be stored)
	Session       *Session   // the session the login begins, stored with the token
}

// LoginFailure records one failed password attempt on an account, or on
// the failure counter of a user code that names no user.
type LoginFailure struct {
	AccountID string
	// TenantID and UserID say where a failure of AccountID happened, when
	// it was a login: the store keeps them on the account with the count,
	// so the change feed can publish the failure in that tenant without
	// another write (decision 025).
	TenantID, UserID string
	// StandIn, set instead of AccountID, is the keyed hash of the tenant
	// and user code whose counter the failure is counted on; the counter
	// lasts at least until Expires.
	StandIn   string
	Expires   time.Time
	Seen      int       // failures the account showed when it was read
	Max       int       // failures that lock the account
	Now       time.Time // time of the attempt
	LockUntil time.Time // end of the lock, when this failure reaches Max
	// Codes counts a wrong second-factor code, on the account's own
	// counter of codes, towards the same lock.
	Codes bool
}

// SelfUpdate is a self-service change as the store applies it: one
// transaction conditional on the user's version.
type SelfUpdate struct {
	User        *user.User // the user as it is to be stored (Version already bumped)
	PrevVersion int64      // the version the change applies to
	OldEmail    string     // the email before the change; its marker moves when it differs
	Password    *PasswordChange
	// Pending, when set, is a requested change of address (decision 023):
	// its token is stored in the same transaction, taking one from each
	// of Counters at Now, while the user keeps OldEmail.
	Pending  *VerifyToken
	Counters []throttle.Counter
	Now      time.Time
}

// PasswordChange replaces an account's password and revokes the access
// tokens of every user of the account and every session of the person.
type PasswordChange struct {
	AccountID string
	OldHash   string       // the hash the current password was verified against
	NewHash   string       // the new hash
	Others    []Membership // the account's other users, whose token version is bumped
	At        time.Time    // whole milliseconds; sessions that began then or earlier end
}

// Acceptance is what an accepted invitation writes with its new user
// (user.Also), in the one transaction the directory admits the user in:
// the invite and the old auth token consumed and the fresh auth token
// written, all of which holds only while the person's sessions were last
// revoked before Fresh.SessionStart.
type Acceptance struct {
	TenantID string     // the invitation's tenant
	InviteID string     // the invitation consumed
	AuthID   string     // the auth token consumed
	Fresh    *AuthToken // the auth token handed out instead
	Now      time.Time  // the invite and the auth token must not have expired by then
}

// Tenant is the invitation's tenant.
func (a Acceptance) Tenant() string { return a.TenantID }

// Users is the door a new user of an accepted invitation goes through,
// the directory's (directory.Service implements it); signin declares it
// so as not to import the directory, which imports signin.
type Users interface {
	// Admit stores u with also in one transaction, for a principal the
	// directory checks. fault.NotFound when the invite is gone or expired
	// or the tenant inactive, fault.Unauthorized when the auth token is or
	// its session was revoked, fault.Conflict when the person is already
	// a member or the email or username is taken.
	Admit(ctx context.Context, p auth.Principal, u *user.User, also user.Also) error
}

// Privileged is the part of the store that returns credentials: a
// password hash comes from these reads and from no other, as Kratos's
// privileged identity pool is the only way to an identity's credentials.
// Only a login and a password check use them; every other read of an
// account leaves the hash out.
type Privileged interface {
	// LoginUser returns the user holding a username in a tenant
	// (case-insensitively), its account with the password hash and the
	// tenant, in as few calls as the username marker allows.
	// fault.NotFound when no user holds the username, or it has no account
	// or its account is missing, or the tenant is missing.
	LoginUser(ctx context.Context, tenantID, username string) (*user.User, *Account, *tenant.Tenant, error)
	// LoginStandIn reads, when a user code names no user, what a login
	// reads in place of user, account and tenant, with a call of the same
	// kind and size as LoginUser's second: the failure counter of the code
	// under its keyed hash h (as an account without id or password; a
	// zero one when there is none) and the tenant. fault.NotFound when the
	// tenant is missing.
	LoginStandIn(ctx context.Context, tenantID, h string) (*Account, *tenant.Tenant, error)
	// AccountCredentials returns an account with its password hash and its
	// memberships (tenant and user ids only) in one query. fault.NotFound.
	AccountCredentials(ctx context.Context, id string) (*Account, []Membership, error)
}

// Store is what the sign-in service needs from the table; *store.Table
// implements it. Reads are strongly consistent. Errors carry fault codes.
type Store interface {
	Privileged
	FactorStore
	SessionStore
	PasskeyStore

	// GetTenant returns a tenant. fault.NotFound.
	GetTenant(ctx context.Context, id string) (*tenant.Tenant, error)
	// GetUser returns a user. fault.NotFound.
	GetUser(ctx context.Context, tenantID, id string) (*user.User, error)
	// GetUserAndTenant returns a user and its tenant, read together in one
	// call. fault.NotFound when either is missing.
	GetUserAndTenant(ctx context.Context, tenantID, id string) (*user.User, *tenant.Tenant, error)

	// AccountTenants returns an account, without its password hash, and
	// the tenants it can enter (active tenant, active user) with names and
	// roles. fault.NotFound.
	AccountTenants(ctx context.Context, id string) (*Account, []Membership, error)
	// MemberUserID returns the account's user in a tenant. fault.NotFound.
	MemberUserID(ctx context.Context, accountID, tenantID string) (string, error)
	// SetDefaultTenant sets the account's default tenant, provided the
	// account is a member there. fault.NotFound when it is not.
	SetDefaultTenant(ctx context.Context, accountID, tenantID string) error
	// RecordLoginFailure counts a failed attempt and locks the account when
	// it reaches the limit; a locked account is left alone.
	RecordLoginFailure(ctx context.Context, f LoginFailure) (locked bool, err error)
	// UpdateSelf applies a self-service change. fault.Conflict when the
	// user's version is stale or the account's password changed meanwhile;
	// fault.Conflict (field email) when the new email is taken.
	UpdateSelf(ctx context.Context, c SelfUpdate) error

	// GetDevice returns a device. fault.NotFound.
	GetDevice(ctx context.Context, id string) (*Device, error)
	// PutDevice stores a new device. fault.Conflict when the id is taken.
	PutDevice(ctx context.Context, d *Device) error
	// RevokeDevice revokes a device of the tenant. fault.NotFound otherwise.
	RevokeDevice(ctx context.Context, tenantID, id string) error

	// GetAuthToken returns an auth token. fault.NotFound.
	GetAuthToken(ctx context.Context, id string) (*AuthToken, error)
	// CompleteLogin writes what a successful login writes, in one call.
	// fault.Conflict when a rehash finds the password changed meanwhile.
	CompleteLogin(ctx context.Context, s LoginSuccess) error
	// RotateAuthToken deletes the old auth token, provided it exists and has
	// not expired at now, and stores the fresh one, in one transaction that
	// also checks that the account's sessions were last revoked before
	// fresh.SessionStart. fault.Unauthorized when the old token is gone or
	// expired, or the session was revoked.
	RotateAuthToken(ctx context.Context, oldID string, now time.Time, fresh *AuthToken) error

	// GetInvite returns an invitation. fault.NotFound.
	GetInvite(ctx context.Context, id string) (*Invite, error)
	// CreateInvite stores a new invitation in place of the live one to
	// the same address in the tenant (whose token stops working), provided
	// no user of the tenant has the address, and takes one from each
	// counter at now, all or nothing. fault.Conflict (field email) when a
	// user has the address, fault.TooManyRequests (with RetryAfter) when a
	// counter is spent, fault.Conflict when the id is taken.
	CreateInvite(ctx context.Context, in *Invite, counters []throttle.Counter, now time.Time) error

	// PutAPIKey stores a new API key. fault.Conflict when the id is taken.
	PutAPIKey(ctx context.Context, k *auth.APIKey) error
	// RevokeAPIKey revokes a key of the tenant. fault.NotFound otherwise.
	RevokeAPIKey(ctx context.Context, tenantID, id string) error
}
