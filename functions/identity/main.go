// Command identity is the Lambda function of the Identity endpoint group.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"roster/shared/auth"
	"roster/shared/identity"
	"roster/shared/lambdahttp"
	"roster/shared/platform"
)

// The Identity routes over the directory (the table, passwords hashed with
// the pepper, secrets sealed with the field key); the table also answers
// tenant lookups.
//
// Everything is built here, in Lambda's init phase, before the first poll
// (decision 015): a failed build answers 503 and is retried on the next
// event; a configuration error exits 1.
func main() {
	fn := platform.MustConfigure("identity") // TABLE_NAME, SECRET_ID, LOG_LEVEL
	ready := platform.Prepare(fn, func(p *platform.Platform) (lambdahttp.Handler, error) {
		return lambdahttp.New(p.Identity(auth.FromGateway)), nil // the caller is whom the authorizer verified
	})
	lambda.Start(lambdahttp.Serve(ready.Get, identity.WriteError, fn.Log))
}
