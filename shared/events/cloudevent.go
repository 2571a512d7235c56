package events

import (
	"encoding/json"
	"time"
)

// SpecVersion is the CloudEvents version of every event Roster sends.
const SpecVersion = "1.0"

// CloudEvent is an event in CloudEvents 1.0 structured JSON mode: the
// spec's required attributes (specversion, id, source, type), the optional
// ones Roster fills (subject, time, datacontenttype), Roster's extension
// attributes (lower-case letters only, as the spec requires) and the data.
// The CloudEvents Go SDK is not among the modules this project can fetch,
// and the format is a dozen fields; the JSON Schemas in schemas/events
// check them.
type CloudEvent struct {
	SpecVersion     string         `json:"specversion"`
	ID              string         `json:"id"`
	Source          string         `json:"source"`
	Type            string         `json:"type"`
	Subject         string         `json:"subject"`
	Time            time.Time      `json:"time"`
	DataContentType string         `json:"datacontenttype"`
	Tenant          string         `json:"tenant"`              // extension: the tenant the event belongs to
	Actor           string         `json:"actor"`               // extension: who made the change
	RequestID       string         `json:"requestid,omitempty"` // extension: the request that made it
	Sequence        string         `json:"sequence"`            // extension: the stream's order, comparable within a subject
	Data            map[string]any `json:"data"`
}

// SourceOf returns the CloudEvents source of a tenant's events. It is a
// URI reference naming the tenant, so (source, id) is unique across
// tenants, as the spec asks.
func SourceOf(tenantID string) string { return "/roster/tenants/" + tenantID }

// Cloud returns e in CloudEvents form. The data always names the fields
// changed (empty for events that change none), so a consumer reads every
// type the same way.
func (e Event) Cloud() CloudEvent {
	data := make(map[string]any, len(e.Data)+1)
	for k, v := range e.Data {
		data[k] = v
	}
	changed := e.Changed
	if changed == nil {
		changed = []string{}
	}
	data["changed"] = changed
	actor := e.Actor
	if actor == "" {
		actor = Unknown
	}
	return CloudEvent{
		SpecVersion: SpecVersion, ID: e.ID, Source: SourceOf(e.TenantID), Type: e.Type,
		Subject: e.Subject, Time: e.Time.UTC(), DataContentType: "application/json",
		Tenant: e.TenantID, Actor: actor, RequestID: e.RequestID, Sequence: e.Seq, Data: data,
	}
}

// JSON is the event's structured-mode body.
func (e Event) JSON() ([]byte, error) { return json.Marshal(e.Cloud()) }
