// Command accessusers is the Lambda function of the Access User endpoint group.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"roster/shared/accessusers"
	"roster/shared/auth"
	"roster/shared/lambdahttp"
	"roster/shared/platform"
)

// The Access User routes over the directory (the table, passwords hashed
// with the pepper, Azure keys sealed with the field key), with the table's
// own search and login profiles.
//
// Everything is built here, in Lambda's init phase, before the first poll
// (decision 015): a failed build answers 503 and is retried on the next
// event; a configuration error exits 1.
func main() {
	fn := platform.MustConfigure("accessusers") // TABLE_NAME, SECRET_ID, LOG_LEVEL
	ready := platform.Prepare(fn, func(p *platform.Platform) (lambdahttp.Handler, error) {
		return lambdahttp.New(p.AccessUsers(auth.FromGateway)), nil // the caller is whom the authorizer verified
	})
	lambda.Start(lambdahttp.Serve(ready.Get, accessusers.WriteError, fn.Log))
}
