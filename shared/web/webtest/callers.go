package webtest

import "roster/shared/auth"

// Callers returns the callers the groups' tests act as: in tenant acme an
// owner, a user manager and a member, each signed in with an access
// token, and API keys with the admin, user manager and member roles; and
// otherOwner, the owner of tenant globex. One set for every group keeps
// the ids the tests' expected bodies name the same everywhere.
func Callers() (owner, manager, member, adminKey, managerKey, memberKey, otherOwner auth.Principal) {
	user := func(tenant, n, role string) auth.Principal {
		return auth.Principal{TenantID: tenant, UserID: "usr" + n, AccountID: "acc" + n, Roles: []string{role}, Method: auth.ViaAccessToken}
	}
	key := func(n, role string) auth.Principal {
		return auth.Principal{TenantID: "acme", KeyID: "key" + n, Roles: []string{role}, Method: auth.ViaAPIKey}
	}
	return user("acme", "9", "owner"), user("acme", "5", "user_manager"), user("acme", "1", "member"),
		key("1", "admin"), key("3", "user_manager"), key("2", "member"), user("globex", "7", "owner")
}
