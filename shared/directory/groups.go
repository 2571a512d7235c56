package directory

import (
	"context"
	"strings"

	"roster/shared/auth"
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
