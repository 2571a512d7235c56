// Package accessusers is the Access User endpoint group: adding, changing,
// deleting and searching a tenant's users, and setting their passwords, in
// the Access User API's dialect (numeric ids, login profiles named by
// authId, and the {timestamp, status, messageId, message} envelope for
// every reply that is not a search page), plus the administration of the
// tenant's login profiles. The rules, searching included, live in package
// directory; this package owns the HTTP shape.
package accessusers

import (
	"log/slog"
	"net/http"
	"time"

	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/loginprofile"
	"roster/shared/role"
	"roster/shared/web"
)

// Deps are what the group needs, built once per container.
type Deps struct {
	Directory directory.Service // the tenant's users: every read, search and change
	Profiles  loginprofile.Store
	Now       func() time.Time
}

// Routes lists every route of the group. Each takes an access token or a
// tenant API key whose role grants the route's permission; the directory
// checks the finer rules (privileged fields, whose password).
func Routes(d Deps) []web.Route {
	if d.Now == nil {
		d.Now = time.Now
	}
	h := &handlers{dir: d.Directory, profiles: newProfileCache(d.Profiles), now: d.Now}
	need := func(p role.Permission, next http.Handler) http.Handler {
		return auth.Require(p, writeError(d.Now), auth.ViaAccessToken, auth.ViaAPIKey)(next)
	}
	return []web.Route{
		{Method: http.MethodPost, Path: "/api/v1/accessuser/add", Handler: need(role.UsersWrite, h.add())},
		{Method: http.MethodPost, Path: "/api/v1/accessuser/update", Handler: need(role.UsersWrite, h.update())},
		// Self-service too: the handler lets a caller without users:write
		// change only their own password.
		{Method: http.MethodPost, Path: "/api/v1/accessuser/updateUserPassword", Handler: need(role.SelfWrite, h.updatePassword())},
		{Method: http.MethodDelete, Path: "/api/v1/accessuser/delete", Handler: need(role.UsersDelete, h.delete())},
		{Method: http.MethodDelete, Path: "/api/v1/accessuser/deleteByUsername", Handler: need(role.UsersDelete, h.deleteByUsername())},
		{Method: http.MethodGet, Path: "/api/v1/accessuser/search", Handler: need(role.UsersRead, h.searchUsers())},

		{Method: http.MethodGet, Path: "/api/v1/loginprofile/list", Handler: need(role.UsersRead, h.listProfiles())},
		{Method: http.MethodPost, Path: "/api/v1/loginprofile/add", Handler: need(role.TenantAdmin, h.addProfile())},
	}
}

// Handler returns the group as one http.Handler, with request ids, logging,
// panic recovery and authn, which establishes the caller (auth.FromGateway
// in Lambda, auth.InProcess locally and in tests). Every error, including
// an unknown path, is answered in the envelope.
func Handler(d Deps, log *slog.Logger, authn auth.Middleware) http.Handler {
	if d.Now == nil {
		d.Now = time.Now
	}
	errw := writeError(d.Now)
	return web.Middleware(web.NewMux(web.WrapAll(Routes(d), authn), errw), log, errw)
}

// WriteError answers err in the group's envelope, as every error of the
// group is answered; the function uses it when it cannot serve at all.
func WriteError(w http.ResponseWriter, r *http.Request, err error) { writeError(time.Now)(w, r, err) }

// handlers holds the group's dependencies for its route handlers.
type handlers struct {
	dir      directory.Service
	profiles *profileCache
	now      func() time.Time
}
