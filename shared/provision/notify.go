package provision

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"roster/shared/fault"
)

// InvitationCreated is the type of the notification that carries a
// provisioned owner's invitation to the customer's mailer.
const InvitationCreated = "invitation.created"

// Notification is one message on the notifications queue. The customer's
// mailer consumes it; Roster never sends email itself. InviteToken is a
// secret: it is sent once per delivery attempt and never logged.
type Notification struct {
	Type        string    `json:"type"`    // InvitationCreated
	Version     int       `json:"version"` // 1
	ID          string    `json:"id"`      // the invitation id: the same on every resend, the mailer's deduplication key
	EventID     string    `json:"eventId"` // the provisioning event that caused it
	Tenant      string    `json:"tenant"`
	TenantName  string    `json:"tenantName,omitempty"` // shown in the mail (decision 022)
	Email       string    `json:"email"`
	FirstName   string    `json:"firstName,omitempty"`
	LastName    string    `json:"lastName,omitempty"`
	Role        string    `json:"role"`
	InviteToken string    `json:"inviteToken"` // the invitee accepts it through the Account API (/account/invite)
	ExpiresAt   time.Time `json:"expiresAt"`
}

// Notifier delivers notifications. Notify returns fault.Unavailable when
// the notification may not have been delivered and should be sent again.
type Notifier interface {
	Notify(ctx context.Context, n Notification) error
}

// NotifierFunc adapts a function to Notifier.
type NotifierFunc func(ctx context.Context, n Notification) error

// Notify calls f.
func (f NotifierFunc) Notify(ctx context.Context, n Notification) error { return f(ctx, n) }

// Sender is the SQS call a Queue makes; *sqs.Client implements it.
type Sender interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

// Queue is a Notifier that sends each notification as one message to an
// SQS queue (NotificationsQueue in template.yaml).
type Queue struct {
	sqs Sender
	url string
}

// NewQueue returns a Notifier over the queue at url.
func NewQueue(s Sender, url string) *Queue { return &Queue{sqs: s, url: url} }

// Notify sends n. Any failure is fault.Unavailable: the event is retried,
// and its redelivery sends the same notification again.
func (q *Queue) Notify(ctx context.Context, n Notification) error {
	body, err := json.Marshal(n)
	if err != nil {
		return fault.Wrap(fmt.Errorf("marshal notification %s: %w", n.ID, err), fault.Internal, "An internal error occurred.")
	}
	s := string(body)
	if _, err := q.sqs.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &q.url, MessageBody: &s}); err != nil {
		return fault.Wrap(fmt.Errorf("send notification %s: %w", n.ID, err), fault.Unavailable,
			"The notification could not be sent; retry.")
	}
	return nil
}
