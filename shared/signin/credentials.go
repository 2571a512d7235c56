package signin

import (
	"context"
	"slices"

	"roster/shared/auth"
	"roster/shared/check"
	"roster/shared/fault"
	"roster/shared/opaque"
	"roster/shared/role"
)

// maxSecretID bounds the id a revoke reads; generated ids are 16 characters.
const maxSecretID = 64

// CreateDevice registers a device to the caller's tenant: one PutItem.
func (s *service) CreateDevice(ctx context.Context, p auth.Principal, name string) (Issued, error) {
	if !p.Can(role.DevicesWrite) {
		return Issued{}, deny(errForbidden, "missing "+string(role.DevicesWrite))
	}
	if err := fault.InvalidFields(check.Text("name", name, maxCredentialName, true)); err != nil {
		return Issued{}, err
	}
	k, err := opaque.Device.Generate()
	if err != nil {
		return Issued{}, fault.Wrap(err, fault.Internal, "An internal error occurred.")
	}
	d := &Device{
		ID: k.ID, TenantID: p.TenantID, Name: name, Hash: opaque.Hash(s.pepper, k.Token),
		CreatedAt: s.now(), CreatedBy: p.Actor(),
	}
	if err := s.st.PutDevice(ctx, d); err != nil {
		return Issued{}, err
	}
	return Issued{ID: k.ID, Token: k.Token}, nil
}

// RevokeDevice revokes a device of the caller's tenant: one conditional
// UpdateItem. Another tenant's device is fault.NotFound.
func (s *service) RevokeDevice(ctx context.Context, p auth.Principal, id string) error {
	if !p.Can(role.DevicesWrite) {
		return deny(errForbidden, "missing "+string(role.DevicesWrite))
	}
	if id == "" || len(id) > maxSecretID {
		return fault.New(fault.NotFound, "The device does not exist.")
	}
	return s.st.RevokeDevice(ctx, p.TenantID, id)
}

// CreateAPIKey makes a tenant API key acting with the given roles, each of
// which the caller must be allowed to assign: one PutItem.
func (s *service) CreateAPIKey(ctx context.Context, p auth.Principal, name string, roles []string) (Issued, error) {
	if !p.Can(role.APIKeysWrite) {
		return Issued{}, deny(errForbidden, "missing "+string(role.APIKeysWrite))
	}
	problems := check.Text("name", name, maxCredentialName, true)
	if len(roles) == 0 {
		// A stored key without roles acts as admin (keys made before
		// roles), so a new key must say what it may do.
		problems = append(problems, fault.FieldError{Field: "roles", Message: "must name at least one role"})
	}
	for _, r := range roles {
		if !role.ValidKey(r) {
			problems = append(problems, fault.FieldError{Field: "roles", Message: "must each be one of " + check.RoleNames() + " or scim"})
			break
		}
	}
	if role.SCIMOnly(roles...) && len(roles) > 1 {
		problems = append(problems, fault.FieldError{Field: "roles", Message: "must list scim alone: a SCIM token is good for SCIM only"})
	}
	if err := fault.InvalidFields(problems); err != nil {
		return Issued{}, err
	}
	for _, r := range roles {
		if !role.CanAssign(role.ID(r), p.Roles...) {
			return Issued{}, deny(errForbidden, "may not assign role "+r)
		}
	}
	roles = slices.Clone(roles)
	slices.Sort(roles)
	roles = slices.Compact(roles)
	k, err := opaque.APIKey.Generate()
	if err != nil {
		return Issued{}, fault.Wrap(err, fault.Internal, "An internal error occurred.")
	}
	key := &auth.APIKey{
		ID: k.ID, TenantID: p.TenantID, Name: name, Roles: roles, Hash: opaque.Hash(s.pepper, k.Token),
		CreatedAt: s.now(), CreatedBy: p.Actor(),
	}
	if err := s.st.PutAPIKey(ctx, key); err != nil {
		return Issued{}, err
	}
	return Issued{ID: k.ID, Token: k.Token}, nil
}

// RevokeAPIKey revokes a key of the caller's tenant: one conditional
// UpdateItem. Another tenant's key is fault.NotFound.
func (s *service) RevokeAPIKey(ctx context.Context, p auth.Principal, id string) error {
	if !p.Can(role.APIKeysWrite) {
		return deny(errForbidden, "missing "+string(role.APIKeysWrite))
	}
	if id == "" || len(id) > maxSecretID {
		return fault.New(fault.NotFound, "The API key does not exist.")
	}
	return s.st.RevokeAPIKey(ctx, p.TenantID, id)
}
