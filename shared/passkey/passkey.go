// Package passkey is the WebAuthn relying party of sign-in's passkeys
// (decision 024): it runs the ceremonies with the go-webauthn library and
// implements signin.RelyingParty, so shared/signin does not import the
// library. Only the Account function builds it (shared/platform/accountfn),
// so only that function links WebAuthn and its dependencies.
package passkey

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"roster/shared/fault"
	"roster/shared/signin"
)

// DefaultRPName is the relying party's name when Config has none: the
// issuer name authenticator apps show for Roster's TOTP secrets too.
const DefaultRPName = "Roster"

// Config names the relying party: its id (a registrable domain,
// "localhost" locally) and the origins its pages are served from.
type Config struct {
	RPID    string
	RPName  string
	Origins []string
}

// New returns the passkey service over the second factors fs (from
// signin.NewFactors) with the relying party cfg names. A config without an
// RP id gives a service whose every call is fault.NotFound, so a
// deployment without one offers no passkeys.
func New(fs signin.Factors, cfg Config) (signin.Passkeys, error) {
	rp, err := NewRelyingParty(cfg)
	if err != nil {
		return nil, err
	}
	if rp == nil {
		return signin.NewPasskeys(fs, nil)
	}
	return signin.NewPasskeys(fs, rp)
}

// NewRelyingParty returns the relying party cfg names; nil (and no error)
// when cfg has no RP id.
func NewRelyingParty(cfg Config) (*RelyingParty, error) {
	if cfg.RPID == "" {
		return nil, nil
	}
	name := cfg.RPName
	if name == "" {
		name = DefaultRPName
	}
	wa, err := webauthn.New(&webauthn.Config{RPID: cfg.RPID, RPDisplayName: name, RPOrigins: cfg.Origins})
	if err != nil {
		return nil, fmt.Errorf("new passkeys: %w", err)
	}
	return &RelyingParty{wa: wa}, nil
}

// RelyingParty implements signin.RelyingParty with go-webauthn. Ceremony
// state is webauthn.SessionData as JSON; a stored credential is
// webauthn.Credential as JSON.
type RelyingParty struct {
	wa *webauthn.WebAuthn
}

var _ signin.RelyingParty = (*RelyingParty)(nil)

// user is an account as WebAuthn sees it.
type user struct {
	id, name string
	creds    []webauthn.Credential
}

func (u *user) WebAuthnID() []byte                         { return []byte(u.id) }
func (u *user) WebAuthnName() string                       { return u.name }
func (u *user) WebAuthnDisplayName() string                { return u.name }
func (u *user) WebAuthnCredentials() []webauthn.Credential { return u.creds }

// internal is a fault of the service: stored state that does not read.
func internal(err error) error {
	return fault.Wrap(err, fault.Internal, "An internal error occurred.")
}

// account is the account as a WebAuthn user with its stored credentials.
func account(accountID, name string, creds [][]byte) (*user, error) {
	u := &user{id: accountID, name: name}
	for _, raw := range creds {
		var c webauthn.Credential
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, internal(fmt.Errorf("stored passkey: %w", err))
		}
		u.creds = append(u.creds, c)
	}
	return u, nil
}

// ceremony returns the options and the state as JSON.
func ceremony(opts any, session *webauthn.SessionData) ([]byte, []byte, error) {
	s, err := json.Marshal(session)
	if err != nil {
		return nil, nil, internal(err)
	}
	out, err := json.Marshal(opts)
	if err != nil {
		return nil, nil, internal(err)
	}
	return out, s, nil
}

// session reads a ceremony's state.
func session(raw []byte) (webauthn.SessionData, error) {
	var s webauthn.SessionData
	if err := json.Unmarshal(raw, &s); err != nil {
		return s, internal(err)
	}
	return s, nil
}

// BeginRegistration starts the registration of a resident key with user
// verification, excluding the account's credentials.
func (rp *RelyingParty) BeginRegistration(accountID, name string, creds [][]byte) ([]byte, []byte, error) {
	u, err := account(accountID, name, creds)
	if err != nil {
		return nil, nil, err
	}
	excl := make([]protocol.CredentialDescriptor, len(u.creds))
	for i, c := range u.creds {
		excl[i] = c.Descriptor()
	}
	opts, s, err := rp.wa.BeginRegistration(u,
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementRequired),
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
			ResidentKey: protocol.ResidentKeyRequirementRequired, RequireResidentKey: protocol.ResidentKeyRequired(),
			UserVerification: protocol.VerificationRequired,
		}),
		webauthn.WithExclusions(excl))
	if err != nil {
		return nil, nil, internal(err)
	}
	return ceremony(opts, s)
}

// FinishRegistration checks the answer against the ceremony's state.
func (rp *RelyingParty) FinishRegistration(accountID string, raw, answer []byte) ([]byte, []byte, error) {
	s, err := session(raw)
	if err != nil {
		return nil, nil, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(answer)
	if err != nil {
		return nil, nil, err
	}
	c, err := rp.wa.CreateCredential(&user{id: accountID}, s, parsed)
	if err != nil {
		return nil, nil, err
	}
	stored, err := json.Marshal(c)
	if err != nil {
		return nil, nil, internal(err)
	}
	return c.ID, stored, nil
}

// BeginLogin starts a login with one of the account's credentials.
func (rp *RelyingParty) BeginLogin(accountID string, creds [][]byte) ([]byte, []byte, error) {
	u, err := account(accountID, "", creds)
	if err != nil {
		return nil, nil, err
	}
	opts, s, err := rp.wa.BeginLogin(u, webauthn.WithUserVerification(protocol.VerificationPreferred))
	if err != nil {
		return nil, nil, internal(err)
	}
	return ceremony(opts, s)
}

// BeginDiscoverableLogin starts a passwordless login.
func (rp *RelyingParty) BeginDiscoverableLogin() ([]byte, []byte, error) {
	opts, s, err := rp.wa.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return nil, nil, internal(err)
	}
	return ceremony(opts, s)
}

// assertion is a parsed answer to a login.
type assertion struct {
	*protocol.ParsedCredentialAssertionData
}

func (a assertion) UserHandle() []byte { return a.Response.UserHandle }

// ParseAssertion reads the answer to a login.
func (rp *RelyingParty) ParseAssertion(answer []byte) (signin.Assertion, error) {
	parsed, err := protocol.ParseCredentialRequestResponseBytes(answer)
	if err != nil {
		return nil, err
	}
	return assertion{parsed}, nil
}

// FinishLogin checks the assertion against the account's credentials.
func (rp *RelyingParty) FinishLogin(accountID string, creds [][]byte, raw []byte, a signin.Assertion, discoverable bool) ([]byte, []byte, error) {
	s, err := session(raw)
	if err != nil {
		return nil, nil, err
	}
	parsed, ok := a.(assertion)
	if !ok {
		return nil, nil, errors.New("an assertion of another relying party")
	}
	u, err := account(accountID, "", creds)
	if err != nil {
		return nil, nil, err
	}
	var used *webauthn.Credential
	if discoverable {
		used, err = rp.wa.ValidateDiscoverableLogin(func(_, userHandle []byte) (webauthn.User, error) {
			if !bytes.Equal(userHandle, u.WebAuthnID()) {
				return nil, errors.New("user handle of another account")
			}
			return u, nil
		}, s, parsed.ParsedCredentialAssertionData)
	} else {
		used, err = rp.wa.ValidateLogin(u, s, parsed.ParsedCredentialAssertionData)
	}
	if err != nil {
		return nil, nil, err
	}
	state, err := json.Marshal(used)
	if err != nil {
		return nil, nil, internal(err)
	}
	return used.ID, state, nil
}
