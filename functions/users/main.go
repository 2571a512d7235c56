// Command users is the Lambda function of the Users endpoint group.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"roster/shared/auth"
	"roster/shared/lambdahttp"
	"roster/shared/platform"
	"roster/shared/users"
)

// The Users routes over the directory: the table, passwords hashed with the
// pepper, Azure application keys sealed with the field key.
//
// Everything is built here, in Lambda's init phase, before the first poll
// (decision 015): a failed build answers 503 and is retried on the next
// event; a configuration error exits 1.
func main() {
	fn := platform.MustConfigure("users") // TABLE_NAME, SECRET_ID, LOG_LEVEL
	ready := platform.Prepare(fn, func(p *platform.Platform) (lambdahttp.Handler, error) {
		return lambdahttp.New(p.Users(auth.FromGateway)), nil // the caller is whom the authorizer verified
	})
	lambda.Start(lambdahttp.Serve(ready.Get, users.WriteError, fn.Log))
}
