// Command account is the Lambda function of the Account endpoint group.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"roster/shared/account"
	"roster/shared/auth"
	"roster/shared/lambdahttp"
	"roster/shared/platform"
)

// The Account routes over the sign-in service: the table, passwords hashed
// with the pepper, access tokens issued with the signing keys, whose public
// halves the JWKS route serves.
//
// Everything is built here, in Lambda's init phase, before the first poll
// (decision 015): a failed build answers 503 and is retried on the next
// event; a configuration error exits 1.
func main() {
	fn := platform.MustConfigure("account") // TABLE_NAME, SECRET_ID, LOG_LEVEL
	ready := platform.Prepare(fn, func(p *platform.Platform) (lambdahttp.Handler, error) {
		return lambdahttp.New(p.Account(auth.FromGateway)), nil // the caller is whom the authorizer verified
	})
	lambda.Start(lambdahttp.Serve(ready.Get, account.WriteError, fn.Log))
}
