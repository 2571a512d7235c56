package provision

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/aws/aws-lambda-go/events"

	"roster/shared/fault"
	"roster/shared/platform"
)

// Handler is the provisioning function's Lambda entry point.
type Handler func(ctx context.Context, batch events.SQSEvent) (events.SQSEventResponse, error)

// Handle applies each message of a batch on its own and reports only the
// ids of those that failed, so the queue deletes the rest and one bad
// message never fails its neighbours.
//
// A failed message becomes visible again after the queue's visibility
// timeout. A transient failure (fault.Unavailable, a lost race, an
// unexpected error) then usually succeeds; a permanent one (a bad schema,
// an unknown tenant, an event id reused with another payload) never will,
// and after maxReceiveCount receives (3 in template.yaml) the queue moves it
// to the dead-letter queue. Both are logged with the reason; neither fails
// the whole invocation.
func (p *Processor) Handle(ctx context.Context, log *slog.Logger, batch events.SQSEvent) events.SQSEventResponse {
	// An empty list, not null: every message succeeded.
	resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	for _, msg := range batch.Records {
		if err := p.handleOne(ctx, log, msg); err != nil {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: msg.MessageId})
		}
	}
	return resp
}

func (p *Processor) handleOne(ctx context.Context, log *slog.Logger, msg events.SQSMessage) error {
	attrs := []any{slog.String("messageId", msg.MessageId), slog.String("receiveCount", msg.Attributes["ApproximateReceiveCount"])}
	e, err := Decode([]byte(msg.Body))
	if err == nil {
		attrs = append(attrs, slog.String("tenant", e.Tenant), slog.String("eventId", e.ID), slog.String("type", e.Type))
		var out Outcome
		if out, err = p.Apply(ctx, e); err == nil {
			log.InfoContext(ctx, "provisioning event "+string(out), attrs...)
			return nil
		}
	}
	f := fault.As(err)
	attrs = append(attrs, slog.String("code", string(f.Code)), slog.String("error", f.Error()))
	if Permanent(err) {
		log.ErrorContext(ctx, "provisioning event refused; it goes to the DLQ after maxReceiveCount receives", attrs...)
	} else {
		log.WarnContext(ctx, "provisioning event failed; it will be retried", attrs...)
	}
	return err
}

// FromEnv returns the Lambda handler. The configuration is checked now so a
// function that cannot run fails at start; the platform (clients, key
// material) is built on the first batch, once per container, and a failed
// build fails that batch as a whole (every message is retried).
func FromEnv(getenv func(string) string, logOut io.Writer) (Handler, error) {
	if _, err := platform.ConfigFromEnv(getenv); err != nil {
		return nil, err
	}
	var (
		mu   sync.Mutex
		proc *Processor
		log  *slog.Logger
	)
	return func(ctx context.Context, batch events.SQSEvent) (events.SQSEventResponse, error) {
		mu.Lock()
		if proc == nil {
			pf, err := platform.New(ctx, getenv, logOut)
			if err != nil {
				mu.Unlock()
				return events.SQSEventResponse{}, fmt.Errorf("init: %w", err)
			}
			built, err := New(pf.Table, pf.Keys.Pepper, Options{})
			if err != nil {
				mu.Unlock()
				return events.SQSEventResponse{}, fmt.Errorf("init: %w", err)
			}
			proc, log = built, pf.Log
		}
		ready, l := proc, log
		mu.Unlock()
		return ready.Handle(ctx, l, batch), nil
	}, nil
}
