package events_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	awsevents "github.com/aws/aws-lambda-go/events"

	"roster/shared/events"
	"roster/shared/events/stream"
	"roster/shared/store/storetest"
	"roster/shared/user"
)

var quiet = slog.New(slog.NewJSONHandler(io.Discard, nil))

// recorder is a publisher that keeps what it was given and fails while
// fail says so.
type recorder struct {
	got  []events.Event
	fail func(e events.Event) bool
}

func (r *recorder) Publish(_ context.Context, evs []events.Event) (int, error) {
	for i, e := range evs {
		if r.fail != nil && r.fail(e) {
			return i, errors.New("destination down")
		}
		r.got = append(r.got, e)
	}
	return len(evs), nil
}

// parker keeps parked records.
type parker struct {
	parked []awsevents.DynamoDBEventRecord
}

func (p *parker) Park(_ context.Context, rec awsevents.DynamoDBEventRecord, _ error) error {
	p.parked = append(p.parked, rec)
	return nil
}

// records reads every stream record written so far.
func records(t *testing.T, env storetest.Env) []awsevents.DynamoDBEventRecord {
	t.Helper()
	var out []awsevents.DynamoDBEventRecord
	s := &stream.Poller{API: env.Streams, StreamARN: env.StreamARN(t)}
	if _, err := s.Poll(context.Background(), func(_ context.Context, b awsevents.DynamoDBEvent) (awsevents.DynamoDBEventResponse, error) {
		out = append(out, b.Records...)
		return awsevents.DynamoDBEventResponse{}, nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// users writes n users of tenant acme and returns them.
func users(t *testing.T, env storetest.Env, names ...string) []*user.User {
	t.Helper()
	var out []*user.User
	for _, n := range names {
		u := user.New(user.Fields{TenantID: "acme", Username: n, Email: n + "@example.com", FirstName: n, LastName: "L", Active: true, Role: "member"},
			time.Now().Truncate(time.Millisecond), "apikey:k1")
		if err := env.Table.CreateUser(context.Background(), u); err != nil {
			t.Fatal(err)
		}
		out = append(out, u)
	}
	return out
}

func ids(evs []events.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

func auditIDs(t *testing.T, env storetest.Env) []string {
	t.Helper()
	page, err := env.Table.QueryAudit(context.Background(), events.AuditQuery{
		TenantID: "acme", From: time.Now().Add(-time.Hour), To: time.Now().Add(time.Hour), Limit: 100,
	})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range page.Records {
		out = append(out, r.EventID)
	}
	return out
}

func TestAPoisonRecordIsParkedAndTheRestOfItsShardGoesOn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		env.Tenant(t, "acme")
		users(t, env, "ada", "alan")
		recs := records(t, env)
		poison := recs[len(recs)-1]
		poison.EventID = "poison"
		poison.Change.NewImage = map[string]awsevents.DynamoDBAttributeValue{
			"PK": awsevents.NewStringAttribute("TENANT#acme"), "SK": awsevents.NewStringAttribute("USER#x"),
			"createdAt": awsevents.NewStringAttribute("not a time"),
		}
		poison.Change.Keys = map[string]awsevents.DynamoDBAttributeValue{
			"PK": awsevents.NewStringAttribute("TENANT#acme"), "SK": awsevents.NewStringAttribute("USER#x"),
		}
		poison.EventName = "INSERT"
		batch := append(slices.Clone(recs[:len(recs)/2]), poison)
		batch = append(batch, recs[len(recs)/2:]...)
		pub, park := &recorder{}, &parker{}
		p := &events.Processor{Source: env.Table, Audit: env.Table, Publishers: []events.Publisher{pub}, Parker: park, Log: quiet}
		resp, err := p.Handle(context.Background(), awsevents.DynamoDBEvent{Records: batch})
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.BatchItemFailures) != 0 {
			t.Errorf("failures %v, want none: the poison record is parked", resp.BatchItemFailures)
		}
		if len(park.parked) != 1 || park.parked[0].EventID != "poison" {
			t.Errorf("parked %v, want the poison record", park.parked)
		}
		want := []string{events.TenantCreated, events.UserCreated, events.UserCreated}
		var got []string
		for _, e := range pub.got {
			got = append(got, e.Type)
		}
		if !slices.Equal(got, want) {
			t.Errorf("published %v, want %v", got, want)
		}
	})
}

func TestARedeliveredBatchCarriesTheSameIDsAndAuditsOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		env.Tenant(t, "acme")
		users(t, env, "ada", "alan", "grace")
		batch := awsevents.DynamoDBEvent{Records: records(t, env)}
		pub := &recorder{}
		p := &events.Processor{Source: env.Table, Audit: env.Table, Publishers: []events.Publisher{pub}, Parker: &parker{}, Log: quiet}
		for range 2 {
			if _, err := p.Handle(context.Background(), batch); err != nil {
				t.Fatal(err)
			}
		}
		first, second := ids(pub.got[:len(pub.got)/2]), ids(pub.got[len(pub.got)/2:])
		if !slices.Equal(first, second) || len(first) != 4 {
			t.Errorf("ids %v then %v, want the same four", first, second)
		}
		audited := auditIDs(t, env)
		slices.Sort(audited)
		slices.Sort(first)
		if !slices.Equal(audited, first) {
			t.Errorf("audit log %v, want each event once: %v", audited, first)
		}
	})
}

func TestADestinationDownReportsTheFirstUndeliveredRecordAndOrderHolds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		env.Tenant(t, "acme")
		us := users(t, env, "ada", "alan", "grace", "barbara")
		// The destination refuses the third user's creation twice.
		refusals := 2
		pub := &recorder{fail: func(e events.Event) bool {
			if e.Subject == us[2].ID && refusals > 0 {
				refusals--
				return true
			}
			return false
		}}
		p := &events.Processor{Source: env.Table, Audit: env.Table, Publishers: []events.Publisher{pub}, Parker: &parker{}, Log: quiet}
		s := &stream.Poller{API: env.Streams, StreamARN: env.StreamARN(t)}
		for try := 0; try < 5; try++ {
			if _, err := s.Poll(context.Background(), p.Handle); err == nil {
				break
			}
		}
		var got []string
		for _, e := range pub.got {
			got = append(got, e.Subject)
		}
		want := []string{"acme", us[0].ID, us[1].ID, us[2].ID, us[3].ID}
		if !slices.Equal(got, want) {
			t.Errorf("published subjects %v, want each once in write order %v", got, want)
		}
		if refusals != 0 {
			t.Errorf("destination was asked %d times fewer than expected", refusals)
		}
	})
}

func TestCloudEventsCarryTheSpecAttributes(t *testing.T) {
	e := events.Event{ID: "r1-0", Seq: "100", Type: events.UserUpdated, TenantID: "acme", Subject: "u1", UserID: "u1",
		Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Actor: "apikey:k1", RequestID: "req-1", Changed: []string{"email"},
		Data: map[string]any{"userId": "u1"}}
	b, err := e.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"specversion": "1.0", "id": "r1-0", "source": "/roster/tenants/acme", "type": "roster.user.updated",
		"subject": "u1", "time": "2026-01-02T03:04:05Z", "datacontenttype": "application/json", "tenant": "acme",
		"actor": "apikey:k1", "requestid": "req-1", "sequence": "100"}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	if d := m["data"].(map[string]any); d["changed"].([]any)[0] != "email" {
		t.Errorf("data = %v", d)
	}
}
