package account

import (
	"context"
	"net/http"

	"roster/shared/fault"
	"roster/shared/signin"
	"roster/shared/web"
)

// handleRequestVerification mails the caller a link that proves their
// address: 202 (also when it is proved already).
func handleRequestVerification(ver func() signin.Verification, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := ownTenant(r)
		if err != nil {
			errw(w, r, err)
			return
		}
		if err := web.NoBody(r, maxEmptyBody); err != nil {
			errw(w, r, err)
			return
		}
		if err := ver().RequestVerification(r.Context(), p, p.TenantID); err != nil {
			errw(w, r, err)
			return
		}
		web.Encode(w, http.StatusAccepted, resetRequested{Message: "Unless your address is verified already, a link that verifies it is on its way. It works once, for 24 hours."})
	})
}

type confirmEmailRequest struct {
	Token string `json:"token"`
}

// Valid checks the token's shape; its worth is the service's.
func (r confirmEmailRequest) Valid(context.Context) []fault.FieldError {
	if r.Token == "" || len(r.Token) > maxCredential {
		return []fault.FieldError{{Field: "token", Message: "is required: the verification token from the mail"}}
	}
	return nil
}

// handleConfirmEmail spends a verification token: 204, or 400 naming token
// whatever was wrong with it.
func handleConfirmEmail(ver func() signin.Verification, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tenantID, err := pathUID(r, "tenantUid")
		if err != nil {
			errw(w, r, err)
			return
		}
		req, err := web.DecodeValid[confirmEmailRequest](r, maxBody)
		if err != nil {
			errw(w, r, err)
			return
		}
		if err := ver().ConfirmEmail(r.Context(), tenantID, req.Token); err != nil {
			errw(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}
