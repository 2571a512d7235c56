package provision

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"roster/shared/fault"
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
	evs := make([]*Event, len(batch.Records))
	bad := make([]error, len(batch.Records))
	var valid []*Event
	for i, msg := range batch.Records {
		if evs[i], bad[i] = Decode([]byte(msg.Body)); bad[i] == nil {
			valid = append(valid, evs[i])
		}
	}
	bp, touched := p.forBatch(ctx, log, valid)
	for i, msg := range batch.Records {
		if err := bp.handleOne(ctx, log, msg, evs[i], bad[i]); err != nil {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: msg.MessageId})
		}
		if evs[i] != nil {
			touched(evs[i])
		}
	}
	return resp
}

// forBatch returns a processor whose reads come from one batched read of
// everything evs read first (see snapshot), and the function to call after
// each event. When the store cannot read in batches, or the batched read
// fails, events read item by item as they would alone.
func (p *Processor) forBatch(ctx context.Context, log *slog.Logger, evs []*Event) (*Processor, func(*Event)) {
	br, ok := p.st.(BatchReader)
	if !ok || len(evs) == 0 {
		return p, func(*Event) {}
	}
	snap, err := br.ReadProvisioning(ctx, readsFor(evs))
	if err != nil {
		log.WarnContext(ctx, "provisioning batch read failed; reading event by event", slog.String("error", err.Error()))
		return p, func(*Event) {}
	}
	view := &snapshot{Store: p.st, snap: snap, dirty: map[string]bool{}}
	if gbr, ok := p.st.(GroupBatchReader); ok {
		if gk, found := groupReadsFor(evs); found {
			if view.groups, err = gbr.ReadGroupProvisioning(ctx, gk); err != nil {
				log.WarnContext(ctx, "provisioning batch read of groups failed; reading them event by event", slog.String("error", err.Error()))
			}
		}
	}
	bp := *p
	bp.st = view
	return &bp, view.touched
}

func (p *Processor) handleOne(ctx context.Context, log *slog.Logger, msg events.SQSMessage, e *Event, err error) error {
	attrs := []any{slog.String("messageId", msg.MessageId), slog.String("receiveCount", msg.Attributes["ApproximateReceiveCount"])}
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

// EnvNotificationsQueue names the variable holding the URL of the queue
// that receives new owners' invitations (NotificationsQueue).
const EnvNotificationsQueue = "NOTIFICATIONS_QUEUE_URL"

// Serve returns the Lambda handler over the processor get returns: the one
// built during the container's init or, when that failed, a retry of that
// build (platform.Ready). While no build succeeds the whole batch fails, so
// the queue delivers every message again after its visibility timeout;
// nothing is lost and nothing counts as processed.
func Serve(get func(ctx context.Context) (*Processor, error), log *slog.Logger) Handler {
	return func(ctx context.Context, batch events.SQSEvent) (events.SQSEventResponse, error) {
		p, err := get(ctx)
		if err != nil {
			return events.SQSEventResponse{}, fmt.Errorf("init: %w", err)
		}
		return p.Handle(ctx, log, batch), nil
	}
}
