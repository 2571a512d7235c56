package events

import (
	"context"
	"encoding/json"
	"time"
)

// DefaultRetention is how long a tenant's audit records are kept unless
// the tenant sets otherwise (auditRetentionDays on the tenant).
const DefaultRetention = 90 * 24 * time.Hour

// Record is one entry of a tenant's audit log: an event as published
// (its CloudEvent, verbatim) and the fields the log is filtered by.
type Record struct {
	TenantID  string
	EventID   string
	Type      string
	Time      time.Time
	Actor     string
	UserID    string // the user the event is about, or ""
	Event     json.RawMessage
	ExpiresAt time.Time // when DynamoDB's TTL may drop it
}

// RecordOf is the audit record of e, kept for retention.
func RecordOf(e Event, retention time.Duration) (Record, error) {
	body, err := e.JSON()
	if err != nil {
		return Record{}, err
	}
	c := e.Cloud()
	return Record{
		TenantID: e.TenantID, EventID: e.ID, Type: e.Type, Time: c.Time, Actor: c.Actor, UserID: e.UserID,
		Event: body, ExpiresAt: c.Time.Add(retention),
	}, nil
}

// AuditQuery asks for one page of a tenant's audit log, newest first.
// From and To bound the time (To exclusive); Actor, UserID and Type, when
// set, keep only the records that match. Cursor continues a page.
type AuditQuery struct {
	TenantID string
	From, To time.Time
	Actor    string
	UserID   string
	Type     string
	Limit    int
	Cursor   string
}

// AuditPage is one page of the log. A page is one DynamoDB Query, so it
// may hold fewer than Limit records (or none, where filters drop them or
// a day has none) and still have a Next cursor; no Next means the range
// is exhausted.
type AuditPage struct {
	Records []Record
	Next    string
}

// AuditLog is where the stream's consumer keeps audit records and where
// the audit route reads them.
type AuditLog interface {
	// WriteAudit stores records; writing one again changes nothing, so a
	// redelivered batch is harmless. fault.Unavailable when the table is busy.
	WriteAudit(ctx context.Context, recs []Record) error
	// QueryAudit returns one page. fault.Invalid naming cursor when the
	// cursor is not one this log gave for the same tenant.
	QueryAudit(ctx context.Context, q AuditQuery) (AuditPage, error)
	// AuditRetention is how long the tenant keeps its records.
	AuditRetention(ctx context.Context, tenantID string) (time.Duration, error)
}
