// Package bus publishes Roster's events to an EventBridge custom bus. Only
// the events function (and the local stack) link it, so the EventBridge
// client stays out of the other functions.
package bus

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"roster/shared/events"
)

// API is the part of the EventBridge client the bus uses.
type API interface {
	PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, opts ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

// Source is the EventBridge source of every entry Roster puts; rules
// match on it and on the detail type (the event's type).
const Source = "roster"

// maxPutEvents is EventBridge's limit on the entries of one PutEvents.
const maxPutEvents = 10

// EventBridge publishes events to an EventBridge custom bus: one entry per event,
// the CloudEvent as its detail, in PutEvents calls of at most ten. A call
// can fail entry by entry (FailedEntryCount); the failed entries are sent
// again, in order, a few times with a pause, before Publish gives up and
// reports how many from the first went through.
type EventBridge struct {
	API   API
	Name  string // the bus's name or ARN
	Tries int    // attempts per entry; 3 unless set
}

// Publish puts evs on the bus. An entry after a failed one in the same
// call may have been put already; it is put again with the failed one's
// record, with the same id, which consumers de-duplicate on.
func (b *EventBridge) Publish(ctx context.Context, evs []events.Event) (int, error) {
	tries := b.Tries
	if tries == 0 {
		tries = 3
	}
	done := 0
	for done < len(evs) {
		chunk := evs[done:min(done+maxPutEvents, len(evs))]
		entries := make([]types.PutEventsRequestEntry, len(chunk))
		for i, e := range chunk {
			body, err := e.JSON()
			if err != nil {
				return done, fmt.Errorf("event %s: %w", e.ID, err)
			}
			entries[i] = types.PutEventsRequestEntry{
				EventBusName: aws.String(b.Name), Source: aws.String(Source), DetailType: aws.String(e.Type),
				Detail: aws.String(string(body)), Time: aws.Time(e.Time), Resources: []string{},
			}
		}
		ok, err := b.put(ctx, entries, tries)
		done += ok
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

// put sends entries, retrying the failed ones, and returns how many from
// the first were put.
func (b *EventBridge) put(ctx context.Context, entries []types.PutEventsRequestEntry, tries int) (int, error) {
	pending := entries
	offset := 0 // entries before pending that were put
	for try := 1; ; try++ {
		out, err := b.API.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: pending})
		if err != nil {
			if try == tries {
				return offset, fmt.Errorf("put events: %w", err)
			}
		} else {
			first := len(pending)
			if out.FailedEntryCount > 0 {
				for i, r := range out.Entries {
					if r.ErrorCode != nil {
						first = i
						break
					}
				}
			}
			if first == len(pending) {
				return offset + first, nil
			}
			offset += first
			pending = pending[first:]
			if try == tries {
				r := out.Entries[first]
				return offset, fmt.Errorf("put events: entry refused: %s: %s", aws.ToString(r.ErrorCode), aws.ToString(r.ErrorMessage))
			}
		}
		pause := time.Duration(50<<try)*time.Millisecond + time.Duration(rand.Int64N(int64(50*time.Millisecond)))
		select {
		case <-ctx.Done():
			return offset, ctx.Err()
		case <-time.After(pause):
		}
	}
}
