package signin

import (
	"context"
	"errors"
	"strings"
	"time"

	"roster/shared/auth"
	"roster/shared/fault"
	"roster/shared/mail"
	"roster/shared/opaque"
	"roster/shared/password"
	"roster/shared/role"
	"roster/shared/tenant"
	"roster/shared/throttle"
	"roster/shared/user"
)

// Account returns the caller's account and the tenants they can enter:
// one query and one BatchGetItem.
func (s *service) Account(ctx context.Context, p auth.Principal) (*Account, []Membership, error) {
	if err := requireUser(p, role.SelfRead); err != nil {
		return nil, nil, err
	}
	acct, ms, err := s.st.AccountTenants(ctx, p.AccountID)
	if err != nil {
		return nil, nil, err
	}
	return acct, ms, nil // without the password hash: AccountTenants is an ordinary read
}

// SetDefaultTenant makes tenantID the caller's default, provided they can
// enter it. Reads as Account; writes one transaction, nothing when the
// tenant is already the default.
func (s *service) SetDefaultTenant(ctx context.Context, p auth.Principal, tenantID string) (*Account, []Membership, error) {
	if err := requireUser(p, role.SelfWrite); err != nil {
		return nil, nil, err
	}
	notMember := fault.InvalidField("defaultTenantUid", "must be a tenant you belong to")
	if !tenant.ValidUID(tenantID) {
		return nil, nil, fault.InvalidField("defaultTenantUid", "must match ^[A-Za-z0-9-_]+ and be at most 64 characters")
	}
	acct, ms, err := s.st.AccountTenants(ctx, p.AccountID)
	if err != nil {
		return nil, nil, err
	}
	member := false
	for _, m := range ms {
		member = member || m.TenantID == tenantID
	}
	if !member {
		return nil, nil, notMember
	}
	if acct.DefaultTenant == tenantID {
		return acct, ms, nil
	}
	if err := s.st.SetDefaultTenant(ctx, p.AccountID, tenantID); err != nil {
		if fault.CodeOf(err) == fault.NotFound {
			notMember.Err = err
			return nil, nil, notMember
		}
		return nil, nil, err
	}
	acct.DefaultTenant = tenantID
	acct.Version++
	return acct, ms, nil
}

// TenantUser returns the caller's own user in tenantID, which must be the
// tenant of the caller's token.
func (s *service) TenantUser(ctx context.Context, p auth.Principal, tenantID string) (*user.User, error) {
	if err := requireUser(p, role.SelfRead); err != nil {
		return nil, err
	}
	return s.ownUser(ctx, p, tenantID)
}

// ownUser reads the principal's user in tenantID: errNoUser when the tenant
// is not the principal's or the user is gone or inactive.
func (s *service) ownUser(ctx context.Context, p auth.Principal, tenantID string) (*user.User, error) {
	if tenantID != p.TenantID {
		return nil, deny(errNoUser, "path tenant is not the principal's")
	}
	u, err := s.st.GetUser(ctx, tenantID, p.UserID)
	switch {
	case fault.CodeOf(err) == fault.NotFound:
		return nil, denyErr(errNoUser, err)
	case err != nil:
		return nil, err
	case !u.Active || u.AccountID != p.AccountID:
		return nil, deny(errNoUser, "user inactive or of another account")
	}
	return u, nil
}

// errCurrentPassword answers a wrong current password, and the same for a
// locked account.
func errCurrentPassword(reason string) error {
	e := fault.InvalidField("currentPassword", "is incorrect")
	e.Err = errors.New(reason)
	return e
}

// UpdateSelf applies a self-service change. Reads: the user, and for a
// password change the account with its memberships (one query). Writes:
// one transaction, or nothing when the input is invalid or changes nothing.
// A wrong current password writes one failure count instead. A password
// change ends every session of the person, the caller's own included.
func (s *service) UpdateSelf(ctx context.Context, p auth.Principal, tenantID string, c SelfChange) (*user.User, error) {
	if err := requireUser(p, role.SelfWrite); err != nil {
		return nil, err
	}
	if tenantID != p.TenantID {
		return nil, deny(errNoUser, "path tenant is not the principal's")
	}
	if err := fault.InvalidFields(checkSelf(c)); err != nil {
		return nil, err
	}
	u, err := s.ownUser(ctx, p, tenantID)
	if err != nil {
		return nil, err
	}
	if c.IfVersion > 0 && c.IfVersion != u.Version {
		return nil, fault.New(fault.PreconditionFailed, "The user has changed since the version given.")
	}

	next := *u
	changed := false
	set := func(dst *string, v *string) {
		if v != nil && *v != *dst {
			*dst, changed = *v, true
		}
	}
	var email, lang *string
	if c.Email != nil {
		e := strings.TrimSpace(*c.Email)
		email = &e
	}
	if c.LanguageCode != nil {
		l := strings.ToLower(*c.LanguageCode)
		lang = &l
	}
	// A new address takes effect only when a link mailed to it is used
	// (decision 023): the change stores a token for it instead, and the
	// user keeps the old one. A change of spelling alone (case, blanks)
	// is the same inbox, applied at once.
	var pending *VerifyToken
	var secret string
	if email != nil && user.NormalizeEmail(*email) != user.NormalizeEmail(u.Email) {
		if !mailConfigured(s.mail) {
			return nil, fault.New(fault.Unavailable, "Changing the email address is not available: no mail sender is configured.")
		}
		if pending, secret, err = s.pendingEmail(u, *email); err != nil {
			return nil, err
		}
		email = nil
	}
	set(&next.DisplayName, c.DisplayName)
	set(&next.Email, email)
	set(&next.FirstName, c.FirstName)
	set(&next.LastName, c.LastName)
	set(&next.Mobile, c.Mobile)
	set(&next.LanguageCode, lang)
	set(&next.DefaultStoreID, c.DefaultStoreID)
	next.Reverify(u) // a new address is not proved yet (decision 023)
	if !changed && c.Password == nil && pending == nil {
		return u, nil
	}

	now := s.now()
	var pw *PasswordChange
	if c.Password != nil {
		if err := fault.InvalidFields(password.Check("password", *c.Password, u.Username, next.Email, u.Email)); err != nil {
			return nil, err
		}
		if pw, err = s.passwordChange(ctx, u.AccountID, *c.CurrentPassword, *c.Password); err != nil {
			return nil, err
		}
		// Stamped after the hashing, as close to the write as it can be,
		// so a login racing the change rarely begins after the stamp.
		pw.At = sessionTime(s.now())
		next.TokenVersion++
	}
	next.Version = u.Version + 1
	next.UpdatedAt = now
	next.UpdatedBy = p.Actor()
	up := SelfUpdate{User: &next, PrevVersion: u.Version, OldEmail: u.Email, Password: pw}
	if pending != nil {
		pending.CreatedAt, pending.ExpiresAt = now, now.Add(DefaultVerifyTTL).Truncate(time.Second)
		// The new address and the old one are each mailed once: both
		// count against their address's limit (and the tenant's once),
		// so a change cannot be used to mail-bomb either.
		up.Pending, up.Now = pending, now
		up.Counters = throttle.Mail(tenantID, pending.Address)
		if u.Email != "" {
			up.Counters = append(up.Counters, throttle.Mail(tenantID, u.Email)[0])
		}
	}
	err = s.st.UpdateSelf(ctx, up)
	if err != nil {
		if f := fault.As(err); f.Code == fault.Conflict && len(f.Fields) == 0 && c.IfVersion > 0 {
			return nil, fault.Wrap(err, fault.PreconditionFailed, "The user has changed since the version given.")
		}
		return nil, err
	}
	if pending != nil {
		if err := s.mailEmailChange(ctx, u, pending, secret); err != nil {
			return nil, err
		}
	}
	return &next, nil
}

// mailConfigured says whether p can post at all: not when it is nil, nor
// when it says it has no sender behind it (a poster whose sender is set
// later, as the platform's).
func mailConfigured(p mail.Poster) bool {
	if p == nil {
		return false
	}
	if c, ok := p.(interface{ Configured() bool }); ok {
		return c.Configured()
	}
	return true
}

// pendingEmail returns the token of a change of u's address to address,
// and its secret (not yet dated).
func (s *service) pendingEmail(u *user.User, address string) (*VerifyToken, string, error) {
	k, err := opaque.Email.Generate()
	if err != nil {
		return nil, "", fault.Wrap(err, fault.Internal, "An internal error occurred.")
	}
	return &VerifyToken{
		ID: k.ID, TenantID: u.TenantID, UserID: u.ID, Email: user.NormalizeEmail(address), Address: address,
		From: user.NormalizeEmail(u.Email), Hash: opaque.Hash(s.pepper, k.Token),
	}, k.Token, nil
}

// mailEmailChange posts the link to the new address and, when the user
// had one, the notice to the old address. The change is stored already:
// a failure answers fault.Unavailable, and asking again mails a new link.
func (s *service) mailEmailChange(ctx context.Context, u *user.User, t *VerifyToken, secret string) error {
	tn, err := s.st.GetTenant(ctx, u.TenantID)
	name := u.TenantID
	if err == nil {
		name = tn.Name
	}
	m := mail.Message{
		Type: mail.EmailChangeRequested, Version: 1, ID: t.ID, Tenant: u.TenantID, TenantName: name, Email: t.Address,
		FirstName: u.FirstName, LastName: u.LastName, Language: u.LanguageCode, Token: secret, ExpiresAt: t.ExpiresAt,
	}
	if err := s.mail.Post(ctx, m); err != nil {
		return err
	}
	if u.Email == "" {
		return nil
	}
	m.Type, m.ID, m.Email, m.Token = mail.EmailChangeNotice, t.ID+".notice", u.Email, ""
	return s.mail.Post(ctx, m)
}

// passwordChange checks the current password against the account (a wrong
// one counts as a failed login; a locked account refuses every attempt) and
// hashes the new one.
func (s *service) passwordChange(ctx context.Context, accountID, current, next string) (*PasswordChange, error) {
	acct, members, err := s.st.AccountCredentials(ctx, accountID)
	switch {
	case fault.CodeOf(err) == fault.NotFound:
		s.hasher.VerifyDummy(current)
		return nil, errCurrentPassword("account missing")
	case err != nil:
		return nil, err
	case acct.PasswordHash == "":
		s.hasher.VerifyDummy(current)
		return nil, errCurrentPassword("account without a password")
	case acct.LockedUntil.After(s.now()):
		s.hasher.VerifyDummy(current)
		return nil, errCurrentPassword("account locked")
	}
	ok, _, err := s.hasher.Verify(current, acct.PasswordHash)
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "An internal error occurred.")
	}
	if !ok {
		if err := s.recordFailure(ctx, LoginFailure{AccountID: acct.ID, Seen: acct.FailedLogins}, s.now()); err != nil {
			return nil, err
		}
		return nil, errCurrentPassword("wrong current password")
	}
	hash, err := s.hasher.Hash(next)
	if err != nil {
		return nil, err
	}
	return &PasswordChange{AccountID: accountID, OldHash: acct.PasswordHash, NewHash: hash, Others: members}, nil
}
