// Package scim is the SCIM 2.0 endpoint group (RFC 7643, RFC 7644): an
// identity provider (Okta, Microsoft Entra ID, OneLogin, JumpCloud)
// provisions a tenant's users and groups through it. It is one more
// dialect over the same users and groups as the others: every user it
// creates or changes goes through the directory (package directory), and
// its externalId is the external id event provisioning keys users by.
// This package owns the SCIM shapes: resources, filters, PATCH, lists,
// errors (application/scim+json).
package scim

import (
	"log/slog"
	"net/http"

	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/role"
	"roster/shared/web"
)

// Base is the path every SCIM route is under: the base URL an identity
// provider is given is the API's URL and Base. The tenant is the SCIM
// token's, never a part of the URL.
const Base = "/scim/v2"

// Deps are what the group needs, built once per container.
type Deps struct {
	Directory directory.Service
}

// Routes lists every route of the group. Each takes a SCIM token (an API
// key with the scim role, role.SCIMProvision) and nothing else: an
// ordinary API key or an access token is 403 here, as a SCIM token is on
// every other group's routes (auth.Require).
func Routes(d Deps) []web.Route {
	s := &server{dir: d.Directory}
	scim := func(h http.HandlerFunc) http.Handler {
		return auth.Require(role.SCIMProvision, WriteError, auth.ViaAPIKey, auth.ViaAccessToken)(h)
	}
	return []web.Route{
		{Method: http.MethodGet, Path: Base + "/Users", Handler: scim(s.listUsers)},
		{Method: http.MethodPost, Path: Base + "/Users", Handler: scim(s.createUser)},
		{Method: http.MethodPost, Path: Base + "/Users/.search", Handler: scim(s.searchUsers)},
		{Method: http.MethodGet, Path: Base + "/Users/{id}", Handler: scim(s.getUser)},
		{Method: http.MethodPut, Path: Base + "/Users/{id}", Handler: scim(s.replaceUser)},
		{Method: http.MethodPatch, Path: Base + "/Users/{id}", Handler: scim(s.patchUser)},
		{Method: http.MethodDelete, Path: Base + "/Users/{id}", Handler: scim(s.deleteUser)},
		{Method: http.MethodGet, Path: Base + "/Groups", Handler: scim(s.listGroups)},
		{Method: http.MethodPost, Path: Base + "/Groups", Handler: scim(s.createGroup)},
		{Method: http.MethodPost, Path: Base + "/Groups/.search", Handler: scim(s.searchGroups)},
		{Method: http.MethodGet, Path: Base + "/Groups/{id}", Handler: scim(s.getGroup)},
		{Method: http.MethodPut, Path: Base + "/Groups/{id}", Handler: scim(s.replaceGroup)},
		{Method: http.MethodPatch, Path: Base + "/Groups/{id}", Handler: scim(s.patchGroup)},
		{Method: http.MethodDelete, Path: Base + "/Groups/{id}", Handler: scim(s.deleteGroup)},
		{Method: http.MethodPost, Path: Base + "/.search", Handler: scim(s.search)},
		{Method: http.MethodPost, Path: Base + "/Bulk", Handler: scim(s.bulk)},
		{Method: http.MethodGet, Path: Base + "/ServiceProviderConfig", Handler: scim(s.serviceProviderConfig)},
		{Method: http.MethodGet, Path: Base + "/Schemas", Handler: scim(s.listSchemas)},
		{Method: http.MethodGet, Path: Base + "/Schemas/{id}", Handler: scim(s.getSchema)},
		{Method: http.MethodGet, Path: Base + "/ResourceTypes", Handler: scim(s.listResourceTypes)},
		{Method: http.MethodGet, Path: Base + "/ResourceTypes/{id}", Handler: scim(s.getResourceType)},
	}
}

// Handler returns the group as one http.Handler, with request ids,
// logging, panic recovery and authn, which establishes the caller
// (auth.FromGateway in Lambda, auth.InProcess locally and in tests).
// Every error, 404 and 405 included, is a SCIM error.
func Handler(d Deps, log *slog.Logger, authn auth.Middleware) http.Handler {
	return web.NewHandler(web.WrapAll(Routes(d), authn), log, WriteError)
}

// server holds the group's dependencies for its handlers.
type server struct {
	dir directory.Service
}
