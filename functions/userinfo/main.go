// Command userinfo is the Lambda function of the UserInfo endpoint group.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"roster/shared/auth"
	"roster/shared/lambdahttp"
	"roster/shared/platform"
	"roster/shared/userinfo"
)

// The UserInfo routes over the table; stored access tokens are sealed with
// the field key.
//
// Everything is built here, in Lambda's init phase, before the first poll
// (decision 015): a failed build answers 503 and is retried on the next
// event; a configuration error exits 1.
func main() {
	fn := platform.MustConfigure("userinfo") // TABLE_NAME, SECRET_ID, LOG_LEVEL
	ready := platform.Prepare(fn, func(p *platform.Platform) (lambdahttp.Handler, error) {
		return lambdahttp.New(p.UserInfo(auth.FromGateway)), nil // the caller is whom the authorizer verified
	})
	lambda.Start(lambdahttp.Serve(ready.Get, userinfo.WriteError, fn.Log))
}
