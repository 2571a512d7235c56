package provision

import (
	"context"
	"slices"
	"strings"
	"time"

	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/user"
)

// Group events. An HR feed knows departments by a code or a name, never by
// Roster's ids: group.upsert creates (or renames) the group a code names,
// and a membership event names its group by id, name or that code.
//
// Ordering is per membership, not per user: each (user external id,
// group) pair keeps the occurredAt of the last membership event applied
// to it (MemberRef), written in the event's transaction conditional
// on the value read. The user's own ref (which user.* events advance) is
// left alone, so a user.upsert at 10:05 does not make an add at 10:04
// stale: they change different things. A removal leaves its ref with
// member false, so an older add that arrives late is Stale.

var (
	errNoUserYet = fault.New(fault.Unavailable,
		"No user has this external id yet; its upsert may not have been applied.")
	errNoGroupRefYet = fault.New(fault.Unavailable,
		"No group has this group.externalId yet; its group.upsert may not have been applied.")
	errNoGroupName = &fault.Error{Code: fault.NotFound, Message: "No group of the tenant has this name.",
		Fields: []fault.FieldError{{Field: "group.name", Message: "names no group of the tenant"}}}
	errTooManyGroups = fault.New(fault.Conflict, "The user is already in the most groups a user may join.")
)

// upsertGroup creates the group the event's group.externalId names, or
// renames it, with its ref and the event's mark in one transaction. A
// name another group holds is refused (ErrGroupName): the feed
// does not take over a group an administrator made.
func (p *Processor) upsertGroup(ctx context.Context, e *Event, mark Mark, now time.Time) (Outcome, error) {
	g := e.Group
	prev, err := p.st.GetGroupRef(ctx, e.Tenant, g.ExternalID)
	switch fault.CodeOf(err) {
	case "":
		if !e.OccurredAt.After(prev.OccurredAt) {
			return Stale, p.st.ApplyProvisioning(ctx, Change{Mark: mark})
		}
	case fault.NotFound:
		prev = nil
	default:
		return "", err
	}
	ref := &GroupRef{TenantID: e.Tenant, ExternalID: g.ExternalID, OccurredAt: e.OccurredAt}
	w := GroupChange{Mark: mark, GroupRef: ref, PrevGroupRef: prev}
	var cur *directory.Group
	if prev != nil {
		switch cur, err = p.st.GetGroup(ctx, e.Tenant, prev.GroupID); fault.CodeOf(err) {
		case "":
		case fault.NotFound:
			cur = nil // gone since: the upsert makes it again
		default:
			return "", err
		}
	}
	name := strings.TrimSpace(g.Name)
	switch {
	case cur == nil:
		w.NewGroup = &directory.Group{ID: user.NewID(), Name: name, CreatedAt: now}
		ref.GroupID = w.NewGroup.ID
	case cur.Name != name:
		next := *cur
		next.Name = name
		w.Rename = [2]*directory.Group{cur, &next}
		ref.GroupID = cur.ID
	default:
		ref.GroupID = cur.ID // only the ref's time moves
	}
	if err := p.st.ApplyGroupProvisioning(ctx, w); err != nil {
		return "", err
	}
	return Applied, nil
}

// changeMembership adds the user an external id names to a group, or
// removes it, with the membership's ref and the event's mark in one
// transaction that also checks the group exists. Adding a member or
// removing a non-member changes only the ref, so the order still holds.
func (p *Processor) changeMembership(ctx context.Context, e *Event, mark Mark, now time.Time) (Outcome, error) {
	add := e.Type == GroupMemberAdd
	ref, err := p.st.GetExternalRef(ctx, e.Tenant, e.ExternalID)
	switch fault.CodeOf(err) {
	case "":
	case fault.NotFound:
		return "", errNoUserYet
	default:
		return "", err
	}
	if ref.UserID == "" {
		// Deleted by a user.delete. An event older than the delete is
		// stale; a later removal has nothing left to remove; a later add
		// waits, as other user events do, for an upsert that re-creates it.
		switch {
		case !e.OccurredAt.After(ref.OccurredAt):
			return Stale, p.st.ApplyProvisioning(ctx, Change{Mark: mark})
		case !add:
			return Applied, p.st.ApplyProvisioning(ctx, Change{Mark: mark})
		}
		return "", errNoUserYet
	}
	groupID, err := p.groupID(ctx, e)
	if err != nil {
		return "", err
	}
	prev, err := p.st.GetMemberRef(ctx, e.Tenant, e.ExternalID, groupID)
	switch fault.CodeOf(err) {
	case "":
		if !e.OccurredAt.After(prev.OccurredAt) {
			return Stale, p.st.ApplyProvisioning(ctx, Change{Mark: mark})
		}
	case fault.NotFound:
		prev = nil
	default:
		return "", err
	}
	u, err := p.st.GetUser(ctx, e.Tenant, ref.UserID)
	switch fault.CodeOf(err) {
	case "":
	case fault.NotFound:
		if add {
			return "", errNoUserYet // deleted through an API since; an upsert re-creates it
		}
		u = nil
	default:
		return "", err
	}
	w := GroupChange{Mark: mark, CheckGroup: groupID, PrevMember: prev,
		Member: &MemberRef{TenantID: e.Tenant, ExternalID: e.ExternalID, GroupID: groupID, Member: add, OccurredAt: e.OccurredAt}}
	if u != nil {
		if groups, moved := regroup(u.Groups, groupID, add); moved {
			if len(groups) > directory.MaxGroups {
				return "", errTooManyGroups
			}
			next := *u
			next.Groups = groups
			next.Stamp(u, now, Actor)
			w.User = [2]*user.User{u, &next}
		}
	}
	if err := p.st.ApplyGroupProvisioning(ctx, w); err != nil {
		return "", err
	}
	return Applied, nil
}

// groupID resolves the group a membership event names. An id is taken as
// is (the transaction checks it exists); a name no group has is
// fault.NotFound; an external id no group.upsert reached yet is
// fault.Unavailable, as a user event before its upsert is.
func (p *Processor) groupID(ctx context.Context, e *Event) (string, error) {
	g := e.Group
	switch {
	case g.ID != "":
		return g.ID, nil
	case g.Name != "":
		id, err := p.st.GroupIDByName(ctx, e.Tenant, g.Name)
		if fault.CodeOf(err) == fault.NotFound {
			return "", errNoGroupName
		}
		return id, err
	}
	r, err := p.st.GetGroupRef(ctx, e.Tenant, g.ExternalID)
	switch fault.CodeOf(err) {
	case "":
		return r.GroupID, nil
	case fault.NotFound:
		return "", errNoGroupRefYet
	}
	return "", err
}

// regroup returns groups with id added or removed, sorted, nil when
// empty, and whether that changed anything.
func regroup(groups []string, id string, add bool) ([]string, bool) {
	has := slices.Contains(groups, id)
	if has == add {
		return groups, false
	}
	next := slices.DeleteFunc(slices.Clone(groups), func(g string) bool { return g == id })
	if add {
		next = append(next, id)
	}
	slices.Sort(next)
	if len(next) == 0 {
		next = nil
	}
	return next, true
}
