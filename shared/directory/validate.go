package directory

import (
	"encoding/base64"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"roster/shared/fault"
	"roster/shared/password"
	"roster/shared/role"
)

// Field limits. Ids (users, groups, working environments) follow the
// dialects' uid pattern, which also keeps every key well under DynamoDB's.
const (
	maxUsername = 128
	maxEmail    = 254 // RFC 5321 path limit, in bytes
	maxName     = 100 // first, last and group names, in characters
	maxLDAPName = 256
	maxID       = 64
	maxAzureID  = 128
	maxAzureKey = 1024 // bytes of an application key, before sealing
	maxEnvs     = 100  // working environments per user
)

// problems collects field problems in the order found.
type problems []fault.FieldError

func (p *problems) add(field, msg string) {
	*p = append(*p, fault.FieldError{Field: field, Message: msg})
}

func (p problems) err() error { return fault.InvalidFields(p) }

// validID reports whether v matches ^[A-Za-z0-9_-]{1,64}$.
func validID(v string) bool {
	if v == "" || len(v) > maxID {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// text checks free text: valid UTF-8 without control characters, at most
// max characters.
func (p *problems) text(field, v string, max int) {
	switch {
	case !utf8.ValidString(v) || strings.IndexFunc(v, unicode.IsControl) >= 0:
		p.add(field, "must be text without control characters")
	case utf8.RuneCountInString(v) > max:
		p.add(field, "must be at most "+strconv.Itoa(max)+" characters")
	}
}

// username checks a login name: 1 to 128 characters, no spaces or control
// characters (so two names cannot differ only in invisible ways).
func (p *problems) username(v string) {
	switch {
	case v == "":
		p.add("username", "is required and must not be empty")
	case !utf8.ValidString(v) || strings.IndexFunc(v, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		p.add("username", "must not contain spaces or control characters")
	case utf8.RuneCountInString(v) > maxUsername:
		p.add("username", "must be at most 128 characters")
	}
}

// email checks an address, when one is given: at most 254 bytes, one plain
// address with a dotted domain.
func (p *problems) email(v string) {
	v = strings.TrimSpace(v)
	if v == "" {
		return
	}
	if len(v) > maxEmail {
		p.add("email", "must be at most 254 bytes")
		return
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || !strings.Contains(v[strings.LastIndexByte(v, '@')+1:], ".") {
		p.add("email", "must be an email address such as name@example.com")
	}
}

// role checks a role id.
func (p *problems) role(v string) {
	if !role.Valid(v) {
		var names []string
		for _, r := range role.All() {
			names = append(names, string(r))
		}
		p.add("role", "must be one of "+strings.Join(names, ", "))
	}
}

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
	p.username(in.Username)
	p.email(in.Email)
	p.text("firstName", in.FirstName, maxName)
	p.text("lastName", in.LastName, maxName)
	p.text("ldapUserName", in.LDAPUserName, maxLDAPName)
	if in.Role != "" {
		p.role(in.Role)
	}
	if in.LoginProfileID < 0 {
		p.add("loginProfileId", "must not be negative")
	}
	p.ids("groups", in.Groups, MaxGroups)
	return p.err()
}

// checkChange reports every problem of a change that needs no stored state.
func checkChange(c Change) error {
	var p problems
	if c.Username != nil {
		p.username(*c.Username)
	}
	if c.Email != nil {
		p.email(*c.Email)
	}
	if c.FirstName != nil {
		p.text("firstName", *c.FirstName, maxName)
	}
	if c.LastName != nil {
		p.text("lastName", *c.LastName, maxName)
	}
	if c.LDAPUserName != nil {
		p.text("ldapUserName", *c.LDAPUserName, maxLDAPName)
	}
	if c.Role != nil {
		p.role(*c.Role)
	}
	if c.LoginProfileID != nil && *c.LoginProfileID < 0 {
		p.add("loginProfileId", "must not be negative")
	}
	if c.WorkingEnvironments != nil {
		p.ids("workingEnvironments", *c.WorkingEnvironments, maxEnvs)
	}
	if a := c.Azure; a != nil {
		p.text("azureCredentials.subscriptionId", a.SubscriptionID, maxAzureID)
		p.text("azureCredentials.tenantId", a.TenantID, maxAzureID)
		p.text("azureCredentials.applicationId", a.ApplicationID, maxAzureID)
		if len(a.ApplicationKey) > maxAzureKey {
			p.add("azureCredentials.applicationKey", "must be at most 1024 bytes")
		}
	}
	if c.Password != nil && len(*c.Password) > password.MaxInputBytes {
		p.add("password", "must be at most 1024 bytes")
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
	var p problems
	if strings.TrimSpace(name) == "" {
		p.add("name", "is required and must not be blank")
	} else {
		p.text("name", name, maxName)
	}
	return p.err()
}
