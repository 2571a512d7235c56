package account

import (
	"context"
	"net/http"
	"time"

	"roster/shared/auth"
	"roster/shared/fault"
	"roster/shared/signin"
	"roster/shared/web"
)

// The session routes (decision 024): a person's own sessions under their
// access token, and an administrator's end of a tenant user's sessions.

// sessionResponse is one live session of the caller.
type sessionResponse struct {
	SessionUID string    `json:"sessionUid"`
	DeviceUID  string    `json:"deviceUid"`
	TenantUID  string    `json:"tenantUid"`
	StartedAt  time.Time `json:"startedAt"`
	LastUsedAt time.Time `json:"lastUsedAt"`
	ExpiresAt  time.Time `json:"expiresAt"`
}

// sessionsResponse answers GET /account/sessions.
type sessionsResponse struct {
	Sessions []sessionResponse `json:"sessions"`
}

// handleListSessions lists the caller's live sessions, newest first.
func handleListSessions(s signin.Sessions, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := web.NoBody(r, maxEmptyBody); err != nil {
			errw(w, r, err)
			return
		}
		list, err := s.ListSessions(r.Context(), principal(r.Context()))
		if err != nil {
			errw(w, r, err)
			return
		}
		out := sessionsResponse{Sessions: make([]sessionResponse, len(list))}
		for i, x := range list {
			out.Sessions[i] = sessionResponse{
				SessionUID: x.ID, DeviceUID: x.DeviceID, TenantUID: x.TenantID,
				StartedAt: x.StartedAt.UTC(), LastUsedAt: x.LastUsedAt.UTC(), ExpiresAt: x.ExpiresAt.UTC(),
			}
		}
		web.Encode(w, http.StatusOK, out)
	})
}

// handleEndSession ends one of the caller's sessions.
func handleEndSession(s signin.Sessions, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathUID(r, "sessionUid")
		if err != nil {
			errw(w, r, err)
			return
		}
		if err := web.NoBody(r, maxEmptyBody); err != nil {
			errw(w, r, err)
			return
		}
		if err := s.EndSession(r.Context(), principal(r.Context()), id); err != nil {
			errw(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// handleEndAllSessions ends every session of the caller, this one too.
func handleEndAllSessions(s signin.Sessions, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := web.NoBody(r, maxEmptyBody); err != nil {
			errw(w, r, err)
			return
		}
		if err := s.EndAllSessions(r.Context(), principal(r.Context())); err != nil {
			errw(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// handleEndUserSessions ends a tenant user's sessions in the tenant.
func handleEndUserSessions(s signin.Sessions, errw web.ErrorWriter) http.Handler {
	return userAction(errw, func(ctx context.Context, p auth.Principal, id string) error { return s.EndUserSessions(ctx, p, id) })
}

// handleResetFactors removes a tenant user's second factors.
func handleResetFactors(f signin.Factors, errw web.ErrorWriter) http.Handler {
	return userAction(errw, func(ctx context.Context, p auth.Principal, id string) error { return f.ResetFactors(ctx, p, id) })
}

// userAction is an administrator's bodyless action on a user of the
// path's tenant, answered 204.
func userAction(errw web.ErrorWriter, act func(context.Context, auth.Principal, string) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := ownTenant(r)
		if err != nil {
			errw(w, r, err)
			return
		}
		userID, err := pathUID(r, "userUid")
		if err != nil {
			errw(w, r, err)
			return
		}
		if err := web.NoBody(r, maxEmptyBody); err != nil {
			errw(w, r, err)
			return
		}
		if err := act(r.Context(), p, userID); err != nil {
			errw(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// mfaPolicyResponse is a tenant's MFA policy.
type mfaPolicyResponse struct {
	RequiredRoles []string `json:"requiredRoles"`
}

type mfaPolicyRequest struct {
	RequiredRoles []string `json:"requiredRoles"`
}

// Valid checks the list's presence and size; which roles exist is the
// service's answer.
func (r mfaPolicyRequest) Valid(context.Context) []fault.FieldError {
	if r.RequiredRoles == nil {
		return []fault.FieldError{{Field: "requiredRoles", Message: "is required (an empty list requires a factor of nobody)"}}
	}
	if len(r.RequiredRoles) > 8 {
		return []fault.FieldError{{Field: "requiredRoles", Message: "must list at most 8 roles"}}
	}
	return nil
}

// handleMFAPolicy shows the path tenant's MFA policy.
func handleMFAPolicy(f signin.Factors, errw web.ErrorWriter) http.Handler {
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
		roles, err := f.MFAPolicy(r.Context(), p)
		if err != nil {
			errw(w, r, err)
			return
		}
		web.Encode(w, http.StatusOK, mfaPolicyResponse{RequiredRoles: roles})
	})
}

// handleSetMFAPolicy sets the roles of the path tenant that must log in
// with a second factor.
func handleSetMFAPolicy(f signin.Factors, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := ownTenant(r)
		if err != nil {
			errw(w, r, err)
			return
		}
		req, err := web.DecodeValid[mfaPolicyRequest](r, maxBody)
		if err != nil {
			errw(w, r, err)
			return
		}
		roles, err := f.SetMFAPolicy(r.Context(), p, req.RequiredRoles)
		if err != nil {
			errw(w, r, err)
			return
		}
		web.Encode(w, http.StatusOK, mfaPolicyResponse{RequiredRoles: roles})
	})
}
