package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	awsevents "github.com/aws/aws-lambda-go/events"

	"roster/shared/fault"
)

// Source turns one stream record into its events (store.Table.EventsOf).
// An error coded fault.Unavailable may pass on a retry; any other error
// means the record can never be read (a poison record).
type Source interface {
	EventsOf(ctx context.Context, rec awsevents.DynamoDBEventRecord) ([]Event, error)
}

// Publisher is a destination of events: the EventBridge bus, the webhook
// deliveries. Publish hands on evs in order and returns how many, from the
// first, it has handed on; fewer than len(evs) comes with the error, and
// the rest are offered again with the records they came from.
type Publisher interface {
	Publish(ctx context.Context, evs []Event) (int, error)
}

// Parker keeps a record that can never be read, with why, where a person
// can see and redrive it (the events DLQ), so it does not block its shard.
type Parker interface {
	Park(ctx context.Context, rec awsevents.DynamoDBEventRecord, cause error) error
}

// Processor consumes the table's stream: for each batch, in order, it
// turns records into events, writes their audit records, then hands them
// to each publisher. The audit write comes first and is what a record's
// success depends on with the publishers, so nothing reaches a consumer
// that the log lacks, and nothing is lost while a destination is down: the
// record is reported failed (ReportBatchItemFailures) and the stream
// delivers it and everything after it in its shard again, which rewrites
// the same audit records and publishes the same ids.
type Processor struct {
	Source     Source
	Audit      AuditLog
	Publishers []Publisher
	Parker     Parker
	Log        *slog.Logger
	// Requests act on records that are requests to the change feed
	// itself rather than changes (a webhook replay), after the batch's
	// events are published; an error retries the record like a failed
	// publication.
	Requests []func(ctx context.Context, rec awsevents.DynamoDBEventRecord) error
}

// Handle processes one batch of stream records and reports the first
// record that must be delivered again, if any: Lambda retries from it, so
// a user's events are never published out of order.
func (p *Processor) Handle(ctx context.Context, batch awsevents.DynamoDBEvent) (awsevents.DynamoDBEventResponse, error) {
	var (
		evs    []Event
		origin []int // evs[i] came from batch.Records[origin[i]]
		failAt = len(batch.Records)
	)
	for i, rec := range batch.Records {
		got, err := p.Source.EventsOf(ctx, rec)
		if err == nil {
			err = validate(got)
		}
		switch {
		case err == nil:
		case fault.CodeOf(err) == fault.Unavailable || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
			p.Log.WarnContext(ctx, "stream record not read; it will be retried", slog.String("eventID", rec.EventID), slog.String("error", err.Error()))
			failAt = i
		default:
			p.Log.ErrorContext(ctx, "stream record cannot be read; parked", slog.String("eventID", rec.EventID), slog.String("error", err.Error()))
			if perr := p.Parker.Park(ctx, rec, err); perr != nil {
				p.Log.ErrorContext(ctx, "stream record could not be parked; it will be retried", slog.String("eventID", rec.EventID), slog.String("error", perr.Error()))
				failAt = i
			}
			continue
		}
		if failAt < len(batch.Records) {
			break
		}
		for range got {
			origin = append(origin, i)
		}
		evs = append(evs, got...)
	}
	if len(evs) > 0 {
		if err := p.audit(ctx, evs); err != nil {
			p.Log.WarnContext(ctx, "audit write failed; the batch will be retried", slog.String("error", err.Error()))
			failAt = origin[0]
		}
	}
	for _, pub := range p.Publishers {
		todo := upTo(evs, origin, failAt)
		if len(todo) == 0 {
			break
		}
		n, err := pub.Publish(ctx, todo)
		if err != nil {
			p.Log.WarnContext(ctx, "publish failed; the rest of the batch will be retried",
				slog.Int("published", n), slog.String("error", err.Error()))
			failAt = min(failAt, originOr(origin, n, failAt))
		}
	}
	for i, rec := range batch.Records {
		if i >= failAt {
			break
		}
		for _, act := range p.Requests {
			if err := act(ctx, rec); err != nil {
				p.Log.WarnContext(ctx, "request on the stream failed; it will be retried", slog.String("eventID", rec.EventID), slog.String("error", err.Error()))
				failAt = i
				break
			}
		}
	}
	// An empty list, not null: Lambda reads null as "no report" too, but
	// the answer then says what it means.
	out := awsevents.DynamoDBEventResponse{BatchItemFailures: []awsevents.DynamoDBBatchItemFailure{}}
	if failAt < len(batch.Records) {
		out.BatchItemFailures = []awsevents.DynamoDBBatchItemFailure{{ItemIdentifier: batch.Records[failAt].Change.SequenceNumber}}
	}
	return out, nil
}

// originOr is the record events[n] came from, or def past the end.
func originOr(origin []int, n, def int) int {
	if n < len(origin) {
		return origin[n]
	}
	return def
}

// upTo returns the events of the records before failAt.
func upTo(evs []Event, origin []int, failAt int) []Event {
	for i, o := range origin {
		if o >= failAt {
			return evs[:i]
		}
	}
	return evs
}

func validate(evs []Event) error {
	for _, e := range evs {
		if err := e.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// audit writes the events' audit records, each tenant's kept for that
// tenant's retention.
func (p *Processor) audit(ctx context.Context, evs []Event) error {
	keep := map[string]time.Duration{}
	recs := make([]Record, 0, len(evs))
	for _, e := range evs {
		d, ok := keep[e.TenantID]
		if !ok {
			var err error
			if d, err = p.Audit.AuditRetention(ctx, e.TenantID); err != nil {
				return err
			}
			keep[e.TenantID] = d
		}
		r, err := RecordOf(e, d)
		if err != nil {
			return fmt.Errorf("audit record of %s: %w", e.ID, err)
		}
		recs = append(recs, r)
	}
	return p.Audit.WriteAudit(ctx, recs)
}

// Parked is what the events DLQ holds for a record parked by the
// processor: the record itself and why it could not be read. Lambda's
// own on-failure destination adds, beside these, the batch metadata of
// records whose retries ran out.
type Parked struct {
	Reason string                        `json:"reason"`
	Record awsevents.DynamoDBEventRecord `json:"record"`
}

// ParkedJSON is the DLQ message for rec.
func ParkedJSON(rec awsevents.DynamoDBEventRecord, cause error) ([]byte, error) {
	return json.Marshal(Parked{Reason: cause.Error(), Record: rec})
}
