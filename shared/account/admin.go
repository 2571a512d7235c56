package account

import (
	"context"
	"net/http"
	"slices"

	"roster/shared/auth"
	"roster/shared/check"
	"roster/shared/fault"
	"roster/shared/role"
	"roster/shared/signin"
	"roster/shared/web"
)

type createDeviceRequest struct {
	Name string `json:"name"`
}

// Valid checks the device's label.
func (r createDeviceRequest) Valid(context.Context) []fault.FieldError {
	return check.Text("name", r.Name, maxName, true)
}

// handleCreateDevice registers a device to the caller's tenant and shows
// its token once, to be installed on the device.
func handleCreateDevice(s signin.Service, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := ownTenant(r)
		if err != nil {
			errw(w, r, err)
			return
		}
		req, err := web.DecodeValid[createDeviceRequest](r, maxBody)
		if err != nil {
			errw(w, r, err)
			return
		}
		iss, err := s.CreateDevice(r.Context(), p, req.Name)
		if err != nil {
			errw(w, r, err)
			return
		}
		w.Header().Set("Location", "/tenants/"+p.TenantID+"/devices/"+iss.ID)
		web.Encode(w, http.StatusCreated, deviceResponse{
			DeviceID: iss.ID, DeviceToken: iss.Token, TenantUID: p.TenantID, Name: req.Name, ExpiresAt: iss.ExpiresAt.UTC(),
		})
	})
}

// handleRevokeDevice revokes a device of the caller's tenant: 204, or 404
// when the tenant has no such device.
func handleRevokeDevice(s signin.Service, errw web.ErrorWriter) http.Handler {
	// A closure, not the method value s.RevokeDevice: Routes must build
	// without a service (the catalog lists routes that way).
	return handleRevoke("deviceId", func(ctx context.Context, p auth.Principal, id string) error {
		return s.RevokeDevice(ctx, p, id)
	}, errw)
}

type createAPIKeyRequest struct {
	Name  string   `json:"name"`
	Roles []string `json:"roles"`
}

// Valid checks the key's label and roles. At least one role is required:
// a key stored without roles acts as admin, so an empty list must never
// get that far. Whether the caller may hand the roles out is the
// service's answer.
func (r createAPIKeyRequest) Valid(context.Context) []fault.FieldError {
	p := check.Text("name", r.Name, maxName, true)
	switch {
	case len(r.Roles) == 0:
		p = append(p, fault.FieldError{Field: "roles", Message: "must list at least one role"})
	case len(r.Roles) > len(role.All())+1:
		p = append(p, fault.FieldError{Field: "roles", Message: "must list each role at most once"})
	default:
		for i, id := range r.Roles {
			if !role.ValidKey(id) {
				p = append(p, fault.FieldError{Field: "roles", Message: "must list only " + check.RoleNames() + " or scim"})
				break
			}
			if slices.Contains(r.Roles[:i], id) {
				p = append(p, fault.FieldError{Field: "roles", Message: "must list each role at most once"})
				break
			}
		}
	}
	return p
}

// handleCreateAPIKey makes a tenant API key and shows it once.
func handleCreateAPIKey(s signin.Service, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := ownTenant(r)
		if err != nil {
			errw(w, r, err)
			return
		}
		req, err := web.DecodeValid[createAPIKeyRequest](r, maxBody)
		if err != nil {
			errw(w, r, err)
			return
		}
		iss, err := s.CreateAPIKey(r.Context(), p, req.Name, req.Roles)
		if err != nil {
			errw(w, r, err)
			return
		}
		w.Header().Set("Location", "/tenants/"+p.TenantID+"/apikeys/"+iss.ID)
		web.Encode(w, http.StatusCreated, apiKeyResponse{
			KeyID: iss.ID, APIKey: iss.Token, TenantUID: p.TenantID, Name: req.Name, Roles: req.Roles, ExpiresAt: iss.ExpiresAt.UTC(),
		})
	})
}

// handleRevokeAPIKey revokes an API key of the caller's tenant: 204, or
// 404 when the tenant has no such key.
func handleRevokeAPIKey(s signin.Service, errw web.ErrorWriter) http.Handler {
	return handleRevoke("keyId", func(ctx context.Context, p auth.Principal, id string) error {
		return s.RevokeAPIKey(ctx, p, id)
	}, errw)
}

// handleRevoke is a DELETE of a secret by the id in the path parameter
// param.
func handleRevoke(param string, revoke func(context.Context, auth.Principal, string) error, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := ownTenant(r)
		if err != nil {
			errw(w, r, err)
			return
		}
		id, err := pathUID(r, param)
		if err != nil {
			errw(w, r, err)
			return
		}
		if err := web.NoBody(r, maxEmptyBody); err != nil {
			errw(w, r, err)
			return
		}
		if err := revoke(r.Context(), p, id); err != nil {
			errw(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}
