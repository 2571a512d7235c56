// Package catalog lists Roster's Lambda functions as the code knows them:
// each function's logical id in template.yaml, the routes its group serves,
// and which of the composition root's builders (package platform) makes
// its handler. The local server mounts functions from it, and tests hold it
// and template.yaml to each other.
package catalog

import (
	"fmt"
	"net/http"
	"strings"

	"roster/shared/accessusers"
	"roster/shared/account"
	"roster/shared/auth"
	"roster/shared/identity"
	"roster/shared/platform"
	"roster/shared/platform/accountfn"
	"roster/shared/samtemplate"
	"roster/shared/scim"
	"roster/shared/userinfo"
	"roster/shared/users"
	"roster/shared/web"
)

// Function is one HTTP-serving Lambda function.
type Function struct {
	LogicalID string                                                         // resource name in template.yaml
	Dir       string                                                         // functions/<Dir> holds its main package
	Routes    []Route                                                        // what its group serves
	Build     func(p *platform.Platform, authn auth.Middleware) http.Handler // the group's handler, as functions/<Dir> builds it
}

// Route is a method and path a function serves.
type Route struct {
	Method, Path string
	Public       bool // no authorizer in front of it
}

// Functions returns every HTTP function.
func Functions() []Function {
	return []Function{
		{LogicalID: "AccessUsersFunction", Dir: "accessusers", Routes: routesOf(accessusers.Routes(accessusers.Deps{})), Build: (*platform.Platform).AccessUsers},
		{LogicalID: "AccountFunction", Dir: "account", Routes: routesOf(account.Routes(account.Deps{})), Build: accountfn.Account},
		{LogicalID: "IdentityFunction", Dir: "identity", Routes: routesOf(identity.Routes(identity.Deps{})), Build: (*platform.Platform).Identity},
		{LogicalID: "UsersFunction", Dir: "users", Routes: routesOf(users.Routes(users.Deps{})), Build: (*platform.Platform).Users},
		{LogicalID: "UserInfoFunction", Dir: "userinfo", Routes: routesOf(userinfo.Routes(userinfo.Deps{})), Build: (*platform.Platform).UserInfo},
		{LogicalID: "SCIMFunction", Dir: "scim", Routes: routesOf(scim.Routes(scim.Deps{})), Build: (*platform.Platform).SCIM},
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

// Handler serves the whole API in one process: each function's handler is
// mounted on the routes tpl gives it, so requests are routed exactly as API
// Gateway routes them, and the authenticator runs in process where the Lambda
// authorizer runs in AWS. The local server and the contract tests use it.
func Handler(tpl *samtemplate.Template, p *platform.Platform) (http.Handler, error) {
	byID := map[string]Function{}
	for _, f := range Functions() {
		byID[f.LogicalID] = f
	}
	authn := auth.InProcess(p.Authenticator, web.WriteProblem)
	var mounted []web.Route
	for _, tf := range tpl.Functions() {
		if len(tf.Routes) == 0 {
			continue // not an HTTP function
		}
		f, ok := byID[tf.LogicalID]
		if !ok {
			return nil, fmt.Errorf("template function %s has no handler in the code", tf.LogicalID)
		}
		// The template puts the Lambda authorizer in front of these routes;
		// here the same authenticator runs in process.
		h := f.Build(p, authn)
		for _, r := range tf.Routes {
			mounted = append(mounted, web.Route{Method: strings.ToUpper(r.Method), Path: r.Path, Handler: h})
		}
	}
	// Each function's handler has its own middleware, as in Lambda; the
	// outer mux only answers unrouted requests.
	return web.NewMux(mounted, web.WriteProblem), nil
}
