package signin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"roster/shared/auth"
	"roster/shared/fault"
	"roster/shared/mail"
	"roster/shared/opaque"
	"roster/shared/password"
	"roster/shared/role"
	"roster/shared/token"
	"roster/shared/user"
)

// Defaults for the zero fields of Options.
const (
	DefaultMaxFailures = 10                 // consecutive failures that lock an account
	DefaultLockFor     = 15 * time.Minute   // how long a lock lasts
	DefaultAuthTTL     = time.Hour          // lifetime of an auth token
	DefaultMaxSession  = 7 * 24 * time.Hour // longest a login lasts, however often its auth token is exchanged
	DefaultInviteTTL   = 7 * 24 * time.Hour
	// MaxInviteTTL bounds what NewInvite.TTL may ask for.
	MaxInviteTTL = 30 * 24 * time.Hour
)

// Options tunes the service; the zero value of each field means its default.
type Options struct {
	Now         func() time.Time // clock; time.Now
	MaxFailures int              // DefaultMaxFailures
	LockFor     time.Duration    // DefaultLockFor
	AuthTTL     time.Duration    // DefaultAuthTTL
	InviteTTL   time.Duration    // DefaultInviteTTL; the default lifetime of an invitation
	// MaxSession (DefaultMaxSession) bounds a session: however often its
	// auth token is exchanged, none outlives the login by more than this.
	MaxSession time.Duration
	// Mail posts the mail of a self-service change of address (decision
	// 023); nil refuses such a change with fault.Unavailable.
	Mail mail.Poster
}

// service implements Service on a Store.
type service struct {
	st          Store
	users       Users
	hasher      *password.Hasher
	issuer      *token.Issuer
	pepper      []byte
	now         func() time.Time
	maxFailures int
	lockFor     time.Duration
	authTTL     time.Duration
	inviteTTL   time.Duration
	maxSession  time.Duration
	mail        mail.Poster
}

// New returns the sign-in service. users (the directory) admits the
// users of accepted invitations; hasher hashes and checks passwords,
// issuer signs access tokens, and pepper (secrets.Keys.Pepper) keys the
// HMAC under which opaque tokens are stored. It refuses a missing
// dependency, a pepper shorter than password.MinPepperBytes and negative
// options.
func New(st Store, users Users, hasher *password.Hasher, issuer *token.Issuer, pepper []byte, opts Options) (Service, error) {
	switch {
	case st == nil || users == nil || hasher == nil || issuer == nil:
		return nil, errors.New("new sign-in service: store, users, hasher and issuer are required")
	case len(pepper) < password.MinPepperBytes:
		return nil, fmt.Errorf("new sign-in service: pepper is %d bytes, want at least %d", len(pepper), password.MinPepperBytes)
	case opts.MaxFailures < 0 || opts.LockFor < 0 || opts.AuthTTL < 0 || opts.InviteTTL < 0 || opts.MaxSession < 0:
		return nil, errors.New("new sign-in service: negative option")
	case opts.AuthTTL != 0 && opts.AuthTTL < time.Second || opts.MaxSession != 0 && opts.MaxSession < time.Second || opts.InviteTTL > MaxInviteTTL:
		return nil, errors.New("new sign-in service: token and session lifetimes must be at least a second and invitations at most 30 days")
	}
	s := &service{
		st: st, users: users, hasher: hasher, issuer: issuer, pepper: bytes.Clone(pepper),
		now: opts.Now, maxFailures: opts.MaxFailures, lockFor: opts.LockFor,
		authTTL: opts.AuthTTL, inviteTTL: opts.InviteTTL, maxSession: opts.MaxSession, mail: opts.Mail,
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.maxFailures == 0 {
		s.maxFailures = DefaultMaxFailures
	}
	if s.lockFor == 0 {
		s.lockFor = DefaultLockFor
	}
	if s.authTTL == 0 {
		s.authTTL = DefaultAuthTTL
	}
	if s.inviteTTL == 0 {
		s.inviteTTL = DefaultInviteTTL
	}
	if s.maxSession == 0 {
		s.maxSession = DefaultMaxSession
	}
	return s, nil
}

// The answers that must not tell their causes apart. Each is copied with
// the cause attached (for logs) by deny, so the caller-facing part is
// byte-identical whatever happened.
var (
	errCredentials = fault.New(fault.Unauthorized, "The user code or password is incorrect.")
	errDevice      = fault.New(fault.Unauthorized, "The device token is invalid or has been revoked.")
	errAuthToken   = fault.New(fault.Unauthorized, "The auth token is invalid or has expired.")
	errInvite      = fault.New(fault.NotFound, "The invitation does not exist or has expired.")
	errNoUser      = fault.New(fault.NotFound, "You hold no user in this tenant.")
	errNeedsUser   = fault.New(fault.Unauthorized, "This needs a user's access token.")
	errForbidden   = fault.New(fault.Forbidden, "You are not allowed to do this.")
)

// deny returns a copy of base whose internal cause is reason.
func deny(base *fault.Error, reason string) error {
	e := *base
	e.Err = errors.New(reason)
	return &e
}

// denyErr is deny with an error as the cause.
func denyErr(base *fault.Error, cause error) error {
	e := *base
	e.Err = cause
	return &e
}

// requireUser checks that p is a user's access token granting perm.
func requireUser(p auth.Principal, perm role.Permission) error {
	if p.Method != auth.ViaAccessToken || p.UserID == "" || p.AccountID == "" || p.TenantID == "" {
		return deny(errNeedsUser, "principal is not a user with an account")
	}
	if !p.Can(perm) {
		return deny(errForbidden, "missing "+string(perm))
	}
	return nil
}

// newAuthToken makes a fresh auth token of the account's session that
// began at sessionStart, expiring in whole seconds (the TTL attribute's
// unit) after AuthTTL, or when the session reaches MaxSession if sooner.
func (s *service) newAuthToken(accountID string, sessionStart, now time.Time) (*AuthToken, string, error) {
	k, err := opaque.Auth.Generate()
	if err != nil {
		return nil, "", fault.Wrap(err, fault.Internal, "An internal error occurred.")
	}
	expires := now.Add(s.authTTL)
	if end := sessionStart.Add(s.maxSession); end.Before(expires) {
		expires = end
	}
	return &AuthToken{
		ID: k.ID, AccountID: accountID, Hash: opaque.Hash(s.pepper, k.Token),
		CreatedAt: now, ExpiresAt: expires.Truncate(time.Second), SessionStart: sessionStart,
	}, k.Token, nil
}

// sessionTime is a time as sessions are compared: whole milliseconds, the
// unit they are stored in, so what the service compares is what the
// table's conditions compare.
func sessionTime(t time.Time) time.Time { return t.Truncate(time.Millisecond) }

// tokens issues an access token for u and packs it with the auth token.
func (s *service) tokens(u *user.User, accountID, authToken string, authExpires time.Time) (Tokens, error) {
	at, exp, err := s.issuer.Issue(token.Claims{
		Subject: u.ID, Tenant: u.TenantID, Account: accountID,
		Roles: []string{u.Role}, Version: u.TokenVersion,
	})
	if err != nil {
		return Tokens{}, fault.Wrap(fmt.Errorf("issue access token for %s: %w", u.ID, err), fault.Internal, "An internal error occurred.")
	}
	return Tokens{
		AccessToken: at, AccessExpires: exp, AuthToken: authToken, AuthExpires: authExpires,
		TenantID: u.TenantID, UserID: u.ID, AccountID: accountID,
	}, nil
}

// authToken checks an auth token the caller holds: well formed, stored,
// matching, not expired, of a session younger than MaxSession. Every
// failure is the same errAuthToken.
func (s *service) authToken(ctx context.Context, tok string, now time.Time) (*AuthToken, error) {
	id, err := opaque.Auth.Parse(tok)
	if err != nil {
		return nil, denyErr(errAuthToken, err)
	}
	a, err := s.st.GetAuthToken(ctx, id)
	switch {
	case fault.CodeOf(err) == fault.NotFound:
		opaque.Verify(s.pepper, tok, dummyHash)
		return nil, denyErr(errAuthToken, err)
	case err != nil:
		return nil, err
	case !opaque.Verify(s.pepper, tok, a.Hash):
		return nil, deny(errAuthToken, "wrong auth token secret")
	case !now.Before(a.ExpiresAt):
		return nil, deny(errAuthToken, "auth token expired")
	case !now.Before(a.SessionStart.Add(s.maxSession)):
		return nil, deny(errAuthToken, "session older than the maximum")
	}
	return a, nil
}

// dummyHash stands in for a stored hash when an id is unknown, so an unknown
// token costs the same HMAC as a wrong one.
var dummyHash = make([]byte, 32)
