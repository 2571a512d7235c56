package account

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"roster/shared/check"
	"roster/shared/fault"
	"roster/shared/signin"
	"roster/shared/web"
)

// The second-factor routes (decision 024): a person's own factors, under
// their access token, and the second step of a login, under the device
// token of the first.

// Bounds of second-factor input: a TOTP code is six digits and a recovery
// code ten characters with an optional dash; anything much longer is not
// worth checking.
const (
	maxCode         = 16
	maxRecoveryCode = 32
)

// challengeResponse answers the password step of a login whose account
// has a second factor: 202, and no token yet.
type challengeResponse struct {
	MFARequired        bool      `json:"mfaRequired"` // always true
	ChallengeToken     string    `json:"challengeToken"`
	ChallengeExpiresAt time.Time `json:"challengeExpiresAt"`
	Factors            []string  `json:"factors"`
	TenantUID          string    `json:"tenantUid"`
}

// writeChallenge answers a login that needs its second step.
func writeChallenge(w http.ResponseWriter, r *http.Request, t signin.Tokens) {
	web.AddLogAttrs(r.Context(), slog.String("tenant", t.TenantID))
	c := t.Challenge
	web.Encode(w, http.StatusAccepted, challengeResponse{
		MFARequired: true, ChallengeToken: c.Token, ChallengeExpiresAt: c.ExpiresAt.UTC(), Factors: c.Factors, TenantUID: t.TenantID,
	})
}

type verifyRequest struct {
	ChallengeToken string          `json:"challengeToken"`
	Code           string          `json:"code"`
	RecoveryCode   string          `json:"recoveryCode"`
	Passkey        json.RawMessage `json:"passkey"` // the authenticator's assertion (passkeys.go)
}

// Valid checks presence and bounds; exactly one of code, recoveryCode and
// passkey.
func (r verifyRequest) Valid(context.Context) []fault.FieldError {
	p := check.Secret("challengeToken", r.ChallengeToken, maxCredential)
	hasPasskey := len(r.Passkey) > 0 && string(r.Passkey) != "null"
	given := 0
	for _, g := range []bool{r.Code != "", r.RecoveryCode != "", hasPasskey} {
		if g {
			given++
		}
	}
	switch {
	case given == 0:
		p = append(p, fault.FieldError{Field: "code", Message: "is required (or recoveryCode, or passkey)"})
	case given > 1 && hasPasskey:
		p = append(p, fault.FieldError{Field: "passkey", Message: "must not be given with code or recoveryCode"})
	case given > 1:
		p = append(p, fault.FieldError{Field: "recoveryCode", Message: "must not be given with code"})
	case r.Code != "":
		p = append(p, checkCode("code", r.Code)...)
	case r.RecoveryCode != "":
		p = append(p, check.Secret("recoveryCode", r.RecoveryCode, maxRecoveryCode)...)
	default:
		p = append(p, checkCredential("passkey", r.Passkey)...)
	}
	return p
}

// checkCode checks that a TOTP code is six digits.
func checkCode(field, v string) []fault.FieldError {
	if len(v) != 6 || strings.Trim(v, "0123456789") != "" {
		return []fault.FieldError{{Field: field, Message: "must be the six digits the authenticator shows"}}
	}
	return nil
}

// handleVerify is the second step of a login: the device token of the
// first step, the challenge it answered and a code.
func handleVerify(f signin.Factors, k signin.Passkeys, now func() time.Time, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		device, err := bearer(r, "device token")
		if err != nil {
			errw(w, r, err)
			return
		}
		req, err := web.DecodeValid[verifyRequest](r, maxBody)
		if err != nil {
			errw(w, r, err)
			return
		}
		var t signin.Tokens
		if len(req.Passkey) > 0 {
			t, err = k.VerifyPasskey(r.Context(), device, req.ChallengeToken, req.Passkey)
		} else {
			t, err = f.Verify(r.Context(), device, req.ChallengeToken, signin.SecondFactor{
				Code: req.Code, RecoveryCode: strings.TrimSpace(req.RecoveryCode),
			})
		}
		if err != nil {
			errw(w, r, err)
			return
		}
		web.AddLogAttrs(r.Context(), slog.String("tenant", t.TenantID))
		web.Encode(w, http.StatusOK, verifyResponse{loginResponse: loginResponse{
			tokensResponse: newTokens(t, now()), TenantUID: t.TenantID, UserUID: t.UserID, AccountUID: t.AccountID,
		}, RecoveryCodes: t.RecoveryCodes})
	})
}

// verifyResponse answers the second step: a login's answer, with the
// recovery codes when the step enrolled TOTP (shown this once).
type verifyResponse struct {
	loginResponse
	RecoveryCodes []string `json:"recoveryCodes,omitempty"`
}

// factorsResponse answers GET /account/mfa.
type factorsResponse struct {
	TOTP              bool       `json:"totp"`
	TOTPEnrolledAt    *time.Time `json:"totpEnrolledAt"`
	RecoveryCodesLeft int        `json:"recoveryCodesLeft"`
	Passkeys          int        `json:"passkeys"`
}

// handleFactors shows which factors the caller's account has.
func handleFactors(f signin.Factors, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := web.NoBody(r, maxEmptyBody); err != nil {
			errw(w, r, err)
			return
		}
		s, err := f.Summary(r.Context(), principal(r.Context()))
		if err != nil {
			errw(w, r, err)
			return
		}
		out := factorsResponse{TOTP: !s.TOTPSince.IsZero(), RecoveryCodesLeft: s.RecoveryCodes, Passkeys: s.Passkeys}
		if out.TOTP {
			at := s.TOTPSince.UTC()
			out.TOTPEnrolledAt = &at
		}
		web.Encode(w, http.StatusOK, out)
	})
}

// totpEnrolmentResponse answers POST /account/mfa/totp: the secret, shown
// this once, as text, as an otpauth URI and as a QR code.
type totpEnrolmentResponse struct {
	Secret     string    `json:"secret"`
	OTPAuthURI string    `json:"otpauthUri"`
	QRCodePNG  []byte    `json:"qrCodePng"` // base64, as encoding/json writes bytes
	ExpiresAt  time.Time `json:"expiresAt"`
}

func newEnrolment(e signin.TOTPEnrolment) totpEnrolmentResponse {
	return totpEnrolmentResponse{Secret: e.Secret, OTPAuthURI: e.URI, QRCodePNG: e.QRCodePNG, ExpiresAt: e.ExpiresAt.UTC()}
}

// handleStartTOTP begins a TOTP enrolment. The route takes no body.
func handleStartTOTP(f signin.Factors, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := web.NoBody(r, maxEmptyBody); err != nil {
			errw(w, r, err)
			return
		}
		e, err := f.StartTOTP(r.Context(), principal(r.Context()))
		if err != nil {
			errw(w, r, err)
			return
		}
		web.Encode(w, http.StatusCreated, newEnrolment(e))
	})
}

type codeRequest struct {
	Code string `json:"code"`
}

// Valid checks that the code is six digits.
func (r codeRequest) Valid(context.Context) []fault.FieldError { return checkCode("code", r.Code) }

// recoveryCodesResponse answers a confirmed enrolment: the recovery codes,
// shown this once.
type recoveryCodesResponse struct {
	RecoveryCodes []string `json:"recoveryCodes"`
}

// handleConfirmTOTP confirms the pending enrolment with a current code.
func handleConfirmTOTP(f signin.Factors, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := web.DecodeValid[codeRequest](r, maxBody)
		if err != nil {
			errw(w, r, err)
			return
		}
		codes, err := f.ConfirmTOTP(r.Context(), principal(r.Context()), req.Code)
		if err != nil {
			errw(w, r, err)
			return
		}
		web.Encode(w, http.StatusOK, recoveryCodesResponse{RecoveryCodes: codes})
	})
}

// handleRemoveTOTP removes the caller's TOTP and recovery codes, proven by
// a current code (a body, which is why this is a POST and not a DELETE).
func handleRemoveTOTP(f signin.Factors, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := web.DecodeValid[codeRequest](r, maxBody)
		if err != nil {
			errw(w, r, err)
			return
		}
		if err := f.RemoveTOTP(r.Context(), principal(r.Context()), req.Code); err != nil {
			errw(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

type enrolRequest struct {
	ChallengeToken string `json:"challengeToken"`
}

// Valid checks presence and bounds.
func (r enrolRequest) Valid(context.Context) []fault.FieldError {
	return check.Secret("challengeToken", r.ChallengeToken, maxCredential)
}

// handleStartEnrolment begins the TOTP enrolment a login's challenge asks
// for (its factors are ["totp_enrolment"]): the device token of the login
// and the challenge.
func handleStartEnrolment(f signin.Factors, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		device, err := bearer(r, "device token")
		if err != nil {
			errw(w, r, err)
			return
		}
		req, err := web.DecodeValid[enrolRequest](r, maxBody)
		if err != nil {
			errw(w, r, err)
			return
		}
		e, err := f.StartEnrolment(r.Context(), device, req.ChallengeToken)
		if err != nil {
			errw(w, r, err)
			return
		}
		web.Encode(w, http.StatusCreated, newEnrolment(e))
	})
}
