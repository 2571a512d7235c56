package mail

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"

	"github.com/aws/aws-lambda-go/events"
)

// Sender delivers a rendered mail: Amazon SES v2 in AWS (package
// mail/ses), an Outbox locally. An error means the mail may not have gone
// and the message is to be tried again.
type Sender interface {
	Send(ctx context.Context, m Mail) error
}

// Processor consumes the notifications queue: it renders each message
// and hands it to the sender.
type Processor struct {
	r *Renderer
	s Sender
}

// NewProcessor returns the queue's consumer over r and s.
func NewProcessor(r *Renderer, s Sender) *Processor { return &Processor{r: r, s: s} }

// Handle processes a batch (at most 10 messages, as the event source
// mapping delivers them) concurrently, and reports the messages to retry:
// those the sender failed, and those that can never be rendered (malformed,
// unknown type), which the queue's redrive policy moves to the dead-letter
// queue after their last attempt. A message with nothing to send is done.
// Tokens, addresses and bodies are never logged: a message is named by
// its type, id and tenant.
func (p *Processor) Handle(ctx context.Context, log *slog.Logger, ev events.SQSEvent) events.SQSEventResponse {
	var (
		mu     sync.Mutex
		failed = []events.SQSBatchItemFailure{} // never null: the event source reads an empty list as all done
		wg     sync.WaitGroup
	)
	for _, rec := range ev.Records {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.one(ctx, log, rec); err != nil {
				mu.Lock()
				failed = append(failed, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return events.SQSEventResponse{BatchItemFailures: failed}
}

// one processes one record.
func (p *Processor) one(ctx context.Context, log *slog.Logger, rec events.SQSMessage) error {
	var m Message
	dec := json.NewDecoder(bytes.NewReader([]byte(rec.Body)))
	if err := dec.Decode(&m); err != nil {
		log.Error("mail: undecodable message", "messageId", rec.MessageId, "error", err.Error())
		return err
	}
	out, err := p.r.Render(m)
	switch {
	case errors.Is(err, ErrNothingToSend):
		log.Info("mail: nothing to send", "mail", m)
		return nil
	case err != nil:
		log.Error("mail: cannot render", "mail", m, "error", err.Error())
		return err
	}
	if err := p.s.Send(ctx, out); err != nil {
		log.Warn("mail: send failed; retried", "mail", m, "error", err.Error())
		return err
	}
	log.Info("mail: sent", "mail", m)
	return nil
}
