package webhook

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	awsevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"roster/shared/events"
	"roster/shared/fault"
)

// QueueAPI is the part of the SQS client webhooks use.
type QueueAPI interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, opts ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
	SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, opts ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
	ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, opts ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
}

// Sealer opens and seals signing secrets (seal.Sealer).
type Sealer interface {
	Seal(plaintext []byte, context string) (string, error)
	Open(sealed, context string) ([]byte, error)
}

// sealContext binds a sealed secret to its endpoint.
func sealContext(tenantID, id string) string { return "webhook:" + tenantID + ":" + id }

// delivery is one message of the webhook queue: an event for one endpoint.
type delivery struct {
	TenantID   string          `json:"tenantId"`
	EndpointID string          `json:"endpointId"`
	EventID    string          `json:"eventId"`
	Event      json.RawMessage `json:"event"`
}

// Fanout is the change feed's publisher for webhooks: each event becomes
// one message per endpoint of its tenant that wants its type, on a FIFO
// queue whose message group is the endpoint and the user (or subject), so
// one user's events reach an endpoint in order, retries included, while
// other users' go on. The de-duplication id is the event's and endpoint's,
// so a redelivered stream record within SQS's five minutes sends nothing
// twice (and after them, the receiver de-duplicates on webhook-id).
type Fanout struct {
	Store Store
	API   QueueAPI
	URL   string // the webhook queue (FIFO)
}

// Publish queues evs' deliveries in order, ten per call.
func (f *Fanout) Publish(ctx context.Context, evs []events.Event) (int, error) {
	byTenant := map[string][]*Endpoint{}
	items := make([]item, 0, len(evs))
	for i, e := range evs {
		eps, ok := byTenant[e.TenantID]
		if !ok {
			var err error
			if eps, err = f.Store.Endpoints(ctx, e.TenantID); err != nil {
				return i, err
			}
			byTenant[e.TenantID] = eps
		}
		body, err := e.JSON()
		if err != nil {
			return i, err
		}
		order := e.UserID
		if order == "" {
			order = e.Subject
		}
		items = append(items, item{id: e.ID, typ: e.Type, tenant: e.TenantID, order: order, body: body, eps: eps})
	}
	return f.queue(ctx, items)
}

// item is one event on its way to its tenant's endpoints.
type item struct {
	id, typ, tenant, order string
	body                   []byte
	eps                    []*Endpoint
}

// queue sends each item's deliveries to the endpoints that want it, in
// order, and returns how many items, from the first, are queued.
func (f *Fanout) queue(ctx context.Context, items []item) (int, error) {
	type msg struct {
		entry sqstypes.SendMessageBatchRequestEntry
		item  int
	}
	var msgs []msg
	for i, it := range items {
		for _, ep := range it.eps {
			if !ep.Wants(it.typ) {
				continue
			}
			b, err := json.Marshal(delivery{TenantID: it.tenant, EndpointID: ep.ID, EventID: it.id, Event: it.body})
			if err != nil {
				return i, err
			}
			dedup := sha256.Sum256([]byte(it.id + "|" + ep.ID))
			msgs = append(msgs, msg{item: i, entry: sqstypes.SendMessageBatchRequestEntry{
				Id: aws.String(strconv.Itoa(len(msgs) % 10)), MessageBody: aws.String(string(b)),
				MessageGroupId: aws.String(groupID(ep.ID, it.order)), MessageDeduplicationId: aws.String(hex.EncodeToString(dedup[:])),
			}})
		}
	}
	for start := 0; start < len(msgs); start += 10 {
		chunk := msgs[start:min(start+10, len(msgs))]
		entries := make([]sqstypes.SendMessageBatchRequestEntry, len(chunk))
		for i, m := range chunk {
			entries[i] = m.entry
		}
		out, err := f.API.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &f.URL, Entries: entries})
		if err != nil {
			return chunk[0].item, fmt.Errorf("queue webhook deliveries: %w", err)
		}
		if len(out.Failed) > 0 {
			first := len(chunk)
			for _, fl := range out.Failed {
				if n, err := strconv.Atoi(aws.ToString(fl.Id)); err == nil && n < first {
					first = n
				}
			}
			return chunk[first].item, fmt.Errorf("queue webhook deliveries: %s", aws.ToString(out.Failed[0].Message))
		}
	}
	return len(items), nil
}

// groupID is the FIFO message group: at most 128 characters, which a
// hash keeps to whatever the ids are.
func groupID(endpointID, order string) string {
	g := endpointID + "." + order
	if len(g) <= 128 {
		return g
	}
	h := sha256.Sum256([]byte(g))
	return hex.EncodeToString(h[:])
}

// Retries: a failed delivery is tried again after 30 s, doubling to at
// most 6 hours, so its 14th and last attempt comes a little over a day
// after the first (30 s × (2^10 − 1) ≈ 8.5 h over the first ten waits,
// then 6 h three times); then it is parked and the endpoint disabled.
const (
	MaxAttempts = 14
	firstWait   = 30 * time.Second
	longestWait = 6 * time.Hour
)

// Backoff is the wait after failed attempt n (1-based).
func Backoff(n int) time.Duration {
	d := firstWait
	for i := 1; i < n && d < longestWait; i++ {
		d *= 2
	}
	return min(d, longestWait)
}

// Deliverer consumes the webhook queue: it signs and sends each delivery
// and, on a failure, makes the message wait (ChangeMessageVisibility) for
// the next attempt; FIFO holds the rest of the user's messages behind it,
// so order holds across retries. After MaxAttempts it parks the delivery
// (ParkedURL, with why) and disables the endpoint, whose owner sees the
// reason and can enable it and replay what it missed from the audit log.
type Deliverer struct {
	Store     Store
	Sealer    Sealer
	Sender    *Sender
	API       QueueAPI
	QueueURL  string
	ParkedURL string
	Log       *slog.Logger
	// Backoff is the wait after failed attempt n; the package's Backoff
	// unless set (tests shorten it).
	Backoff     func(n int) time.Duration
	MaxAttempts int // MaxAttempts unless set
}

// Handle delivers a batch. On FIFO queues Lambda wants the first failed
// message and every later one reported, so nothing overtakes it.
//
// The messages are taken in stream order (each event's sequence, which
// the stream raises with every change of a user), which is the order a
// FIFO group hands them out in, and which a queue that reorders messages
// made visible again (an emulator) cannot upset. After a failure, the failed
// message and the later ones of its group wait for the next attempt
// together; the later ones of other groups are released at once, so one
// failing user holds up no one else.
func (d *Deliverer) Handle(ctx context.Context, batch awsevents.SQSEvent) awsevents.SQSEventResponse {
	out := awsevents.SQSEventResponse{BatchItemFailures: []awsevents.SQSBatchItemFailure{}}
	recs := slices.Clone(batch.Records)
	seq := make(map[string]string, len(recs))
	for _, m := range recs {
		var dl struct {
			Event struct {
				Sequence string `json:"sequence"`
			} `json:"event"`
		}
		_ = json.Unmarshal([]byte(m.Body), &dl)
		seq[m.MessageId] = dl.Event.Sequence
	}
	// Each group's messages sorted among the places the group holds.
	byGroup := map[string][]awsevents.SQSMessage{}
	for _, m := range recs {
		g := m.Attributes["MessageGroupId"]
		byGroup[g] = append(byGroup[g], m)
	}
	for _, ms := range byGroup {
		slices.SortStableFunc(ms, func(a, b awsevents.SQSMessage) int {
			x, y := seq[a.MessageId], seq[b.MessageId]
			return cmp.Or(cmp.Compare(len(x), len(y)), cmp.Compare(x, y))
		})
	}
	for i, m := range recs {
		g := m.Attributes["MessageGroupId"]
		recs[i], byGroup[g] = byGroup[g][0], byGroup[g][1:]
	}
	eps := map[string]*Endpoint{}
	for i, m := range recs {
		wait, ok := d.deliver(ctx, m, eps)
		if ok {
			continue
		}
		group := m.Attributes["MessageGroupId"]
		for _, rest := range recs[i:] {
			out.BatchItemFailures = append(out.BatchItemFailures, awsevents.SQSBatchItemFailure{ItemIdentifier: rest.MessageId})
			v := int32(0)
			if rest.Attributes["MessageGroupId"] == group {
				v = wait
			}
			_, _ = d.API.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
				QueueUrl: &d.QueueURL, ReceiptHandle: aws.String(rest.ReceiptHandle), VisibilityTimeout: v,
			})
		}
		break
	}
	return out
}

// deliver handles one message and reports whether it is done with; when
// not, how long (seconds) it should wait before its next attempt.
func (d *Deliverer) deliver(ctx context.Context, m awsevents.SQSMessage, eps map[string]*Endpoint) (int32, bool) {
	var dl delivery
	if err := json.Unmarshal([]byte(m.Body), &dl); err != nil {
		return 0, d.park(ctx, m.Body, "not a delivery: "+err.Error())
	}
	k := dl.TenantID + "/" + dl.EndpointID
	ep, ok := eps[k]
	if !ok {
		var err error
		ep, err = d.Store.GetEndpoint(ctx, dl.TenantID, dl.EndpointID)
		if err != nil {
			if d.gone(err) {
				return 0, true // the webhook was deleted: nothing to deliver to
			}
			d.Log.WarnContext(ctx, "webhook endpoint not read; retrying", slog.String("error", err.Error()))
			return 0, false
		}
		eps[k] = ep
	}
	if !ep.Enabled {
		return 0, d.park(ctx, m.Body, "endpoint disabled: "+ep.DisabledReason)
	}
	secret, err := d.Sealer.Open(ep.Secret, sealContext(ep.TenantID, ep.ID))
	if err != nil {
		return 0, d.park(ctx, m.Body, "signing secret unreadable")
	}
	res := d.Sender.Send(ctx, ep.URL, string(secret), dl.EventID, dl.Event)
	if res.OK() {
		if ep.Failures > 0 {
			ep.Failures = 0
			_ = d.Store.RecordAttempt(ctx, ep.TenantID, ep.ID, true, "", "")
		}
		return 0, true
	}
	attempt, _ := strconv.Atoi(m.Attributes["ApproximateReceiveCount"])
	attempt = max(attempt, 1)
	maxAttempts := d.MaxAttempts
	if maxAttempts == 0 {
		maxAttempts = MaxAttempts
	}
	ep.Failures++
	if attempt >= maxAttempts {
		why := fmt.Sprintf("no delivery succeeded in %d attempts over a day; last: %s", attempt, res.Reason)
		ep.Enabled, ep.DisabledReason = false, why
		if err := d.Store.RecordAttempt(ctx, ep.TenantID, ep.ID, false, res.Reason, why); err != nil {
			return 0, false
		}
		return 0, d.park(ctx, m.Body, why)
	}
	_ = d.Store.RecordAttempt(ctx, ep.TenantID, ep.ID, false, res.Reason, "")
	backoff := d.Backoff
	if backoff == nil {
		backoff = Backoff
	}
	d.Log.InfoContext(ctx, "webhook delivery failed; will retry", slog.String("endpoint", ep.ID),
		slog.String("event", dl.EventID), slog.Int("attempt", attempt), slog.String("reason", res.Reason))
	return int32(backoff(attempt) / time.Second), false
}

func (d *Deliverer) gone(err error) bool { return fault.CodeOf(err) == fault.NotFound }

// park keeps a delivery that will not be made, with why; true when kept.
func (d *Deliverer) park(ctx context.Context, body, why string) bool {
	b, _ := json.Marshal(map[string]any{"reason": why, "delivery": json.RawMessage(body)})
	if !json.Valid([]byte(body)) {
		b, _ = json.Marshal(map[string]any{"reason": why, "body": body})
	}
	s := string(b)
	if _, err := d.API.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &d.ParkedURL, MessageBody: &s}); err != nil {
		d.Log.WarnContext(ctx, "webhook delivery not parked; retrying", slog.String("error", err.Error()))
		return false
	}
	return true
}
