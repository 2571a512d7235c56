package events

import (
	"context"
	"fmt"

	awsevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// The events function's configuration, beside the table and the secret.
const (
	// EnvEventBus names the EventBridge bus the events go to (EventBus).
	EnvEventBus = "EVENT_BUS_NAME"
	// EnvEventsDLQ names the URL of the queue that keeps records the
	// function can never read (EventsDLQ, also the stream's on-failure
	// destination).
	EnvEventsDLQ = "EVENTS_DLQ_URL"
	// EnvWebhookQueue names the URL of the FIFO queue of webhook
	// deliveries (WebhookQueue), which the events function fills and the
	// webhooks function consumes.
	EnvWebhookQueue = "WEBHOOK_QUEUE_URL"
	// EnvWebhookParked names the URL of the queue of deliveries given up
	// on (WebhookParkedQueue).
	EnvWebhookParked = "WEBHOOK_PARKED_URL"
)

// Handler is the Lambda handler of a batch of stream records.
type Handler func(ctx context.Context, batch awsevents.DynamoDBEvent) (awsevents.DynamoDBEventResponse, error)

// Serve returns the Lambda handler over the processor get returns: the one
// built during the container's init or, when that failed, a retry of that
// build (platform.Ready). While no build succeeds the whole batch fails,
// so the stream delivers it again; nothing is lost or skipped.
func Serve(get func(ctx context.Context) (*Processor, error)) Handler {
	return func(ctx context.Context, batch awsevents.DynamoDBEvent) (awsevents.DynamoDBEventResponse, error) {
		p, err := get(ctx)
		if err != nil {
			return awsevents.DynamoDBEventResponse{}, fmt.Errorf("init: %w", err)
		}
		return p.Handle(ctx, batch)
	}
}

// SQSAPI is the part of the SQS client the dead-letter queue uses.
type SQSAPI interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, opts ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

// DLQ parks unreadable records on the events dead-letter queue.
type DLQ struct {
	API SQSAPI
	URL string
}

// Park sends the record and why it was parked.
func (q *DLQ) Park(ctx context.Context, rec awsevents.DynamoDBEventRecord, cause error) error {
	body, err := ParkedJSON(rec, cause)
	if err != nil {
		return err
	}
	s := string(body)
	if _, err := q.API.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &q.URL, MessageBody: &s}); err != nil {
		return fmt.Errorf("park record %s: %w", rec.EventID, err)
	}
	return nil
}
