package events_test

import (
	"context"
	"slices"
	"testing"
	"time"

	awsevents "github.com/aws/aws-lambda-go/events"

	"roster/shared/auth"
	"roster/shared/emulator"
	"roster/shared/events"
	"roster/shared/events/stream"
	"roster/shared/store"
	"roster/shared/store/storetest"
	"roster/shared/user"
)

// lagRecorder notes when each user's event was published.
type lagRecorder struct{ at map[string]time.Time }

func (l *lagRecorder) Publish(_ context.Context, evs []events.Event) (int, error) {
	now := time.Now()
	for _, e := range evs {
		if _, ok := l.at[e.Subject]; !ok {
			l.at[e.Subject] = now
		}
	}
	return len(evs), nil
}

// BenchmarkChangeFeed measures the change feed on DynamoDB Local (make
// bench): write-to-event lag (a user created, then the stream polled
// until its event is published), events per second through the processor
// on one shard (audit write included), and the write capacity the audit
// log costs per event and the deletion note per delete.
func BenchmarkChangeFeed(b *testing.B) {
	env := storetest.New(b, emulator.DynamoDB(b)[0])
	env.Tenant(b, "acme")
	rec := &lagRecorder{at: map[string]time.Time{}}
	proc := &events.Processor{Source: env.Table, Audit: env.Table, Publishers: []events.Publisher{rec}, Parker: &parker{}, Log: quiet}
	stream := &stream.Poller{API: env.Streams, StreamARN: env.StreamARN(b)}
	ctx := context.Background()
	newUser := func(i int) *user.User {
		return user.New(user.Fields{TenantID: "acme", Username: "u" + time.Now().Format("150405.000000000") + string(rune('a'+i%26)),
			Email: "", FirstName: "F", LastName: "L", Active: true, Role: "member"}, time.Now().Truncate(time.Millisecond), "apikey:k1")
	}
	// Lag: one write at a time, polled until its event is out.
	var lags []time.Duration
	b.ResetTimer()
	for i := range b.N {
		u := newUser(i)
		if err := env.Table.CreateUser(ctx, u); err != nil {
			b.Fatal(err)
		}
		wrote := time.Now()
		for {
			if _, err := stream.Poll(ctx, proc.Handle); err != nil {
				b.Fatal(err)
			}
			if at, ok := rec.at[u.ID]; ok {
				lags = append(lags, at.Sub(wrote))
				break
			}
		}
	}
	b.StopTimer()
	slices.Sort(lags)
	b.ReportMetric(float64(lags[len(lags)/2].Microseconds())/1000, "lag-p50-ms")
	b.ReportMetric(float64(lags[len(lags)*99/100].Microseconds())/1000, "lag-p99-ms")

	// Throughput: 300 users written, then their records processed at once.
	const n = 300
	for i := range n {
		if err := env.Table.CreateUser(ctx, newUser(i)); err != nil {
			b.Fatal(err)
		}
	}
	uctx, usage := store.WithUsage(ctx)
	start := time.Now()
	count := 0
	counting := func(ctx context.Context, batch awsevents.DynamoDBEvent) (awsevents.DynamoDBEventResponse, error) {
		count += len(batch.Records)
		return proc.Handle(ctx, batch)
	}
	if _, err := stream.Poll(uctx, counting); err != nil {
		b.Fatal(err)
	}
	took := time.Since(start)
	b.ReportMetric(float64(n)/took.Seconds(), "events/s")
	_, wcu := usage.Capacity()
	b.ReportMetric(wcu/float64(n), "audit-WCU/event")

	// The deletion note: a delete's capacity (its transaction holds the
	// note beside the user, its markers and its membership).
	victim := newUser(0)
	if err := env.Table.CreateUser(ctx, victim); err != nil {
		b.Fatal(err)
	}
	dctx, dusage := store.WithUsage(auth.WithPrincipal(ctx, auth.Principal{TenantID: "acme", KeyID: "k1", Method: auth.ViaAPIKey}))
	if _, err := env.Table.DeleteUsers(dctx, []*user.User{victim}); err != nil {
		b.Fatal(err)
	}
	_, del := dusage.Capacity()
	b.ReportMetric(del, "delete-WCU(incl-note)")
}
