package scim

import (
	"reflect"
	"slices"
	"strings"
	"time"

	"roster/shared/directory"
	"roster/shared/user"
	"roster/shared/web"
)

// timeFormat is how meta's times are written: RFC 3339 in UTC, to the
// millisecond.
const timeFormat = "2006-01-02T15:04:05.000Z07:00"

// userResource is u as a SCIM User, with every attribute it has (the
// attributes and excludedAttributes parameters trim it later). base is
// the absolute URL of the SCIM root, for meta.location and $ref.
func userResource(u *user.User, base string) object {
	m := object{
		"schemas":  []any{UserSchema},
		"id":       u.ID,
		"userName": u.Username,
		"active":   u.Active,
		"meta": object{
			"resourceType": "User",
			"created":      u.CreatedAt.UTC().Format(timeFormat),
			"lastModified": u.UpdatedAt.UTC().Format(timeFormat),
			"version":      web.ETag(u.Version),
			"location":     base + "/Users/" + u.ID,
		},
	}
	set := func(o object, k, v string) {
		if v != "" {
			o[k] = v
		}
	}
	set(m, "externalId", u.ExternalID)
	set(m, "displayName", u.DisplayName)
	p := u.Profile
	if p == nil {
		p = &user.Profile{}
	}
	name := object{}
	set(name, "givenName", u.FirstName)
	set(name, "familyName", u.LastName)
	set(name, "middleName", p.MiddleName)
	set(name, "honorificPrefix", p.HonorificPrefix)
	set(name, "honorificSuffix", p.HonorificSuffix)
	if len(name) > 0 || p.Formatted != "" {
		set(name, "formatted", cmpOr(p.Formatted, joinNonEmpty(p.HonorificPrefix, u.FirstName, p.MiddleName, u.LastName, p.HonorificSuffix)))
		m["name"] = name
	}
	set(m, "nickName", p.NickName)
	set(m, "profileUrl", p.ProfileURL)
	set(m, "title", p.Title)
	set(m, "userType", p.UserType)
	set(m, "preferredLanguage", p.PreferredLanguage)
	set(m, "locale", p.Locale)
	set(m, "timezone", p.Timezone)
	if emails := emailsOf(u.Email, p.Emails); len(emails) > 0 {
		m["emails"] = emails
	}
	if len(p.PhoneNumbers) > 0 {
		m["phoneNumbers"] = contacts(p.PhoneNumbers)
	}
	if len(p.Addresses) > 0 {
		list := make([]any, len(p.Addresses))
		for i, a := range p.Addresses {
			o := object{}
			set(o, "formatted", a.Formatted)
			set(o, "streetAddress", a.StreetAddress)
			set(o, "locality", a.Locality)
			set(o, "region", a.Region)
			set(o, "postalCode", a.PostalCode)
			set(o, "country", a.Country)
			set(o, "type", a.Type)
			o["primary"] = a.Primary
			list[i] = o
		}
		m["addresses"] = list
	}
	if len(u.Groups) > 0 {
		list := make([]any, len(u.Groups))
		for i, g := range u.Groups {
			list[i] = object{"value": g, "$ref": base + "/Groups/" + g, "type": "direct"}
		}
		m["groups"] = list
	}
	ent := object{}
	set(ent, "employeeNumber", p.EmployeeNumber)
	set(ent, "costCenter", p.CostCenter)
	set(ent, "organization", p.Organization)
	set(ent, "division", p.Division)
	set(ent, "department", p.Department)
	if p.ManagerID != "" {
		ent["manager"] = object{"value": p.ManagerID}
	}
	if len(ent) > 0 {
		m[EnterpriseSchema] = ent
		m["schemas"] = []any{UserSchema, EnterpriseSchema}
	}
	return m
}

// emailsOf is the emails attribute: the addresses stored, as the client
// gave them. When the user's email was changed through another API since,
// it takes the place of the primary address (or the first); a user with
// no stored addresses shows its email as its primary work address.
func emailsOf(email string, stored []user.Contact) []any {
	if len(stored) == 0 {
		if email == "" {
			return nil
		}
		return contacts([]user.Contact{{Value: email, Type: "work", Primary: true}})
	}
	list := make([]user.Contact, len(stored))
	copy(list, stored)
	if email != "" && !slices.ContainsFunc(list, func(c user.Contact) bool {
		return user.NormalizeEmail(c.Value) == user.NormalizeEmail(email)
	}) {
		at := max(slices.IndexFunc(list, func(c user.Contact) bool { return c.Primary }), 0)
		list[at].Value = email
	}
	return contacts(list)
}

// contacts shows contact values with every sub-attribute a client gave;
// primary always, true or false.
func contacts(cs []user.Contact) []any {
	out := make([]any, len(cs))
	for i, c := range cs {
		o := object{"value": c.Value, "primary": c.Primary}
		if c.Type != "" {
			o["type"] = c.Type
		}
		if c.Display != "" {
			o["display"] = c.Display
		}
		out[i] = o
	}
	return out
}

func joinNonEmpty(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, " ")
}

// userInput is a User as a client wrote it (POST, PUT, or a PATCH's
// result), in the directory's terms.
type userInput struct {
	Username, Email, FirstName, LastName, DisplayName, ExternalID string
	Active                                                        bool
	Password                                                      *string
	Profile                                                       *user.Profile
}

// userFrom reads a canonical User. Read-only attributes (id, meta,
// groups) are ignored, as RFC 7643 §2.2 says; the field rules are the
// directory's (package user).
func userFrom(m object) (userInput, error) {
	var in userInput
	str := func(o object, k string) string { s, _ := o[k].(string); return s }
	in.Username = str(m, "userName")
	if strings.TrimSpace(in.Username) == "" {
		return in, invalid(invalidValue, "userName", "is required and must not be blank")
	}
	in.ExternalID = str(m, "externalId")
	in.DisplayName = str(m, "displayName")
	in.Active = true
	if b, ok := m["active"].(bool); ok {
		in.Active = b
	}
	if pw, ok := m["password"].(string); ok {
		in.Password = &pw
	}
	p := &user.Profile{}
	if name, ok := m["name"].(object); ok {
		in.FirstName, in.LastName = str(name, "givenName"), str(name, "familyName")
		p.Formatted = str(name, "formatted")
		p.MiddleName, p.HonorificPrefix, p.HonorificSuffix = str(name, "middleName"), str(name, "honorificPrefix"), str(name, "honorificSuffix")
	}
	p.NickName, p.ProfileURL, p.Title, p.UserType = str(m, "nickName"), str(m, "profileUrl"), str(m, "title"), str(m, "userType")
	p.PreferredLanguage, p.Locale, p.Timezone = str(m, "preferredLanguage"), str(m, "locale"), str(m, "timezone")
	readContacts := func(k string) []user.Contact {
		list, _ := m[k].([]any)
		var out []user.Contact
		for _, item := range list {
			o, _ := item.(object)
			c := user.Contact{Value: strings.TrimSpace(str(o, "value")), Type: str(o, "type"), Display: str(o, "display")}
			c.Primary, _ = o["primary"].(bool)
			out = append(out, c)
		}
		return out
	}
	p.Emails = readContacts("emails")
	p.PhoneNumbers = readContacts("phoneNumbers")
	if list, ok := m["addresses"].([]any); ok {
		for _, item := range list {
			o, _ := item.(object)
			a := user.Address{Formatted: str(o, "formatted"), StreetAddress: str(o, "streetAddress"),
				Locality: str(o, "locality"), Region: str(o, "region"), PostalCode: str(o, "postalCode"),
				Country: str(o, "country"), Type: str(o, "type")}
			a.Primary, _ = o["primary"].(bool)
			p.Addresses = append(p.Addresses, a)
		}
	}
	if ent, ok := m[EnterpriseSchema].(object); ok {
		p.EmployeeNumber, p.CostCenter, p.Organization = str(ent, "employeeNumber"), str(ent, "costCenter"), str(ent, "organization")
		p.Division, p.Department = str(ent, "division"), str(ent, "department")
		if mgr, ok := ent["manager"].(object); ok {
			p.ManagerID = str(mgr, "value")
		}
	}
	for _, c := range p.Emails {
		if c.Primary {
			in.Email = c.Value
		}
	}
	if in.Email == "" && len(p.Emails) > 0 {
		in.Email = p.Emails[0].Value
	}
	if reflect.ValueOf(*p).IsZero() {
		p = nil
	}
	in.Profile = p
	return in, nil
}

// newUser is the directory's create request for in: a member.
func (in userInput) newUser() directory.NewUser {
	nu := directory.NewUser{
		Username: in.Username, Email: in.Email, FirstName: in.FirstName, LastName: in.LastName,
		Active: in.Active, DisplayName: in.DisplayName, ExternalID: in.ExternalID, Profile: in.Profile,
	}
	if in.Password != nil {
		nu.Password = *in.Password
	}
	return nu
}

// change is the directory's change that makes a stored user in: every
// attribute SCIM holds is replaced (PUT replaces the whole resource; a
// PATCH's result is whole too), and the directory writes only what
// differs. ifVersion is the version the client read.
func (in userInput) change(ifVersion int64) directory.Change {
	c := directory.Change{
		Username: &in.Username, Email: &in.Email, FirstName: &in.FirstName, LastName: &in.LastName,
		DisplayName: &in.DisplayName, ExternalID: &in.ExternalID, Active: &in.Active,
		Profile: &in.Profile, Password: in.Password, IfVersion: ifVersion,
	}
	return c
}

// parseTime reads a dateTime as meta shows them, for comparisons.
func parseTime(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}
