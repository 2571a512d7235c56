// Package role owns Roster's built-in roles and the permissions each grants.
// Every route declares the permission it needs; a caller's roles decide
// whether it has it.
package role

import "slices"

// Permission is one thing a caller may do in a tenant.
type Permission string

// The permissions routes declare.
const (
	SelfRead         Permission = "self:read"         // read one's own tenant user and account
	SelfWrite        Permission = "self:write"        // change one's own profile and password
	UsersRead        Permission = "users:read"        // read and search the tenant's users
	UsersWrite       Permission = "users:write"       // create and update users (not privileged fields)
	UsersDelete      Permission = "users:delete"      // delete users
	UsersPrivileged  Permission = "users:privileged"  // change role, active flag, basic-auth bypass, LDAP link
	GroupsRead       Permission = "groups:read"       // list groups
	GroupsWrite      Permission = "groups:write"      // create groups and change membership
	InvitationsWrite Permission = "invitations:write" // invite people into the tenant
	DevicesWrite     Permission = "devices:write"     // register devices to the tenant
	APIKeysWrite     Permission = "apikeys:write"     // create and revoke tenant API keys
	TenantAdmin      Permission = "tenant:admin"      // change tenant settings and login profiles
	AuditRead        Permission = "audit:read"        // read the tenant's audit log
)

// ID names a built-in role.
type ID string

// The built-in roles.
const (
	Owner       ID = "owner"        // everything, including handing out admin
	Admin       ID = "admin"        // everything in the tenant
	UserManager ID = "user_manager" // manages users and groups, invites people
	Member      ID = "member"       // self-service only
)

var grants = map[ID][]Permission{
	Owner: {SelfRead, SelfWrite, UsersRead, UsersWrite, UsersDelete, UsersPrivileged,
		GroupsRead, GroupsWrite, InvitationsWrite, DevicesWrite, APIKeysWrite, TenantAdmin, AuditRead},
	Admin: {SelfRead, SelfWrite, UsersRead, UsersWrite, UsersDelete, UsersPrivileged,
		GroupsRead, GroupsWrite, InvitationsWrite, DevicesWrite, APIKeysWrite, TenantAdmin, AuditRead},
	UserManager: {SelfRead, SelfWrite, UsersRead, UsersWrite, UsersDelete, GroupsRead, GroupsWrite, InvitationsWrite},
	Member:      {SelfRead, SelfWrite},
}

// All lists the built-in roles, most powerful first.
func All() []ID { return []ID{Owner, Admin, UserManager, Member} }

// Valid reports whether id is a built-in role.
func Valid(id string) bool {
	_, ok := grants[ID(id)]
	return ok
}

// Permissions returns what the roles grant together, sorted, without
// duplicates. Unknown roles grant nothing.
func Permissions(roles ...string) []Permission {
	var out []Permission
	for _, r := range roles {
		out = append(out, grants[ID(r)]...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Grants reports whether any of the roles grants p.
func Grants(p Permission, roles ...string) bool {
	for _, r := range roles {
		if slices.Contains(grants[ID(r)], p) {
			return true
		}
	}
	return false
}

// CanAssign reports whether a caller with the given roles may give a user
// the role target: only an owner makes owners or admins, the privileged
// permission makes user managers, and whoever may create users or invite
// people may make members.
func CanAssign(target ID, roles ...string) bool {
	switch target {
	case Owner, Admin:
		return slices.Contains(roles, string(Owner))
	case UserManager:
		return Grants(UsersPrivileged, roles...)
	case Member:
		return Grants(UsersWrite, roles...) || Grants(InvitationsWrite, roles...)
	default:
		return false
	}
}
