package signin

import (
	"context"
	"strings"
	"time"

	"roster/shared/auth"
	"roster/shared/fault"
	"roster/shared/mail"
	"roster/shared/opaque"
	"roster/shared/role"
	"roster/shared/throttle"
	"roster/shared/user"
)

// invite checks an invite token: well formed, stored, matching, not
// expired. Every failure is the same errInvite.
func (s *service) invite(ctx context.Context, tok string, now time.Time) (*Invite, error) {
	id, err := opaque.Invite.Parse(tok)
	if err != nil {
		return nil, denyErr(errInvite, err)
	}
	in, err := s.st.GetInvite(ctx, id)
	switch {
	case fault.CodeOf(err) == fault.NotFound:
		opaque.Verify(s.pepper, tok, dummyHash)
		return nil, denyErr(errInvite, err)
	case err != nil:
		return nil, err
	case !opaque.Verify(s.pepper, tok, in.Hash):
		return nil, deny(errInvite, "wrong invite token secret")
	case !now.Before(in.ExpiresAt):
		return nil, deny(errInvite, "invitation expired")
	}
	return in, nil
}

// DescribeInvite tells the holder of an invite token what it is for.
// Reads: the invitation and its tenant.
func (s *service) DescribeInvite(ctx context.Context, inviteToken string) (InviteInfo, error) {
	in, err := s.invite(ctx, inviteToken, s.now())
	if err != nil {
		return InviteInfo{}, err
	}
	tn, err := s.st.GetTenant(ctx, in.TenantID)
	switch {
	case fault.CodeOf(err) == fault.NotFound:
		return InviteInfo{}, denyErr(errInvite, err)
	case err != nil:
		return InviteInfo{}, err
	case !tn.Active:
		return InviteInfo{}, deny(errInvite, "tenant inactive")
	}
	return InviteInfo{
		TenantID: tn.ID, TenantName: tn.Name, Organization: tn.Organization, Role: in.Role,
		EmailHint: maskEmail(in.Email), ExpiresAt: in.ExpiresAt,
	}, nil
}

// AcceptInvite makes the person behind authToken a user of the invitation's
// tenant, through the directory's door (Users). Reads: the auth token and
// the invitation; writes: one transaction that consumes both, stores the
// fresh auth token (of the same session) and creates the user with its
// markers, membership and account upsert; the upsert holds only while the
// person's sessions were not revoked since this one began.
func (s *service) AcceptInvite(ctx context.Context, authToken, inviteToken string) (Tokens, *user.User, error) {
	now := s.now()
	// The auth token is the request's credential: checked first, so a
	// caller without one learns nothing of the invitation.
	old, err := s.authToken(ctx, authToken, now)
	if err != nil {
		return Tokens{}, nil, err
	}
	in, err := s.invite(ctx, inviteToken, now)
	if err != nil {
		return Tokens{}, nil, err
	}
	fresh, tok, err := s.newAuthToken(old.AccountID, old.SessionStart, now)
	if err != nil {
		return Tokens{}, nil, err
	}
	fresh.SessionID, fresh.MFA = old.SessionID, old.MFA
	u := user.New(user.Fields{
		TenantID: in.TenantID, AccountID: old.AccountID,
		Username: in.Email, Email: in.Email, FirstName: in.FirstName, LastName: in.LastName,
		Active: true, Role: in.Role,
	}, now, in.CreatedBy)
	holder := auth.Principal{TenantID: in.TenantID, AccountID: old.AccountID, Method: auth.ViaInvitation}
	err = s.users.Admit(ctx, holder, u, Acceptance{TenantID: in.TenantID, InviteID: in.ID, AuthID: old.ID, Fresh: fresh, Now: now})
	switch fault.CodeOf(err) {
	case "":
	case fault.NotFound: // used or expired meanwhile, or the tenant closed
		return Tokens{}, nil, denyErr(errInvite, err)
	case fault.Unauthorized: // consumed by a concurrent exchange, expired meanwhile, or the session revoked
		return Tokens{}, nil, denyErr(errAuthToken, err)
	default:
		return Tokens{}, nil, err
	}
	t, err := s.tokens(u, old.AccountID, tok, fresh.ExpiresAt)
	if err != nil {
		return Tokens{}, nil, err
	}
	return t, u, nil
}

// CreateInvite invites a person into the caller's tenant, in place of an
// earlier invitation to the same address, whose token stops working. An
// address already in the tenant is refused now rather than at acceptance,
// and an invitation over a mail limit (throttle.Mail) with the time the
// limit lifts. Reads the address's live invitation; writes one
// transaction, or nothing when refused.
func (s *service) CreateInvite(ctx context.Context, p auth.Principal, in NewInvite) (Issued, error) {
	if !p.Can(role.InvitationsWrite) {
		return Issued{}, deny(errForbidden, "missing "+string(role.InvitationsWrite))
	}
	var problems []fault.FieldError
	problems = append(problems, checkEmail("email", in.Email)...)
	problems = append(problems, user.CheckRole("role", in.Role)...)
	problems = append(problems, user.CheckName("firstname", in.FirstName, false)...)
	problems = append(problems, user.CheckName("lastname", in.LastName, false)...)
	if in.TTL < 0 || in.TTL > MaxInviteTTL {
		problems = append(problems, fault.FieldError{Field: "ttl", Message: "must be between 0 (the default of 7 days) and 30 days"})
	}
	if err := fault.InvalidFields(problems); err != nil {
		return Issued{}, err
	}
	if !role.CanAssign(role.ID(in.Role), p.Roles...) {
		return Issued{}, deny(errForbidden, "may not assign role "+in.Role)
	}
	email := strings.TrimSpace(in.Email)
	k, err := opaque.Invite.Generate()
	if err != nil {
		return Issued{}, fault.Wrap(err, fault.Internal, "An internal error occurred.")
	}
	ttl := in.TTL
	if ttl == 0 {
		ttl = s.inviteTTL
	}
	now := s.now()
	stored := &Invite{
		ID: k.ID, TenantID: p.TenantID, Email: email, Role: in.Role, FirstName: in.FirstName, LastName: in.LastName,
		Hash: opaque.Hash(s.pepper, k.Token), CreatedAt: now, CreatedBy: p.Actor(),
		ExpiresAt: now.Add(ttl).Truncate(time.Second),
	}
	if err := s.st.CreateInvite(ctx, stored, throttle.Mail(p.TenantID, email), now); err != nil {
		return Issued{}, err
	}
	s.mailInvite(ctx, stored, k.Token)
	return Issued{ID: k.ID, Token: k.Token, ExpiresAt: stored.ExpiresAt}, nil
}

// mailInvite posts the invitation's mail, as provisioning posts an
// owner's (decision 022), and already counted by CreateInvite. A failure
// is the poster's to log: the answer still carries the token, so a queue
// that is down costs the invitee the mail, never the administrator the
// invitation.
func (s *service) mailInvite(ctx context.Context, in *Invite, token string) {
	if !mailConfigured(s.mail) {
		return
	}
	name := in.TenantID
	if tn, err := s.st.GetTenant(ctx, in.TenantID); err == nil {
		name = tn.Name
	}
	_ = s.mail.Post(ctx, mail.Message{
		Type: mail.InvitationCreated, Version: 1, ID: in.ID, Tenant: in.TenantID, TenantName: name, Email: in.Email,
		FirstName: in.FirstName, LastName: in.LastName, Role: in.Role, InviteToken: token, ExpiresAt: in.ExpiresAt,
	})
}
