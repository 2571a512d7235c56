package webhook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	awsevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"roster/shared/emulator"
	"roster/shared/events"
	"roster/shared/events/stream"
	"roster/shared/provision"
	"roster/shared/seal"
	"roster/shared/store"
	"roster/shared/store/storetest"
	"roster/shared/webhook"
)

// receiver is a webhook endpoint that fails its first refusals deliveries
// and keeps, in arrival order, the ids of those it accepts, each checked
// against the signing secret.
type receiver struct {
	mu       sync.Mutex
	secret   string
	refusals int
	got      []string
	bad      int
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if webhook.Verify(r.secret, req.Header, body, time.Now()) != nil {
		r.bad++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if r.refusals > 0 {
		r.refusals--
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	var ce events.CloudEvent
	_ = json.Unmarshal(body, &ce)
	r.got = append(r.got, ce.ID)
	w.WriteHeader(http.StatusOK)
}

type rig struct {
	env    storetest.Env
	q      *sqs.Client
	url    string
	parked string
	fan    *webhook.Fanout
	del    *webhook.Deliverer
}

func newRig(t testing.TB, maxAttempts int) *rig {
	t.Helper()
	env := storetest.New(t, emulator.DynamoDB(t)[0])
	cfg, err := emulator.AWSConfig(context.Background(), emulator.Moto(t).URL)
	if err != nil {
		t.Fatal(err)
	}
	q := sqs.NewFromConfig(cfg)
	name := fmt.Sprintf("hooks-%d", time.Now().UnixNano())
	fifo, err := q.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String(name + ".fifo"),
		Attributes: map[string]string{"FifoQueue": "true", "VisibilityTimeout": "30"}})
	if err != nil {
		t.Fatal(err)
	}
	parked, err := q.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String(name + "-parked")})
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := seal.New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{env: env, q: q, url: *fifo.QueueUrl, parked: *parked.QueueUrl}
	r.fan = &webhook.Fanout{Store: env.Table, API: q, URL: r.url}
	r.del = &webhook.Deliverer{Store: env.Table, Sealer: sealer, API: q, QueueURL: r.url, ParkedURL: r.parked,
		Sender: &webhook.Sender{Guard: webhook.Guard{AllowLoopback: true}, Timeout: time.Second},
		Log:    slog.New(slog.NewJSONHandler(io.Discard, nil)), Backoff: func(int) time.Duration { return 0 }, MaxAttempts: maxAttempts}
	env.Tenant(t, "acme")
	return r
}

func (r *rig) register(t testing.TB, url string, sealer webhook.Sealer) string {
	t.Helper()
	secret, _ := webhook.NewSecret()
	sealed, err := sealer.Seal([]byte(secret), "webhook:acme:ep1")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.env.Table.PutEndpoint(context.Background(), &webhook.Endpoint{TenantID: "acme", ID: "ep1", URL: url,
		Types: events.Types(), Secret: sealed, CreatedAt: time.Now()}, 10); err != nil {
		t.Fatal(err)
	}
	return secret
}

// drain polls the queue until it is empty or tries run out.
func (r *rig) drain(t testing.TB, tries int) {
	t.Helper()
	for range tries {
		if err := provision.PollOnce(context.Background(), r.q, r.url, r.del.Handle); err != nil {
			t.Fatal(err)
		}
		attrs, _ := r.q.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: &r.url,
			AttributeNames: []sqstypes.QueueAttributeName{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"}})
		if attrs != nil && attrs.Attributes["ApproximateNumberOfMessages"] == "0" && attrs.Attributes["ApproximateNumberOfMessagesNotVisible"] == "0" {
			return
		}
	}
}

func userEvents(users []string, per int) []events.Event {
	var out []events.Event
	for i := range per {
		for _, u := range users {
			out = append(out, events.Event{ID: fmt.Sprintf("%s-%d", u, i), Seq: fmt.Sprint(i), Type: events.UserUpdated, TenantID: "acme",
				Subject: u, UserID: u, Time: time.Now(), Actor: "apikey:k1", Data: map[string]any{"userId": u}})
		}
	}
	return out
}

func TestAReceiverThatFailsForAWhileGetsEverythingInOrderPerUser(t *testing.T) {
	r := newRig(t, 20)
	sealer, _ := seal.New(make([]byte, 32))
	rec := &receiver{refusals: 3}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	rec.secret = r.register(t, srv.URL, sealer)
	evs := userEvents([]string{"ada", "alan"}, 4)
	if n, err := r.fan.Publish(context.Background(), evs); err != nil || n != len(evs) {
		t.Fatalf("queued %d: %v", n, err)
	}
	// A redelivered stream record queues nothing twice.
	if _, err := r.fan.Publish(context.Background(), evs[:2]); err != nil {
		t.Fatal(err)
	}
	r.drain(t, 30)
	if rec.bad != 0 {
		t.Errorf("%d deliveries did not verify", rec.bad)
	}
	for _, u := range []string{"ada", "alan"} {
		var mine []string
		for _, id := range rec.got {
			if id[:len(u)] == u {
				mine = append(mine, id)
			}
		}
		want := []string{u + "-0", u + "-1", u + "-2", u + "-3"}
		if !slices.Equal(mine, want) {
			t.Errorf("%s's events arrived as %v, want each once in order %v (all: %v)", u, mine, want, rec.got)
		}
	}
	ep, err := r.env.Table.GetEndpoint(context.Background(), "acme", "ep1")
	if err != nil || !ep.Enabled || ep.Failures != 0 {
		t.Errorf("endpoint after recovery = %+v, %v", ep, err)
	}
}

func TestAnEndpointThatKeepsFailingIsDisabledWithItsReasonAndItsDeliveriesParked(t *testing.T) {
	r := newRig(t, 3)
	sealer, _ := seal.New(make([]byte, 32))
	rec := &receiver{refusals: 1000}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	rec.secret = r.register(t, srv.URL, sealer)
	if _, err := r.fan.Publish(context.Background(), userEvents([]string{"ada"}, 2)); err != nil {
		t.Fatal(err)
	}
	r.drain(t, 20)
	ep, err := r.env.Table.GetEndpoint(context.Background(), "acme", "ep1")
	if err != nil || ep.Enabled || ep.DisabledReason == "" || ep.LastError != "answered 503" {
		t.Fatalf("endpoint = %+v, %v; want disabled with its reason", ep, err)
	}
	out, err := r.q.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: &r.parked, MaxNumberOfMessages: 10})
	if err != nil || len(out.Messages) != 2 {
		t.Fatalf("parked %d deliveries, want both: %v", len(out.Messages), err)
	}
}

func TestBackoffReachesADayWithinTheAttempts(t *testing.T) {
	var total time.Duration
	for n := 1; n < webhook.MaxAttempts; n++ {
		total += webhook.Backoff(n)
	}
	if total < 24*time.Hour || webhook.Backoff(webhook.MaxAttempts) > 12*time.Hour {
		t.Errorf("retries span %v (want at least a day), longest wait %v (SQS allows 12 h)", total, webhook.Backoff(webhook.MaxAttempts))
	}
}

// TestAReplayRequestReachesTheFeedAndRedeliversTheRangeOldestFirst: the
// request written by the route comes back on the stream, and its range of
// the audit log is delivered again with the original ids, oldest first.
func TestAReplayRequestReachesTheFeedAndRedeliversTheRangeOldestFirst(t *testing.T) {
	r := newRig(t, 20)
	sealer, _ := seal.New(make([]byte, 32))
	rec := &receiver{}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	rec.secret = r.register(t, srv.URL, sealer)
	ctx := context.Background()
	base := time.Now().Add(-time.Hour).UTC()
	var recs []events.Record
	for i, e := range userEvents([]string{"ada"}, 3) {
		e.Time = base.Add(time.Duration(i) * time.Minute)
		rc, err := events.RecordOf(e, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rc)
	}
	if err := r.env.Table.WriteAudit(ctx, recs); err != nil {
		t.Fatal(err)
	}
	admin := &webhook.Admin{Store: r.env.Table, Replays: r.env.Table, Audit: r.env.Table, Fanout: r.fan}
	if _, err := admin.RequestReplay(ctx, "acme", "ep1", "user:boss", base.Add(-time.Minute), time.Now()); err != nil {
		t.Fatal(err)
	}
	var req webhook.ReplayRequest
	s := &stream.Poller{API: r.env.Streams, StreamARN: r.env.StreamARN(t)}
	if _, err := s.Poll(ctx, func(_ context.Context, b awsevents.DynamoDBEvent) (awsevents.DynamoDBEventResponse, error) {
		for _, rec := range b.Records {
			if got, ok, err := store.ReplayOf(rec); err != nil {
				t.Fatal(err)
			} else if ok {
				req = got
			}
		}
		return awsevents.DynamoDBEventResponse{}, nil
	}); err != nil {
		t.Fatal(err)
	}
	if req.EndpointID != "ep1" || req.By != "user:boss" {
		t.Fatalf("replay request on the stream = %+v", req)
	}
	n, err := admin.Replay(ctx, req.TenantID, req.EndpointID, req.From, req.To)
	if err != nil || n != 3 {
		t.Fatalf("replayed %d: %v", n, err)
	}
	r.drain(t, 10)
	if want := []string{"ada-0", "ada-1", "ada-2"}; !slices.Equal(rec.got, want) {
		t.Errorf("replay delivered %v, want %v", rec.got, want)
	}
}
