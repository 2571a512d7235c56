// Command identity is the Lambda function of the Identity endpoint group.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"roster/shared/identity"
	"roster/shared/platform"
)

// The Identity routes over the directory (the table, passwords hashed with
// the pepper, secrets sealed with the field key); the table also answers
// tenant lookups.
//
// All of it is built in Lambda's init phase, before the first poll
// (decision 015). A configuration error exits 1; a failed build answers
// each event 503 in the group's error shape and is retried on the next.
func main() {
	fn := platform.MustConfigure("identity") // TABLE_NAME, SECRET_ID, LOG_LEVEL
	lambda.Start(platform.HTTPHandler(fn, (*platform.Platform).Identity, identity.WriteError))
}
