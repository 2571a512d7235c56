// Package provision owns event-driven provisioning: the versioned JSON
// events a feed puts on the provisioning queue (create a tenant with its
// first owner, deactivate or reactivate a tenant; upsert, deactivate,
// reactivate or delete a user keyed by an external id; groups and their
// members), their strict decoding, and applying them idempotently and
// in order. See docs/provisioning.md for the schemas. The records it
// writes with each event (its mark, the refs) are its own types
// (ledger.go), which the store keeps; the users it creates go through the
// directory's door (Users).
package provision

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"roster/shared/check"
	"roster/shared/fault"
	"roster/shared/tenant"
	"roster/shared/user"
	"roster/shared/web"
)

// The event types.
const (
	TenantCreate     = "tenant.create"
	TenantDeactivate = "tenant.deactivate"
	TenantReactivate = "tenant.reactivate"
	UserUpsert       = "user.upsert"
	UserDeactivate   = "user.deactivate"
	UserReactivate   = "user.reactivate"
	UserDelete       = "user.delete"

	GroupUpsert       = "group.upsert"
	GroupMemberAdd    = "group.member.add"
	GroupMemberRemove = "group.member.remove"
)

// Types returns every event type, in the order the docs present them.
func Types() []string {
	return []string{TenantCreate, TenantDeactivate, TenantReactivate, UserUpsert, UserDeactivate, UserReactivate, UserDelete,
		GroupUpsert, GroupMemberAdd, GroupMemberRemove}
}

// Version is the only schema version this code accepts.
const Version = 1

// Limits on event fields; a user's own fields follow package user's rules.
const (
	MaxEventBytes = 16 << 10 // one event document
	maxKey        = 128      // id and externalId
	maxName       = 100      // characters of an organization, tenant or group name
)

// Event is one decoded, validated provisioning event. Fields that do not
// belong to its Type are zero.
type Event struct {
	Type       string    `json:"type"`
	Version    int       `json:"version"`
	ID         string    `json:"id"` // the idempotency key, unique per tenant
	OccurredAt time.Time `json:"occurredAt"`
	Tenant     string    `json:"tenant"`

	// tenant.create (tenant.deactivate and tenant.reactivate carry only
	// the envelope)
	Organization string `json:"organization,omitempty"`
	Name         string `json:"name,omitempty"`
	Owner        *Owner `json:"owner,omitempty"`

	// user.*
	ExternalID string      `json:"externalId,omitempty"`
	User       *UserFields `json:"user,omitempty"` // user.upsert only

	// group.upsert (the group's externalId and name) and group.member.*
	// (the group by exactly one of id, name or externalId)
	Group *GroupFields `json:"group,omitempty"`

	hash string // of the canonical payload
}

// Owner is the first owner of a new tenant: invited, never given a password.
type Owner struct {
	Email     string `json:"email"`
	FirstName string `json:"firstName,omitempty"`
	LastName  string `json:"lastName,omitempty"`
}

// UserFields is the state a user.upsert gives the user. Every field is
// set on each upsert: the feed sends the whole record.
type UserFields struct {
	Username  string `json:"username"`
	Email     string `json:"email,omitempty"`
	FirstName string `json:"firstName,omitempty"`
	LastName  string `json:"lastName,omitempty"`
	Active    *bool  `json:"active"`         // required
	Role      string `json:"role,omitempty"` // "" means member
	// EmailVerified, when given, is the feed vouching for the address (or
	// not); absent, a new user's is unverified and a changed address
	// becomes unverified (decision 023).
	EmailVerified *bool `json:"emailVerified,omitempty"`
}

// GroupFields names a group. A group.upsert carries its externalId and
// name; a membership event names it by exactly one of ID (Roster's),
// Name (as HR feeds know departments) or ExternalID (a group.upsert's).
type GroupFields struct {
	ID         string `json:"id,omitempty"`
	Name       string `json:"name,omitempty"`
	ExternalID string `json:"externalId,omitempty"`
}

// Hash is the SHA-256 of the event's canonical form (decoded and encoded
// again, so spacing and key order do not matter): a redelivery has the same
// hash, a different payload under the same id does not.
func (e *Event) Hash() string { return e.hash }

// envelope is read first, leniently, to choose the strict schema.
type envelope struct {
	Type    string `json:"type"`
	Version int    `json:"version"`
}

// Per-type wire schemas: decoding refuses any field not listed.
type (
	tenantCreateWire struct {
		Type         string    `json:"type"`
		Version      int       `json:"version"`
		ID           string    `json:"id"`
		OccurredAt   time.Time `json:"occurredAt"`
		Tenant       string    `json:"tenant"`
		Organization string    `json:"organization"`
		Name         string    `json:"name"`
		Owner        *Owner    `json:"owner"`
	}
	tenantStateWire struct {
		Type       string    `json:"type"`
		Version    int       `json:"version"`
		ID         string    `json:"id"`
		OccurredAt time.Time `json:"occurredAt"`
		Tenant     string    `json:"tenant"`
	}
	userUpsertWire struct {
		Type       string      `json:"type"`
		Version    int         `json:"version"`
		ID         string      `json:"id"`
		OccurredAt time.Time   `json:"occurredAt"`
		Tenant     string      `json:"tenant"`
		ExternalID string      `json:"externalId"`
		User       *UserFields `json:"user"`
	}
	userStateWire struct {
		Type       string    `json:"type"`
		Version    int       `json:"version"`
		ID         string    `json:"id"`
		OccurredAt time.Time `json:"occurredAt"`
		Tenant     string    `json:"tenant"`
		ExternalID string    `json:"externalId"`
	}
	groupUpsertWire struct {
		Type       string       `json:"type"`
		Version    int          `json:"version"`
		ID         string       `json:"id"`
		OccurredAt time.Time    `json:"occurredAt"`
		Tenant     string       `json:"tenant"`
		Group      *GroupFields `json:"group"`
	}
	memberWire struct {
		Type       string       `json:"type"`
		Version    int          `json:"version"`
		ID         string       `json:"id"`
		OccurredAt time.Time    `json:"occurredAt"`
		Tenant     string       `json:"tenant"`
		ExternalID string       `json:"externalId"`
		Group      *GroupFields `json:"group"`
	}
)

// Decode reads one event strictly: a known type and version, no unknown
// fields, no trailing data, every required field present and well formed.
// Every failure is fault.Invalid naming the fields; an invalid event can
// never succeed, so it is a permanent failure.
func Decode(body []byte) (*Event, error) {
	if len(body) > MaxEventBytes {
		return nil, fault.New(fault.Invalid, "The event is larger than %d bytes.", MaxEventBytes)
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fault.Wrap(err, fault.Invalid, "The event is not a JSON object.")
	}
	if env.Version != Version {
		return nil, fault.InvalidField("version", fmt.Sprintf("must be %d", Version))
	}
	var e Event
	switch env.Type {
	case TenantCreate:
		var w tenantCreateWire
		if err := strict(body, &w); err != nil {
			return nil, err
		}
		e = Event{Type: w.Type, Version: w.Version, ID: w.ID, OccurredAt: w.OccurredAt, Tenant: w.Tenant,
			Organization: w.Organization, Name: w.Name, Owner: w.Owner}
	case TenantDeactivate, TenantReactivate:
		var w tenantStateWire
		if err := strict(body, &w); err != nil {
			return nil, err
		}
		e = Event{Type: w.Type, Version: w.Version, ID: w.ID, OccurredAt: w.OccurredAt, Tenant: w.Tenant}
	case UserUpsert:
		var w userUpsertWire
		if err := strict(body, &w); err != nil {
			return nil, err
		}
		e = Event{Type: w.Type, Version: w.Version, ID: w.ID, OccurredAt: w.OccurredAt, Tenant: w.Tenant,
			ExternalID: w.ExternalID, User: w.User}
	case UserDeactivate, UserReactivate, UserDelete:
		var w userStateWire
		if err := strict(body, &w); err != nil {
			return nil, err
		}
		e = Event{Type: w.Type, Version: w.Version, ID: w.ID, OccurredAt: w.OccurredAt, Tenant: w.Tenant,
			ExternalID: w.ExternalID}
	case GroupUpsert:
		var w groupUpsertWire
		if err := strict(body, &w); err != nil {
			return nil, err
		}
		e = Event{Type: w.Type, Version: w.Version, ID: w.ID, OccurredAt: w.OccurredAt, Tenant: w.Tenant, Group: w.Group}
	case GroupMemberAdd, GroupMemberRemove:
		var w memberWire
		if err := strict(body, &w); err != nil {
			return nil, err
		}
		e = Event{Type: w.Type, Version: w.Version, ID: w.ID, OccurredAt: w.OccurredAt, Tenant: w.Tenant,
			ExternalID: w.ExternalID, Group: w.Group}
	default:
		return nil, fault.InvalidField("type", "must be one of "+strings.Join(Types(), ", "))
	}
	if err := e.validate(); err != nil {
		return nil, err
	}
	e.OccurredAt = e.OccurredAt.UTC()
	canonical, err := json.Marshal(&e)
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "An internal error occurred.")
	}
	sum := sha256.Sum256(canonical)
	e.hash = hex.EncodeToString(sum[:])
	return &e, nil
}

// strict decodes body into v refusing unknown fields and trailing data.
func strict(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te):
			return fault.InvalidField(te.Field, "has the wrong type")
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return fault.InvalidField(strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), "is not a field of this event type")
		case strings.Contains(err.Error(), "parsing time"):
			return fault.InvalidField("occurredAt", "must be an RFC 3339 time")
		}
		return fault.Wrap(err, fault.Invalid, "The event is not valid JSON.")
	}
	if _, err := dec.Token(); err != io.EOF {
		return fault.New(fault.Invalid, "The event has data after its JSON object.")
	}
	// A member twice or text that is not UTF-8, as every request body.
	return web.WellFormed(body)
}

// problems collects field problems in the order found.
type problems []fault.FieldError

func (p *problems) add(field, msg string) {
	*p = append(*p, fault.FieldError{Field: field, Message: msg})
}

// key checks an id or external id: 1 to 128 printable ASCII characters
// without spaces or '#', the key separator.
func (p *problems) key(field, v string) {
	if v == "" || len(v) > maxKey {
		p.add(field, fmt.Sprintf("is required and must be at most %d characters", maxKey))
		return
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c <= ' ' || c > '~' || c == '#' {
			p.add(field, "must be printable ASCII without spaces or '#'")
			return
		}
	}
}

// addAll adds what a rule found, if anything.
func (p *problems) addAll(found []fault.FieldError) { *p = append(*p, found...) }

// text checks a line of text (check.Text).
func (p *problems) text(field, v string, max int, required bool) {
	p.addAll(check.Text(field, v, max, required))
}

// groupRef checks a membership event's group: exactly one of id, name or
// externalId, well formed.
func (p *problems) groupRef(g *GroupFields) {
	if g == nil {
		p.add("group", "is required")
		return
	}
	n := 0
	for _, v := range []string{g.ID, g.Name, g.ExternalID} {
		if v != "" {
			n++
		}
	}
	if n != 1 {
		p.add("group", "must name the group by exactly one of id, name or externalId")
		return
	}
	switch {
	case g.ID != "":
		p.key("group.id", g.ID)
	case g.Name != "":
		p.text("group.name", g.Name, maxName, true)
	default:
		p.key("group.externalId", g.ExternalID)
	}
}

func (e *Event) validate() error {
	var p problems
	p.key("id", e.ID)
	if e.OccurredAt.IsZero() {
		p.add("occurredAt", "is required (RFC 3339)")
	}
	if !tenant.ValidUID(e.Tenant) {
		p.add("tenant", "must match ^[A-Za-z0-9_-]+$ and be at most 64 characters")
	}
	switch e.Type {
	case TenantCreate:
		p.text("organization", e.Organization, maxName, true)
		p.text("name", e.Name, maxName, true)
		if e.Owner == nil {
			p.add("owner", "is required")
			break
		}
		p.addAll(user.CheckEmail("owner.email", e.Owner.Email))
		p.addAll(user.CheckName("owner.firstName", e.Owner.FirstName, false))
		p.addAll(user.CheckName("owner.lastName", e.Owner.LastName, false))
	case GroupUpsert:
		g := e.Group
		if g == nil {
			p.add("group", "is required")
			break
		}
		if g.ID != "" {
			p.add("group.id", "is Roster's: a group.upsert names the group by externalId")
		}
		p.key("group.externalId", g.ExternalID)
		p.text("group.name", g.Name, maxName, true)
	case TenantDeactivate, TenantReactivate:
		// The envelope is the whole event.
	default:
		p.key("externalId", e.ExternalID)
	}
	if e.Type == GroupMemberAdd || e.Type == GroupMemberRemove {
		p.groupRef(e.Group)
	}
	if e.Type == UserUpsert {
		u := e.User
		if u == nil {
			p.add("user", "is required")
			return fault.InvalidFields(p)
		}
		p.addAll(user.CheckUsername("user.username", u.Username))
		if u.Email != "" {
			p.addAll(user.CheckEmail("user.email", u.Email))
		}
		p.addAll(user.CheckName("user.firstName", u.FirstName, false))
		p.addAll(user.CheckName("user.lastName", u.LastName, false))
		if u.Active == nil {
			p.add("user.active", "is required")
		}
		if u.Role != "" {
			p.addAll(user.CheckRole("user.role", u.Role))
		}
	}
	return fault.InvalidFields(p)
}
