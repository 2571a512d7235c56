package signin

import (
	"context"
	"encoding/hex"
	"errors"
	"time"

	"roster/shared/fault"
	"roster/shared/opaque"
	"roster/shared/password"
	"roster/shared/tenant"
	"roster/shared/user"
)

// maxUserCode bounds the user code a login reads; no username is longer.
const maxUserCode = 256

// Login checks the device, then the user code and password in the device's
// tenant. Reads: device and username marker (two GetItems), then user,
// account and tenant together (one BatchGetItem; for a marker written
// before markers named the account, a BatchGetItem of user and tenant and
// a GetItem of the account). A code that names no user reads, in place of
// user and account, the code's failure counter (LoginStandIn: a
// BatchGetItem of the same three keys), and is then answered as a wrong
// password is, against the dummy hash, so whether a user code exists shows
// neither in the calls nor in the time (decision 018). An inactive tenant
// gets the answer of a wrong password, without checking it or counting a
// failure.
// Writes: one UpdateItem on a wrong password or an unknown code, and on an
// inactive user or one without a password, counted on the code's counter
// (two for the failure that locks, when a concurrent failure moved the
// count), on success one transaction of the auth token and the session's
// record (sessions.go), with the account when failures must be cleared or
// the hash replaced, nothing for the other failures. An account with a
// second factor gets a challenge instead (one PutItem; mfa.go).
func (s *service) Login(ctx context.Context, deviceToken, userCode, pw string) (Tokens, error) {
	now := s.now()
	tenantID, err := s.device(ctx, deviceToken)
	if err != nil {
		return Tokens{}, err
	}
	if userCode == "" || len(userCode) > maxUserCode || len(pw) > password.MaxInputBytes {
		// Independent of any stored user, so answering at once reveals
		// nothing; the dummy keeps the time in line with the rest anyway.
		s.hasher.VerifyDummy(pw)
		return Tokens{}, deny(errCredentials, "user code or password out of bounds")
	}
	u, acct, standIn, cause, err := s.loginAccount(ctx, tenantID, userCode)
	if err != nil {
		return Tokens{}, err
	}
	if cause != nil {
		s.hasher.VerifyDummy(pw)
		if standIn != "" {
			// A user who cannot log in counts as a code that names none.
			if err := s.recordFailure(ctx, LoginFailure{StandIn: standIn}, now); err != nil {
				return Tokens{}, err
			}
		}
		return Tokens{}, denyErr(errCredentials, cause)
	}
	if acct.LockedUntil.After(now) {
		// Neither counted nor extended: a lock is a fixed pause, not a
		// penalty an attacker can keep a person under.
		s.hasher.VerifyDummy(pw)
		return Tokens{}, deny(errCredentials, "account locked")
	}
	if standIn != "" {
		// No user: the dummy hash and the count on the code's counter make
		// the answer cost the time and the calls of a wrong password.
		s.hasher.VerifyDummy(pw)
		if err := s.recordFailure(ctx, LoginFailure{StandIn: standIn, Seen: acct.FailedLogins}, now); err != nil {
			return Tokens{}, err
		}
		return Tokens{}, deny(errCredentials, "no user holds the user code")
	}
	ok, rehash, err := s.hasher.Verify(pw, acct.PasswordHash)
	if err != nil {
		return Tokens{}, fault.Wrap(err, fault.Internal, "An internal error occurred.")
	}
	if !ok {
		if err := s.recordFailure(ctx, LoginFailure{AccountID: acct.ID, TenantID: tenantID, UserID: u.ID, Seen: acct.FailedLogins}, now); err != nil {
			return Tokens{}, err
		}
		return Tokens{}, deny(errCredentials, "wrong password")
	}

	if acct.Factors.Enrolled() || acct.Factors.Required {
		// The second step finishes the login (mfa.go): failures are
		// cleared, and the session stored, only when it succeeds. A hash
		// made with weaker parameters is replaced now, with the challenge,
		// since only this step sees the password.
		var newHash string
		if rehash {
			if newHash, err = s.hasher.Hash(pw); err != nil {
				return Tokens{}, err
			}
		}
		return s.challenge(ctx, deviceToken, u, acct, newHash, now)
	}
	// The session begins when the login did, before any of its reads, so a
	// password change stamped later ends it (see UpdateSelf).
	fresh, authTok, err := s.newAuthToken(acct.ID, sessionTime(now), now)
	if err != nil {
		return Tokens{}, err
	}
	fresh.SessionID = fresh.ID
	done := LoginSuccess{Token: fresh, ResetFailures: acct.FailedLogins > 0, OldHash: acct.PasswordHash,
		Session: s.newSession(fresh, deviceToken, tenantID)}
	if rehash {
		if done.NewHash, err = s.hasher.Hash(pw); err != nil {
			return Tokens{}, err
		}
	}
	if err := s.st.CompleteLogin(ctx, done); err != nil {
		if fault.CodeOf(err) == fault.Conflict {
			// The password changed between the check and the write: the
			// one just checked is no longer the person's.
			return Tokens{}, denyErr(errCredentials, err)
		}
		return Tokens{}, err
	}
	return s.tokens(u, acct.ID, authTok, fresh.ExpiresAt)
}

// device checks a device token and returns its tenant. Every failure is
// the same errDevice.
func (s *service) device(ctx context.Context, tok string) (string, error) {
	id, err := opaque.Device.Parse(tok)
	if err != nil {
		return "", denyErr(errDevice, err)
	}
	d, err := s.st.GetDevice(ctx, id)
	switch {
	case fault.CodeOf(err) == fault.NotFound:
		opaque.Verify(s.pepper, tok, dummyHash)
		return "", denyErr(errDevice, err)
	case err != nil:
		return "", err
	case !opaque.Verify(s.pepper, tok, d.Hash):
		return "", deny(errDevice, "wrong device token secret")
	case d.Revoked:
		return "", deny(errDevice, "device revoked")
	}
	return d.TenantID, nil
}

// standInKeep is how long the failure counter of a user code that names
// no user outlives its last failure (beyond a lock). A person's count
// lasts until a success, so the longer the counter lasts, the longer the
// two lock alike; a month bounds what the table keeps for guessed codes.
const standInKeep = 30 * 24 * time.Hour

// loginAccount finds the active user with the user code in the active
// tenant and the account behind it. A cause instead of a user says why
// there is nothing to check the password against (user or tenant
// inactive, no password); err is a store failure. When the code names no
// user, acct is the code's failure counter, read as the account would
// have been (LoginStandIn), and standIn its key; standIn also names the
// counter an inactive user or one without a password counts on.
func (s *service) loginAccount(ctx context.Context, tenantID, userCode string) (u *user.User, acct *Account, standIn string, cause, err error) {
	standIn = s.standInKey(tenantID, userCode)
	u, acct, tn, err := s.st.LoginUser(ctx, tenantID, userCode)
	switch {
	case fault.CodeOf(err) == fault.NotFound:
		acct, tn, err := s.st.LoginStandIn(ctx, tenantID, standIn)
		switch {
		case fault.CodeOf(err) == fault.NotFound:
			return nil, nil, "", err, nil
		case err != nil:
			return nil, nil, "", nil, err
		case !tn.Active:
			return nil, nil, "", errors.New("tenant inactive"), nil
		}
		return nil, acct, standIn, nil, nil
	case err != nil:
		return nil, nil, "", nil, err
	case !tn.Active:
		return nil, nil, "", errors.New("tenant inactive"), nil
	case !u.Active:
		return nil, nil, standIn, errors.New("user inactive"), nil
	case acct.PasswordHash == "":
		return nil, nil, standIn, errors.New("account without a password"), nil
	}
	acct.Factors.Required = tn.RequiresMFA(u.Role)
	return u, acct, "", nil, nil
}

// standInKey is the key of the failure counter of a user code in a
// tenant: HMAC-SHA256 under the pepper of both, the code as usernames are
// matched, so guesses at one code count together whatever their case and
// the table never holds a code someone typed.
func (s *service) standInKey(tenantID, userCode string) string {
	return hex.EncodeToString(opaque.Hash(s.pepper, "login code\x00"+tenantID+"\x00"+user.NormalizeUsername(userCode)))
}

// recordFailure counts a wrong password against the account or code f
// names.
func (s *service) recordFailure(ctx context.Context, f LoginFailure, now time.Time) error {
	f.Max, f.Now, f.LockUntil = s.maxFailures, now, now.Add(s.lockFor)
	f.Expires = f.LockUntil.Add(standInKeep)
	_, err := s.st.RecordLoginFailure(ctx, f)
	return err
}

// Exchange consumes an auth token for an access token to tenantID and a
// fresh auth token of the same session. Reads: auth token and membership
// (two GetItems), user and tenant (one BatchGetItem); writes: one
// three-item transaction (consume the old token, put the new, check that
// the person's sessions were not revoked since this one began). Nothing is
// consumed when the person holds no active user in the tenant, the tenant
// is inactive, or the session has ended.
func (s *service) Exchange(ctx context.Context, authToken, tenantID string) (Tokens, *user.User, error) {
	now := s.now()
	old, err := s.authToken(ctx, authToken, now)
	if err != nil {
		return Tokens{}, nil, err
	}
	u, err := s.member(ctx, old.AccountID, tenantID, old.MFA)
	if err != nil {
		return Tokens{}, nil, err
	}
	if !old.SessionStart.After(u.SessionsRevokedAt) {
		// The user was deactivated after the session began: reactivated,
		// it opens to new logins only.
		return Tokens{}, nil, deny(errAuthToken, "session began before the user's sessions were revoked")
	}
	fresh, tok, err := s.newAuthToken(old.AccountID, old.SessionStart, now)
	if err != nil {
		return Tokens{}, nil, err
	}
	fresh.SessionID, fresh.MFA = old.SessionID, old.MFA
	if err := s.st.RotateAuthToken(ctx, old.ID, now, fresh); err != nil {
		if fault.CodeOf(err) == fault.Unauthorized {
			// Consumed by a concurrent exchange, expired meanwhile, or the
			// person's sessions were revoked since this one began.
			return Tokens{}, nil, denyErr(errAuthToken, err)
		}
		return Tokens{}, nil, err
	}
	t, err := s.tokens(u, old.AccountID, tok, fresh.ExpiresAt)
	if err != nil {
		return Tokens{}, nil, err
	}
	return t, u, nil
}

// member returns the account's active user in the tenant; errNoUser when
// there is none or the tenant is inactive, so a suspended tenant answers
// as one the person does not belong to.
// A tenant that requires a second factor of the user's role refuses a
// session whose login passed none (mfa), as fault.Forbidden.
func (s *service) member(ctx context.Context, accountID, tenantID string, mfa bool) (*user.User, error) {
	if !tenant.ValidUID(tenantID) {
		return nil, deny(errNoUser, "malformed tenant uid")
	}
	userID, err := s.st.MemberUserID(ctx, accountID, tenantID)
	if fault.CodeOf(err) == fault.NotFound {
		return nil, denyErr(errNoUser, err)
	}
	if err != nil {
		return nil, err
	}
	u, tn, err := s.st.GetUserAndTenant(ctx, tenantID, userID)
	switch {
	case fault.CodeOf(err) == fault.NotFound:
		return nil, denyErr(errNoUser, err)
	case err != nil:
		return nil, err
	case !tn.Active:
		return nil, deny(errNoUser, "tenant inactive")
	case !u.Active:
		return nil, deny(errNoUser, "user inactive")
	case u.AccountID != accountID:
		return nil, denyErr(errNoUser, errors.New("membership points at another person's user"))
	case !mfa && tn.RequiresMFA(u.Role):
		return nil, errNeedsMFA
	}
	return u, nil
}
