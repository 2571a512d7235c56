package mail_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"roster/shared/mail"
)

// failing is a Sender that refuses mail to some addresses.
type failing struct {
	mu   sync.Mutex
	sent []mail.Mail
	bad  string
}

func (f *failing) Send(_ context.Context, m mail.Mail) error {
	if m.To == f.bad {
		return errors.New("throttled")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, m)
	return nil
}

func record(id string, body any) events.SQSMessage {
	b, _ := json.Marshal(body)
	if s, ok := body.(string); ok {
		b = []byte(s)
	}
	return events.SQSMessage{MessageId: id, Body: string(b)}
}

func TestHandleReportsOnlyTheMessagesToRetry(t *testing.T) {
	sender := &failing{bad: "busy@acme.example"}
	var logs bytes.Buffer
	p := mail.NewProcessor(renderer(t), sender)
	good := reset("en")
	busy := reset("en")
	busy.Email = "busy@acme.example"
	unknown := reset("en")
	unknown.Type = "user.deleted"
	dropped := mail.Message{Type: mail.RecoveryDropped, Version: 1, ID: "d", Tenant: "acme"}
	res := p.Handle(context.Background(), slog.New(slog.NewJSONHandler(&logs, nil)), events.SQSEvent{Records: []events.SQSMessage{
		record("m1", good), record("m2", busy), record("m3", unknown), record("m4", dropped), record("m5", "{not json"),
	}})
	var failed []string
	for _, f := range res.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	slices.Sort(failed)
	if !slices.Equal(failed, []string{"m2", "m3", "m5"}) {
		t.Errorf("failures %v, want m2 (sender), m3 (unknown type), m5 (malformed)", failed)
	}
	if len(sender.sent) != 1 || sender.sent[0].To != good.Email {
		t.Errorf("sent %+v", sender.sent)
	}
	for _, secret := range []string{good.Token, good.Email, "busy@acme.example", sender.sent[0].Link} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("logs carry %q: %s", secret, logs.String())
		}
	}
}

func TestOutboxKeepsServesAndFiltersMails(t *testing.T) {
	dir := t.TempDir()
	box := mail.NewOutbox(dir)
	p := mail.NewProcessor(renderer(t), box)
	other := reset("en")
	other.Email, other.ID = "bob@acme.example", "resetid2"
	res := p.Handle(context.Background(), slog.New(slog.DiscardHandler), events.SQSEvent{Records: []events.SQSMessage{record("a", reset("en")), record("b", other)}})
	if len(res.BatchItemFailures) != 0 {
		t.Fatalf("failures %v", res.BatchItemFailures)
	}
	w := httptest.NewRecorder()
	box.ServeHTTP(w, httptest.NewRequest("GET", "/_local/outbox?to=ADA@acme.example", nil))
	var got struct{ Messages []mail.Sent }
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || w.Code != http.StatusOK {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if len(got.Messages) != 1 || got.Messages[0].To != "ada@acme.example" || !strings.Contains(got.Messages[0].Link, "token=") {
		t.Errorf("outbox for ada: %+v", got.Messages)
	}
	files, _ := os.ReadDir(dir)
	if len(files) != 2 {
		t.Errorf("%d files in the outbox folder, want 2", len(files))
	}
	w = httptest.NewRecorder()
	box.ServeHTTP(w, httptest.NewRequest("POST", "/_local/outbox", nil))
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", w.Code)
	}
}

// BenchmarkHandleBatch is the sender's cost per batch of 10 (the event
// source's batch size): decoding, rendering text and HTML, and handing
// each to a sender that keeps it, so what is measured is the function's
// own work, not SES's latency.
func BenchmarkHandleBatch(b *testing.B) {
	r, err := mail.NewRenderer("https://app.example.com")
	if err != nil {
		b.Fatal(err)
	}
	p := mail.NewProcessor(r, &failing{})
	var recs []events.SQSMessage
	for i := range 10 {
		m := reset([]string{"en", "de"}[i%2])
		m.ID = fmt.Sprint("id", i)
		recs = append(recs, record(m.ID, m))
	}
	ev := events.SQSEvent{Records: recs}
	log := slog.New(slog.DiscardHandler)
	b.ReportAllocs()
	for b.Loop() {
		if res := p.Handle(context.Background(), log, ev); len(res.BatchItemFailures) != 0 {
			b.Fatal(res.BatchItemFailures)
		}
	}
	b.ReportMetric(float64(10*b.N)/b.Elapsed().Seconds(), "mails/s")
}
