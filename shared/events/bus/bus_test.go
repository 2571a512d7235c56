package bus_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	awsevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"roster/shared/emulator"
	"roster/shared/events"
	"roster/shared/events/bus"
)

// flaky refuses the entries fail names on the first call they appear in.
type flaky struct {
	bus.API
	calls   []int
	refused map[string]bool
	fail    func(e ebtypes.PutEventsRequestEntry) bool
}

func (f *flaky) PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, opts ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	f.calls = append(f.calls, len(in.Entries))
	out := &eventbridge.PutEventsOutput{}
	for _, e := range in.Entries {
		if f.fail(e) && !f.refused[*e.Detail] {
			f.refused[*e.Detail] = true
			out.FailedEntryCount++
			out.Entries = append(out.Entries, ebtypes.PutEventsResultEntry{ErrorCode: aws.String("InternalFailure"), ErrorMessage: aws.String("try again")})
			continue
		}
		out.Entries = append(out.Entries, ebtypes.PutEventsResultEntry{EventId: aws.String("x")})
	}
	return out, nil
}

func sample(n int) []events.Event {
	out := make([]events.Event, n)
	for i := range out {
		out[i] = events.Event{ID: fmt.Sprintf("r%d-0", i), Seq: fmt.Sprint(i), Type: events.UserCreated, TenantID: "acme",
			Subject: fmt.Sprintf("u%d", i), UserID: fmt.Sprintf("u%d", i), Time: time.Now(), Actor: "apikey:k1", Data: map[string]any{"userId": fmt.Sprintf("u%d", i)}}
	}
	return out
}

func TestTheBusPutsTenAtATimeAndRetriesRefusedEntries(t *testing.T) {
	evs := sample(23)
	f := &flaky{refused: map[string]bool{}, fail: func(e ebtypes.PutEventsRequestEntry) bool {
		var c events.CloudEvent
		_ = json.Unmarshal([]byte(*e.Detail), &c)
		return c.ID == "r4-0"
	}}
	bus := &bus.EventBridge{API: f, Name: "roster-test"}
	n, err := bus.Publish(context.Background(), evs)
	if err != nil || n != len(evs) {
		t.Fatalf("published %d, %v; want %d", n, err, len(evs))
	}
	// 10 (one refused: it and the five after it go again), 6, 10, 3.
	if want := []int{10, 6, 10, 3}; !slices.Equal(f.calls, want) {
		t.Errorf("calls of %v entries, want %v", f.calls, want)
	}
}

func TestTheBusReportsThePrefixPutWhenAnEntryKeepsFailing(t *testing.T) {
	f := &flaky{refused: map[string]bool{}}
	f.fail = func(e ebtypes.PutEventsRequestEntry) bool {
		var c events.CloudEvent
		_ = json.Unmarshal([]byte(*e.Detail), &c)
		if c.ID == "r12-0" {
			f.refused[*e.Detail] = false // refused every time
			return true
		}
		return false
	}
	n, err := (&bus.EventBridge{API: f, Name: "roster-test", Tries: 2}).Publish(context.Background(), sample(15))
	if err == nil || n != 12 {
		t.Errorf("published %d, %v; want 12 and an error", n, err)
	}
}

func TestTheBusDeliversToARuleOnMoto(t *testing.T) {
	ep := emulator.Moto(t)
	ctx := context.Background()
	cfg, err := emulator.AWSConfig(ctx, ep.URL)
	if err != nil {
		t.Fatal(err)
	}
	eb, q := eventbridge.NewFromConfig(cfg), sqs.NewFromConfig(cfg)
	name := fmt.Sprintf("roster-bus-%d", time.Now().UnixNano())
	if _, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: &name}); err != nil {
		t.Fatal(err)
	}
	queue, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: queue.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{"QueueArn"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("all"), EventBusName: &name,
		EventPattern: aws.String(`{"source":["roster"]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("all"), EventBusName: &name,
		Targets: []ebtypes.Target{{Id: aws.String("q"), Arn: aws.String(attrs.Attributes["QueueArn"])}}}); err != nil {
		t.Fatal(err)
	}
	evs := sample(12)
	if n, err := (&bus.EventBridge{API: eb, Name: name}).Publish(ctx, evs); err != nil || n != 12 {
		t.Fatalf("published %d, %v", n, err)
	}
	seen := map[string]bool{}
	for try := 0; try < 10 && len(seen) < 12; try++ {
		out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: queue.QueueUrl, MaxNumberOfMessages: 10})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			var env struct {
				DetailType string            `json:"detail-type"`
				Source     string            `json:"source"`
				Detail     events.CloudEvent `json:"detail"`
			}
			if err := json.Unmarshal([]byte(*m.Body), &env); err != nil {
				t.Fatalf("message %s: %v", *m.Body, err)
			}
			if env.Source != "roster" || env.DetailType != events.UserCreated || env.Detail.SpecVersion != "1.0" {
				t.Errorf("message = %+v", env)
			}
			seen[env.Detail.ID] = true
		}
	}
	if len(seen) != 12 {
		t.Errorf("rule delivered %d distinct events, want 12", len(seen))
	}
}

func TestAParkedRecordLandsOnTheDeadLetterQueueWithItsReason(t *testing.T) {
	ctx := context.Background()
	cfg, err := emulator.AWSConfig(ctx, emulator.Moto(t).URL)
	if err != nil {
		t.Fatal(err)
	}
	q := sqs.NewFromConfig(cfg)
	queue, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(fmt.Sprintf("events-dlq-%d", time.Now().UnixNano()))})
	if err != nil {
		t.Fatal(err)
	}
	rec := awsevents.DynamoDBEventRecord{EventID: "poison-1", EventName: "INSERT"}
	if err := (&events.DLQ{API: q, URL: *queue.QueueUrl}).Park(ctx, rec, fmt.Errorf("record poison-1: new user: bad time")); err != nil {
		t.Fatal(err)
	}
	out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: queue.QueueUrl})
	if err != nil || len(out.Messages) != 1 {
		t.Fatalf("DLQ holds %d messages: %v", len(out.Messages), err)
	}
	var parked events.Parked
	if err := json.Unmarshal([]byte(*out.Messages[0].Body), &parked); err != nil {
		t.Fatal(err)
	}
	if parked.Record.EventID != "poison-1" || parked.Reason != "record poison-1: new user: bad time" {
		t.Errorf("parked = %+v", parked)
	}
}
