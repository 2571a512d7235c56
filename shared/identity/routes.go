// Package identity is the Identity endpoint group: an orchestrator's
// Identity API over the tenant's users, addressed as
// /{organizationName}/{tenantName}/identity_/api/... . It changes and
// deletes users, sets passwords and keeps the tenant's groups, in the API's
// own shapes: {"succeeded", "errors"} results and validation problems with
// an errors map and a W3C traceId. The rules live in package directory;
// this package owns the HTTP shape.
package identity

import (
	"context"
	"log/slog"
	"net/http"

	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/role"
	"roster/shared/tenant"
	"roster/shared/web"
)

// TenantReader reads the caller's tenant, whose organization and tenant
// names the path must spell. *store.Table satisfies it.
type TenantReader interface {
	// GetTenant returns a tenant by id. Returns fault.NotFound.
	GetTenant(ctx context.Context, id string) (*tenant.Tenant, error)
}

// Deps are what the group needs, built once per container.
type Deps struct {
	Directory directory.Service
	Tenants   TenantReader
}

// base is the prefix of every route: the API names a tenant by its
// organization and tenant names, which must be the caller's own.
const base = "/{organizationName}/{tenantName}/identity_/api"

// Routes lists every route of the group. All take an access token or a
// tenant API key whose role grants the route's permission; the directory
// checks finer rules (privileged fields, one's own password).
func Routes(d Deps) []web.Route {
	dir, tenants, errw := d.Directory, d.Tenants, writeProblem
	need := func(p role.Permission, h http.Handler) http.Handler {
		return auth.Require(p, errw, auth.ViaAccessToken, auth.ViaAPIKey)(h)
	}
	return []web.Route{
		{Method: http.MethodPut, Path: base + "/User/{userId}", Handler: need(role.UsersWrite, handleUpdateUser(dir, tenants, errw))},
		{Method: http.MethodDelete, Path: base + "/User/{userId}", Handler: need(role.UsersDelete, handleDeleteUser(dir, tenants, errw))},
		{Method: http.MethodDelete, Path: base + "/User", Handler: need(role.UsersDelete, handleDeleteUsers(dir, tenants, errw))},
		{Method: http.MethodPut, Path: base + "/User/{userId}/password", Handler: requireEither(role.UsersWrite, role.SelfWrite, errw)(handleSetPassword(dir, tenants, errw))},
		{Method: http.MethodPost, Path: base + "/Group", Handler: need(role.GroupsWrite, handleCreateGroup(dir, tenants, errw))},
		{Method: http.MethodGet, Path: base + "/Group", Handler: need(role.GroupsRead, handleListGroups(dir, tenants, errw))},
	}
}

// Handler returns the group as one http.Handler, with request ids, trace
// ids, logging, panic recovery and authn, which establishes the caller
// (auth.FromGateway in Lambda, auth.InProcess locally and in tests). Every
// error, including unknown paths, speaks the group's dialect.
func Handler(d Deps, log *slog.Logger, authn auth.Middleware) http.Handler {
	mux := web.NewMux(web.WrapAll(Routes(d), authn), writeProblem)
	return web.Middleware(withTrace(mux), log, writeProblem)
}

// WriteError answers err in the group's dialect, as every error of the
// group is answered; the function uses it when it cannot serve at all.
func WriteError(w http.ResponseWriter, r *http.Request, err error) { writeProblem(w, r, err) }
