package signin

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

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

// PasskeyTTL is how long a ceremony's options stay answerable.
const PasskeyTTL = 5 * time.Minute

// PasskeyConfig names the relying party: its id (a registrable domain,
// "localhost" locally) and the origins its pages are served from.
type PasskeyConfig struct {
	RPID        string
	RPName      string
	Origins     []string
	Unavailable bool // no relying party configured: every passkey call is fault.NotFound
}

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

// passkeys implements Passkeys on the second-factor service.
type passkeys struct {
	*factors
	wa *webauthn.WebAuthn
}

// NewPasskeys returns the passkey service over the second factors fs
// (from NewFactors). A config without an RP id gives a service whose every
// call is fault.NotFound, so a deployment without one offers no passkeys.
func NewPasskeys(fs Factors, cfg PasskeyConfig) (Passkeys, error) {
	f, ok := fs.(*factors)
	if !ok {
		return nil, errors.New("new passkeys: the factors from signin.NewFactors are required")
	}
	if cfg.RPID == "" {
		return &passkeys{factors: f}, nil
	}
	name := cfg.RPName
	if name == "" {
		name = totpIssuer
	}
	wa, err := webauthn.New(&webauthn.Config{RPID: cfg.RPID, RPDisplayName: name, RPOrigins: cfg.Origins})
	if err != nil {
		return nil, fmt.Errorf("new passkeys: %w", err)
	}
	return &passkeys{factors: f, wa: wa}, nil
}

var errNoPasskeys = fault.New(fault.NotFound, "Passkeys are not available here.")

// waUser is an account as WebAuthn sees it.
type waUser struct {
	id, name string
	creds    []webauthn.Credential
}

func (u *waUser) WebAuthnID() []byte                         { return []byte(u.id) }
func (u *waUser) WebAuthnName() string                       { return u.name }
func (u *waUser) WebAuthnDisplayName() string                { return u.name }
func (u *waUser) WebAuthnCredentials() []webauthn.Credential { return u.creds }

// account loads the account's passkeys as a WebAuthn user, with the
// stored passkeys beside them.
func (k *passkeys) account(ctx context.Context, accountID, name string) (*waUser, []Passkey, error) {
	list, err := k.st.ListPasskeys(ctx, accountID)
	if err != nil {
		return nil, nil, err
	}
	u := &waUser{id: accountID, name: name}
	for _, pk := range list {
		var c webauthn.Credential
		if err := json.Unmarshal(pk.Credential, &c); err != nil {
			return nil, nil, fault.Wrap(fmt.Errorf("stored passkey %s: %w", pk.ID, err), fault.Internal, "An internal error occurred.")
		}
		u.creds = append(u.creds, c)
	}
	return u, list, nil
}

// BeginPasskeyRegistration starts a registration: a resident key with user
// verification, excluding the account's passkeys.
func (k *passkeys) BeginPasskeyRegistration(ctx context.Context, p auth.Principal) ([]byte, error) {
	if err := requireUser(p, role.SelfWrite); err != nil {
		return nil, err
	}
	if k.wa == nil {
		return nil, errNoPasskeys
	}
	u, err := k.st.GetUser(ctx, p.TenantID, p.UserID)
	if err != nil {
		return nil, err
	}
	wu, _, err := k.account(ctx, p.AccountID, u.Email)
	if err != nil {
		return nil, err
	}
	excl := make([]protocol.CredentialDescriptor, len(wu.creds))
	for i, c := range wu.creds {
		excl[i] = c.Descriptor()
	}
	opts, session, err := k.wa.BeginRegistration(wu,
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementRequired),
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
			ResidentKey: protocol.ResidentKeyRequirementRequired, RequireResidentKey: protocol.ResidentKeyRequired(),
			UserVerification: protocol.VerificationRequired,
		}),
		webauthn.WithExclusions(excl))
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "An internal error occurred.")
	}
	return k.keep(ctx, opts, session, func(s []byte, exp time.Time) error {
		return k.st.PutPendingPasskey(ctx, p.AccountID, s, exp)
	})
}

// keep stores a ceremony's state with keepFn and returns its options.
func (k *passkeys) keep(_ context.Context, opts any, session *webauthn.SessionData, keepFn func([]byte, time.Time) error) ([]byte, error) {
	s, err := json.Marshal(session)
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "An internal error occurred.")
	}
	if err := keepFn(s, k.now().Add(PasskeyTTL).Truncate(time.Second)); err != nil {
		return nil, err
	}
	out, err := json.Marshal(opts)
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "An internal error occurred.")
	}
	return out, nil
}

var errBadCredential = fault.InvalidFields([]fault.FieldError{{Field: "credential", Message: "is not a valid answer of an authenticator to these options"}})

// FinishPasskeyRegistration checks the answer against the pending
// ceremony and keeps the passkey.
func (k *passkeys) FinishPasskeyRegistration(ctx context.Context, p auth.Principal, name string, credential []byte) (Passkey, error) {
	if err := requireUser(p, role.SelfWrite); err != nil {
		return Passkey{}, err
	}
	if k.wa == nil {
		return Passkey{}, errNoPasskeys
	}
	now := k.now()
	raw, err := k.st.PendingPasskey(ctx, p.AccountID, now)
	if err != nil {
		return Passkey{}, err
	}
	var session webauthn.SessionData
	if err := json.Unmarshal(raw, &session); err != nil {
		return Passkey{}, fault.Wrap(err, fault.Internal, "An internal error occurred.")
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(credential)
	if err != nil {
		return Passkey{}, errBadCredential
	}
	c, err := k.wa.CreateCredential(&waUser{id: p.AccountID}, session, parsed)
	if err != nil {
		return Passkey{}, errBadCredential
	}
	stored, err := json.Marshal(c)
	if err != nil {
		return Passkey{}, fault.Wrap(err, fault.Internal, "An internal error occurred.")
	}
	pk := Passkey{ID: base64.RawURLEncoding.EncodeToString(c.ID), Name: name, CreatedAt: now, Credential: stored}
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
	if k.wa == nil {
		return "", nil, errNoPasskeys
	}
	now := k.now()
	if challengeToken != "" {
		c, err := k.openChallenge(ctx, deviceToken, challengeToken, now)
		if err != nil {
			return "", nil, err
		}
		wu, _, err := k.account(ctx, c.AccountID, "")
		if err != nil {
			return "", nil, err
		}
		if c.Passwordless || len(wu.creds) == 0 {
			return "", nil, deny(errChallenge, "challenge takes no passkey")
		}
		opts, session, err := k.wa.BeginLogin(wu, webauthn.WithUserVerification(protocol.VerificationPreferred))
		if err != nil {
			return "", nil, fault.Wrap(err, fault.Internal, "An internal error occurred.")
		}
		out, err := k.keep(ctx, opts, session, func(s []byte, _ time.Time) error {
			return k.st.SetChallengeCeremony(ctx, c.ID, s, now)
		})
		if fault.CodeOf(err) == fault.Unauthorized {
			return "", nil, denyErr(errChallenge, err)
		}
		return challengeToken, out, err
	}
	tenantID, err := k.device(ctx, deviceToken)
	if err != nil {
		return "", nil, err
	}
	opts, session, err := k.wa.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return "", nil, fault.Wrap(err, fault.Internal, "An internal error occurred.")
	}
	s, err := json.Marshal(session)
	if err != nil {
		return "", nil, fault.Wrap(err, fault.Internal, "An internal error occurred.")
	}
	key, err := Challenge.Generate()
	if err != nil {
		return "", nil, fault.Wrap(err, fault.Internal, "An internal error occurred.")
	}
	c := &LoginChallenge{
		ID: key.ID, DeviceHash: opaque.Hash(k.pepper, deviceToken), Hash: opaque.Hash(k.pepper, key.Token),
		TenantID: tenantID, Passwordless: true, Ceremony: s,
		SessionStart: sessionTime(now), CreatedAt: now, ExpiresAt: now.Add(PasskeyTTL).Truncate(time.Second),
	}
	if err := k.st.PutChallenge(ctx, c, "", ""); err != nil {
		return "", nil, err
	}
	out, err := json.Marshal(opts)
	if err != nil {
		return "", nil, fault.Wrap(err, fault.Internal, "An internal error occurred.")
	}
	return key.Token, out, nil
}

// VerifyPasskey finishes a login with a passkey's assertion.
func (k *passkeys) VerifyPasskey(ctx context.Context, deviceToken, challengeToken string, credential []byte) (Tokens, error) {
	if k.wa == nil {
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
	var session webauthn.SessionData
	if err := json.Unmarshal(c.Ceremony, &session); err != nil {
		return Tokens{}, fault.Wrap(err, fault.Internal, "An internal error occurred.")
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(credential)
	if err != nil {
		return Tokens{}, k.passkeyFailure(ctx, c, now, "unparsable assertion")
	}
	if c.Passwordless {
		// The user handle names the account; the challenge then becomes
		// that account's, with its user in the device's tenant.
		accountID := string(parsed.Response.UserHandle)
		if len(accountID) == 0 || len(accountID) > 64 {
			return Tokens{}, deny(errCode, "no user handle")
		}
		u, err := k.member(ctx, accountID, c.TenantID, true)
		if err != nil {
			return Tokens{}, denyErr(errCode, err)
		}
		c.AccountID, c.UserID, c.Role, c.TokenVersion = accountID, u.ID, u.Role, u.TokenVersion
	}
	wu, list, err := k.account(ctx, c.AccountID, "")
	if err != nil {
		return Tokens{}, err
	}
	var used *webauthn.Credential
	if c.Passwordless {
		used, err = k.wa.ValidateDiscoverableLogin(func(_, userHandle []byte) (webauthn.User, error) {
			if !bytes.Equal(userHandle, wu.WebAuthnID()) {
				return nil, errors.New("user handle of another account")
			}
			return wu, nil
		}, session, parsed)
	} else {
		used, err = k.wa.ValidateLogin(wu, session, parsed)
	}
	if err != nil {
		return Tokens{}, k.passkeyFailure(ctx, c, now, "assertion does not verify")
	}
	id := base64.RawURLEncoding.EncodeToString(used.ID)
	var pk Passkey
	for _, p := range list {
		if p.ID == id {
			pk = p
		}
	}
	if pk.ID == "" {
		return Tokens{}, k.passkeyFailure(ctx, c, now, "unknown credential")
	}
	if pk.Credential, err = json.Marshal(used); err != nil {
		return Tokens{}, fault.Wrap(err, fault.Internal, "An internal error occurred.")
	}
	pk.LastUsedAt = now
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
