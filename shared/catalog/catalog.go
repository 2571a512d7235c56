// Package catalog lists Roster's Lambda functions as the code knows them:
// each function's logical id in template.yaml, the routes its group serves,
// and how to build its handler from a platform. The local server mounts
// functions from it, and tests hold it and template.yaml to each other.
package catalog

import (
	"net/http"
	"roster/shared/accessusers"
	"roster/shared/account"
	"roster/shared/auth"

	"roster/shared/identity"
	"roster/shared/platform"
	"roster/shared/userinfo"
	"roster/shared/users"
	"roster/shared/web"
)

// Function is one HTTP-serving Lambda function.
type Function struct {
	LogicalID string                                                                  // resource name in template.yaml
	Dir       string                                                                  // functions/<Dir> holds its main package
	Routes    []Route                                                                 // what its group serves
	Build     func(p *platform.Platform, authn auth.Middleware) (http.Handler, error) // the group's handler
}

// Route is a method and path a function serves.
type Route struct {
	Method, Path string
	Public       bool // no authorizer in front of it
}

// Functions returns every HTTP function.
func Functions() []Function {
	return []Function{
		{LogicalID: "AccessUsersFunction", Dir: "accessusers", Routes: routesOf(accessusers.Routes(accessusers.Deps{})), Build: accessusers.FromPlatform},
		{LogicalID: "AccountFunction", Dir: "account", Routes: routesOf(account.Routes(account.Deps{})), Build: account.FromPlatform},
		{LogicalID: "IdentityFunction", Dir: "identity", Routes: routesOf(identity.Routes(identity.Deps{})), Build: identity.FromPlatform},
		{LogicalID: "UsersFunction", Dir: "users", Routes: routesOf(users.Routes(users.Deps{})), Build: users.FromPlatform},
		{LogicalID: "UserInfoFunction", Dir: "userinfo", Routes: routesOf(userinfo.Routes(userinfo.Deps{})), Build: userinfo.FromPlatform},
	}
}

// routesOf keeps a group's methods and paths; its handlers, built without
// dependencies, are never called.
func routesOf(rs []web.Route) []Route {
	out := make([]Route, len(rs))
	for i, r := range rs {
		out[i] = Route{Method: r.Method, Path: r.Path, Public: r.Public}
	}
	return out
}
