// Package userinfo is the UserInfo endpoint group: look a user up by email,
// register a user, and store a user's third-party access token. Callers
// authenticate with a tenant API key in the Authorization header.
package userinfo

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
	Directory directory.Service // the tenant's users; it seals stored access tokens
}

// Routes lists every route of the group. Each takes a tenant API key (as
// the API documents) whose role grants the route's permission.
func Routes(d Deps) []web.Route {
	errw := web.WriteProblem
	need := func(p role.Permission, h http.Handler) http.Handler { return auth.Require(p, errw, auth.ViaAPIKey)(h) }
	return []web.Route{
		{Method: http.MethodGet, Path: "/UserInfo/UserId", Handler: need(role.UsersRead, handleUserID(d.Directory, errw))},
		{Method: http.MethodPost, Path: "/UserInfo/RegisterNewUser", Handler: need(role.UsersWrite, handleRegister(d.Directory, errw))},
		{Method: http.MethodPatch, Path: "/UserInfo/UpdateAccessToken", Handler: need(role.UsersWrite, handleUpdateAccessToken(d.Directory, errw))},
	}
}

// Handler returns the group as one http.Handler, with request ids, logging,
// panic recovery and authn, which establishes the caller (auth.FromGateway
// in Lambda, auth.InProcess locally and in tests).
func Handler(d Deps, log *slog.Logger, authn auth.Middleware) http.Handler {
	return web.NewHandler(web.WrapAll(Routes(d), authn), log, web.WriteProblem)
}

// WriteError answers err as the group answers every error: a problem
// details body.
func WriteError(w http.ResponseWriter, r *http.Request, err error) { web.WriteProblem(w, r, err) }
