// Package users is the Users endpoint group: a cloud manager's
// administration of the users of its tenant (create, read, list, change,
// delete, and set a user's role, assigned working environments and Azure
// credentials). The rules live in package directory; this package owns the
// HTTP shape of the Users API.
package users

import (
	"log/slog"
	"net/http"

	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/role"
	"roster/shared/web"
)

// Deps are what the group needs, built once per container.
type Deps struct {
	Service directory.Service
}

// Routes lists every route of the group. Each takes an access token or a
// tenant API key whose role grants the route's permission; fields that
// need more (an LDAP name, a role other than member) are checked by the
// handler as well as by the service.
func Routes(d Deps) []web.Route {
	s, errw := d.Service, web.WriteProblemWithChallenge
	admin := func(p role.Permission, h http.Handler) http.Handler {
		return auth.Require(p, errw, auth.ViaAccessToken, auth.ViaAPIKey)(h)
	}
	return []web.Route{
		{Method: http.MethodPost, Path: "/users", Handler: admin(role.UsersWrite, handleCreate(s, errw))},
		{Method: http.MethodGet, Path: "/users", Handler: admin(role.UsersRead, handleList(s, errw))},
		{Method: http.MethodGet, Path: "/users/{userId}", Handler: admin(role.UsersRead, handleGet(s, errw))},
		{Method: http.MethodPut, Path: "/users/{userId}", Handler: admin(role.UsersWrite, handleUpdate(s, errw))},
		{Method: http.MethodDelete, Path: "/users/{userId}", Handler: admin(role.UsersDelete, handleDelete(s, errw))},
		{Method: http.MethodPut, Path: "/users/{userId}/role", Handler: admin(role.UsersPrivileged, handleSetRole(s, errw))},
		{Method: http.MethodPut, Path: "/users/{userId}/working-environments", Handler: admin(role.UsersWrite, handleSetWorkingEnvironments(s, errw))},
		{Method: http.MethodPut, Path: "/users/{userId}/azure-credentials", Handler: admin(role.UsersWrite, handleSetAzureCredentials(s, errw))},
	}
}

// Handler returns the group as one http.Handler, with request ids, logging,
// panic recovery and authn, which establishes the caller (auth.FromGateway
// in Lambda, auth.InProcess locally and in tests).
func Handler(d Deps, log *slog.Logger, authn auth.Middleware) http.Handler {
	return web.NewHandler(web.WrapAll(Routes(d), authn), log, web.WriteProblemWithChallenge)
}

// WriteError answers err as the group answers every error: a problem
// details body, with the bearer challenge on a 401.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	web.WriteProblemWithChallenge(w, r, err)
}
