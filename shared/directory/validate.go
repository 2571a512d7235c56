package directory

import (
	"encoding/base64"
	"slices"
	"strconv"

	"roster/shared/check"
	"roster/shared/fault"
	"roster/shared/password"
	"roster/shared/user"
)

// Field limits beyond the user's own (package user). Ids (users, groups,
// working environments) are uids (check.UID).
const (
	maxGroupName = 100 // characters
	maxAzureID   = 128
	maxAzureKey  = 1024 // bytes of an application key, before sealing
	maxEnvs      = 100  // working environments per user
)

// problems collects field problems in the order found.
type problems []fault.FieldError

func (p *problems) add(field, msg string) {
	*p = append(*p, fault.FieldError{Field: field, Message: msg})
}

// addAll adds what a rule found, if anything.
func (p *problems) addAll(found []fault.FieldError) { *p = append(*p, found...) }

func (p problems) err() error { return fault.InvalidFields(p) }

// validID reports whether v is a uid (check.UID).
func validID(v string) bool { return check.UID(v) }

// ids checks a list of ids: at most max of them, each well formed.
func (p *problems) ids(field string, ids []string, max int) {
	if len(ids) > max {
		p.add(field, "must list at most "+strconv.Itoa(max)+" ids")
		return
	}
	for _, id := range ids {
		if !validID(id) {
			p.add(field, "must list ids matching ^[A-Za-z0-9_-]{1,64}$")
			return
		}
	}
}

// checkNew reports every problem of a new user that needs no stored state.
func checkNew(in NewUser) error {
	var p problems
	p.addAll(user.CheckUsername("username", in.Username))
	p.addAll(user.CheckOptionalEmail("email", in.Email))
	p.addAll(user.CheckName("firstName", in.FirstName, false))
	p.addAll(user.CheckName("lastName", in.LastName, false))
	p.addAll(user.CheckLDAPUserName("ldapUserName", in.LDAPUserName))
	if in.Role != "" {
		p.addAll(user.CheckRole("role", in.Role))
	}
	if in.LoginProfileID < 0 {
		p.add("loginProfileId", "must not be negative")
	}
	p.ids("groups", in.Groups, MaxGroups)
	p.addAll(user.CheckName("displayName", in.DisplayName, false))
	p.addAll(user.CheckExternalID("externalId", in.ExternalID))
	p.addAll(user.CheckProfile(in.Profile))
	return p.err()
}

// checkChange reports every problem of a change that needs no stored state.
func checkChange(c Change) error {
	var p problems
	if c.Username != nil {
		p.addAll(user.CheckUsername("username", *c.Username))
	}
	if c.Email != nil {
		p.addAll(user.CheckOptionalEmail("email", *c.Email))
	}
	if c.FirstName != nil {
		p.addAll(user.CheckName("firstName", *c.FirstName, false))
	}
	if c.LastName != nil {
		p.addAll(user.CheckName("lastName", *c.LastName, false))
	}
	if c.LDAPUserName != nil {
		p.addAll(user.CheckLDAPUserName("ldapUserName", *c.LDAPUserName))
	}
	if c.DisplayName != nil {
		p.addAll(user.CheckName("displayName", *c.DisplayName, false))
	}
	if c.ExternalID != nil {
		p.addAll(user.CheckExternalID("externalId", *c.ExternalID))
	}
	if c.Profile != nil {
		p.addAll(user.CheckProfile(*c.Profile))
	}
	if c.Role != nil {
		p.addAll(user.CheckRole("role", *c.Role))
	}
	if c.LoginProfileID != nil && *c.LoginProfileID < 0 {
		p.add("loginProfileId", "must not be negative")
	}
	if c.WorkingEnvironments != nil {
		p.ids("workingEnvironments", *c.WorkingEnvironments, maxEnvs)
	}
	if a := c.Azure; a != nil {
		p.addAll(check.Text("azureCredentials.subscriptionId", a.SubscriptionID, maxAzureID, false))
		p.addAll(check.Text("azureCredentials.tenantId", a.TenantID, maxAzureID, false))
		p.addAll(check.Text("azureCredentials.applicationId", a.ApplicationID, maxAzureID, false))
		p.addAll(check.Size("azureCredentials.applicationKey", a.ApplicationKey, maxAzureKey))
	}
	if c.Password != nil {
		p.addAll(check.Size("password", *c.Password, password.MaxInputBytes))
	}
	p.ids("groupIDsToAdd", c.GroupsToAdd, MaxGroups)
	p.ids("groupIDsToRemove", c.GroupsToRemove, MaxGroups)
	for _, id := range c.GroupsToAdd {
		if slices.Contains(c.GroupsToRemove, id) {
			p.add("groupIDsToAdd", "must not list a group that groupIDsToRemove lists too")
			break
		}
	}
	if c.IfVersion < 0 {
		p.add("ifVersion", "must not be negative")
	}
	return p.err()
}

// Cursors are the id of the last user of a page, base64url without
// padding: opaque to callers, and checked on the way back in.
func encodeCursor(lastID string) string { return base64.RawURLEncoding.EncodeToString([]byte(lastID)) }

func decodeCursor(c string) (string, error) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(c)
	if err != nil || !validID(string(b)) {
		return "", fault.InvalidField("cursor", "must be the cursor of a previous page")
	}
	return string(b), nil
}

// checkGroupName checks a group name: 1 to 100 characters of text, not blank.
func checkGroupName(name string) error {
	return fault.InvalidFields(check.Text("name", name, maxGroupName, true))
}
