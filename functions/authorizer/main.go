// Command authorizer is the HTTP API's Lambda authorizer: it verifies the
// API key or access token in a request and hands the tenant, user and roles
// to the function that serves the route.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"roster/shared/auth"
	"roster/shared/platform"
)

// The authenticator checks API keys against the table (hashed with the
// pepper) and access tokens against the signing keys' public halves.
//
// It is built here, in Lambda's init phase (decision 015). While a build
// fails, each request's retry of it fails too and the authorizer returns
// an error, which API Gateway answers with a 500 rather than letting the
// request through unverified; a configuration error exits 1.
func main() {
	fn := platform.MustConfigure("authorizer") // TABLE_NAME, SECRET_ID, LOG_LEVEL
	ready := platform.Prepare(fn, func(p *platform.Platform) (*auth.Authenticator, error) {
		return p.Authenticator, nil
	})
	lambda.Start(auth.GatewayAuthorizer(ready.Get, fn.Log))
}
