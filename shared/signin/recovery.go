package signin

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"roster/shared/auth"
	"roster/shared/check"
	"roster/shared/fault"
	"roster/shared/mail"
	"roster/shared/opaque"
	"roster/shared/password"
	"roster/shared/role"
	"roster/shared/tenant"
	"roster/shared/throttle"
	"roster/shared/user"
)

// DefaultResetTTL is how long a reset token lasts (decision 021).
const DefaultResetTTL = 15 * time.Minute

// ResetToken is a stored password reset: the only form a reset token has
// once mailed is this HMAC of it. It is live while it is the account's
// latest (a newer request supersedes it) and until ExpiresAt, and using it
// deletes it.
type ResetToken struct {
	ID        string    // public id, part of the token
	TenantID  string    // the tenant it was asked in; it opens nothing in another
	UserID    string    // the user it was asked for
	AccountID string    // the person whose password it sets
	Hash      []byte    `json:"-"` // HMAC-SHA256(pepper, token)
	CreatedAt time.Time // creation time
	ExpiresAt time.Time // whole seconds; also the item's TTL
}

// ResetStart is what a recovery request writes, in one transaction: a
// take from the source's counter (refused loudly) and from the address's
// (refused with ErrAddressSpent), and, when the request names a person,
// the token, which becomes the account's live reset.
type ResetStart struct {
	Source  *throttle.Counter // nil: an administrator's request, limited by Mail's counters alone
	Address []throttle.Counter
	// Quiet: a spent Address counter is ErrAddressSpent rather than its
	// fault.TooManyRequests (a public request must not show it).
	Quiet bool
	Token *ResetToken // nil when nobody is to receive a token
	// StandIn, when Token is nil, keys the decoy items written in place
	// of the token and the account's pointer, so the transaction has the
	// size and the writes of one that stores a token (decision 021).
	StandIn string
	Now     time.Time
}

// ResetDone is what a reset writes, in one transaction: the token deleted
// (provided it has not expired by Now) and still the account's live one,
// and the password change, which revokes every session of the person and
// every access token of their users.
type ResetDone struct {
	Token    *ResetToken
	Password *PasswordChange
	Now      time.Time
}

// ErrAddressSpent is in the store's answer (errors.Is) when a quiet
// request's address counter is spent: the request sends nothing but is
// answered as if it did, since whether an address gets mail must not show.
var ErrAddressSpent = errors.New("the address has had its mail for the window")

// RecoveryStore is what recovery needs from the table; *store.Table
// implements it.
type RecoveryStore interface {
	// RecoveryTarget reads the user holding an email (byEmail) or a
	// username in a tenant, and the tenant, strongly consistently and in
	// the same calls whether or not anyone holds it: a marker GetItem and
	// a BatchGetItem of user (or standIn, a key no user has) and tenant.
	// A nil user and no error when nobody holds it; fault.NotFound when
	// the tenant is missing.
	RecoveryTarget(ctx context.Context, tenantID string, byEmail bool, value, standIn string) (*user.User, *tenant.Tenant, error)
	// StartReset writes a request. fault.TooManyRequests when the source's
	// counter is spent, ErrAddressSpent when an address counter is.
	StartReset(ctx context.Context, s ResetStart) error
	// GetResetToken returns a reset token. fault.NotFound.
	GetResetToken(ctx context.Context, id string) (*ResetToken, error)
	// CompleteReset spends a token and sets the password. fault.NotFound
	// when the token is gone, expired or no longer the account's live one.
	CompleteReset(ctx context.Context, d ResetDone) error
	// GetUserAndTenant returns a user and its tenant. fault.NotFound.
	GetUserAndTenant(ctx context.Context, tenantID, id string) (*user.User, *tenant.Tenant, error)
	// AccountCredentials returns an account with its memberships. fault.NotFound.
	AccountCredentials(ctx context.Context, id string) (*Account, []Membership, error)
}

// ResetRequest asks for a reset link in a tenant, naming the person by
// email or by user code (exactly one), from Source (the caller's address).
type ResetRequest struct {
	Email    string
	UserCode string
	Source   string
}

// Recovery is password recovery.
type Recovery interface {
	// RequestReset posts a reset link to the person r names in tenantID,
	// superseding any earlier one. Whether anyone is named, and whether the
	// address has had its mail for the hour, the answer is nil after the
	// same calls (decision 021); fault.Invalid names a malformed field;
	// fault.TooManyRequests (with RetryAfter) when the source has asked
	// too often; fault.Unavailable when the mail could not be posted.
	RequestReset(ctx context.Context, tenantID string, r ResetRequest) error
	// Reset spends a reset token of tenantID and sets the person's
	// password, which must pass the policy (fault.Invalid, field
	// password); it ends every session and auth token of the person,
	// revokes the access tokens of every user they hold, and clears the
	// lockout. A token that is malformed, unknown, of another tenant,
	// expired, used or superseded is the same fault.Invalid, field token.
	Reset(ctx context.Context, tenantID, token, newPassword string) error
	// SendReset posts a reset link to a user of the caller's tenant, for
	// an administrator (users:write) who would otherwise set a password.
	// fault.NotFound when the tenant has no such user; fault.Conflict when
	// the user is inactive or cannot sign in; fault.TooManyRequests when
	// the address or the tenant has had its mail for the hour.
	SendReset(ctx context.Context, p auth.Principal, userID string) error
}

// RecoveryOptions tunes recovery; zero fields take their defaults.
type RecoveryOptions struct {
	Now      func() time.Time // time.Now
	ResetTTL time.Duration    // DefaultResetTTL
}

// recovery implements Recovery.
type recovery struct {
	st     RecoveryStore
	hasher *password.Hasher
	pepper []byte
	mail   mail.Poster
	now    func() time.Time
	ttl    time.Duration
}

// NewRecovery returns password recovery over st, hashing new passwords
// with hasher, keying tokens under pepper and posting mail to poster.
func NewRecovery(st RecoveryStore, hasher *password.Hasher, pepper []byte, poster mail.Poster, opts RecoveryOptions) (Recovery, error) {
	switch {
	case st == nil || hasher == nil || poster == nil:
		return nil, errors.New("new recovery: store, hasher and mail poster are required")
	case len(pepper) < password.MinPepperBytes:
		return nil, fmt.Errorf("new recovery: pepper is %d bytes, want at least %d", len(pepper), password.MinPepperBytes)
	case opts.ResetTTL < 0:
		return nil, errors.New("new recovery: negative reset lifetime")
	}
	r := &recovery{st: st, hasher: hasher, pepper: bytes.Clone(pepper), mail: poster, now: opts.Now, ttl: opts.ResetTTL}
	if r.now == nil {
		r.now = time.Now
	}
	if r.ttl == 0 {
		r.ttl = DefaultResetTTL
	}
	return r, nil
}

// errReset is every refusal of a reset token, whatever the cause.
var errReset = fault.InvalidField("token", "is invalid or has expired; ask for a new reset link")

// maxSource bounds the source a request is counted under.
const maxSource = 64

// CheckResetRequest reports the problems of a request that need no stored
// state: exactly one of email and userCode, well formed.
func CheckResetRequest(r ResetRequest) []fault.FieldError {
	switch {
	case r.Email == "" && r.UserCode == "":
		return []fault.FieldError{{Field: "email", Message: "is required unless userCode is given"}}
	case r.Email != "" && r.UserCode != "":
		return []fault.FieldError{{Field: "userCode", Message: "must not be given with email"}}
	case r.Email != "":
		return checkEmail("email", r.Email)
	case len(r.UserCode) > maxUserCode || strings.TrimSpace(r.UserCode) == "":
		return []fault.FieldError{{Field: "userCode", Message: fmt.Sprintf("must be 1 to %d bytes and not blank", maxUserCode)}}
	}
	return nil
}

// RequestReset finds the person, takes from the counters and writes the
// token, then posts the mail. Calls, whoever is named: a marker GetItem, a
// BatchGetItem, one TransactWriteItems and one SQS SendMessage (a message
// the sender drops when there is nothing to send); an unknown or inactive
// tenant reads and does nothing more.
func (r *recovery) RequestReset(ctx context.Context, tenantID string, req ResetRequest) error {
	if err := fault.InvalidFields(CheckResetRequest(req)); err != nil {
		return err
	}
	if !tenant.ValidUID(tenantID) {
		return fault.InvalidField("tenantUid", "must match ^[A-Za-z0-9-_]+ and be at most 64 characters")
	}
	now := r.now()
	byEmail, value := req.Email != "", strings.TrimSpace(req.Email)
	if !byEmail {
		value = req.UserCode
	}
	standIn := r.standIn(tenantID, byEmail, value)
	u, tn, err := r.st.RecoveryTarget(ctx, tenantID, byEmail, value, standIn)
	switch {
	case fault.CodeOf(err) == fault.NotFound:
		return nil // tenants are not secret; their people are
	case err != nil:
		return err
	case !tn.Active:
		return nil
	}
	source := req.Source
	if len(source) > maxSource {
		source = source[:maxSource]
	}
	from := throttle.RecoveryFrom(tenantID, source)
	known := u != nil && u.Active && u.AccountID != ""
	msg := mail.Message{Version: 1, Tenant: tn.ID, TenantName: tn.Name, Type: mail.RecoveryDropped}
	start := ResetStart{Source: &from, Quiet: true, StandIn: standIn, Now: now}
	var secret string
	switch {
	case known:
		start.Address = []throttle.Counter{throttle.Address(tenantID, u.Email)}
		if start.Token, secret, err = r.newToken(u, now); err != nil {
			return err
		}
		msg = r.resetMessage(msg, u, start.Token, secret)
	case byEmail:
		start.Address = []throttle.Counter{throttle.Address(tenantID, value)}
		msg.Type, msg.Email = mail.RecoveryUnknown, value
	default:
		start.Address = []throttle.Counter{throttle.Keyed(tenantID, standIn)}
	}
	if msg.ID == "" {
		msg.ID = hex.EncodeToString(opaque.Hash(r.pepper, fmt.Sprintf("recovery message\x00%s\x00%d", standIn, now.UnixNano())))[:16]
	}
	switch err := r.st.StartReset(ctx, start); {
	case errors.Is(err, ErrAddressSpent):
		msg = mail.Message{Version: 1, ID: msg.ID, Tenant: tn.ID, Type: mail.RecoveryDropped}
	case err != nil:
		return err
	}
	return r.mail.Post(ctx, msg)
}

// standIn is the keyed hash of what a request named, for the read that
// stands in for a user nobody holds and for a user code's mail counter.
func (r *recovery) standIn(tenantID string, byEmail bool, value string) string {
	v := "code\x00" + user.NormalizeUsername(value)
	if byEmail {
		v = "email\x00" + user.NormalizeEmail(value)
	}
	return hex.EncodeToString(opaque.Hash(r.pepper, "recovery\x00"+tenantID+"\x00"+v))
}

// newToken makes a reset token for u, expiring after the TTL.
func (r *recovery) newToken(u *user.User, now time.Time) (*ResetToken, string, error) {
	k, err := opaque.Reset.Generate()
	if err != nil {
		return nil, "", fault.Wrap(err, fault.Internal, "An internal error occurred.")
	}
	return &ResetToken{
		ID: k.ID, TenantID: u.TenantID, UserID: u.ID, AccountID: u.AccountID, Hash: opaque.Hash(r.pepper, k.Token),
		CreatedAt: now, ExpiresAt: now.Add(r.ttl).Truncate(time.Second),
	}, k.Token, nil
}

// resetMessage is the mail that carries a reset token to u.
func (r *recovery) resetMessage(m mail.Message, u *user.User, t *ResetToken, secret string) mail.Message {
	m.Type, m.ID, m.Email, m.Token, m.ExpiresAt = mail.RecoveryRequested, t.ID, u.Email, secret, t.ExpiresAt
	m.FirstName, m.LastName, m.Language = u.FirstName, u.LastName, u.LanguageCode
	return m
}

// Reset checks the token, then the password, and writes both in one
// transaction. Calls: the token (GetItem), user and tenant (BatchGetItem),
// the account with its memberships (Query), then one TransactWriteItems.
func (r *recovery) Reset(ctx context.Context, tenantID, tok, pw string) error {
	var problems []fault.FieldError
	if tok == "" {
		problems = append(problems, fault.FieldError{Field: "token", Message: "is required"})
	}
	if pw == "" {
		problems = append(problems, fault.FieldError{Field: "password", Message: "is required"})
	} else if len(pw) > password.MaxInputBytes {
		problems = append(problems, fault.FieldError{Field: "password", Message: fmt.Sprintf("must be at most %d bytes", password.MaxInputBytes)})
	}
	if err := fault.InvalidFields(problems); err != nil {
		return err
	}
	now := r.now()
	t, err := r.token(ctx, tenantID, tok, now)
	if err != nil {
		return err
	}
	u, tn, err := r.st.GetUserAndTenant(ctx, t.TenantID, t.UserID)
	switch {
	case fault.CodeOf(err) == fault.NotFound:
		return denyErr(errReset, err)
	case err != nil:
		return err
	case !tn.Active || !u.Active || u.AccountID != t.AccountID:
		return deny(errReset, "tenant or user inactive, or the user's person changed")
	}
	if err := fault.InvalidFields(password.Check("password", pw, u.Username, u.Email)); err != nil {
		return err
	}
	acct, members, err := r.st.AccountCredentials(ctx, t.AccountID)
	switch {
	case fault.CodeOf(err) == fault.NotFound:
		return denyErr(errReset, err)
	case err != nil:
		return err
	}
	hash, err := r.hasher.Hash(pw)
	if err != nil {
		return err
	}
	change := &PasswordChange{AccountID: acct.ID, OldHash: acct.PasswordHash, NewHash: hash, Others: members, At: sessionTime(r.now())}
	if err := r.st.CompleteReset(ctx, ResetDone{Token: t, Password: change, Now: now}); err != nil {
		if fault.CodeOf(err) == fault.NotFound {
			return denyErr(errReset, err) // used, superseded or expired meanwhile
		}
		return err
	}
	return nil
}

// token checks a reset token for tenantID: well formed, stored, matching
// in constant time, of that tenant, not expired. Every failure is the same
// errReset, and an unknown id costs the HMAC a wrong secret costs.
func (r *recovery) token(ctx context.Context, tenantID, tok string, now time.Time) (*ResetToken, error) {
	id, err := opaque.Reset.Parse(tok)
	if err != nil {
		return nil, denyErr(errReset, err)
	}
	t, err := r.st.GetResetToken(ctx, id)
	switch {
	case fault.CodeOf(err) == fault.NotFound:
		opaque.Verify(r.pepper, tok, dummyHash)
		return nil, denyErr(errReset, err)
	case err != nil:
		return nil, err
	case !opaque.Verify(r.pepper, tok, t.Hash):
		return nil, deny(errReset, "wrong reset token secret")
	case t.TenantID != tenantID:
		return nil, deny(errReset, "reset token of another tenant")
	case !now.Before(t.ExpiresAt):
		return nil, deny(errReset, "reset token expired")
	}
	return t, nil
}

// SendReset posts a reset link to a user of the caller's tenant. Calls:
// user and tenant (BatchGetItem), one TransactWriteItems, one SendMessage.
func (r *recovery) SendReset(ctx context.Context, p auth.Principal, userID string) error {
	if !p.Can(role.UsersWrite) {
		return deny(errForbidden, "missing "+string(role.UsersWrite))
	}
	noUser := fault.New(fault.NotFound, "The user does not exist.")
	if !check.UID(userID) {
		return noUser
	}
	u, tn, err := r.st.GetUserAndTenant(ctx, p.TenantID, userID)
	switch {
	case fault.CodeOf(err) == fault.NotFound:
		return noUser
	case err != nil:
		return err
	case !tn.Active:
		return noUser
	case !u.Active || u.AccountID == "" || u.Email == "":
		return fault.New(fault.Conflict, "The user is inactive or has no sign-in to reset.")
	}
	now := r.now()
	t, secret, err := r.newToken(u, now)
	if err != nil {
		return err
	}
	if err := r.st.StartReset(ctx, ResetStart{Address: throttle.Mail(p.TenantID, u.Email), Token: t, Now: now}); err != nil {
		return err
	}
	return r.mail.Post(ctx, r.resetMessage(mail.Message{Version: 1, Tenant: tn.ID, TenantName: tn.Name}, u, t, secret))
}

// NoRecovery answers every call fault.Unavailable: what a group built
// without mail serves on the recovery routes.
var NoRecovery Recovery = noRecovery{}

type noRecovery struct{}

var errNoMail = fault.New(fault.Unavailable, "Password recovery is not available: no mail sender is configured.")

func (noRecovery) RequestReset(context.Context, string, ResetRequest) error { return errNoMail }
func (noRecovery) Reset(context.Context, string, string, string) error      { return errNoMail }
func (noRecovery) SendReset(context.Context, auth.Principal, string) error  { return errNoMail }
