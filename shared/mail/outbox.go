package mail

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Outbox is the local stack's Sender: it keeps the last mails in memory,
// writes each to a folder as JSON, and serves them (ServeHTTP) so a
// developer can read what Roster sent without a mail server. It never
// runs in AWS.
type Outbox struct {
	mu   sync.Mutex
	sent []Sent
	dir  string
	now  func() time.Time
}

// Sent is a mail as the outbox shows it, link and token included.
type Sent struct {
	ID      string    `json:"id"`
	To      string    `json:"to"`
	Subject string    `json:"subject"`
	Text    string    `json:"text"`
	HTML    string    `json:"html"`
	Link    string    `json:"link,omitempty"`
	SentAt  time.Time `json:"sentAt"`
}

// outboxKeep bounds what the outbox holds in memory.
const outboxKeep = 500

// NewOutbox returns an outbox that also writes each mail to dir ("" for
// memory alone).
func NewOutbox(dir string) *Outbox { return &Outbox{dir: dir, now: time.Now} }

// Send keeps m.
func (o *Outbox) Send(_ context.Context, m Mail) error {
	s := Sent{ID: m.ID, To: m.To, Subject: m.Subject, Text: m.Text, HTML: m.HTML, Link: m.Link, SentAt: o.now().UTC()}
	if o.dir != "" {
		if err := os.MkdirAll(o.dir, 0o700); err != nil {
			return err
		}
		b, err := json.MarshalIndent(s, "", "  ")
		if err != nil {
			return err
		}
		name := s.SentAt.Format("20060102T150405.000000000") + "-" + strings.Map(safeName, s.ID) + ".json"
		if err := os.WriteFile(filepath.Join(o.dir, name), b, 0o600); err != nil {
			return err
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent = append(o.sent, s)
	if len(o.sent) > outboxKeep {
		o.sent = o.sent[len(o.sent)-outboxKeep:]
	}
	return nil
}

func safeName(r rune) rune {
	if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
		return r
	}
	return '_'
}

// Mails returns the mails sent to address (all when empty), newest first.
func (o *Outbox) Mails(address string) []Sent {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := []Sent{}
	for i := len(o.sent) - 1; i >= 0; i-- {
		if address == "" || strings.EqualFold(o.sent[i].To, address) {
			out = append(out, o.sent[i])
		}
	}
	return out
}

// ServeHTTP answers GET with {"messages":[...]}, newest first, those to
// the address in ?to= alone when given.
func (o *Outbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(map[string][]Sent{"messages": o.Mails(r.URL.Query().Get("to"))})
}
