package account

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"roster/shared/check"
	"roster/shared/events"
	"roster/shared/fault"
	"roster/shared/web"
)

// AuditReader reads a tenant's audit log and sets how long it is kept
// (store.Table).
type AuditReader interface {
	// QueryAudit returns one page, newest first. fault.Invalid naming
	// cursor for a cursor the log did not give for this query.
	QueryAudit(ctx context.Context, q events.AuditQuery) (events.AuditPage, error)
	// SetAuditRetention keeps the tenant's new records days days.
	// fault.NotFound.
	SetAuditRetention(ctx context.Context, tenantID string, days int) error
}

// Retention bounds: a day to a year.
const maxRetentionDays = 365

type retentionRequest struct {
	RetentionDays int `json:"retentionDays"`
}

// Valid checks the retention is 1 to 365 days.
func (r retentionRequest) Valid(context.Context) []fault.FieldError {
	if r.RetentionDays < 1 || r.RetentionDays > maxRetentionDays {
		return []fault.FieldError{{Field: "retentionDays", Message: "must be an integer from 1 to 365"}}
	}
	return nil
}

// handleAuditRetention sets how long the tenant's audit records are kept
// from now on (records already written keep their expiry).
func handleAuditRetention(log AuditReader, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := ownTenant(r)
		if err != nil {
			errw(w, r, err)
			return
		}
		req, err := web.DecodeValid[retentionRequest](r, maxBody)
		if err != nil {
			errw(w, r, err)
			return
		}
		if err := log.SetAuditRetention(r.Context(), p.TenantID, req.RetentionDays); err != nil {
			errw(w, r, err)
			return
		}
		web.Encode(w, http.StatusOK, req)
	})
}

// Audit query bounds: a page is 1 to 100 records (50 by default), a range
// at most 400 days (the longest retention a tenant can set is 365), and
// the default range the last 90 days, the default retention.
const (
	auditDefaultLimit = 50
	auditMaxLimit     = 100
	auditMaxRange     = 400 * 24 * time.Hour
	auditMaxCursor    = 512
	auditMaxFilter    = 128
)

type auditResponse struct {
	// Events are the CloudEvents as published, newest first.
	Events     []json.RawMessage `json:"events"`
	NextCursor string            `json:"nextCursor,omitempty"`
}

// handleAudit answers one page of the caller's tenant's audit log. A page
// is one Query of the log, so it may hold fewer events than limit (or
// none) and still have a nextCursor; its absence means the range is done.
func handleAudit(log AuditReader, now func() time.Time, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := ownTenant(r)
		if err != nil {
			errw(w, r, err)
			return
		}
		if err := web.NoBody(r, maxEmptyBody); err != nil {
			errw(w, r, err)
			return
		}
		q, err := auditQuery(r.URL.RawQuery, now())
		if err != nil {
			errw(w, r, err)
			return
		}
		q.TenantID = p.TenantID
		page, err := log.QueryAudit(r.Context(), q)
		if err != nil {
			errw(w, r, err)
			return
		}
		out := auditResponse{Events: make([]json.RawMessage, 0, len(page.Records)), NextCursor: page.Next}
		for _, rec := range page.Records {
			out.Events = append(out.Events, rec.Event)
		}
		web.Encode(w, http.StatusOK, out)
	})
}

// auditQuery reads from, to (RFC 3339), actor, userId, type, limit and
// cursor. Anything else, a repeated parameter or a value out of range is
// 400 naming the parameter.
func auditQuery(raw string, now time.Time) (events.AuditQuery, error) {
	q := events.AuditQuery{Limit: auditDefaultLimit, To: now.Add(time.Second)}
	vals, err := url.ParseQuery(raw)
	if err != nil {
		return q, fault.InvalidField("query", "is not a valid query string")
	}
	var p []fault.FieldError
	bad := func(k, msg string) { p = append(p, fault.FieldError{Field: k, Message: msg}) }
	for _, k := range slices.Sorted(maps.Keys(vals)) {
		v := vals[k]
		if len(v) > 1 {
			bad(k, "must be given at most once")
			continue
		}
		switch k {
		case "from", "to":
			t, err := time.Parse(time.RFC3339Nano, v[0])
			if err != nil {
				bad(k, "must be a date-time as RFC 3339 writes it, e.g. 2026-01-02T15:04:05Z")
				continue
			}
			if k == "from" {
				q.From = t
			} else {
				q.To = t
			}
		case "actor", "userId", "type":
			if probs := check.Text(k, v[0], auditMaxFilter, true); probs != nil {
				p = append(p, probs...)
				continue
			}
			switch k {
			case "actor":
				q.Actor = v[0]
			case "userId":
				q.UserID = v[0]
			default:
				if !slices.Contains(events.Types(), v[0]) {
					bad(k, "must be one of the documented event types (roster.user.created, ...)")
					continue
				}
				q.Type = v[0]
			}
		case "limit":
			n, err := strconv.Atoi(v[0])
			if err != nil || n < 1 || n > auditMaxLimit {
				bad(k, "must be an integer from 1 to "+strconv.Itoa(auditMaxLimit))
				continue
			}
			q.Limit = n
		case "cursor":
			if v[0] == "" || len(v[0]) > auditMaxCursor {
				bad(k, "must be the nextCursor of a previous page")
				continue
			}
			q.Cursor = v[0]
		default:
			bad(k, "is not a known parameter (from, to, actor, userId, type, limit, cursor)")
		}
	}
	if len(p) > 0 {
		return q, fault.InvalidFields(p)
	}
	if q.From.IsZero() {
		q.From = q.To.Add(-events.DefaultRetention)
	}
	switch {
	case !q.From.Before(q.To):
		return q, fault.InvalidField("from", "must be before to")
	case q.To.Sub(q.From) > auditMaxRange:
		return q, fault.InvalidField("from", "must be at most 400 days before to")
	}
	return q, nil
}
