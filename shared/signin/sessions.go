package signin

import (
	"context"
	"errors"
	"time"

	"roster/shared/auth"
	"roster/shared/fault"
	"roster/shared/opaque"
	"roster/shared/role"
	"roster/shared/user"
)

// Sessions (decision 024). A login begins a session; each exchange of its
// auth token continues it with a fresh one. A session record in the
// person's account partition names the session's current auth token, its
// device and when it was last used, so a person can list their sessions
// and end one, strongly consistently: every exchange moves the record to
// its fresh token in the transaction that consumes the old one, on the
// condition that the record still names the old one, so ending a session
// (deleting the record and its current token together) stops every later
// exchange. Ending all of a person's sessions is the revocation a password
// change makes (the account's sessionsRevokedAt), and an administrator
// ends a tenant user's sessions as a deactivation does (the user's
// sessionsRevokedAt, and a new token version that stops its access tokens).

// Session is one login of a person and what became of it.
type Session struct {
	ID         string    // the id of the session's first auth token
	AccountID  string    // the person
	DeviceID   string    // the device the login came from
	TenantID   string    // the device's tenant
	TokenID    string    `json:"-"` // the session's current auth token
	StartedAt  time.Time // the login, whole milliseconds
	LastUsedAt time.Time // the last login step or exchange
	ExpiresAt  time.Time // when it ends at the latest (MaxSession after the login); whole seconds
}

// SessionStore is what sessions need from the table; *store.Table
// implements it.
type SessionStore interface {
	// ListSessions returns the account's session records, live or not.
	ListSessions(ctx context.Context, accountID string) ([]Session, error)
	// GetSession returns one session record of the account. fault.NotFound.
	GetSession(ctx context.Context, accountID, id string) (*Session, error)
	// EndSession deletes a session record and its current auth token, in
	// one transaction conditional on the record still naming tokenID.
	// fault.Conflict when it names another (an exchange came first);
	// fault.NotFound when it is gone.
	EndSession(ctx context.Context, accountID, id, tokenID string) error
	// EndAllSessions revokes every session of the account that began
	// before at, and gives each of the person's users (tenant and user ids)
	// a new token version. fault.NotFound when there is no account.
	EndAllSessions(ctx context.Context, accountID string, at time.Time, users []Membership) error
	// EndUserSessions ends every session of a tenant user that began
	// before at and gives it a new token version. fault.NotFound.
	EndUserSessions(ctx context.Context, tenantID, userID string, at time.Time) error
}

// Sessions is the session side of the sign-in service.
type Sessions interface {
	// ListSessions returns the caller's live sessions (self:read), newest
	// first.
	ListSessions(ctx context.Context, p auth.Principal) ([]Session, error)
	// EndSession ends one of the caller's sessions (self:write): its auth
	// token stops at once, its access tokens live out their minutes.
	// fault.NotFound for an unknown id or another person's session.
	EndSession(ctx context.Context, p auth.Principal, id string) error
	// EndAllSessions ends every session of the caller (self:write), the
	// caller's own included, and stops every access token of their users.
	EndAllSessions(ctx context.Context, p auth.Principal) error
	// EndUserSessions ends every session of a user of the caller's tenant
	// in that tenant and stops the user's access tokens (users:privileged,
	// and a role the caller may assign, as for a role change). A user of
	// another tenant is fault.NotFound.
	EndUserSessions(ctx context.Context, p auth.Principal, userID string) error
}

// NewSessions returns the sessions of the sign-in service svc (from New).
func NewSessions(svc Service) (Sessions, error) {
	s, ok := svc.(*service)
	if !ok {
		return nil, errors.New("new sessions: the sign-in service from signin.New is required")
	}
	return s, nil
}

var errNoSession = fault.New(fault.NotFound, "No such session.")

// newSession is the record of the session a login begins with its first
// auth token a.
func (s *service) newSession(a *AuthToken, deviceToken, tenantID string) *Session {
	deviceID, _ := opaque.Device.Parse(deviceToken)
	return &Session{
		ID: a.SessionID, AccountID: a.AccountID, DeviceID: deviceID, TenantID: tenantID, TokenID: a.ID,
		StartedAt: a.SessionStart, LastUsedAt: a.CreatedAt,
		ExpiresAt: a.SessionStart.Add(s.maxSession).Truncate(time.Second),
	}
}

// live reports whether a session record still stands for a session that
// can go on at now.
func (s *service) live(x Session, acct *Account, now time.Time) bool {
	return now.Before(x.ExpiresAt) && x.StartedAt.After(acct.SessionsRevokedAt)
}

// ListSessions lists the caller's live sessions. Reads: the account (for
// its revocation time) and the session records (one Query each).
func (s *service) ListSessions(ctx context.Context, p auth.Principal) ([]Session, error) {
	if err := requireUser(p, role.SelfRead); err != nil {
		return nil, err
	}
	acct, _, err := s.st.AccountTenants(ctx, p.AccountID)
	if err != nil {
		return nil, err
	}
	all, err := s.st.ListSessions(ctx, p.AccountID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]Session, 0, len(all))
	for _, x := range all {
		if s.live(x, acct, now) {
			out = append(out, x)
		}
	}
	// Newest first.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].StartedAt.After(out[j-1].StartedAt); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out, nil
}

// EndSession ends one of the caller's sessions: its record and current
// auth token deleted together. An exchange that moved the record on
// between the read and the delete is met by one more try.
func (s *service) EndSession(ctx context.Context, p auth.Principal, id string) error {
	if err := requireUser(p, role.SelfWrite); err != nil {
		return err
	}
	for try := 0; try < 3; try++ {
		x, err := s.st.GetSession(ctx, p.AccountID, id)
		if fault.CodeOf(err) == fault.NotFound {
			return denyErr(errNoSession, err)
		}
		if err != nil {
			return err
		}
		err = s.st.EndSession(ctx, p.AccountID, id, x.TokenID)
		switch fault.CodeOf(err) {
		case fault.Conflict:
			continue
		case fault.NotFound:
			return denyErr(errNoSession, err)
		}
		return err
	}
	return fault.New(fault.Conflict, "The session is in use; retry.")
}

// EndAllSessions ends every session of the caller and stops their access
// tokens. Reads: the account partition (one Query); writes: one
// transaction.
func (s *service) EndAllSessions(ctx context.Context, p auth.Principal) error {
	if err := requireUser(p, role.SelfWrite); err != nil {
		return err
	}
	_, members, err := s.st.AccountCredentials(ctx, p.AccountID)
	if err != nil {
		return err
	}
	return s.st.EndAllSessions(ctx, p.AccountID, sessionTime(s.now()), members)
}

// EndUserSessions ends a tenant user's sessions in the tenant, as a
// deactivation would, without deactivating.
func (s *service) EndUserSessions(ctx context.Context, p auth.Principal, userID string) error {
	u, err := s.managedUser(ctx, p, userID)
	if err != nil {
		return err
	}
	err = s.st.EndUserSessions(ctx, u.TenantID, u.ID, sessionTime(s.now()))
	if fault.CodeOf(err) == fault.NotFound {
		return denyErr(errNoUser, err)
	}
	return err
}

// errNoSuchUser answers for a user the caller's tenant does not hold.
var errNoSuchUser = fault.New(fault.NotFound, "No such user.")

// managedUser returns a user of the caller's tenant whose credentials the
// caller may manage: users:privileged, and a role the caller may assign
// (only owners manage owners and admins).
func (s *service) managedUser(ctx context.Context, p auth.Principal, userID string) (*user.User, error) {
	if !p.Can(role.UsersPrivileged) {
		return nil, deny(errForbidden, "missing "+string(role.UsersPrivileged))
	}
	if userID == "" || len(userID) > 64 {
		return nil, deny(errNoSuchUser, "malformed user id")
	}
	u, err := s.st.GetUser(ctx, p.TenantID, userID)
	if fault.CodeOf(err) == fault.NotFound {
		return nil, denyErr(errNoSuchUser, err)
	}
	if err != nil {
		return nil, err
	}
	if !role.CanAssign(role.ID(u.Role), p.Roles...) {
		return nil, deny(errForbidden, "may not manage a user of role "+u.Role)
	}
	return u, nil
}
