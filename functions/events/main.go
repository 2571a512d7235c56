// Command events is the Lambda function that consumes the table's stream:
// it turns item changes into CloudEvents, writes each tenant's audit log,
// publishes the events to the EventBridge bus and queues each tenant's
// webhook deliveries.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"roster/shared/events"
	"roster/shared/events/bus"
	"roster/shared/platform"
)

// Everything is built here, in Lambda's init phase (decision 015). While a
// build fails, each batch fails as a whole and the stream delivers it
// again; a configuration error exits 1.
func main() {
	fn := platform.MustConfigure("events", events.EnvEventBus, events.EnvEventsDLQ, events.EnvWebhookQueue)
	q := sqs.NewFromConfig(fn.AWS)
	bus := &bus.EventBridge{API: eventbridge.NewFromConfig(fn.AWS), Name: fn.Getenv(events.EnvEventBus)}
	dlq := &events.DLQ{API: q, URL: fn.Getenv(events.EnvEventsDLQ)}
	ready := platform.Prepare(fn, func(p *platform.Platform) (*events.Processor, error) {
		hooks := p.WebhookFanout(q, fn.Getenv(events.EnvWebhookQueue))
		proc := p.Events(dlq, bus, hooks)
		proc.Requests = append(proc.Requests, p.WebhookReplays(hooks))
		return proc, nil
	})
	lambda.Start(events.Serve(ready.Get))
}
