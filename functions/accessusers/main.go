// Command accessusers is the Lambda function of the Access User endpoint group.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"roster/shared/accessusers"
	"roster/shared/platform"
)

// The Access User routes over the directory (the table, passwords hashed
// with the pepper, Azure keys sealed with the field key), with the table's
// own search and login profiles.
//
// All of it is built in Lambda's init phase, before the first poll
// (decision 015). A configuration error exits 1; a failed build answers
// each event 503 in the group's error shape and is retried on the next.
func main() {
	fn := platform.MustConfigure("accessusers") // TABLE_NAME, SECRET_ID, LOG_LEVEL
	lambda.Start(platform.HTTPHandler(fn, (*platform.Platform).AccessUsers, accessusers.WriteError))
}
