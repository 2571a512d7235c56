// Command provisioning is the Lambda function that applies the events of
// the provisioning queue.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"roster/shared/platform"
	"roster/shared/provision"
)

// The processor writes through the table; a new tenant's owner is invited
// with a token derived from the pepper, sent to the notifications queue.
//
// Everything is built here, in Lambda's init phase (decision 015). While a
// build fails, each batch retries it and fails as a whole, so the queue
// delivers every message again; a configuration error exits 1.
func main() {
	fn := platform.MustConfigure("provisioning", provision.EnvNotificationsQueue)
	notifier := provision.NewQueue(sqs.NewFromConfig(fn.AWS), fn.Getenv(provision.EnvNotificationsQueue))
	ready := platform.Prepare(fn, func(p *platform.Platform) (*provision.Processor, error) {
		return p.Provisioning(notifier)
	})
	lambda.Start(provision.Serve(ready.Get, fn.Log))
}
