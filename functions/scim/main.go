// Command scim is the Lambda function of the SCIM 2.0 endpoint group.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"roster/shared/platform"
	"roster/shared/scim"
)

// The SCIM routes over the directory: the table, and passwords an
// identity provider sets hashed with the pepper.
//
// All of it is built in Lambda's init phase, before the first poll
// (decision 015). A configuration error exits 1; a failed build answers
// each event 503 in the SCIM error shape and is retried on the next.
func main() {
	fn := platform.MustConfigure("scim") // TABLE_NAME, SECRET_ID, LOG_LEVEL
	lambda.Start(platform.HTTPHandler(fn, (*platform.Platform).SCIM, scim.WriteError))
}
