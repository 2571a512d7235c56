package provision

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// QueueClient is the SQS calls Poll makes; *sqs.Client implements it.
type QueueClient interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error)
}

// PollWait is how long one receive waits for messages (SQS long polling;
// at most 20 s), which bounds how long Poll takes to notice cancellation.
const PollWait = 5 * time.Second

// Poll does locally what Lambda's SQS event source does in AWS: it
// receives batches of up to 10 messages from the queue at url with long
// polling, hands each batch to handle, and deletes the messages handle did
// not report failed. A failed message becomes visible again after the
// queue's visibility timeout, and the queue's redrive policy moves it to
// its DLQ. Poll returns when ctx ends; a receive error is logged and
// retried after a pause, so a restarting emulator does not end it.
func Poll(ctx context.Context, q QueueClient, url string, log *slog.Logger,
	handle func(context.Context, events.SQSEvent) events.SQSEventResponse) error {
	for ctx.Err() == nil {
		if err := PollOnce(ctx, q, url, handle); err != nil && ctx.Err() == nil {
			log.WarnContext(ctx, "provisioning queue poll failed", slog.String("error", err.Error()))
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
	return nil
}

// PollOnce receives one batch (waiting up to PollWait), handles it and
// deletes what succeeded.
func PollOnce(ctx context.Context, q QueueClient, url string,
	handle func(context.Context, events.SQSEvent) events.SQSEventResponse) error {
	out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl: &url, MaxNumberOfMessages: 10, WaitTimeSeconds: int32(PollWait / time.Second),
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll},
	})
	if err != nil {
		return fmt.Errorf("receive from %s: %w", url, err)
	}
	if len(out.Messages) == 0 {
		return nil
	}
	batch := events.SQSEvent{Records: make([]events.SQSMessage, 0, len(out.Messages))}
	for _, m := range out.Messages {
		batch.Records = append(batch.Records, events.SQSMessage{
			MessageId: deref(m.MessageId), ReceiptHandle: deref(m.ReceiptHandle), Body: deref(m.Body),
			Attributes: m.Attributes, EventSource: "aws:sqs",
		})
	}
	failed := map[string]bool{}
	for _, f := range handle(ctx, batch).BatchItemFailures {
		failed[f.ItemIdentifier] = true
	}
	var done []sqstypes.DeleteMessageBatchRequestEntry
	for i, m := range batch.Records {
		if !failed[m.MessageId] {
			done = append(done, sqstypes.DeleteMessageBatchRequestEntry{Id: ptrTo(strconv.Itoa(i)), ReceiptHandle: ptrTo(m.ReceiptHandle)})
		}
	}
	if len(done) == 0 {
		return nil
	}
	del, err := q.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: &url, Entries: done})
	if err != nil {
		return fmt.Errorf("delete from %s: %w", url, err)
	}
	if len(del.Failed) > 0 {
		// Harmless: the message is received again and is a duplicate then.
		return errors.New("delete from " + url + ": " + strconv.Itoa(len(del.Failed)) + " messages not deleted")
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func ptrTo(s string) *string { return &s }
