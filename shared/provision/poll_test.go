package provision_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"roster/shared/emulator"
	"roster/shared/provision"
)

// motoQueue creates a queue on moto with the given attributes and deletes
// it when the test ends.
func motoQueue(t *testing.T, attrs map[string]string) (*sqs.Client, string) {
	t.Helper()
	ep := emulator.Moto(t)
	ctx := context.Background()
	cfg, err := emulator.AWSConfig(ctx, ep.URL)
	if err != nil {
		t.Fatal(err)
	}
	client := sqs.NewFromConfig(cfg)
	q, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: ptr(fmt.Sprintf("roster-test-%d", time.Now().UnixNano())), Attributes: attrs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = client.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: q.QueueUrl}) })
	return client, *q.QueueUrl
}

func TestPollDeletesHandledMessagesAndLeavesFailuresForRetry(t *testing.T) {
	client, url := motoQueue(t, map[string]string{"VisibilityTimeout": "1"})
	ctx := context.Background()
	for _, body := range []string{"good-1", "poison", "good-2"} {
		if _, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: ptr(body)}); err != nil {
			t.Fatal(err)
		}
	}
	var seen []string
	handle := func(_ context.Context, b events.SQSEvent) events.SQSEventResponse {
		resp := events.SQSEventResponse{}
		for _, m := range b.Records {
			seen = append(seen, m.Body)
			if m.Attributes["ApproximateReceiveCount"] == "" {
				t.Errorf("message %s has no receive count", m.MessageId)
			}
			if m.Body == "poison" {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
			}
		}
		return resp
	}
	for len(seen) < 3 {
		if err := provision.PollOnce(ctx, client, url, handle); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(1500 * time.Millisecond) // the failed message's visibility timeout
	left, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(left.Messages) != 1 || *left.Messages[0].Body != "poison" {
		t.Fatalf("left on the queue: %d messages, want only the failed one", len(left.Messages))
	}
}
