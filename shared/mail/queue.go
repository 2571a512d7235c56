package mail

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"roster/shared/fault"
)

// EnvQueue names the variable holding the notifications queue's URL
// (NotificationsQueue in template.yaml): where the Account function posts
// and the mailer reads.
const EnvQueue = "NOTIFICATIONS_QUEUE_URL"

// QueueAPI is the SQS call a Queue makes; *sqs.Client implements it.
type QueueAPI interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

// Queue posts each message as one SQS message.
type Queue struct {
	sqs QueueAPI
	url string
}

// NewQueue returns a Poster over the queue at url.
func NewQueue(q QueueAPI, url string) *Queue { return &Queue{sqs: q, url: url} }

// Post sends m. Any failure is fault.Unavailable: the caller may retry.
func (q *Queue) Post(ctx context.Context, m Message) error {
	body, err := json.Marshal(m)
	if err != nil {
		return fault.Wrap(fmt.Errorf("marshal mail %s: %w", m.ID, err), fault.Internal, "An internal error occurred.")
	}
	s := string(body)
	if _, err := q.sqs.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &q.url, MessageBody: &s}); err != nil {
		return fault.Wrap(fmt.Errorf("post mail %s: %w", m.ID, err), fault.Unavailable, "The mail could not be sent; retry.")
	}
	return nil
}
