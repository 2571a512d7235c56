package account

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"roster/shared/check"
	"roster/shared/fault"
	"roster/shared/signin"
	"roster/shared/web"
)

// The passkey routes (decision 024): registration under an access token,
// and the request options of a login (a challenge's second factor, or a
// passwordless login) under the device token. The assertion itself goes
// to POST /account/mfa/verify as "passkey".

// maxPasskeyCredential bounds the authenticator's answer, JSON as the
// browser serialises it; real ones are a few hundred bytes.
const maxPasskeyCredential = 8 << 10

// registrationOptionsResponse answers POST /account/passkeys/options: the
// options for navigator.credentials.create, as {"publicKey": {...}}.
type passkeyOptionsResponse struct {
	ChallengeToken string          `json:"challengeToken,omitempty"`
	Options        json.RawMessage `json:"options"`
}

// handlePasskeyRegistrationOptions begins a passkey registration. The
// route takes no body.
func handlePasskeyRegistrationOptions(k signin.Passkeys, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := web.NoBody(r, maxEmptyBody); err != nil {
			errw(w, r, err)
			return
		}
		opts, err := k.BeginPasskeyRegistration(r.Context(), principal(r.Context()))
		if err != nil {
			errw(w, r, err)
			return
		}
		web.Encode(w, http.StatusOK, passkeyOptionsResponse{Options: opts})
	})
}

type passkeyRegistrationRequest struct {
	Name       string          `json:"name"`
	Credential json.RawMessage `json:"credential"`
}

// Valid checks the name and that the credential is a JSON object of
// bounded size; whether it verifies is the service's answer.
func (r passkeyRegistrationRequest) Valid(context.Context) []fault.FieldError {
	p := check.Text("name", r.Name, maxName, true)
	return append(p, checkCredential("credential", r.Credential)...)
}

// checkCredential checks an authenticator's answer as it arrives.
func checkCredential(field string, v json.RawMessage) []fault.FieldError {
	switch {
	case len(v) == 0 || string(v) == "null":
		return []fault.FieldError{{Field: field, Message: "is required: the authenticator's answer as a JSON object"}}
	case len(v) > maxPasskeyCredential:
		return []fault.FieldError{{Field: field, Message: "is too long"}}
	case !strings.HasPrefix(strings.TrimSpace(string(v)), "{"):
		return []fault.FieldError{{Field: field, Message: "must be a JSON object"}}
	}
	return nil
}

// passkeyResponse is a registered passkey.
type passkeyResponse struct {
	PasskeyUID string    `json:"passkeyUid"`
	Name       string    `json:"name"`
	CreatedAt  time.Time `json:"createdAt"`
}

// handleRegisterPasskey finishes a passkey registration.
func handleRegisterPasskey(k signin.Passkeys, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := web.DecodeValid[passkeyRegistrationRequest](r, maxBody)
		if err != nil {
			errw(w, r, err)
			return
		}
		pk, err := k.FinishPasskeyRegistration(r.Context(), principal(r.Context()), strings.TrimSpace(req.Name), req.Credential)
		if err != nil {
			errw(w, r, err)
			return
		}
		web.Encode(w, http.StatusCreated, passkeyResponse{PasskeyUID: pk.ID, Name: pk.Name, CreatedAt: pk.CreatedAt.UTC()})
	})
}

type passkeyLoginOptionsRequest struct {
	ChallengeToken string `json:"challengeToken"`
}

// Valid bounds the optional challenge token.
func (r passkeyLoginOptionsRequest) Valid(context.Context) []fault.FieldError {
	if len(r.ChallengeToken) > maxCredential {
		return []fault.FieldError{{Field: "challengeToken", Message: "is too long"}}
	}
	return nil
}

// handlePasskeyLoginOptions returns the options for
// navigator.credentials.get: for the challenge of a login's password step,
// or, without one, for a passwordless login on the device, with the
// challenge token POST /account/mfa/verify then takes.
func handlePasskeyLoginOptions(k signin.Passkeys, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		device, err := bearer(r, "device token")
		if err != nil {
			errw(w, r, err)
			return
		}
		req, err := web.DecodeValid[passkeyLoginOptionsRequest](r, maxBody)
		if err != nil {
			errw(w, r, err)
			return
		}
		tok, opts, err := k.BeginPasskeyLogin(r.Context(), device, req.ChallengeToken)
		if err != nil {
			errw(w, r, err)
			return
		}
		web.Encode(w, http.StatusOK, passkeyOptionsResponse{ChallengeToken: tok, Options: opts})
	})
}
