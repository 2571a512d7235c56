package provision

// What provisioning records and writes: the mark of each applied event,
// the refs that link a feed's external ids to users, groups and
// memberships with the time of the last event applied, and the changes
// written with them in one transaction. The store keeps them (it imports
// this package for these types, as it does the directory's and signin's);
// provisioning decides them.

import (
	"time"

	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/signin"
	"roster/shared/tenant"
	"roster/shared/user"
)

// Mark records that one provisioning event was applied.
type Mark struct {
	TenantID  string    // the event's tenant
	EventID   string    // the event's idempotency key
	Hash      string    // hash of the event's canonical payload
	AppliedAt time.Time // when it was applied
	ExpiresAt time.Time // when the record lapses (whole seconds; the TTL)
}

// ExternalRef links a user's external id (an HR or directory feed's key) to
// the user, with the time of the last event applied to it. After a delete
// the ref stays, without a user, so an older event cannot bring it back.
type ExternalRef struct {
	TenantID   string
	ExternalID string
	UserID     string    // "" once the user was deleted
	OccurredAt time.Time // occurredAt of the last event applied
}

// Change is one event's change, written with its mark in one
// transaction. At most one of Tenant, Update or Delete is set: an event
// that changes nothing (an older one) is only recorded. A new user is not
// a Change: it goes through the directory's door (directory.Service
// Admit) with its Provisioned record.
type Change struct {
	Mark Mark

	Tenant *tenant.Tenant // a new tenant
	Invite *signin.Invite // with the invitation of its first owner

	Update [2]*user.User // the user as read and as it is to be stored
	Delete *user.User    // the user as read, deleted with its markers

	Ref     *ExternalRef // the external id's ref as it is to be stored
	PrevRef *ExternalRef // the ref as read; nil when there was none
}

// Provisioned is what a user.upsert that creates a user writes with it,
// in the same transaction (user.Also): the event's mark and the external
// id's ref, which the store points at the new user. The directory admits
// the user; the store turns this record into its items.
type Provisioned struct {
	Mark    Mark
	Ref     *ExternalRef // the ref as it is to be stored, but for its UserID (the new user's)
	PrevRef *ExternalRef // the ref as read; nil when there was none
}

// Tenant is the tenant the event belongs to.
func (p Provisioned) Tenant() string { return p.Mark.TenantID }

// ErrMarked is the Conflict a store answers a Change (or GroupChange or
// TenantState) with when the event's mark already exists: a concurrent
// delivery of the same event got there first.
var ErrMarked = fault.New(fault.Conflict, "The event has already been applied.")

// Keys names what a batch of provisioning events reads before it
// writes: the events' marks, their tenants and their external ids' refs.
type Keys struct {
	Marks   [][2]string // (tenant, event id)
	Tenants []string
	Refs    [][2]string // (tenant, external id)
}

// Snapshot is what a store read for Keys. Every key asked for is in its
// map; a nil value means the item does not exist. Users holds
// the users the found refs point to, keyed by (tenant, user id).
type Snapshot struct {
	Marks   map[[2]string]*Mark
	Tenants map[string]*tenant.Tenant
	Refs    map[[2]string]*ExternalRef
	Users   map[[2]string]*user.User
}

// GroupRef links a group's external id (an HR feed's department code, say)
// to the group, with the time of the last group.upsert applied to it.
type GroupRef struct {
	TenantID   string
	ExternalID string
	GroupID    string
	OccurredAt time.Time
}

// MemberRef is a feed's last word on one membership: whether the user
// known by ExternalID is in the group, as of OccurredAt.
type MemberRef struct {
	TenantID   string
	ExternalID string // the user's external id
	GroupID    string
	Member     bool
	OccurredAt time.Time
}

// GroupChange is one group event's change, written with its mark in
// one transaction: a group created or renamed with its ref (group.upsert),
// or a user's membership changed with its member ref (group.member.*).
type GroupChange struct {
	Mark Mark

	NewGroup     *directory.Group    // a new group, checked against the tenant and its name marker
	Rename       [2]*directory.Group // the group as read and as it is to be stored
	GroupRef     *GroupRef           // the group's ref as it is to be stored
	PrevGroupRef *GroupRef           // as read; nil when there was none

	User       [2]*user.User // the user as read and with its groups changed; none when they stay
	CheckGroup string        // a group that must exist, or the change is refused
	Member     *MemberRef    // the membership's ref as it is to be stored
	PrevMember *MemberRef    // as read; nil when there was none
}

// Errors a store answers a GroupChange with.
var (
	// ErrNoGroup is the NotFound when the group an event names does not exist.
	ErrNoGroup = fault.New(fault.NotFound, "The group does not exist.")
	// ErrGroupName is the Conflict when another group holds the name.
	ErrGroupName = &fault.Error{Code: fault.Conflict, Message: "A group with this name already exists.",
		Fields: []fault.FieldError{{Field: "group.name", Message: "is already taken by another group"}}}
)

// GroupKeys names what a batch's group events read before they
// write: group-name markers and group refs (to resolve the groups the
// events name), the groups behind refs (a group.upsert may rename one),
// and member refs, each for a user's external id and a group named by id,
// name or external id.
type GroupKeys struct {
	Names   [][2]string // (tenant, group name)
	Refs    [][2]string // (tenant, group external id)
	Members []MemberKey
}

// MemberKey names one membership: a user's external id and the group,
// by exactly one of GroupID, GroupName or GroupExternalID.
type MemberKey struct {
	TenantID, ExternalID                string
	GroupID, GroupName, GroupExternalID string
}

// GroupSnapshot is what ReadGroupProvisioning found. Every key
// asked for is in its map; a nil value (or "") means the item does not
// exist. Names are keyed by the name as asked; Members by (tenant, user
// external id, group id), for the groups that resolved.
type GroupSnapshot struct {
	Names   map[[2]string]string
	Refs    map[[2]string]*GroupRef
	Groups  map[[2]string]*directory.Group
	Members map[[3]string]*MemberRef
}

// TenantState is one tenant.deactivate or tenant.reactivate as the store
// applies it: the tenant's flag and order written with the event's mark in
// one transaction.
type TenantState struct {
	Mark       Mark
	TenantID   string
	Active     bool
	OccurredAt time.Time // becomes the tenant's StateAt
	Prev       time.Time // the tenant's StateAt as read; zero when it had none
}
