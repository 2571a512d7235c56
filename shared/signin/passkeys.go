package signin

import (
	"context"
	"encoding/base64"
	"errors"
	"time"

	"roster/shared/auth"
	"roster/shared/fault"
	"roster/shared/opaque"
	"roster/shared/role"
	"roster/shared/user"
)

// Passkeys (WebAuthn, decision 024). A person registers passkeys under
// their access token; each is a discoverable credential of their account
// (the user handle is the account id), kept in the account's partition.
// A passkey answers a login's challenge as a second factor, like a TOTP
// code, and also logs a person in without a password: the options of a
// passwordless login come with a challenge of their own, and the same
// second step (Verify... VerifyPasskey) finishes both.
//
// The WebAuthn ceremonies themselves (options, attestation, assertion)
// are a RelyingParty's, which shared/passkey implements with the WebAuthn
// library: this package keeps the accounts, challenges and sessions
// around them and does not import the library, so only the function that
// serves passkeys (Account) links it.

// PasskeyTTL is how long a ceremony's options stay answerable.
const PasskeyTTL = 5 * time.Minute

// Passkey is a registered credential.
type Passkey struct {
	ID         string    // base64url of the credential id
	Name       string    // the person's name for it
	CreatedAt  time.Time // registration
	LastUsedAt time.Time // last login with it; zero when never used
	Credential []byte    `json:"-"` // webauthn.Credential as JSON: public key, sign count, flags
}

// PasskeyStore is what passkeys need from the table; *store.Table
// implements it.
type PasskeyStore interface {
	// PutPendingPasskey stores (or replaces) a registration's ceremony
	// state until expires.
	PutPendingPasskey(ctx context.Context, accountID string, session []byte, expires time.Time) error
	// PendingPasskey returns it. fault.NotFound when there is none or it
	// expired at now.
	PendingPasskey(ctx context.Context, accountID string, now time.Time) ([]byte, error)
	// AddPasskey stores a passkey, consuming the pending ceremony and
	// counting it on the account, in one transaction. fault.NotFound when
	// the ceremony is gone; fault.Conflict when the credential is known.
	AddPasskey(ctx context.Context, accountID string, pk Passkey, now time.Time) error
	// ListPasskeys returns the account's passkeys.
	ListPasskeys(ctx context.Context, accountID string) ([]Passkey, error)
	// SetChallengeCeremony keeps a login ceremony's state on a challenge,
	// while it exists and has not expired at now. fault.Unauthorized otherwise.
	SetChallengeCeremony(ctx context.Context, challengeID string, session []byte, now time.Time) error
	// CompletePasskey finishes a login with a passkey as CompleteChallenge
	// does, storing the passkey's new state (sign count, last use) instead
	// of a TOTP step. fault.Unauthorized when the challenge is gone;
	// fault.Forbidden when the account is locked or its sessions revoked.
	CompletePasskey(ctx context.Context, s ChallengeSuccess, pk Passkey) error
	// RemovePasskeys deletes the account's passkeys with the given ids and
	// its count of them, in one transaction.
	RemovePasskeys(ctx context.Context, accountID string, ids []string) error
}

// Passkeys is the WebAuthn side of sign-in.
type Passkeys interface {
	// BeginPasskeyRegistration returns the options for
	// navigator.credentials.create (self:write).
	BeginPasskeyRegistration(ctx context.Context, p auth.Principal) ([]byte, error)
	// FinishPasskeyRegistration checks the authenticator's answer and
	// keeps the passkey. fault.Invalid (field credential) when it does not
	// verify; fault.NotFound when no registration is pending.
	FinishPasskeyRegistration(ctx context.Context, p auth.Principal, name string, credential []byte) (Passkey, error)
	// BeginPasskeyLogin returns the options for navigator.credentials.get:
	// for a login's challenge (a second factor) when challengeToken is
	// set, or for a passwordless login on the device, with a fresh
	// challenge token, when it is empty.
	BeginPasskeyLogin(ctx context.Context, deviceToken, challengeToken string) (string, []byte, error)
	// VerifyPasskey finishes either login with the authenticator's answer.
	// A bad challenge is errChallenge; an answer that does not verify is
	// errCode (counted toward the lock when the account is known).
	VerifyPasskey(ctx context.Context, deviceToken, challengeToken string, credential []byte) (Tokens, error)
}

// RelyingParty runs the WebAuthn ceremonies over bytes: the options a
// browser is given, the ceremony state kept until its answer (session),
// the authenticator's answers, and each stored credential (the library's
// credential as JSON, Passkey.Credential). shared/passkey implements it.
// An error that is a fault.Internal one (a stored credential or ceremony
// state that does not read) is the service's; any other error from a
// Finish method means the answer does not verify.
type RelyingParty interface {
	// BeginRegistration returns the options and state of a registration
	// of a resident key with user verification for the account, excluding
	// its credentials creds.
	BeginRegistration(accountID, name string, creds [][]byte) (options, session []byte, err error)
	// FinishRegistration checks the answer to a registration and returns
	// the new credential's id and the credential to store.
	FinishRegistration(accountID string, session, answer []byte) (id, credential []byte, err error)
	// BeginLogin returns the options and state of a login with one of
	// creds (a second factor).
	BeginLogin(accountID string, creds [][]byte) (options, session []byte, err error)
	// BeginDiscoverableLogin returns the options and state of a
	// passwordless login, with user verification.
	BeginDiscoverableLogin() (options, session []byte, err error)
	// ParseAssertion reads the answer to a login.
	ParseAssertion(answer []byte) (Assertion, error)
	// FinishLogin checks an assertion against the account's credentials
	// and returns the id of the one used and its new state to store. A
	// discoverable login's user handle must name the account.
	FinishLogin(accountID string, creds [][]byte, session []byte, a Assertion, discoverable bool) (id, credential []byte, err error)
}

// Assertion is a parsed answer to a login, from RelyingParty.ParseAssertion.
type Assertion interface {
	// UserHandle is the user handle the authenticator returned: the
	// account id for a discoverable credential.
	UserHandle() []byte
}

// passkeys implements Passkeys on the second-factor service.
type passkeys struct {
	*factors
	rp RelyingParty
}

// NewPasskeys returns the passkey service over the second factors fs
// (from NewFactors) and the relying party rp (shared/passkey). A nil rp
// gives a service whose every call is fault.NotFound, so a deployment
// without a relying party offers no passkeys.
func NewPasskeys(fs Factors, rp RelyingParty) (Passkeys, error) {
	f, ok := fs.(*factors)
	if !ok {
		return nil, errors.New("new passkeys: the factors from signin.NewFactors are required")
	}
	return &passkeys{factors: f, rp: rp}, nil
}

var errNoPasskeys = fault.New(fault.NotFound, "Passkeys are not available here.")

// internal is a relying party's error as the service's fault: its own
// Internal faults as they are, anything else wrapped as one.
func internal(err error) error {
	if isInternal(err) {
		return err
	}
	return fault.Wrap(err, fault.Internal, "An internal error occurred.")
}

// isInternal reports whether a relying party's error is its own fault
// rather than an answer that does not verify.
func isInternal(err error) bool {
	var e *fault.Error
	return errors.As(err, &e) && e.Code == fault.Internal
}

// credentials returns the account's stored passkeys and their credentials.
func (k *passkeys) credentials(ctx context.Context, accountID string) ([]Passkey, [][]byte, error) {
	list, err := k.st.ListPasskeys(ctx, accountID)
	if err != nil {
		return nil, nil, err
	}
	creds := make([][]byte, len(list))
	for i, pk := range list {
		creds[i] = pk.Credential
	}
	return list, creds, nil
}

// BeginPasskeyRegistration starts a registration: a resident key with user
// verification, excluding the account's passkeys.
func (k *passkeys) BeginPasskeyRegistration(ctx context.Context, p auth.Principal) ([]byte, error) {
	if err := requireUser(p, role.SelfWrite); err != nil {
		return nil, err
	}
	if k.rp == nil {
		return nil, errNoPasskeys
	}
	u, err := k.st.GetUser(ctx, p.TenantID, p.UserID)
	if err != nil {
		return nil, err
	}
	_, creds, err := k.credentials(ctx, p.AccountID)
	if err != nil {
		return nil, err
	}
	opts, session, err := k.rp.BeginRegistration(p.AccountID, u.Email, creds)
	if err != nil {
		return nil, internal(err)
	}
	if err := k.st.PutPendingPasskey(ctx, p.AccountID, session, k.now().Add(PasskeyTTL).Truncate(time.Second)); err != nil {
		return nil, err
	}
	return opts, nil
}

var errBadCredential = fault.InvalidFields([]fault.FieldError{{Field: "credential", Message: "is not a valid answer of an authenticator to these options"}})

// FinishPasskeyRegistration checks the answer against the pending
// ceremony and keeps the passkey.
func (k *passkeys) FinishPasskeyRegistration(ctx context.Context, p auth.Principal, name string, credential []byte) (Passkey, error) {
	if err := requireUser(p, role.SelfWrite); err != nil {
		return Passkey{}, err
	}
	if k.rp == nil {
		return Passkey{}, errNoPasskeys
	}
	now := k.now()
	session, err := k.st.PendingPasskey(ctx, p.AccountID, now)
	if err != nil {
		return Passkey{}, err
	}
	id, stored, err := k.rp.FinishRegistration(p.AccountID, session, credential)
	if isInternal(err) {
		return Passkey{}, err
	}
	if err != nil {
		return Passkey{}, errBadCredential
	}
	pk := Passkey{ID: base64.RawURLEncoding.EncodeToString(id), Name: name, CreatedAt: now, Credential: stored}
	if err := k.st.AddPasskey(ctx, p.AccountID, pk, now); err != nil {
		if fault.CodeOf(err) == fault.Conflict {
			return Passkey{}, errBadCredential // registered already
		}
		return Passkey{}, err
	}
	return pk, nil
}

// BeginPasskeyLogin returns the request options for a challenge (second
// factor) or a fresh passwordless login on the device.
func (k *passkeys) BeginPasskeyLogin(ctx context.Context, deviceToken, challengeToken string) (string, []byte, error) {
	if k.rp == nil {
		return "", nil, errNoPasskeys
	}
	now := k.now()
	if challengeToken != "" {
		c, err := k.openChallenge(ctx, deviceToken, challengeToken, now)
		if err != nil {
			return "", nil, err
		}
		_, creds, err := k.credentials(ctx, c.AccountID)
		if err != nil {
			return "", nil, err
		}
		if c.Passwordless || len(creds) == 0 {
			return "", nil, deny(errChallenge, "challenge takes no passkey")
		}
		opts, session, err := k.rp.BeginLogin(c.AccountID, creds)
		if err != nil {
			return "", nil, internal(err)
		}
		if err := k.st.SetChallengeCeremony(ctx, c.ID, session, now); err != nil {
			if fault.CodeOf(err) == fault.Unauthorized {
				return "", nil, denyErr(errChallenge, err)
			}
			return "", nil, err
		}
		return challengeToken, opts, nil
	}
	tenantID, err := k.device(ctx, deviceToken)
	if err != nil {
		return "", nil, err
	}
	opts, session, err := k.rp.BeginDiscoverableLogin()
	if err != nil {
		return "", nil, internal(err)
	}
	key, err := Challenge.Generate()
	if err != nil {
		return "", nil, fault.Wrap(err, fault.Internal, "An internal error occurred.")
	}
	c := &LoginChallenge{
		ID: key.ID, DeviceHash: opaque.Hash(k.pepper, deviceToken), Hash: opaque.Hash(k.pepper, key.Token),
		TenantID: tenantID, Passwordless: true, Ceremony: session,
		SessionStart: sessionTime(now), CreatedAt: now, ExpiresAt: now.Add(PasskeyTTL).Truncate(time.Second),
	}
	if err := k.st.PutChallenge(ctx, c, "", ""); err != nil {
		return "", nil, err
	}
	return key.Token, opts, nil
}

// VerifyPasskey finishes a login with a passkey's assertion.
func (k *passkeys) VerifyPasskey(ctx context.Context, deviceToken, challengeToken string, credential []byte) (Tokens, error) {
	if k.rp == nil {
		return Tokens{}, errNoPasskeys
	}
	now := k.now()
	c, err := k.openChallenge(ctx, deviceToken, challengeToken, now)
	if err != nil {
		return Tokens{}, err
	}
	if len(c.Ceremony) == 0 {
		return Tokens{}, deny(errChallenge, "no passkey ceremony begun on this challenge")
	}
	parsed, err := k.rp.ParseAssertion(credential)
	if err != nil {
		return Tokens{}, k.passkeyFailure(ctx, c, now, "unparsable assertion")
	}
	if c.Passwordless {
		// The user handle names the account; the challenge then becomes
		// that account's, with its user in the device's tenant.
		accountID := string(parsed.UserHandle())
		if len(accountID) == 0 || len(accountID) > 64 {
			return Tokens{}, deny(errCode, "no user handle")
		}
		u, err := k.member(ctx, accountID, c.TenantID, true)
		if err != nil {
			return Tokens{}, denyErr(errCode, err)
		}
		c.AccountID, c.UserID, c.Role, c.TokenVersion = accountID, u.ID, u.Role, u.TokenVersion
	}
	list, creds, err := k.credentials(ctx, c.AccountID)
	if err != nil {
		return Tokens{}, err
	}
	usedID, usedState, err := k.rp.FinishLogin(c.AccountID, creds, c.Ceremony, parsed, c.Passwordless)
	if isInternal(err) {
		return Tokens{}, err
	}
	if err != nil {
		return Tokens{}, k.passkeyFailure(ctx, c, now, "assertion does not verify")
	}
	id := base64.RawURLEncoding.EncodeToString(usedID)
	var pk Passkey
	for _, p := range list {
		if p.ID == id {
			pk = p
		}
	}
	if pk.ID == "" {
		return Tokens{}, k.passkeyFailure(ctx, c, now, "unknown credential")
	}
	pk.Credential, pk.LastUsedAt = usedState, now
	fresh, authTok, err := k.newAuthToken(c.AccountID, c.SessionStart, now)
	if err != nil {
		return Tokens{}, err
	}
	// A passkey with user verification is two factors in itself.
	fresh.SessionID, fresh.MFA = fresh.ID, true
	done := ChallengeSuccess{Challenge: c, Token: fresh, Session: k.newSession(fresh, deviceToken, c.TenantID), Now: now}
	if err := k.st.CompletePasskey(ctx, done, pk); err != nil {
		switch fault.CodeOf(err) {
		case fault.Unauthorized:
			return Tokens{}, denyErr(errChallenge, err)
		case fault.Forbidden:
			return Tokens{}, k.passkeyFailure(ctx, c, now, err.Error())
		}
		return Tokens{}, err
	}
	return k.tokens(&user.User{TenantID: c.TenantID, ID: c.UserID, Role: c.Role, TokenVersion: c.TokenVersion}, c.AccountID, authTok, fresh.ExpiresAt)
}

// passkeyFailure answers an assertion that does not verify as a wrong
// code, counted when the account is known.
func (k *passkeys) passkeyFailure(ctx context.Context, c *LoginChallenge, now time.Time, reason string) error {
	if c.AccountID == "" || c.Passwordless {
		return deny(errCode, reason)
	}
	return k.codeFailure(ctx, c.AccountID, now, reason)
}
