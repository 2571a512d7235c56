package directory

import (
	"context"
	"strings"
	"time"

	"roster/shared/auth"
	"roster/shared/fault"
	"roster/shared/role"
	"roster/shared/user"
)

// Register makes the user in one transaction, as Create does, without an
// initial password or groups. Its times are to the millisecond, as the
// UserInfo API shows them.
func (s *service) Register(ctx context.Context, p auth.Principal, r Registration) (*user.User, error) {
	if err := require(p, role.UsersWrite); err != nil {
		return nil, err
	}
	email := strings.TrimSpace(r.Email)
	username := r.Username
	if username == "" {
		username = email // trimmed: a username may not contain spaces
	}
	u := user.New(user.Fields{
		TenantID: p.TenantID, Username: username, Email: email,
		FirstName: r.FirstName, LastName: r.LastName, Active: true, Role: string(role.Member),
	}, s.now().UTC().Truncate(time.Millisecond), p.Actor())
	if err := s.st.CreateUserWithPassword(ctx, u, ""); err != nil {
		return nil, err
	}
	s.welcomed(ctx, u)
	return u, nil
}

// UserIDByEmail reads the email marker: one GetItem.
func (s *service) UserIDByEmail(ctx context.Context, p auth.Principal, email string) (string, error) {
	if err := require(p, role.UsersRead); err != nil {
		return "", err
	}
	return s.st.UserIDByEmail(ctx, p.TenantID, email)
}

// SetAccessToken reads the email marker, then writes the sealed token on
// the user conditional on the email still being the user's.
func (s *service) SetAccessToken(ctx context.Context, p auth.Principal, email, token string) error {
	if err := require(p, role.UsersWrite); err != nil {
		return err
	}
	id, err := s.st.UserIDByEmail(ctx, p.TenantID, email)
	if err != nil {
		return err
	}
	sealed, err := s.sealer.Seal([]byte(token), accessTokenContext(p.TenantID, id))
	if err != nil {
		return fault.Wrap(err, fault.Internal, "An internal error occurred.")
	}
	return s.st.SetAccessToken(ctx, user.AccessTokenChange{
		TenantID: p.TenantID, UserID: id, Email: email, Sealed: sealed,
		By: p.Actor(), At: s.now().UTC().Truncate(time.Millisecond),
	})
}

// accessTokenContext binds a sealed access token to its tenant and user,
// so a sealed value copied to another user does not open.
func accessTokenContext(tenantID, userID string) string {
	return "userinfo/accessToken/" + tenantID + "/" + userID
}

// PasswordTarget reads the username marker, then the user: two GetItems.
// The marker is read first even for a caller who may set only their own
// password, since only the id says whether the username is theirs.
func (s *service) PasswordTarget(ctx context.Context, p auth.Principal, username string) (*user.User, error) {
	id, err := s.st.UserIDByUsername(ctx, p.TenantID, username)
	me := err == nil && self(p, id)
	switch {
	case !me && !p.Can(role.UsersWrite) && (err == nil || fault.CodeOf(err) == fault.NotFound):
		return nil, fault.New(fault.Forbidden, "Your role lets you change only your own password (%s).", role.UsersWrite)
	case err != nil:
		return nil, err
	}
	return s.st.GetUser(ctx, p.TenantID, id)
}
