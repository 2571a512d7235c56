package signin

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"

	"roster/shared/auth"
	"roster/shared/fault"
	"roster/shared/opaque"
	"roster/shared/role"
	"roster/shared/seal"
	"roster/shared/user"
)

// Second factors (decision 024). A person (the account, not a tenant
// user) may enrol one TOTP authenticator (RFC 6238: SHA-1, six digits,
// 30-second steps, the parameters every authenticator app reads from an
// otpauth URI). Its secret is sealed with the field key, bound to the
// account, and lives on the account item beside the password hash, so
// the password step of a login, which reads that item anyway, knows
// whether a second step is due and copies the sealed secret into the
// challenge it issues: the code step then reads only the challenge.
// Enrolment hands out ten single-use recovery codes, stored as peppered
// HMACs in one item of the account's partition.

// TOTP parameters.
const (
	totpPeriod   = 30 // seconds per step
	totpSkew     = 1  // steps either side of now a code is accepted for
	totpDigits   = otp.DigitsSix
	totpSecretSz = 20 // bytes: 160 bits, RFC 4226's recommendation
	// PendingTOTPTTL is how long an enrolment waits for its confirming code.
	PendingTOTPTTL = 10 * time.Minute
	// ChallengeTTL is how long the second step of a login may take.
	ChallengeTTL = 5 * time.Minute
	// MaxCodeFailures wrong second-factor codes in a row lock the account
	// as DefaultMaxFailures wrong passwords do, for as long.
	MaxCodeFailures = 5
	// RecoveryCodes is how many recovery codes an enrolment hands out.
	RecoveryCodes = 10
	// totpIssuer names the service in authenticator apps.
	totpIssuer = "Roster"
)

// Challenge is the kind of the token the password step of a login hands
// out when a second factor is due.
var Challenge = opaque.Kind{Prefix: "rmc_", Name: "MFA challenge"}

// AccountFactors are the second factors on an account item. The sealed
// secret comes only from the privileged reads, as the password hash does.
type AccountFactors struct {
	TOTPSecret   string    `json:"-"` // sealed base32 secret; empty without TOTP or outside privileged reads
	TOTPSince    time.Time // when TOTP was confirmed (whole milliseconds); zero: not enrolled
	TOTPLastStep int64     `json:"-"` // the last time step a code was accepted for; older and equal steps are refused
	FailedCodes  int       `json:"-"` // consecutive wrong codes
	Passkeys     int       // registered passkeys (passkeys.go)
	// Required is not stored: a login's read sets it when the tenant
	// requires a second factor of the user's role (tenant.MFARoles).
	Required bool `json:"-"`
}

// Enrolled reports whether the account has a second factor that counts.
func (f AccountFactors) Enrolled() bool { return f.HasTOTP() || f.Passkeys > 0 }

// HasTOTP reports whether the account has a confirmed TOTP.
func (f AccountFactors) HasTOTP() bool { return !f.TOTPSince.IsZero() }

// TOTPEnrolment is what starting a TOTP enrolment shows the person once:
// the secret, the otpauth URI an authenticator app reads, and that URI as a
// QR code (PNG). Nothing counts until a code confirms it.
type TOTPEnrolment struct {
	Secret    string    `json:"-"` // base32, for typing into an app
	URI       string    `json:"-"` // otpauth://totp/...
	QRCodePNG []byte    `json:"-"` // the URI as a QR code
	ExpiresAt time.Time // when the unconfirmed enrolment lapses
}

// FactorSummary is what a person may see of their own factors.
type FactorSummary struct {
	TOTPSince     time.Time // zero when TOTP is not enrolled
	RecoveryCodes int       // unused recovery codes left
	Passkeys      int       // registered passkeys
}

// SecondFactor is what the second step of a login offers: a TOTP code or
// a recovery code, exactly one.
type SecondFactor struct {
	Code         string `json:"-"`
	RecoveryCode string `json:"-"`
}

// LoginChallenge is a login's pending second step: the stored form of a
// challenge token, bound to the account and the device that passed the
// password step, with what the code step needs to finish the login
// without reading the account again.
type LoginChallenge struct {
	ID         string
	AccountID  string
	DeviceHash []byte `json:"-"` // HMAC of the device token that passed the password step
	Hash       []byte `json:"-"` // HMAC of the challenge token
	// The user the login is for, as the password step read it.
	TenantID, UserID, Role string
	TokenVersion           int64
	TOTPSecret             string    `json:"-"` // sealed, copied from the account
	TOTPSince              time.Time // the enrolment the code is checked against
	Enrol                  bool      // no factor yet, and the tenant requires one: the second step enrols TOTP
	Passkeys               bool      // the account has passkeys: the second step may take one
	Passwordless           bool      // a passkey login without a password step; the account is not known yet
	Ceremony               []byte    `json:"-"` // a passkey ceremony's state (webauthn.SessionData as JSON)
	SessionStart           time.Time // the login's start, whole milliseconds
	CreatedAt              time.Time
	ExpiresAt              time.Time // whole seconds; also the item's TTL
}

// TOTPConfirmation makes a pending TOTP enrolment count: what the store
// writes in one transaction.
type TOTPConfirmation struct {
	AccountID     string
	Secret        string    // sealed
	Since         time.Time // whole milliseconds
	Step          int64     // the step of the confirming code, which cannot be used again
	RecoveryCodes [][]byte  `json:"-"` // HMACs of the fresh recovery codes
	Now           time.Time
}

// ChallengeSuccess finishes a login's second step: what the store writes
// in one transaction.
type ChallengeSuccess struct {
	Challenge *LoginChallenge
	Step      int64  // the accepted TOTP step, or 0 for a recovery code
	Recovery  []byte `json:"-"` // HMAC of the spent recovery code, or nil
	Token     *AuthToken
	Session   *Session // the session the login begins, stored with the token
	Now       time.Time
}

// FactorStore is what second factors need from the table; *store.Table
// implements it.
type FactorStore interface {
	// PutPendingTOTP stores (or replaces) the account's unconfirmed TOTP
	// secret, sealed, until expires.
	PutPendingTOTP(ctx context.Context, accountID, sealed string, expires time.Time) error
	// PendingTOTP returns the unconfirmed sealed secret. fault.NotFound
	// when there is none or it has expired at now.
	PendingTOTP(ctx context.Context, accountID string, now time.Time) (string, error)
	// ConfirmTOTP makes the pending secret the account's factor, with
	// fresh recovery codes, consuming the pending one. fault.Conflict when
	// the account has TOTP already; fault.NotFound when the pending secret
	// is gone or expired.
	ConfirmTOTP(ctx context.Context, c TOTPConfirmation) error
	// RemoveFactors removes the account's TOTP and recovery codes. When
	// since is not zero, only while that enrolment is the account's and
	// step is newer than its last (fault.Conflict otherwise). ConfirmTOTP
	// and RemoveFactors read the principal acting from ctx, to note the
	// tenant and user for the change feed (decision 025).
	RemoveFactors(ctx context.Context, accountID string, since time.Time, step int64) error
	// RecoveryCodesLeft counts the account's unused recovery codes.
	RecoveryCodesLeft(ctx context.Context, accountID string) (int, error)
	// PutChallenge stores a login challenge; with newHash, in one
	// transaction that replaces the account's password hash oldHash with
	// it (a rehash). fault.Conflict when the id is taken or the hash
	// changed meanwhile.
	PutChallenge(ctx context.Context, c *LoginChallenge, oldHash, newHash string) error
	// GetChallenge returns a login challenge, expired or not. fault.NotFound.
	GetChallenge(ctx context.Context, id string) (*LoginChallenge, error)
	// CompleteEnrolment confirms the pending TOTP (as ConfirmTOTP) and
	// finishes the login (as CompleteChallenge) in one transaction.
	CompleteEnrolment(ctx context.Context, c TOTPConfirmation, s ChallengeSuccess) error
	// SetMFAPolicy sets the roles of a tenant that must log in with a
	// second factor. fault.NotFound when there is no tenant.
	SetMFAPolicy(ctx context.Context, tenantID string, roles []string) error
	// CompleteChallenge consumes the challenge, records the TOTP step (only
	// while it is newer than the last and the enrolment unchanged) or
	// spends the recovery code, clears the account's failures and stores
	// the auth token, in one transaction that holds only while the account
	// is not locked and its sessions were not revoked since the login
	// began. fault.Unauthorized when the challenge is gone or expired;
	// fault.Forbidden when the code was used, the factor changed, the
	// account is locked or its sessions were revoked.
	CompleteChallenge(ctx context.Context, s ChallengeSuccess) error
}

// Factors is the self-service and login side of second factors.
type Factors interface {
	// StartTOTP begins a TOTP enrolment of the caller's account (self:write),
	// replacing an unconfirmed one. fault.Conflict when TOTP is enrolled.
	StartTOTP(ctx context.Context, p auth.Principal) (TOTPEnrolment, error)
	// ConfirmTOTP confirms the pending enrolment with a current code and
	// returns the recovery codes, shown this once. fault.Invalid (field
	// code) for a wrong code; fault.NotFound when nothing is pending;
	// fault.Conflict when TOTP is enrolled already.
	ConfirmTOTP(ctx context.Context, p auth.Principal, code string) ([]string, error)
	// RemoveTOTP removes the caller's TOTP and recovery codes, proven by a
	// current code. A wrong code is fault.Invalid (field code) and counts
	// toward the lock as at login; fault.NotFound without TOTP.
	RemoveTOTP(ctx context.Context, p auth.Principal, code string) error
	// Summary tells the caller which factors their account has.
	Summary(ctx context.Context, p auth.Principal) (FactorSummary, error)
	// StartEnrolment begins the TOTP enrolment a login's challenge asks
	// for when the tenant requires a factor the person lacks; Verify with
	// a code of it confirms it and finishes the login. A challenge that is
	// not such a one is errChallenge, as a bad one is.
	StartEnrolment(ctx context.Context, deviceToken, challengeToken string) (TOTPEnrolment, error)
	// MFAPolicy returns the roles of the caller's tenant that must log in
	// with a second factor (tenant:admin).
	MFAPolicy(ctx context.Context, p auth.Principal) ([]string, error)
	// SetMFAPolicy sets them (tenant:admin); fault.Invalid (field
	// requiredRoles) for an unknown role.
	SetMFAPolicy(ctx context.Context, p auth.Principal, roles []string) ([]string, error)
	// ResetFactors removes a user's second factors (users:privileged, and
	// a role the caller may assign): for a person who lost their
	// authenticator. A user of another tenant is fault.NotFound.
	ResetFactors(ctx context.Context, p auth.Principal, userID string) error
	// Verify is the second step of a login: the challenge token from the
	// password step, the same device token, and a code. An unknown, used,
	// expired or malformed challenge, or one from another device, is the
	// same fault.Unauthorized (errChallenge); a wrong, replayed or refused
	// code the same fault.Unauthorized (errCode), and wrong codes lock the
	// account after MaxCodeFailures.
	Verify(ctx context.Context, deviceToken, challengeToken string, f SecondFactor) (Tokens, error)
}

// Answers of the second step that must not tell their causes apart.
var (
	errChallenge = fault.New(fault.Unauthorized, "The MFA challenge is invalid or has expired; log in again.")
	errCode      = fault.New(fault.Unauthorized, "The code is incorrect.")
	errNoTOTP    = fault.New(fault.NotFound, "No authenticator is enrolled.")
)

// factors implements Factors on the sign-in service.
type factors struct {
	*service
	sealer *seal.Sealer
}

// NewFactors returns the second-factor service over the sign-in service
// svc (from New), sealing TOTP secrets with sealer.
func NewFactors(svc Service, sealer *seal.Sealer) (Factors, error) {
	s, ok := svc.(*service)
	if !ok || sealer == nil {
		return nil, errors.New("new factors: the sign-in service from signin.New and a sealer are required")
	}
	return &factors{service: s, sealer: sealer}, nil
}

// totpContext binds a sealed TOTP secret to its account.
func totpContext(accountID string) string { return "account\x00" + accountID + "\x00totp" }

// StartTOTP begins an enrolment: a fresh secret, sealed and kept pending
// for PendingTOTPTTL. Reads: the account (one GetItem) and the caller's
// user for the label (one GetItem); writes: one PutItem.
func (f *factors) StartTOTP(ctx context.Context, p auth.Principal) (TOTPEnrolment, error) {
	if err := requireUser(p, role.SelfWrite); err != nil {
		return TOTPEnrolment{}, err
	}
	now := f.now()
	acct, _, err := f.st.AccountCredentials(ctx, p.AccountID)
	if err != nil {
		return TOTPEnrolment{}, err
	}
	if acct.Factors.HasTOTP() {
		return TOTPEnrolment{}, fault.New(fault.Conflict, "An authenticator is enrolled already; remove it before enrolling another.")
	}
	return f.startTOTP(ctx, p.AccountID, p.TenantID, p.UserID, now)
}

// startTOTP makes a fresh secret for the account, labelled with the
// user's email (or username), and keeps it pending.
func (f *factors) startTOTP(ctx context.Context, accountID, tenantID, userID string, now time.Time) (TOTPEnrolment, error) {
	u, err := f.st.GetUser(ctx, tenantID, userID)
	if err != nil {
		return TOTPEnrolment{}, err
	}
	label := u.Email
	if label == "" {
		label = u.Username
	}
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer: totpIssuer, AccountName: label, Period: totpPeriod, SecretSize: totpSecretSz,
		Digits: totpDigits, Algorithm: otp.AlgorithmSHA1,
	})
	if err != nil {
		return TOTPEnrolment{}, fault.Wrap(fmt.Errorf("generate totp key: %w", err), fault.Internal, "An internal error occurred.")
	}
	img, err := key.Image(256, 256)
	if err != nil {
		return TOTPEnrolment{}, fault.Wrap(fmt.Errorf("totp qr code: %w", err), fault.Internal, "An internal error occurred.")
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return TOTPEnrolment{}, fault.Wrap(fmt.Errorf("totp qr code: %w", err), fault.Internal, "An internal error occurred.")
	}
	sealed, err := f.sealer.Seal([]byte(key.Secret()), totpContext(accountID))
	if err != nil {
		return TOTPEnrolment{}, fault.Wrap(err, fault.Internal, "An internal error occurred.")
	}
	expires := now.Add(PendingTOTPTTL).Truncate(time.Second)
	if err := f.st.PutPendingTOTP(ctx, accountID, sealed, expires); err != nil {
		return TOTPEnrolment{}, err
	}
	return TOTPEnrolment{Secret: key.Secret(), URI: key.URL(), QRCodePNG: buf.Bytes(), ExpiresAt: expires}, nil
}

// ConfirmTOTP checks a code against the pending secret and makes it count.
// Reads: the pending secret (one GetItem); writes: one transaction.
func (f *factors) ConfirmTOTP(ctx context.Context, p auth.Principal, code string) ([]string, error) {
	if err := requireUser(p, role.SelfWrite); err != nil {
		return nil, err
	}
	now := f.now()
	sealed, err := f.st.PendingTOTP(ctx, p.AccountID, now)
	if fault.CodeOf(err) == fault.NotFound {
		return nil, fault.New(fault.NotFound, "No enrolment is pending; start one first.")
	}
	if err != nil {
		return nil, err
	}
	step, ok := f.checkTOTP(sealed, p.AccountID, code, 0, now)
	if !ok {
		return nil, fault.InvalidFields([]fault.FieldError{{Field: "code", Message: "is not a current code of the authenticator"}})
	}
	codes, hashes, err := f.recoveryCodes(p.AccountID)
	if err != nil {
		return nil, err
	}
	err = f.st.ConfirmTOTP(auth.WithPrincipal(ctx, p), TOTPConfirmation{ // p: for the stream's roster.mfa.enrolled
		AccountID: p.AccountID, Secret: sealed, Since: sessionTime(now), Step: step, RecoveryCodes: hashes, Now: now,
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// RemoveTOTP removes TOTP and the recovery codes, proven by a current code.
func (f *factors) RemoveTOTP(ctx context.Context, p auth.Principal, code string) error {
	if err := requireUser(p, role.SelfWrite); err != nil {
		return err
	}
	now := f.now()
	acct, _, err := f.st.AccountCredentials(ctx, p.AccountID)
	if err != nil {
		return err
	}
	if !acct.Factors.HasTOTP() {
		return errNoTOTP
	}
	wrong := fault.InvalidFields([]fault.FieldError{{Field: "code", Message: "is not a current code of the authenticator"}})
	if acct.LockedUntil.After(now) {
		return wrong
	}
	step, ok := f.checkTOTP(acct.Factors.TOTPSecret, acct.ID, code, acct.Factors.TOTPLastStep, now)
	if !ok {
		if err := f.recordCodeFailure(ctx, acct.ID, acct.Factors.FailedCodes, now); err != nil {
			return err
		}
		return wrong
	}
	if err := f.st.RemoveFactors(auth.WithPrincipal(ctx, p), acct.ID, acct.Factors.TOTPSince, step); err != nil {
		if fault.CodeOf(err) == fault.Conflict {
			return wrong
		}
		return err
	}
	return nil
}

// Summary tells which factors the caller's account has.
func (f *factors) Summary(ctx context.Context, p auth.Principal) (FactorSummary, error) {
	if err := requireUser(p, role.SelfRead); err != nil {
		return FactorSummary{}, err
	}
	acct, _, err := f.st.AccountTenants(ctx, p.AccountID)
	if err != nil {
		return FactorSummary{}, err
	}
	out := FactorSummary{TOTPSince: acct.Factors.TOTPSince, Passkeys: acct.Factors.Passkeys}
	if out.RecoveryCodes, err = f.st.RecoveryCodesLeft(ctx, p.AccountID); err != nil {
		return FactorSummary{}, err
	}
	return out, nil
}

// challenge is the password step's answer when the account has a second
// factor: a challenge stored in place of the auth token (one PutItem, the
// write a login without a factor makes), bound to the device token.
func (s *service) challenge(ctx context.Context, deviceToken string, u *user.User, acct *Account, newHash string, now time.Time) (Tokens, error) {
	k, err := Challenge.Generate()
	if err != nil {
		return Tokens{}, fault.Wrap(err, fault.Internal, "An internal error occurred.")
	}
	c := &LoginChallenge{
		ID: k.ID, AccountID: acct.ID, DeviceHash: opaque.Hash(s.pepper, deviceToken), Hash: opaque.Hash(s.pepper, k.Token),
		TenantID: u.TenantID, UserID: u.ID, Role: u.Role, TokenVersion: u.TokenVersion,
		TOTPSecret: acct.Factors.TOTPSecret, TOTPSince: acct.Factors.TOTPSince, Enrol: !acct.Factors.Enrolled(),
		Passkeys:     acct.Factors.Passkeys > 0,
		SessionStart: sessionTime(now), CreatedAt: now, ExpiresAt: now.Add(ChallengeTTL).Truncate(time.Second),
	}
	if err := s.st.PutChallenge(ctx, c, acct.PasswordHash, newHash); err != nil {
		if fault.CodeOf(err) == fault.Conflict && newHash != "" {
			// The password changed between the check and the write.
			return Tokens{}, denyErr(errCredentials, err)
		}
		return Tokens{}, err
	}
	return Tokens{
		TenantID: u.TenantID, UserID: u.ID, AccountID: acct.ID,
		Challenge: &PendingChallenge{Token: k.Token, ExpiresAt: c.ExpiresAt, Factors: factorsOf(c)},
	}, nil
}

// PendingChallenge is a login that needs its second step: Tokens carries
// it instead of an access and auth token.
type PendingChallenge struct {
	Token     string    `json:"-"` // the challenge token, shown once
	ExpiresAt time.Time // when it lapses
	Factors   []string  // what the second step accepts: "totp", "recovery_code", or "totp_enrolment"
}

// factorsOf names what the second step of c accepts.
func factorsOf(c *LoginChallenge) []string {
	if c.Enrol {
		return []string{"totp_enrolment"}
	}
	var out []string
	if !c.TOTPSince.IsZero() {
		out = append(out, "totp", "recovery_code")
	}
	if c.Passkeys {
		out = append(out, "passkey")
	}
	return out
}

// Verify is the second step of a login. Reads: the challenge (one
// GetItem); writes: one transaction on success (consume the challenge,
// record the step on the account, store the auth token), one UpdateItem
// for a wrong code (the failure count).
func (f *factors) Verify(ctx context.Context, deviceToken, challengeToken string, sf SecondFactor) (Tokens, error) {
	now := f.now()
	c, err := f.openChallenge(ctx, deviceToken, challengeToken, now)
	if err != nil {
		return Tokens{}, err
	}
	if c.Passwordless {
		return Tokens{}, deny(errChallenge, "a passwordless challenge takes a passkey")
	}
	if c.Enrol {
		return f.verifyEnrolment(ctx, c, deviceToken, sf, now)
	}
	done := ChallengeSuccess{Challenge: c, Now: now}
	switch {
	case sf.Code != "" && sf.RecoveryCode == "":
		step, ok := f.checkTOTP(c.TOTPSecret, c.AccountID, sf.Code, 0, now)
		if !ok {
			return Tokens{}, f.codeFailure(ctx, c.AccountID, now, "wrong totp code")
		}
		done.Step = step
	case sf.RecoveryCode != "" && sf.Code == "":
		done.Recovery = f.recoveryHash(c.AccountID, sf.RecoveryCode)
	default:
		return Tokens{}, fault.InvalidFields([]fault.FieldError{{Field: "code", Message: "give exactly one of code and recoveryCode"}})
	}
	fresh, authTok, err := f.newAuthToken(c.AccountID, c.SessionStart, now)
	if err != nil {
		return Tokens{}, err
	}
	fresh.SessionID, fresh.MFA = fresh.ID, true
	done.Token, done.Session = fresh, f.newSession(fresh, deviceToken, c.TenantID)
	if err := f.st.CompleteChallenge(ctx, done); err != nil {
		switch fault.CodeOf(err) {
		case fault.Unauthorized:
			return Tokens{}, denyErr(errChallenge, err)
		case fault.Forbidden:
			// A replayed step, a spent or wrong recovery code, a lock or a
			// revoked session: all answered as a wrong code, and counted.
			return Tokens{}, f.codeFailure(ctx, c.AccountID, now, err.Error())
		}
		return Tokens{}, err
	}
	// The access token is issued from what the password step read; a role
	// change or deactivation since then bumped the token version, which
	// the authorizer checks, so nothing stale outlives it.
	return f.tokens(&user.User{TenantID: c.TenantID, ID: c.UserID, Role: c.Role, TokenVersion: c.TokenVersion}, c.AccountID, authTok, fresh.ExpiresAt)
}

// openChallenge checks a challenge token and the device token it is bound
// to: stored, matching, unexpired. Every failure is the same errChallenge.
func (f *factors) openChallenge(ctx context.Context, deviceToken, challengeToken string, now time.Time) (*LoginChallenge, error) {
	id, err := Challenge.Parse(challengeToken)
	if err != nil {
		return nil, denyErr(errChallenge, err)
	}
	if _, err := opaque.Device.Parse(deviceToken); err != nil {
		return nil, denyErr(errChallenge, err)
	}
	c, err := f.st.GetChallenge(ctx, id)
	switch {
	case fault.CodeOf(err) == fault.NotFound:
		opaque.Verify(f.pepper, challengeToken, dummyHash)
		opaque.Verify(f.pepper, deviceToken, dummyHash)
		return nil, denyErr(errChallenge, err)
	case err != nil:
		return nil, err
	}
	// Both HMACs are computed whatever the first says.
	okTok := opaque.Verify(f.pepper, challengeToken, c.Hash)
	okDev := opaque.Verify(f.pepper, deviceToken, c.DeviceHash)
	switch {
	case !okTok:
		return nil, deny(errChallenge, "wrong challenge secret")
	case !okDev:
		return nil, deny(errChallenge, "challenge of another device")
	case !now.Before(c.ExpiresAt):
		return nil, deny(errChallenge, "challenge expired")
	}
	return c, nil
}

// codeFailure counts a wrong second-factor code and returns errCode.
func (f *factors) codeFailure(ctx context.Context, accountID string, now time.Time, reason string) error {
	if err := f.recordCodeFailure(ctx, accountID, 0, now); err != nil {
		return err
	}
	return deny(errCode, reason)
}

// recordCodeFailure counts a wrong code on the account's code counter,
// which locks the account (the same lock as passwords) at MaxCodeFailures.
func (s *service) recordCodeFailure(ctx context.Context, accountID string, seen int, now time.Time) error {
	lockUntil := now.Add(s.lockFor)
	_, err := s.st.RecordLoginFailure(ctx, LoginFailure{
		AccountID: accountID, Codes: true, Seen: seen, Max: MaxCodeFailures, Now: now, LockUntil: lockUntil,
	})
	return err
}

// checkTOTP opens a sealed secret and checks code against the steps
// around now, accepting only a step after last. Every step of the window
// is computed and compared in constant time, whichever matches.
func (s *factors) checkTOTP(sealed, accountID, code string, last int64, now time.Time) (int64, bool) {
	if len(code) != totpDigits.Length() {
		return 0, false
	}
	secret, err := s.sealer.Open(sealed, totpContext(accountID))
	if err != nil {
		return 0, false
	}
	current := now.Unix() / totpPeriod
	var found int64
	for st := current - totpSkew; st <= current+totpSkew; st++ {
		want, err := hotp.GenerateCodeCustom(string(secret), uint64(st), hotp.ValidateOpts{Digits: totpDigits, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && st > last && found == 0 {
			found = st
		}
	}
	return found, found != 0
}

// recoveryAlphabet spells recovery codes: base32 without padding, shown
// in upper case and in two groups of five.
var recoveryEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// recoveryCodes makes RecoveryCodes fresh codes (50 bits each) and their
// HMACs.
func (s *service) recoveryCodes(accountID string) ([]string, [][]byte, error) {
	codes := make([]string, RecoveryCodes)
	hashes := make([][]byte, RecoveryCodes)
	for i := range codes {
		b := make([]byte, 7)
		if _, err := rand.Read(b); err != nil {
			return nil, nil, fault.Wrap(err, fault.Internal, "An internal error occurred.")
		}
		c := recoveryEncoding.EncodeToString(b)[:10]
		codes[i] = c[:5] + "-" + c[5:]
		hashes[i] = s.recoveryHash(accountID, codes[i])
	}
	return codes, hashes, nil
}

// recoveryHash is the stored form of a recovery code: the HMAC under the
// pepper of the account and the code with case, spaces and dashes folded.
func (s *service) recoveryHash(accountID, code string) []byte {
	norm := strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, strings.ToUpper(code))
	return opaque.Hash(s.pepper, "recovery code\x00"+accountID+"\x00"+norm)
}

// RecoveryHashHex is a recovery code's stored form in hex, for stores that
// keep the hashes as a string set.
func RecoveryHashHex(h []byte) string { return hex.EncodeToString(h) }
