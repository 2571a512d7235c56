package directory

import (
	"context"
	"strings"

	"roster/shared/auth"
	"roster/shared/fault"
	"roster/shared/role"
	"roster/shared/user"
)

// CreateGroup makes a group in one transaction with its name marker, so
// two groups never share a name, whatever its case.
func (s *service) CreateGroup(ctx context.Context, p auth.Principal, name string) (Group, error) {
	if err := require(p, role.GroupsWrite); err != nil {
		return Group{}, err
	}
	if err := checkGroupName(name); err != nil {
		return Group{}, err
	}
	g := Group{ID: user.NewID(), Name: strings.TrimSpace(name), CreatedAt: s.now().UTC()}
	if err := s.st.CreateGroup(ctx, p.TenantID, g); err != nil {
		return Group{}, err
	}
	return g, nil
}

// ListGroups reads every group of the tenant with one strongly consistent
// Query (more only past 1 MB of groups).
func (s *service) ListGroups(ctx context.Context, p auth.Principal) ([]Group, error) {
	if err := require(p, role.GroupsRead); err != nil {
		return nil, err
	}
	return s.st.ListGroups(ctx, p.TenantID)
}

// GetGroup reads a group: one GetItem.
func (s *service) GetGroup(ctx context.Context, p auth.Principal, id string) (Group, error) {
	if err := require(p, role.GroupsRead); err != nil {
		return Group{}, err
	}
	if !validID(id) {
		return Group{}, noGroup()
	}
	g, err := s.st.GetGroup(ctx, p.TenantID, id)
	if err != nil {
		return Group{}, err
	}
	return *g, nil
}

// GroupByName reads the name marker, then the group: two GetItems.
func (s *service) GroupByName(ctx context.Context, p auth.Principal, name string) (Group, error) {
	if err := require(p, role.GroupsRead); err != nil {
		return Group{}, err
	}
	if checkGroupName(name) != nil {
		return Group{}, noGroup()
	}
	id, err := s.st.GroupIDByName(ctx, p.TenantID, name)
	if err != nil {
		return Group{}, noGroup()
	}
	return s.GetGroup(ctx, p, id)
}

// UpdateGroup reads the group and writes its new name (with its name
// marker) and external id in one transaction.
func (s *service) UpdateGroup(ctx context.Context, p auth.Principal, id, name string, externalID *string) (Group, error) {
	if err := require(p, role.GroupsWrite); err != nil {
		return Group{}, err
	}
	if err := checkGroupName(name); err != nil {
		return Group{}, err
	}
	g, err := s.GetGroup(ctx, p, id)
	if err != nil {
		return Group{}, err
	}
	next := g
	next.Name = strings.TrimSpace(name)
	if externalID != nil {
		if err := fault.InvalidFields(user.CheckExternalID("externalId", *externalID)); err != nil {
			return Group{}, err
		}
		next.ExternalID = *externalID
	}
	if next == g {
		return g, nil
	}
	if err := s.st.UpdateGroup(ctx, p.TenantID, g, next); err != nil {
		return Group{}, err
	}
	return next, nil
}

// DeleteGroup takes each member out of the group (a change of each user),
// then deletes the group with its name marker.
func (s *service) DeleteGroup(ctx context.Context, p auth.Principal, id string, members []string) error {
	if err := require(p, role.GroupsWrite); err != nil {
		return err
	}
	g, err := s.GetGroup(ctx, p, id)
	if err != nil {
		return err
	}
	for _, uid := range members {
		_, err := s.Update(ctx, p, uid, Change{GroupsToRemove: []string{id}})
		if err != nil && fault.CodeOf(err) != fault.NotFound {
			return err
		}
	}
	return s.st.DeleteGroup(ctx, p.TenantID, g)
}

// noGroup answers for a group that does not exist or is not the caller's.
func noGroup() error { return fault.New(fault.NotFound, "The group does not exist.") }
