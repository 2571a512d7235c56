// Command userinfo is the Lambda function of the UserInfo endpoint group.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"roster/shared/platform"
	"roster/shared/userinfo"
)

// The UserInfo routes over the table; stored access tokens are sealed with
// the field key.
//
// All of it is built in Lambda's init phase, before the first poll
// (decision 015). A configuration error exits 1; a failed build answers
// each event 503 in the group's error shape and is retried on the next.
func main() {
	fn := platform.MustConfigure("userinfo") // TABLE_NAME, SECRET_ID, LOG_LEVEL
	lambda.Start(platform.HTTPHandler(fn, (*platform.Platform).UserInfo, userinfo.WriteError))
}
