package webhook

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"roster/shared/events"
	"roster/shared/fault"
)

// Limits of a tenant's webhooks.
const (
	MaxPerTenant  = 10   // endpoints a tenant may register
	MaxURL        = 2048 // bytes of an endpoint's address
	MaxReplay     = 1000 // events one replay queues
	replayPageLen = 100
)

// Admin is what a tenant's administrator does with webhooks: register
// (the signing secret shown once), list (with each endpoint's state and
// why it was disabled), enable or disable, delete, and replay a time
// range of the audit log to one endpoint. The caller has checked the
// permission and the tenant.
type Admin struct {
	Store   Store
	Replays Replays // where replay requests are written
	Sealer  Sealer
	Guard   Guard
	Audit   events.AuditLog
	Fanout  *Fanout
	Now     func() time.Time
}

// Registered is a new endpoint with its secret in clear, shown once.
type Registered struct {
	Endpoint *Endpoint
	Secret   string
}

// Register checks and stores a new endpoint. fault.Invalid naming url or
// eventTypes; fault.Conflict past MaxPerTenant.
func (a *Admin) Register(ctx context.Context, tenantID, by, url string, types []string) (*Registered, error) {
	var probs []fault.FieldError
	if len(url) > MaxURL {
		probs = append(probs, fault.FieldError{Field: "url", Message: "must be at most 2048 bytes"})
	} else if _, err := a.Guard.CheckURL(url); err != nil {
		probs = append(probs, fault.FieldError{Field: "url", Message: strings.TrimPrefix(err.Error(), ErrRefused.Error()+": ")})
	}
	types = slices.Clone(types)
	slices.Sort(types)
	types = slices.Compact(types)
	if len(types) == 0 {
		probs = append(probs, fault.FieldError{Field: "eventTypes", Message: "must list at least one event type"})
	}
	for _, t := range types {
		if !slices.Contains(events.Types(), t) {
			probs = append(probs, fault.FieldError{Field: "eventTypes", Message: "must list only documented event types (roster.user.created, ...)"})
			break
		}
	}
	if len(probs) > 0 {
		return nil, fault.InvalidFields(probs)
	}
	secret, err := NewSecret()
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "An internal error occurred.")
	}
	id := newID()
	sealed, err := a.Sealer.Seal([]byte(secret), sealContext(tenantID, id))
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "An internal error occurred.")
	}
	ep := &Endpoint{TenantID: tenantID, ID: id, URL: url, Types: types, Secret: sealed, Enabled: true,
		CreatedAt: a.Now().UTC().Truncate(time.Second), CreatedBy: by}
	if err := a.Store.PutEndpoint(ctx, ep, MaxPerTenant); err != nil {
		return nil, err
	}
	return &Registered{Endpoint: ep, Secret: secret}, nil
}

func newID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

// List returns the tenant's endpoints.
func (a *Admin) List(ctx context.Context, tenantID string) ([]*Endpoint, error) {
	return a.Store.Endpoints(ctx, tenantID)
}

// SetEnabled enables or disables one. fault.NotFound.
func (a *Admin) SetEnabled(ctx context.Context, tenantID, id string, enabled bool) (*Endpoint, error) {
	if err := a.Store.SetEnabled(ctx, tenantID, id, enabled); err != nil {
		return nil, err
	}
	return a.Store.GetEndpoint(ctx, tenantID, id)
}

// Delete removes one. fault.NotFound.
func (a *Admin) Delete(ctx context.Context, tenantID, id string) error {
	return a.Store.DeleteEndpoint(ctx, tenantID, id)
}

// RequestReplay asks for the events of [from, to) to be delivered again
// to one endpoint: the request is written to the table and the change
// feed queues them (Replay). fault.NotFound.
func (a *Admin) RequestReplay(ctx context.Context, tenantID, id, by string, from, to time.Time) (string, error) {
	rid := newID()
	if err := a.Replays.PutReplay(ctx, ReplayRequest{TenantID: tenantID, EndpointID: id, ID: rid, From: from, To: to, By: by}); err != nil {
		return "", err
	}
	return rid, nil
}

// Replay queues, for one endpoint, the events of the audit log between
// from and to that it wants, oldest first, at most MaxReplay: what it
// missed while disabled or failing, or one event again (from and to
// around it). Each keeps its id, so a receiver that has it already
// de-duplicates. fault.NotFound; fault.Conflict for a disabled endpoint.
func (a *Admin) Replay(ctx context.Context, tenantID, id string, from, to time.Time) (int, error) {
	ep, err := a.Store.GetEndpoint(ctx, tenantID, id)
	if err != nil {
		return 0, err
	}
	if !ep.Enabled {
		return 0, fault.New(fault.Conflict, "The webhook is disabled; enable it before replaying.")
	}
	var recs []events.Record
	q := events.AuditQuery{TenantID: tenantID, From: from, To: to, Limit: replayPageLen}
	for len(recs) < MaxReplay {
		page, err := a.Audit.QueryAudit(ctx, q)
		if err != nil {
			return 0, err
		}
		for _, r := range page.Records {
			if ep.Wants(r.Type) {
				recs = append(recs, r)
			}
		}
		if page.Next == "" {
			break
		}
		q.Cursor = page.Next
	}
	if len(recs) > MaxReplay {
		recs = recs[:MaxReplay]
	}
	slices.Reverse(recs) // the log is newest first; deliveries go oldest first
	items := make([]item, 0, len(recs))
	for _, r := range recs {
		var ce struct {
			Subject string `json:"subject"`
		}
		if err := json.Unmarshal(r.Event, &ce); err != nil {
			return 0, fault.Wrap(errors.Join(errors.New("audit record unreadable"), err), fault.Internal, "An internal error occurred.")
		}
		order := r.UserID
		if order == "" {
			order = ce.Subject
		}
		items = append(items, item{id: r.EventID, typ: r.Type, tenant: tenantID, order: order, body: r.Event, eps: []*Endpoint{ep}})
	}
	n, err := a.Fanout.queue(ctx, items)
	if err != nil {
		return n, fault.Wrap(err, fault.Unavailable, "The service is busy; retry shortly.")
	}
	return n, nil
}
