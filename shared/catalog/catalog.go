// Package catalog lists Roster's Lambda functions as the code knows them:
// each function's logical id in template.yaml, the routes its group serves,
// and how to build its handler from a platform. The local server mounts
// functions from it, and tests hold it and template.yaml to each other.
package catalog

import (
	"net/http"

	"roster/shared/platform"
	"roster/shared/userinfo"
	"roster/shared/web"
)

// Function is one HTTP-serving Lambda function.
type Function struct {
	LogicalID string                                           // resource name in template.yaml
	Dir       string                                           // functions/<Dir> holds its main package
	Routes    []web.Route                                      // what its group serves (handlers unusable: built without deps)
	Build     func(p *platform.Platform) (http.Handler, error) // the group's handler
}

// Functions returns every HTTP function, in template order.
func Functions() []Function {
	return []Function{
		{LogicalID: "UserInfoFunction", Dir: "userinfo", Routes: userinfo.Routes(userinfo.Deps{}), Build: userinfo.FromPlatform},
	}
}
