// Package mail owns the mail Roster sends to people: the message a service
// posts to the notifications queue (Message), the queue itself (Queue),
// the per-tenant, per-language templates that turn a message into a mail
// (Renderer), and the queue consumer that renders and hands each mail to a
// Sender (Processor): Amazon SES v2 in AWS (package mail/ses), a local
// outbox under `make run` (Outbox). A message never holds a rendered mail:
// the wording, the links and the language are the sender's, so a template
// change needs no change to the services that post.
package mail

import (
	"context"
	"log/slog"
	"time"
)

// The kinds of message. InvitationCreated is the provisioning function's
// notification of a new owner (provision.InvitationCreated), which keeps
// its token in inviteToken.
const (
	InvitationCreated  = "invitation.created"
	RecoveryRequested  = "recovery.requested"  // a reset link for a person who exists
	RecoveryUnknown    = "recovery.unknown"    // someone asked a reset for an address no user of the tenant has
	RecoveryDropped    = "recovery.dropped"    // a request that sends nothing (over the address's limit, or a user code naming nobody)
	VerificationNeeded = "verification.needed" // a link that proves an address

	EmailChangeRequested = "email.change.requested" // a link to the new address that makes it the user's
	EmailChangeNotice    = "email.change.notice"    // the old address is told a change was asked; no link
)

// Message is one notification on the queue. Token is a secret: posted once
// per attempt, never logged (LogValue leaves it out), never rendered into
// anything but the mail's link.
type Message struct {
	Type        string    `json:"type"`
	Version     int       `json:"version"`              // 1
	ID          string    `json:"id"`                   // the token's public id, or a fresh id: the sender's deduplication key
	Tenant      string    `json:"tenant"`               // tenant uid
	TenantName  string    `json:"tenantName,omitempty"` // shown in the mail; the uid when empty
	Email       string    `json:"email,omitempty"`      // the recipient; empty: nothing to send
	FirstName   string    `json:"firstName,omitempty"`
	LastName    string    `json:"lastName,omitempty"`
	Language    string    `json:"language,omitempty"` // ISO 639-1; the tenant's default template when empty or unknown
	Role        string    `json:"role,omitempty"`
	Token       string    `json:"token,omitempty"`       // reset or verification token
	InviteToken string    `json:"inviteToken,omitempty"` // invitation.created's token
	ExpiresAt   time.Time `json:"expiresAt,omitzero"`
}

// LogValue logs what identifies a message, never its token or address.
func (m Message) LogValue() slog.Value {
	return slog.GroupValue(slog.String("type", m.Type), slog.String("id", m.ID), slog.String("tenant", m.Tenant))
}

// Poster posts messages to the mail sender. Post returns fault.Unavailable
// when the message may not have been posted.
type Poster interface {
	Post(ctx context.Context, m Message) error
}

// PosterFunc adapts a function to Poster.
type PosterFunc func(ctx context.Context, m Message) error

// Post calls f.
func (f PosterFunc) Post(ctx context.Context, m Message) error { return f(ctx, m) }
