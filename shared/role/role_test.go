package role

import (
	"slices"
	"testing"
)

func TestBuiltInRolesGrantTheirDocumentedPermissions(t *testing.T) {
	tests := []struct {
		role  ID
		can   []Permission
		canot []Permission
	}{
		{Owner, []Permission{UsersPrivileged, APIKeysWrite, TenantAdmin, AuditRead}, nil},
		{Admin, []Permission{UsersPrivileged, APIKeysWrite, DevicesWrite, AuditRead}, nil},
		{UserManager, []Permission{UsersRead, UsersWrite, UsersDelete, InvitationsWrite}, []Permission{UsersPrivileged, APIKeysWrite, DevicesWrite, TenantAdmin, AuditRead}},
		{Member, []Permission{SelfRead, SelfWrite}, []Permission{UsersRead, UsersWrite, InvitationsWrite, AuditRead}},
	}
	for _, tt := range tests {
		for _, p := range tt.can {
			if !Grants(p, string(tt.role)) {
				t.Errorf("%s should grant %s", tt.role, p)
			}
		}
		for _, p := range tt.canot {
			if Grants(p, string(tt.role)) {
				t.Errorf("%s must not grant %s", tt.role, p)
			}
		}
	}
}

func TestUnknownRolesGrantNothing(t *testing.T) {
	if Grants(SelfRead, "root", "") || len(Permissions("superuser")) != 0 || Valid("superuser") {
		t.Fatal("an unknown role granted something")
	}
}

func TestPermissionsAreSortedAndUnique(t *testing.T) {
	got := Permissions(string(Member), string(UserManager), string(Member))
	if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
		t.Fatalf("permissions not sorted and unique: %v", got)
	}
}

func TestOnlyOwnersAssignOwnerOrAdmin(t *testing.T) {
	if CanAssign(Admin, string(Admin)) || CanAssign(Owner, string(Admin)) {
		t.Error("an admin may not make admins or owners")
	}
	if !CanAssign(Admin, string(Owner)) || !CanAssign(Member, string(Admin)) {
		t.Error("owners make admins; admins make members")
	}
	if !CanAssign(Member, string(UserManager)) || CanAssign(UserManager, string(UserManager)) {
		t.Error("a user manager makes members, not user managers")
	}
	if CanAssign(Member, string(Member)) || CanAssign(ID("root"), string(Owner)) {
		t.Error("members assign nothing, and nobody assigns an unknown role")
	}
}
