package account

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"roster/shared/check"
	"roster/shared/fault"
	"roster/shared/signin"
	"roster/shared/user"
	"roster/shared/web"
)

type loginRequest struct {
	UserCode string `json:"userCode"`
	Password string `json:"password"`
}

// Valid checks that both fields are present and bounded; whether they are
// right is the service's answer, the same for every wrong pair.
func (r loginRequest) Valid(context.Context) []fault.FieldError {
	p := check.Text("userCode", r.UserCode, maxUserCode, true)
	return append(p, check.Secret("password", r.Password, maxPasswordBytes)...)
}

// handleLogin logs a user in on a device: the device token in the
// Authorization header says which tenant, the body says who.
func handleLogin(s signin.Service, now func() time.Time, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		device, err := bearer(r, "device token")
		if err != nil {
			errw(w, r, err)
			return
		}
		req, err := web.DecodeValid[loginRequest](r, maxBody)
		if err != nil {
			errw(w, r, err)
			return
		}
		t, err := s.Login(r.Context(), device, strings.TrimSpace(req.UserCode), req.Password)
		if err != nil {
			errw(w, r, err)
			return
		}
		if t.Challenge != nil {
			writeChallenge(w, r, t) // the second step is POST /account/mfa/verify
			return
		}
		web.AddLogAttrs(r.Context(), slog.String("tenant", t.TenantID))
		web.Encode(w, http.StatusOK, loginResponse{
			tokensResponse: newTokens(t, now()), TenantUID: t.TenantID, UserUID: t.UserID, AccountUID: t.AccountID,
		})
	})
}

// handleExchange trades an auth token for an access token to the path's
// tenant and a fresh auth token. The route takes no body.
func handleExchange(s signin.Service, now func() time.Time, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		authToken, err := bearer(r, "auth token")
		if err != nil {
			errw(w, r, err)
			return
		}
		tenantID, err := pathUID(r, "tenantUid")
		if err != nil {
			errw(w, r, err)
			return
		}
		if err := web.NoBody(r, maxEmptyBody); err != nil {
			errw(w, r, err)
			return
		}
		t, u, err := s.Exchange(r.Context(), authToken, tenantID)
		if err != nil {
			errw(w, r, err)
			return
		}
		writeEntered(w, r, http.StatusOK, t, u, now())
	})
}

// writeEntered answers a request that made the caller a user of a tenant
// with tokens for it.
func writeEntered(w http.ResponseWriter, r *http.Request, status int, t signin.Tokens, u *user.User, now time.Time) {
	web.AddLogAttrs(r.Context(), slog.String("tenant", t.TenantID))
	w.Header().Set("ETag", web.ETag(u.Version))
	web.Encode(w, status, enteredResponse{tenantUserResponse: newTenantUser(u), tokensResponse: newTokens(t, now)})
}
