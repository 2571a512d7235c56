package signin

import (
	"context"
	"errors"
	"time"

	"roster/shared/auth"
	"roster/shared/fault"
	"roster/shared/mail"
	"roster/shared/opaque"
	"roster/shared/role"
	"roster/shared/tenant"
	"roster/shared/throttle"
	"roster/shared/user"
)

// DefaultVerifyTTL is how long a verification link works (decision 023).
const DefaultVerifyTTL = 24 * time.Hour

// VerifyToken is a stored email verification: the HMAC of the mailed
// token, the user and the address it proves. It dies when used, when it
// expires, and in effect when the user's address changes (the proof is of
// the address it names).
type VerifyToken struct {
	ID       string
	TenantID string
	UserID   string
	Email    string // the address mailed, as normalised (user.NormalizeEmail)
	// Address and From are set for a requested change of address: the
	// new address as the person typed it, which the user gets when the
	// token is used, and the user's address (normalised) when it was
	// asked for, which must still be the user's then.
	Address   string
	From      string
	Hash      []byte `json:"-"`
	CreatedAt time.Time
	ExpiresAt time.Time // whole seconds; also the item's TTL
}

// VerificationStore is what verification needs from the table; *store.Table
// implements it.
type VerificationStore interface {
	// GetUserAndTenant returns a user and its tenant. fault.NotFound.
	GetUserAndTenant(ctx context.Context, tenantID, id string) (*user.User, *tenant.Tenant, error)
	// PutVerifyToken stores a token, taking one from each counter at
	// now, all or nothing: fault.TooManyRequests when one is spent.
	PutVerifyToken(ctx context.Context, v *VerifyToken, counters []throttle.Counter, now time.Time) error
	// GetVerifyToken returns a token. fault.NotFound.
	GetVerifyToken(ctx context.Context, id string) (*VerifyToken, error)
	// ConfirmEmail spends the token, provided it has not expired at now,
	// and marks the user's address verified, provided it is still the
	// token's (the user's version goes up). fault.NotFound otherwise.
	ConfirmEmail(ctx context.Context, v *VerifyToken, now time.Time) error
	// ConfirmEmailChange spends a change's token, provided it has not
	// expired at now, and stores c (the user with the token's address,
	// verified), moving the email marker. fault.NotFound when the token
	// is gone; fault.Conflict when the user changed since it was read,
	// fault.Conflict (field email) when the address is taken.
	ConfirmEmailChange(ctx context.Context, v *VerifyToken, c SelfUpdate, now time.Time) error
}

// Verification proves people's email addresses.
type Verification interface {
	// RequestVerification mails the caller (a user's access token,
	// self:write, in tenantID) a link that proves their address; nothing
	// when it is proved already. fault.TooManyRequests when the address
	// or the tenant has had its mail for the hour.
	RequestVerification(ctx context.Context, p auth.Principal, tenantID string) error
	// ConfirmEmail spends a verification token of tenantID and marks the
	// address verified. A malformed, unknown, expired, used or
	// other-tenant token, or one for an address the user no longer has,
	// is the same fault.Invalid, field token.
	//
	// The token of a requested change of address moves the user to the
	// new address, verified; a fault.Conflict (field email) when another
	// user of the tenant took it meanwhile, which only the holder of a
	// link mailed to that address learns.
	ConfirmEmail(ctx context.Context, tenantID, token string) error
	// Welcome mails a new user (directory.Options.Welcome) a link that
	// proves their address; nothing when it is proved already, and
	// nothing, quietly, when the address has had its mail for the hour.
	// A new user takes from the address's counter alone: an
	// administrator creating a team must not spend the tenant's hourly
	// mail (invitations, resets). fault.Unavailable when the mail could
	// not be posted; the user exists either way.
	Welcome(ctx context.Context, u *user.User) error
}

// verification implements Verification.
type verification struct {
	st     VerificationStore
	pepper []byte
	mail   mail.Poster
	now    func() time.Time
}

// NewVerification returns email verification over st, keying tokens under
// pepper and posting mail to poster; now is the clock (time.Now when nil).
func NewVerification(st VerificationStore, pepper []byte, poster mail.Poster, now func() time.Time) (Verification, error) {
	if st == nil || poster == nil || len(pepper) == 0 {
		return nil, errors.New("new verification: store, pepper and mail poster are required")
	}
	if now == nil {
		now = time.Now
	}
	return &verification{st: st, pepper: pepper, mail: poster, now: now}, nil
}

var errVerify = fault.InvalidField("token", "is invalid or has expired; ask for a new verification link")

// RequestVerification: user and tenant (BatchGetItem), one
// TransactWriteItems (the counters and the token), one SendMessage.
func (v *verification) RequestVerification(ctx context.Context, p auth.Principal, tenantID string) error {
	if err := requireUser(p, role.SelfWrite); err != nil {
		return err
	}
	if tenantID != p.TenantID {
		return deny(errNoUser, "path tenant is not the principal's")
	}
	u, tn, err := v.st.GetUserAndTenant(ctx, tenantID, p.UserID)
	switch {
	case fault.CodeOf(err) == fault.NotFound:
		return denyErr(errNoUser, err)
	case err != nil:
		return err
	case !tn.Active || !u.Active || u.AccountID != p.AccountID:
		return deny(errNoUser, "tenant or user inactive, or another person's user")
	case u.EmailVerified || u.Email == "":
		return nil
	}
	return v.send(ctx, u, tn, throttle.Mail(tenantID, u.Email))
}

// Welcome: the tenant with the user (BatchGetItem), one
// TransactWriteItems (the address's counter and the token), one
// SendMessage.
func (v *verification) Welcome(ctx context.Context, nu *user.User) error {
	if nu.EmailVerified || nu.Email == "" {
		return nil
	}
	u, tn, err := v.st.GetUserAndTenant(ctx, nu.TenantID, nu.ID)
	if err != nil {
		return err
	}
	if u.EmailVerified || u.Email == "" {
		return nil
	}
	err = v.send(ctx, u, tn, throttle.Mail(u.TenantID, u.Email)[:1])
	if fault.CodeOf(err) == fault.TooManyRequests {
		return nil // the person can ask for a link later
	}
	return err
}

// send stores a token for u's address, taking from counters, and mails it.
func (v *verification) send(ctx context.Context, u *user.User, tn *tenant.Tenant, counters []throttle.Counter) error {
	k, err := opaque.Email.Generate()
	if err != nil {
		return fault.Wrap(err, fault.Internal, "An internal error occurred.")
	}
	now := v.now()
	t := &VerifyToken{
		ID: k.ID, TenantID: u.TenantID, UserID: u.ID, Email: user.NormalizeEmail(u.Email), Hash: opaque.Hash(v.pepper, k.Token),
		CreatedAt: now, ExpiresAt: now.Add(DefaultVerifyTTL).Truncate(time.Second),
	}
	if err := v.st.PutVerifyToken(ctx, t, counters, now); err != nil {
		return err
	}
	return v.mail.Post(ctx, mail.Message{
		Type: mail.VerificationNeeded, Version: 1, ID: k.ID, Tenant: tn.ID, TenantName: tn.Name, Email: u.Email,
		FirstName: u.FirstName, LastName: u.LastName, Language: u.LanguageCode, Token: k.Token, ExpiresAt: t.ExpiresAt,
	})
}

// ConfirmEmail: the token (GetItem), then one TransactWriteItems.
func (v *verification) ConfirmEmail(ctx context.Context, tenantID, tok string) error {
	if tok == "" {
		return fault.InvalidField("token", "is required: the verification token from the mail")
	}
	now := v.now()
	id, err := opaque.Email.Parse(tok)
	if err != nil {
		return denyErr(errVerify, err)
	}
	t, err := v.st.GetVerifyToken(ctx, id)
	switch {
	case fault.CodeOf(err) == fault.NotFound:
		opaque.Verify(v.pepper, tok, dummyHash)
		return denyErr(errVerify, err)
	case err != nil:
		return err
	case !opaque.Verify(v.pepper, tok, t.Hash):
		return deny(errVerify, "wrong verification token secret")
	case t.TenantID != tenantID:
		return deny(errVerify, "verification token of another tenant")
	case !now.Before(t.ExpiresAt):
		return deny(errVerify, "verification token expired")
	}
	if t.Address != "" {
		return v.confirmChange(ctx, t, now)
	}
	if err := v.st.ConfirmEmail(ctx, t, now); err != nil {
		if fault.CodeOf(err) == fault.NotFound {
			return denyErr(errVerify, err)
		}
		return err
	}
	return nil
}

// confirmChange moves the user to the token's address: the user
// (BatchGetItem with the tenant), then one TransactWriteItems.
func (v *verification) confirmChange(ctx context.Context, t *VerifyToken, now time.Time) error {
	u, _, err := v.st.GetUserAndTenant(ctx, t.TenantID, t.UserID)
	switch {
	case fault.CodeOf(err) == fault.NotFound:
		return denyErr(errVerify, err)
	case err != nil:
		return err
	case !u.Active || user.NormalizeEmail(u.Email) != t.From:
		return deny(errVerify, "user inactive, or its address changed since the change was asked")
	}
	next := *u
	next.Email, next.EmailVerified = t.Address, true
	next.Version = u.Version + 1
	next.UpdatedAt, next.UpdatedBy = now, "user:"+u.ID
	err = v.st.ConfirmEmailChange(ctx, t, SelfUpdate{User: &next, PrevVersion: u.Version, OldEmail: u.Email}, now)
	switch f := fault.As(err); {
	case err == nil:
		return nil
	case f.Code == fault.NotFound:
		return denyErr(errVerify, err)
	case f.Code == fault.Conflict && len(f.Fields) > 0:
		return &fault.Error{Code: fault.Conflict, Message: "Another user of this tenant has this address now; the change cannot be made.",
			Fields: []fault.FieldError{{Field: "email", Message: "is taken by another user of this tenant"}}, Err: err}
	default:
		return err
	}
}

// NoVerification answers every call fault.Unavailable: what a group built
// without mail serves on the verification routes.
var NoVerification Verification = noVerification{}

type noVerification struct{}

func (noVerification) RequestVerification(context.Context, auth.Principal, string) error {
	return errNoMail
}
func (noVerification) ConfirmEmail(context.Context, string, string) error { return errNoMail }

// Welcome mails nothing: without mail, a new user's address waits for an
// administrator's word.
func (noVerification) Welcome(context.Context, *user.User) error { return nil }
