// Package mailtest has what tests of mail-posting code share: a Poster
// that keeps what is posted.
package mailtest

import (
	"context"
	"sync"
	"testing"

	"roster/shared/mail"
)

// Box is a mail.Poster that keeps every message posted.
type Box struct {
	mu   sync.Mutex
	sent []mail.Message
}

// Post keeps m.
func (b *Box) Post(_ context.Context, m mail.Message) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sent = append(b.sent, m)
	return nil
}

// Last returns the last message posted, or fails the test.
func (b *Box) Last(t testing.TB) mail.Message {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.sent) == 0 {
		t.Fatal("no mail posted")
	}
	return b.sent[len(b.sent)-1]
}

// Count is how many messages were posted.
func (b *Box) Count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.sent)
}

// Sent returns a copy of every message posted, oldest first.
func (b *Box) Sent() []mail.Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]mail.Message(nil), b.sent...)
}
