package provision

import (
	"context"

	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/tenant"
	"roster/shared/user"
)

// BatchReader is what lets a batch read before it writes in one round:
// *store.Table implements it. A Store without it reads item by item.
type BatchReader interface {
	// ReadProvisioning reads the marks, tenants, refs and the refs' users
	// of a batch. fault.Unavailable when the reads did not all complete.
	ReadProvisioning(ctx context.Context, k Keys) (*Snapshot, error)
}

// GroupBatchReader lets a batch's group events read before they write in
// one round too: *store.Table implements it. Without it, or when it
// fails, group events read item by item.
type GroupBatchReader interface {
	// ReadGroupProvisioning reads the group names, group refs, groups and
	// member refs of a batch. fault.Unavailable when the reads did not all
	// complete.
	ReadGroupProvisioning(ctx context.Context, k GroupKeys) (*GroupSnapshot, error)
}

// Why a batch's writes are not batched too: every write of an event is
// conditional (the mark must not exist, the ref must be as read, a
// username or email marker must be free, the user must be at the version
// read) and must commit or fail with the others, so each event is one
// TransactWriteItems. BatchWriteItem takes no conditions and is not
// atomic: using it would let a redelivery apply twice or two users share a
// username. What a batch can share is its reads, which snapshot does.

// snapshot answers a batch's reads from one ReadProvisioning, falling back
// to the store for anything an earlier event of the same batch may have
// written (so a tenant created, or a user upserted, by the event before is
// read as it now is). A read answered from the snapshot may be older than
// the table; the conditions of the event's transaction catch that, and the
// event is retried.
type snapshot struct {
	Store
	snap   *Snapshot
	groups *GroupSnapshot // nil when the batch has no group events or could not read them
	dirty  map[string]bool
}

// readsFor returns the keys a batch of events reads.
func readsFor(evs []*Event) Keys {
	var k Keys
	tenants := map[string]bool{}
	for _, e := range evs {
		k.Marks = append(k.Marks, [2]string{e.Tenant, e.ID})
		if !tenants[e.Tenant] {
			tenants[e.Tenant] = true
			k.Tenants = append(k.Tenants, e.Tenant)
		}
		if e.ExternalID != "" {
			k.Refs = append(k.Refs, [2]string{e.Tenant, e.ExternalID})
		}
	}
	return k
}

// groupReadsFor returns the keys a batch's group events read, and
// whether there are any.
func groupReadsFor(evs []*Event) (GroupKeys, bool) {
	var k GroupKeys
	found := false
	for _, e := range evs {
		switch e.Type {
		case GroupUpsert:
			k.Refs = append(k.Refs, [2]string{e.Tenant, e.Group.ExternalID})
		case GroupMemberAdd, GroupMemberRemove:
			k.Members = append(k.Members, MemberKey{TenantID: e.Tenant, ExternalID: e.ExternalID,
				GroupID: e.Group.ID, GroupName: e.Group.Name, GroupExternalID: e.Group.ExternalID})
		default:
			continue
		}
		found = true
	}
	return k, found
}

// touched records what e may have written, so later events read it from
// the table.
func (s *snapshot) touched(e *Event) {
	s.dirty["mark\x00"+e.Tenant+"\x00"+e.ID] = true
	switch e.Type {
	case TenantCreate, TenantDeactivate, TenantReactivate:
		s.dirty["tenant\x00"+e.Tenant] = true
	}
	if e.ExternalID != "" {
		s.dirty["ref\x00"+e.Tenant+"\x00"+e.ExternalID] = true
		if r := s.snap.Refs[[2]string{e.Tenant, e.ExternalID}]; r != nil && r.UserID != "" {
			s.dirty["user\x00"+e.Tenant+"\x00"+r.UserID] = true
		}
	}
	switch e.Type {
	case GroupUpsert:
		// A group created or renamed: its ref, and any name or group of the tenant.
		s.dirty["groupref\x00"+e.Tenant+"\x00"+e.Group.ExternalID] = true
		s.dirty["groups\x00"+e.Tenant] = true
	case GroupMemberAdd, GroupMemberRemove:
		s.dirty["members\x00"+e.Tenant+"\x00"+e.ExternalID] = true
	}
}

var (
	errNoMark   = fault.New(fault.NotFound, "The event has not been applied.")
	errNoRef    = fault.New(fault.NotFound, "The external id is unknown.")
	errNoTenant = fault.New(fault.NotFound, "The tenant does not exist.")
	errNoUser   = fault.New(fault.NotFound, "The user does not exist.")

	errNoGroupRef   = fault.New(fault.NotFound, "The group's external id is unknown.")
	errNoGroupNamed = fault.New(fault.NotFound, "No group has this name.")
	errNoGroup      = fault.New(fault.NotFound, "The group does not exist.")
	errNoMemberRef  = fault.New(fault.NotFound, "No membership event was applied.")
)

func (s *snapshot) GetProvisionMark(ctx context.Context, tenantID, eventID string) (*Mark, error) {
	k := [2]string{tenantID, eventID}
	if m, ok := s.snap.Marks[k]; ok && !s.dirty["mark\x00"+tenantID+"\x00"+eventID] {
		if m == nil {
			return nil, errNoMark
		}
		return m, nil
	}
	return s.Store.GetProvisionMark(ctx, tenantID, eventID)
}

func (s *snapshot) GetTenant(ctx context.Context, id string) (*tenant.Tenant, error) {
	if t, ok := s.snap.Tenants[id]; ok && !s.dirty["tenant\x00"+id] {
		if t == nil {
			return nil, errNoTenant
		}
		return t, nil
	}
	return s.Store.GetTenant(ctx, id)
}

func (s *snapshot) GetExternalRef(ctx context.Context, tenantID, externalID string) (*ExternalRef, error) {
	if r, ok := s.snap.Refs[[2]string{tenantID, externalID}]; ok && !s.dirty["ref\x00"+tenantID+"\x00"+externalID] {
		if r == nil {
			return nil, errNoRef
		}
		return r, nil
	}
	return s.Store.GetExternalRef(ctx, tenantID, externalID)
}

func (s *snapshot) GetUser(ctx context.Context, tenantID, id string) (*user.User, error) {
	if u, ok := s.snap.Users[[2]string{tenantID, id}]; ok && !s.dirty["user\x00"+tenantID+"\x00"+id] {
		if u == nil {
			return nil, errNoUser
		}
		c := *u
		return &c, nil
	}
	return s.Store.GetUser(ctx, tenantID, id)
}

func (s *snapshot) GetGroupRef(ctx context.Context, tenantID, externalID string) (*GroupRef, error) {
	if s.groups != nil && !s.dirty["groupref\x00"+tenantID+"\x00"+externalID] {
		if r, ok := s.groups.Refs[[2]string{tenantID, externalID}]; ok {
			if r == nil {
				return nil, errNoGroupRef
			}
			return r, nil
		}
	}
	return s.Store.GetGroupRef(ctx, tenantID, externalID)
}

func (s *snapshot) GroupIDByName(ctx context.Context, tenantID, name string) (string, error) {
	if s.groups != nil && !s.dirty["groups\x00"+tenantID] {
		if id, ok := s.groups.Names[[2]string{tenantID, name}]; ok {
			if id == "" {
				return "", errNoGroupNamed
			}
			return id, nil
		}
	}
	return s.Store.GroupIDByName(ctx, tenantID, name)
}

func (s *snapshot) GetGroup(ctx context.Context, tenantID, id string) (*directory.Group, error) {
	if s.groups != nil && !s.dirty["groups\x00"+tenantID] {
		if g, ok := s.groups.Groups[[2]string{tenantID, id}]; ok {
			if g == nil {
				return nil, errNoGroup
			}
			c := *g
			return &c, nil
		}
	}
	return s.Store.GetGroup(ctx, tenantID, id)
}

func (s *snapshot) GetMemberRef(ctx context.Context, tenantID, externalID, groupID string) (*MemberRef, error) {
	if s.groups != nil && !s.dirty["members\x00"+tenantID+"\x00"+externalID] {
		if r, ok := s.groups.Members[[3]string{tenantID, externalID, groupID}]; ok {
			if r == nil {
				return nil, errNoMemberRef
			}
			return r, nil
		}
	}
	return s.Store.GetMemberRef(ctx, tenantID, externalID, groupID)
}
