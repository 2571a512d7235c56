// Command users is the Lambda function of the Users endpoint group.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"roster/shared/platform"
	"roster/shared/users"
)

// The Users routes over the directory: the table, passwords hashed with the
// pepper, Azure application keys sealed with the field key.
//
// All of it is built in Lambda's init phase, before the first poll
// (decision 015). A configuration error exits 1; a failed build answers
// each event 503 in the group's error shape and is retried on the next.
func main() {
	fn := platform.MustConfigure("users") // TABLE_NAME, SECRET_ID, LOG_LEVEL
	lambda.Start(platform.HTTPHandler(fn, (*platform.Platform).Users, users.WriteError))
}
