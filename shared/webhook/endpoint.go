package webhook

import (
	"context"
	"time"
)

// Endpoint is a tenant's registered webhook: where deliveries go, which
// event types it wants, its signing secret (sealed at rest: in clear only
// when created and shown once, and in the sender's hands), and whether it
// still receives, with why not when it does not.
type Endpoint struct {
	TenantID       string
	ID             string
	URL            string
	Types          []string  // event types delivered; sorted, each once
	Secret         string    `json:"-"` // sealed with the field key
	Enabled        bool      // false once deliveries kept failing, until its owner enables it again
	DisabledReason string    // why it was disabled, for its owner
	Failures       int       // consecutive failed attempts
	LastError      string    // the last failed attempt's reason
	CreatedAt      time.Time // registration time
	CreatedBy      string    // who registered it
}

// Wants reports whether the endpoint takes events of typ.
func (e *Endpoint) Wants(typ string) bool {
	for _, t := range e.Types {
		if t == typ {
			return true
		}
	}
	return false
}

// Store keeps endpoints outside the tenant's user partition (HOOK#<t>);
// *store.Table implements it. Errors carry fault codes.
type Store interface {
	// PutEndpoint registers a new endpoint. fault.Conflict when the
	// tenant has the most it may.
	PutEndpoint(ctx context.Context, e *Endpoint, max int) error
	// GetEndpoint reads one. fault.NotFound.
	GetEndpoint(ctx context.Context, tenantID, id string) (*Endpoint, error)
	// Endpoints lists a tenant's endpoints (one Query).
	Endpoints(ctx context.Context, tenantID string) ([]*Endpoint, error)
	// DeleteEndpoint removes one. fault.NotFound.
	DeleteEndpoint(ctx context.Context, tenantID, id string) error
	// RecordAttempt notes an attempt's outcome: success resets the
	// failures, a failure counts one and keeps its reason; disable, when
	// set, disables the endpoint with that reason.
	RecordAttempt(ctx context.Context, tenantID, id string, ok bool, reason, disable string) error
	// SetEnabled enables or disables an endpoint by its owner's hand.
	// fault.NotFound.
	SetEnabled(ctx context.Context, tenantID, id string, enabled bool) error
}

// ReplayRequest asks for the events of [From, To) to be delivered again
// to one endpoint. It is written to the table (a request never reaches
// the queue itself) and acted on by the change feed, which holds the
// queue (Admin.Replay).
type ReplayRequest struct {
	TenantID   string
	EndpointID string
	ID         string
	From, To   time.Time
	By         string
}

// Replays stores replay requests.
type Replays interface {
	// PutReplay writes a request. fault.NotFound when the endpoint does
	// not exist.
	PutReplay(ctx context.Context, r ReplayRequest) error
}
