// Package events owns Roster's outbound change feed: the domain events the
// table's stream is turned into (Event), their CloudEvents 1.0 form
// (CloudEvent), the audit record each one leaves (Record), and the
// processor that consumes the stream, writes the audit log and hands the
// events to their destinations (an EventBridge bus, the tenants' webhooks).
// Which item change means which event is the store's knowledge
// (store.EventsOf); this package decides what an event says and where it
// goes. Decisions 025 (events), 026 (audit log) and 027 (webhooks).
package events

import (
	"fmt"
	"time"
)

// The event types. Each has a JSON Schema in schemas/events/<type>.json,
// which the tests hold real events to.
const (
	UserCreated       = "roster.user.created"
	UserUpdated       = "roster.user.updated"
	UserDeactivated   = "roster.user.deactivated"
	UserReactivated   = "roster.user.reactivated"
	UserDeleted       = "roster.user.deleted"
	UserLocked        = "roster.user.locked"
	MembershipAdded   = "roster.membership.added"
	MembershipRemoved = "roster.membership.removed"
	GroupCreated      = "roster.group.created"
	GroupUpdated      = "roster.group.updated"
	GroupDeleted      = "roster.group.deleted"
	TenantCreated     = "roster.tenant.created"
	TenantUpdated     = "roster.tenant.updated"
	TenantDeactivated = "roster.tenant.deactivated"
	TenantReactivated = "roster.tenant.reactivated"
	SessionRevoked    = "roster.session.revoked"
	LoginFailed       = "roster.session.login_failed"
	APIKeyCreated     = "roster.apikey.created"
	APIKeyRevoked     = "roster.apikey.revoked"
	DeviceCreated     = "roster.device.created"
	DeviceRevoked     = "roster.device.revoked"
	InvitationCreated = "roster.invitation.created"
	MFAEnrolled       = "roster.mfa.enrolled"
	MFARemoved        = "roster.mfa.removed"
	RecoveryRequested = "roster.recovery.requested"
	PasswordReset     = "roster.password.reset"
	SessionEnded      = "roster.session.ended"
)

// Types lists every event type, in the order the documentation gives.
func Types() []string {
	return []string{
		UserCreated, UserUpdated, UserDeactivated, UserReactivated, UserDeleted, UserLocked,
		MembershipAdded, MembershipRemoved,
		GroupCreated, GroupUpdated, GroupDeleted,
		TenantCreated, TenantUpdated, TenantDeactivated, TenantReactivated,
		SessionRevoked, SessionEnded, LoginFailed,
		APIKeyCreated, APIKeyRevoked, DeviceCreated, DeviceRevoked, InvitationCreated,
		MFAEnrolled, MFARemoved, RecoveryRequested, PasswordReset,
	}
}

// Event is one change of a tenant's people, groups, settings or
// credentials, as the stream told it. It never holds a password hash, a
// token, a sealed secret or a table key: the store builds it from the
// item's images and copies only the fields named for its type.
type Event struct {
	// ID is stable across redeliveries of the stream record it came from
	// (the record's eventID and the event's place among the record's
	// events), so consumers de-duplicate on it.
	ID string
	// Seq is the stream record's sequence number: increasing within a
	// shard, and every change of one user is in one shard (one partition
	// key), so it orders a user's events.
	Seq      string
	Type     string
	TenantID string
	// Subject is what the event is about: the user id for user, membership
	// and session events, else the group, tenant, key or device id.
	Subject string
	// UserID is the user the event is about, when there is one: the key
	// that orders webhook deliveries.
	UserID    string
	Time      time.Time // when the change was made (the item's own time, else the stream's)
	Actor     string    // who made it: "user:<id>", "apikey:<id>", "feed", "scim:<client>", "system", "anonymous"
	RequestID string    // the request or provisioning event that made it, when known
	// Changed names the fields a change touched (sorted); secret fields
	// are named but their values are never carried.
	Changed []string
	// Data is the event's body: the type's fields, as its schema says.
	Data map[string]any
}

// Unknown is the actor of a change whose maker the table does not record
// (an item removed by its TTL, a write made before actors were recorded).
const Unknown = "system"

// Anonymous is the actor of a request no one signed in to make: a
// password recovery request names a person but is not made as one.
const Anonymous = "anonymous"

// Validate reports what makes e unpublishable: an event without id, type,
// tenant or subject is a defect of the mapping, never sent.
func (e Event) Validate() error {
	switch {
	case e.ID == "":
		return fmt.Errorf("event without id (type %q)", e.Type)
	case e.Type == "" || e.TenantID == "" || e.Subject == "":
		return fmt.Errorf("event %s incomplete: type %q tenant %q subject %q", e.ID, e.Type, e.TenantID, e.Subject)
	}
	return nil
}
