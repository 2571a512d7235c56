package account

import (
	"context"
	"net"
	"net/http"
	"strings"

	"roster/shared/fault"
	"roster/shared/signin"
	"roster/shared/web"
)

type requestResetRequest struct {
	Email    string `json:"email"`
	UserCode string `json:"userCode"`
}

// Valid checks that exactly one of email and userCode is given, well formed.
func (r requestResetRequest) Valid(context.Context) []fault.FieldError {
	return signin.CheckResetRequest(signin.ResetRequest{Email: r.Email, UserCode: r.UserCode})
}

// resetRequested is the one answer to a recovery request, whoever it names.
type resetRequested struct {
	Message string `json:"message"`
}

var resetAnswer = resetRequested{Message: "If the tenant has a user with this email address or user code, a link to set a new password is on its way. It works once, for 15 minutes."}

// handleRequestReset asks for a reset link in the path's tenant: always 202
// with the same body, unless the input is malformed (400) or the caller has
// asked too often (429).
func handleRequestReset(rec func() signin.Recovery, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tenantID, err := pathUID(r, "tenantUid")
		if err != nil {
			errw(w, r, err)
			return
		}
		req, err := web.DecodeValid[requestResetRequest](r, maxBody)
		if err != nil {
			errw(w, r, err)
			return
		}
		err = rec().RequestReset(r.Context(), tenantID, signin.ResetRequest{Email: req.Email, UserCode: req.UserCode, Source: source(r)})
		if err != nil {
			errw(w, r, err)
			return
		}
		web.Encode(w, http.StatusAccepted, resetAnswer)
	})
}

type resetRequest struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

// Valid checks the shapes; the token's worth and the password policy are
// the service's.
func (r resetRequest) Valid(context.Context) []fault.FieldError {
	var p []fault.FieldError
	if r.Token == "" || len(r.Token) > maxCredential {
		p = append(p, fault.FieldError{Field: "token", Message: "is required: the reset token from the mail"})
	}
	if r.Password == "" || len(r.Password) > maxPasswordBytes {
		p = append(p, fault.FieldError{Field: "password", Message: "is required, at most 1024 bytes"})
	}
	return p
}

// handleReset spends a reset token and sets the password: 204, or 400
// naming token (whatever was wrong with it) or password (the policy).
func handleReset(rec func() signin.Recovery, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tenantID, err := pathUID(r, "tenantUid")
		if err != nil {
			errw(w, r, err)
			return
		}
		req, err := web.DecodeValid[resetRequest](r, maxBody)
		if err != nil {
			errw(w, r, err)
			return
		}
		if err := rec().Reset(r.Context(), tenantID, req.Token, req.Password); err != nil {
			errw(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// handleSendReset mails a reset link to a user of the caller's tenant: 202.
func handleSendReset(rec func() signin.Recovery, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := ownTenant(r)
		if err != nil {
			errw(w, r, err)
			return
		}
		id, err := pathUID(r, "userUid")
		if err != nil {
			errw(w, r, err)
			return
		}
		if err := web.NoBody(r, maxEmptyBody); err != nil {
			errw(w, r, err)
			return
		}
		if err := rec().SendReset(r.Context(), p, id); err != nil {
			errw(w, r, err)
			return
		}
		web.Encode(w, http.StatusAccepted, resetRequested{Message: "A link to set a new password is on its way to the user's email address."})
	})
}

// source is the caller's address, what a recovery request is counted
// under: API Gateway's sourceIp (the Lambda adapter's RemoteAddr), or the
// host of a local connection's.
func source(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return strings.TrimSpace(r.RemoteAddr)
}
