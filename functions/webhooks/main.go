// Command webhooks is the Lambda function that delivers the tenants'
// webhooks from the webhook queue: signed (Standard Webhooks), guarded
// against private and metadata addresses, retried in order per user.
package main

import (
	"context"

	awsevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"roster/shared/events"
	"roster/shared/platform"
	"roster/shared/webhook"
)

// While the build fails, each batch fails as a whole and the queue
// delivers it again after its visibility timeout.
func main() {
	fn := platform.MustConfigure("webhooks", events.EnvWebhookQueue, events.EnvWebhookParked)
	q := sqs.NewFromConfig(fn.AWS)
	ready := platform.Prepare(fn, func(p *platform.Platform) (*webhook.Deliverer, error) {
		return p.Webhooks(q, &webhook.Sender{}, fn.Getenv(events.EnvWebhookQueue), fn.Getenv(events.EnvWebhookParked)), nil
	})
	lambda.Start(func(ctx context.Context, batch awsevents.SQSEvent) (awsevents.SQSEventResponse, error) {
		d, err := ready.Get(ctx)
		if err != nil {
			return awsevents.SQSEventResponse{}, err
		}
		return d.Handle(ctx, batch), nil
	})
}
