package signin

import (
	"context"
	"slices"
	"time"

	"roster/shared/auth"
	"roster/shared/fault"
	"roster/shared/role"
	"roster/shared/user"
)

// A tenant's MFA policy (decision 024): the roles whose users must log in
// with a second factor. Default: none. A user of such a role without a
// factor gets a challenge whose second step enrols TOTP (StartEnrolment,
// then Verify with a code), and a session that passed no second factor is
// refused entry into such a tenant (Exchange), wherever it began.

// errNeedsMFA refuses a session without a second factor entry into a
// tenant that requires one of the user's role.
var errNeedsMFA = fault.New(fault.Forbidden, "This tenant requires a second factor for your role; log in with one.")

// StartEnrolment begins the TOTP enrolment a login's challenge asks for.
// Reads: the challenge and the user (two GetItems); writes: the pending
// secret (one PutItem).
func (f *factors) StartEnrolment(ctx context.Context, deviceToken, challengeToken string) (TOTPEnrolment, error) {
	now := f.now()
	c, err := f.openChallenge(ctx, deviceToken, challengeToken, now)
	if err != nil {
		return TOTPEnrolment{}, err
	}
	if !c.Enrol {
		return TOTPEnrolment{}, deny(errChallenge, "challenge asks for a code, not an enrolment")
	}
	return f.startTOTP(ctx, c.AccountID, c.TenantID, c.UserID, now)
}

// verifyEnrolment is Verify for a challenge that enrols: the code must be
// one of the pending secret, which then counts, and the login finishes in
// the same transaction, handing out the recovery codes.
func (f *factors) verifyEnrolment(ctx context.Context, c *LoginChallenge, deviceToken string, sf SecondFactor, now time.Time) (Tokens, error) {
	if sf.Code == "" || sf.RecoveryCode != "" {
		return Tokens{}, fault.InvalidFields([]fault.FieldError{{Field: "code", Message: "is required to confirm the enrolment"}})
	}
	sealed, err := f.st.PendingTOTP(ctx, c.AccountID, now)
	if fault.CodeOf(err) == fault.NotFound {
		return Tokens{}, fault.New(fault.NotFound, "No enrolment is pending; start one with the challenge first.")
	}
	if err != nil {
		return Tokens{}, err
	}
	step, ok := f.checkTOTP(sealed, c.AccountID, sf.Code, 0, now)
	if !ok {
		return Tokens{}, f.codeFailure(ctx, c.AccountID, now, "wrong enrolment code")
	}
	codes, hashes, err := f.recoveryCodes(c.AccountID)
	if err != nil {
		return Tokens{}, err
	}
	fresh, authTok, err := f.newAuthToken(c.AccountID, c.SessionStart, now)
	if err != nil {
		return Tokens{}, err
	}
	fresh.SessionID, fresh.MFA = fresh.ID, true
	err = f.st.CompleteEnrolment(ctx,
		TOTPConfirmation{AccountID: c.AccountID, Secret: sealed, Since: sessionTime(now), Step: step, RecoveryCodes: hashes, Now: now},
		ChallengeSuccess{Challenge: c, Step: step, Token: fresh, Session: f.newSession(fresh, deviceToken, c.TenantID), Now: now})
	switch fault.CodeOf(err) {
	case "":
	case fault.Unauthorized:
		return Tokens{}, denyErr(errChallenge, err)
	case fault.Forbidden, fault.Conflict, fault.NotFound:
		// Locked, sessions revoked, enrolled meanwhile, or the pending
		// secret replaced: answered as a wrong code, and counted.
		return Tokens{}, f.codeFailure(ctx, c.AccountID, now, err.Error())
	default:
		return Tokens{}, err
	}
	t, err := f.tokens(&user.User{TenantID: c.TenantID, ID: c.UserID, Role: c.Role, TokenVersion: c.TokenVersion}, c.AccountID, authTok, fresh.ExpiresAt)
	if err != nil {
		return Tokens{}, err
	}
	t.RecoveryCodes = codes
	return t, nil
}

// MFAPolicy returns the roles of the caller's tenant that must log in with
// a second factor.
func (f *factors) MFAPolicy(ctx context.Context, p auth.Principal) ([]string, error) {
	if !p.Can(role.TenantAdmin) {
		return nil, deny(errForbidden, "missing "+string(role.TenantAdmin))
	}
	tn, err := f.st.GetTenant(ctx, p.TenantID)
	if err != nil {
		return nil, err
	}
	return sortedRoles(tn.MFARoles), nil
}

// SetMFAPolicy sets the roles of the caller's tenant that must log in with
// a second factor: known roles, each once.
func (f *factors) SetMFAPolicy(ctx context.Context, p auth.Principal, roles []string) ([]string, error) {
	if !p.Can(role.TenantAdmin) {
		return nil, deny(errForbidden, "missing "+string(role.TenantAdmin))
	}
	for _, r := range roles {
		if !role.Valid(r) {
			return nil, fault.InvalidFields([]fault.FieldError{{Field: "requiredRoles", Message: "names a role that does not exist"}})
		}
	}
	roles = sortedRoles(roles)
	if err := f.st.SetMFAPolicy(ctx, p.TenantID, roles); err != nil {
		return nil, err
	}
	return roles, nil
}

// sortedRoles returns roles sorted, without repeats, never nil.
func sortedRoles(roles []string) []string {
	out := slices.Clone(roles)
	slices.Sort(out)
	out = slices.Compact(out)
	if out == nil {
		out = []string{}
	}
	return out
}

// ResetFactors removes a tenant user's second factors: the TOTP secret,
// the recovery codes and any pending enrolment of the person behind it.
func (f *factors) ResetFactors(ctx context.Context, p auth.Principal, userID string) error {
	u, err := f.managedUser(ctx, p, userID)
	if err != nil {
		return err
	}
	if u.AccountID == "" {
		return nil // no person yet, so no factor
	}
	err = f.st.RemoveFactors(auth.WithPrincipal(ctx, p), u.AccountID, time.Time{}, 0) // p: for the stream's roster.mfa.removed
	if fault.CodeOf(err) == fault.NotFound {
		return nil
	}
	if err != nil {
		return err
	}
	list, err := f.st.ListPasskeys(ctx, u.AccountID)
	if err != nil || len(list) == 0 {
		return err
	}
	ids := make([]string, len(list))
	for i, pk := range list {
		ids[i] = pk.ID
	}
	return f.st.RemovePasskeys(ctx, u.AccountID, ids)
}
