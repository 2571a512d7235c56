package account

import (
	"context"
	"net/http"
	"time"

	"roster/shared/auth"
	"roster/shared/fault"
	"roster/shared/web"
	"roster/shared/webhook"
)

// WebhookAdmin registers and manages a tenant's webhooks (webhook.Admin).
type WebhookAdmin interface {
	// Register stores a new endpoint; its secret is in the answer once.
	// fault.Invalid naming url or eventTypes, fault.Conflict past the limit.
	Register(ctx context.Context, tenantID, by, url string, types []string) (*webhook.Registered, error)
	// List returns the tenant's endpoints.
	List(ctx context.Context, tenantID string) ([]*webhook.Endpoint, error)
	// SetEnabled enables or disables one. fault.NotFound.
	SetEnabled(ctx context.Context, tenantID, id string, enabled bool) (*webhook.Endpoint, error)
	// Delete removes one. fault.NotFound.
	Delete(ctx context.Context, tenantID, id string) error
	// RequestReplay asks for [from, to) of the audit log to be delivered
	// again to one; the change feed queues it. fault.NotFound.
	RequestReplay(ctx context.Context, tenantID, id, by string, from, to time.Time) (string, error)
}

type createWebhookRequest struct {
	URL        string   `json:"url"`
	EventTypes []string `json:"eventTypes"`
}

// Valid checks presence; the address and the types are the admin's.
func (r createWebhookRequest) Valid(context.Context) []fault.FieldError {
	var p []fault.FieldError
	if r.URL == "" {
		p = append(p, fault.FieldError{Field: "url", Message: "is required"})
	}
	if len(r.EventTypes) > 64 {
		p = append(p, fault.FieldError{Field: "eventTypes", Message: "must list at most 64 types"})
	}
	return p
}

type setWebhookRequest struct {
	Enabled *bool `json:"enabled"`
}

// Valid requires enabled.
func (r setWebhookRequest) Valid(context.Context) []fault.FieldError {
	if r.Enabled == nil {
		return []fault.FieldError{{Field: "enabled", Message: "is required"}}
	}
	return nil
}

type webhookResponse struct {
	WebhookID      string    `json:"webhookId"`
	URL            string    `json:"url"`
	EventTypes     []string  `json:"eventTypes"`
	Enabled        bool      `json:"enabled"`
	DisabledReason string    `json:"disabledReason,omitempty"`
	Failures       int       `json:"failures"`
	LastError      string    `json:"lastError,omitempty"`
	CreatedAt      time.Time `json:"createdAt"`
	// Secret is the signing secret, in the answer to the registration only.
	Secret string `json:"secret,omitempty"`
}

func newWebhook(e *webhook.Endpoint) webhookResponse {
	return webhookResponse{WebhookID: e.ID, URL: e.URL, EventTypes: e.Types, Enabled: e.Enabled, DisabledReason: e.DisabledReason,
		Failures: e.Failures, LastError: e.LastError, CreatedAt: e.CreatedAt.UTC()}
}

func handleCreateWebhook(a WebhookAdmin, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := ownTenant(r)
		if err != nil {
			errw(w, r, err)
			return
		}
		req, err := web.DecodeValid[createWebhookRequest](r, maxBody)
		if err != nil {
			errw(w, r, err)
			return
		}
		reg, err := a.Register(r.Context(), p.TenantID, p.Actor(), req.URL, req.EventTypes)
		if err != nil {
			errw(w, r, err)
			return
		}
		out := newWebhook(reg.Endpoint)
		out.Secret = reg.Secret
		w.Header().Set("Location", "/tenants/"+p.TenantID+"/webhooks/"+reg.Endpoint.ID)
		web.Encode(w, http.StatusCreated, out)
	})
}

func handleListWebhooks(a WebhookAdmin, errw web.ErrorWriter) http.Handler {
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
		eps, err := a.List(r.Context(), p.TenantID)
		if err != nil {
			errw(w, r, err)
			return
		}
		out := struct {
			Webhooks []webhookResponse `json:"webhooks"`
		}{Webhooks: make([]webhookResponse, 0, len(eps))}
		for _, e := range eps {
			out.Webhooks = append(out.Webhooks, newWebhook(e))
		}
		web.Encode(w, http.StatusOK, out)
	})
}

func handleSetWebhook(a WebhookAdmin, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := ownTenant(r)
		if err != nil {
			errw(w, r, err)
			return
		}
		id, err := pathUID(r, "webhookId")
		if err != nil {
			errw(w, r, err)
			return
		}
		req, err := web.DecodeValid[setWebhookRequest](r, maxBody)
		if err != nil {
			errw(w, r, err)
			return
		}
		e, err := a.SetEnabled(r.Context(), p.TenantID, id, *req.Enabled)
		if err != nil {
			errw(w, r, err)
			return
		}
		web.Encode(w, http.StatusOK, newWebhook(e))
	})
}

func handleDeleteWebhook(a WebhookAdmin, errw web.ErrorWriter) http.Handler {
	return handleRevoke("webhookId", func(ctx context.Context, p auth.Principal, id string) error {
		return a.Delete(ctx, p.TenantID, id)
	}, errw)
}

type replayRequest struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Valid checks the range: two RFC 3339 times, from before to, at most
// 400 days apart.
func (r replayRequest) Valid(context.Context) []fault.FieldError {
	from, to, p := r.times()
	if p != nil {
		return p
	}
	switch {
	case !from.Before(to):
		return []fault.FieldError{{Field: "from", Message: "must be before to"}}
	case to.Sub(from) > auditMaxRange:
		return []fault.FieldError{{Field: "from", Message: "must be at most 400 days before to"}}
	}
	return nil
}

func (r replayRequest) times() (from, to time.Time, p []fault.FieldError) {
	var err error
	if from, err = time.Parse(time.RFC3339Nano, r.From); err != nil {
		p = append(p, fault.FieldError{Field: "from", Message: "is required, a date-time as RFC 3339 writes it"})
	}
	if to, err = time.Parse(time.RFC3339Nano, r.To); err != nil {
		p = append(p, fault.FieldError{Field: "to", Message: "is required, a date-time as RFC 3339 writes it"})
	}
	return from, to, p
}

// handleReplayWebhook accepts a replay: the events of the range that the
// webhook wants are queued for it again, oldest first, each with its
// original id (at most 1,000); one event is replayed with a range around
// its time.
func handleReplayWebhook(a WebhookAdmin, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := ownTenant(r)
		if err != nil {
			errw(w, r, err)
			return
		}
		id, err := pathUID(r, "webhookId")
		if err != nil {
			errw(w, r, err)
			return
		}
		req, err := web.DecodeValid[replayRequest](r, maxBody)
		if err != nil {
			errw(w, r, err)
			return
		}
		from, to, _ := req.times()
		rid, err := a.RequestReplay(r.Context(), p.TenantID, id, p.Actor(), from, to)
		if err != nil {
			errw(w, r, err)
			return
		}
		web.Encode(w, http.StatusAccepted, struct {
			ReplayID string `json:"replayId"`
		}{rid})
	})
}
