package directory_test

import (
	"context"
	"strings"
	"testing"

	"roster/shared/fault"
	"roster/shared/role"
	"roster/shared/store/storetest"
)

func TestCreateGroupKeepsNamesUniqueAndListGroupsSortsThemByName(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		ctx := context.Background()
		for _, name := range []string{"Sales", "  ops ", "Admins"} {
			if _, err := f.svc.CreateGroup(ctx, manager, name); err != nil {
				t.Fatalf("CreateGroup %q: %v", name, err)
			}
		}
		before := env.Count(t)
		_, err := f.svc.CreateGroup(ctx, admin, "OPS")
		wantCode(t, err, fault.Conflict, "name")
		for _, bad := range []string{"", "   ", strings.Repeat("g", 101), "tab\there"} {
			_, err := f.svc.CreateGroup(ctx, admin, bad)
			wantCode(t, err, fault.Invalid, "name")
		}
		_, err = f.svc.CreateGroup(ctx, member, "x")
		wantCode(t, err, fault.Forbidden)
		f.unchanged(t, before)
		if _, err := f.svc.CreateGroup(ctx, key("t2", role.Admin), "ops"); err != nil {
			t.Errorf("the same name in another tenant: %v", err)
		}

		groups, err := f.svc.ListGroups(ctx, manager)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, g := range groups {
			names = append(names, g.Name)
		}
		if strings.Join(names, ",") != "Admins,ops,Sales" {
			t.Errorf("groups = %v, want Admins, ops, Sales (this tenant's, by name)", names)
		}
		_, err = f.svc.ListGroups(ctx, member)
		wantCode(t, err, fault.Forbidden)
	})
}
