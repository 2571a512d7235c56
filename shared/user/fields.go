package user

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"roster/shared/check"
	"roster/shared/fault"
)

// The rules of a user's fields, written once. Every entry point that takes
// a user's fields (the five dialects, sign-in, provisioning, the directory)
// checks them here; a dialect passes the name its callers give the field
// ("userName", "user.username") and, where it documents its own shape,
// maps the problems into it. The words come from package check, so a rule
// reads the same on every route.

// Limits of a user's fields.
const (
	MaxUsername     = 128            // characters of a username or userCode
	MaxEmail        = check.MaxEmail // bytes of an email address (RFC 5321)
	MaxName         = 100            // characters of a first, last or display name
	MaxLDAPUserName = 256            // characters of a directory (LDAP/AD) user name
	MaxMobile       = 32             // characters of a phone number as given
	MaxStoreID      = 64             // characters of a default store id
)

// Messages of the rules that are the user's own; the general ones
// (required, length, control characters) are package check's.
const (
	msgUsername = "must not contain spaces or control characters"
	msgScripts  = "must not mix scripts (such as Latin with Cyrillic)"
	msgMobile   = "must be a phone number such as +47 912 34 567"
	msgLanguage = "must be an ISO 639-1 code: two lower-case letters such as en"
	msgStoreID  = "must contain only letters, digits, - and _ (pattern ^[A-Za-z0-9-_]+)"
)

// CheckUsername checks a login name: required (not blank), at most
// [MaxUsername] characters, valid UTF-8 of printable characters other
// than white space: no control or format characters (U+200B, U+00AD), so
// two names cannot differ only in invisible ways; and no mix of scripts
// that UTS 39 would call confusable (see [mixesScripts]), so "pаypal" with
// a Cyrillic "а" cannot pass for "paypal". A user name that is an email
// address is judged as one, as [CheckEmail] does.
func CheckUsername(field, v string) []fault.FieldError {
	switch {
	case strings.TrimSpace(v) == "":
		return check.Missing(field)
	case utf8.RuneCountInString(v) > MaxUsername:
		return check.Length(field, v, MaxUsername)
	case !utf8.ValidString(v) || strings.IndexFunc(v, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) >= 0:
		return problem(field, msgUsername)
	case addressMixesScripts(v):
		return problem(field, msgScripts)
	}
	return nil
}

// CheckEmail checks a required email address exactly as given: at most
// [MaxEmail] bytes, one plain address with a dotted domain, and neither
// its local part nor a label of its domain mixing scripts (see
// [mixesScripts]). A caller that tolerates white space around an address
// trims it first, as [NormalizeEmail] does.
func CheckEmail(field, v string) []fault.FieldError {
	if p := check.Email(field, v); p != nil {
		return p
	}
	if addressMixesScripts(v) {
		return problem(field, msgScripts)
	}
	return nil
}

// CheckOptionalEmail checks an email address that may be left out: empty
// or blank passes, anything else must be an address once trimmed.
func CheckOptionalEmail(field, v string) []fault.FieldError {
	if v = strings.TrimSpace(v); v == "" {
		return nil
	}
	return CheckEmail(field, v)
}

// CheckName checks a first, last or display name: at most [MaxName]
// characters without control characters, and not blank when required.
func CheckName(field, v string, required bool) []fault.FieldError {
	return check.Text(field, v, MaxName, required)
}

// CheckLDAPUserName checks a directory user name; empty means none.
func CheckLDAPUserName(field, v string) []fault.FieldError {
	return check.Text(field, v, MaxLDAPUserName, false)
}

// CheckRole checks a role id against the built-in roles.
func CheckRole(field, v string) []fault.FieldError {
	return check.Role(field, v)
}

// CheckMobile checks a phone number as people write it: digits with an
// optional leading +, and spaces, dots, dashes or parentheses between them;
// 3 to 15 digits (the E.164 maximum), at most [MaxMobile] characters.
// Empty clears the number.
func CheckMobile(field, v string) []fault.FieldError {
	if v == "" {
		return nil
	}
	if len(v) > MaxMobile { // every character it may hold is one byte
		return check.TooLong(field, MaxMobile)
	}
	digits := 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case '0' <= c && c <= '9':
			digits++
		case c == '+' && i == 0:
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')':
		default:
			return problem(field, msgMobile)
		}
	}
	if digits < 3 || digits > 15 {
		return problem(field, msgMobile)
	}
	return nil
}

// CheckLanguage checks a language code: one of the ISO 639-1 codes, in
// lower case.
func CheckLanguage(field, v string) []fault.FieldError {
	if ValidLanguage(v) {
		return nil
	}
	return problem(field, msgLanguage)
}

// CheckStoreID checks a default store id against ^[A-Za-z0-9-_]+, at most
// [MaxStoreID] characters; empty clears it.
func CheckStoreID(field, v string) []fault.FieldError {
	if v == "" {
		return nil
	}
	return check.ID(field, v, MaxStoreID, "-_", msgStoreID)
}

// addressMixesScripts reports whether v, a user name or an email address,
// mixes scripts: the part before its last "@" (all of v when it has none)
// is judged as one identifier and each label of the domain after it as
// another, since a domain's labels are registered one by one: the address
// "иван@пример.com" is two scripts in good faith. Every part must pass on
// its own.
func addressMixesScripts(v string) bool {
	at := strings.LastIndexByte(v, '@')
	if at < 0 {
		return mixesScripts(v)
	}
	if mixesScripts(v[:at]) {
		return true
	}
	for label := range strings.SplitSeq(v[at+1:], ".") {
		if mixesScripts(label) {
			return true
		}
	}
	return false
}

// mixesScripts reports whether s fails UTS 39's Highly Restrictive level
// (section 5.2): its letters must all be of one script, or of Latin and
// Han with at most one of Japanese kana (Hiragana and Katakana), Hangul or
// Bopomofo, the combinations Japanese, Korean and Chinese text is written
// in. Characters of the Common and Inherited scripts (digits, punctuation,
// combining accents) go with any script. This is the check that refuses
// "pаypal" with a Cyrillic "а" and accepts "josé", "山田", "tanaka山田"
// and "Αλέξανδρος". It reads Go's Script property rather than the
// standard's Script_Extensions, a simplification: a character that a few
// scripts share is judged by its own script, or goes with any when that
// is Common (the Japanese prolonged sound mark "ー").
func mixesScripts(s string) bool {
	var (
		other                              *unicode.RangeTable // the one script outside Latin and the CJK family
		latin, han, kana, hangul, bopomofo bool
	)
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf: // ASCII: Latin letters, the rest Common
			latin = latin || 'a' <= r|0x20 && r|0x20 <= 'z'
		case unicode.In(r, unicode.Common, unicode.Inherited):
		case unicode.Is(unicode.Latin, r):
			latin = true
		case unicode.Is(unicode.Han, r):
			han = true
		case unicode.In(r, unicode.Hiragana, unicode.Katakana):
			kana = true
		case unicode.Is(unicode.Hangul, r):
			hangul = true
		case unicode.Is(unicode.Bopomofo, r):
			bopomofo = true
		case other != nil:
			if !unicode.Is(other, r) {
				return true // two scripts outside the CJK family
			}
		default:
			if other = scriptOf(r); other == nil {
				return true // no script known: nothing to judge it by
			}
		}
	}
	if other != nil {
		return latin || han || kana || hangul || bopomofo
	}
	return count(kana, hangul, bopomofo) > 1
}

// scriptOf returns the table of the script r belongs to, or nil when
// Go's tables assign it none (an unassigned code point).
func scriptOf(r rune) *unicode.RangeTable {
	for _, table := range unicode.Scripts {
		if unicode.Is(table, r) {
			return table
		}
	}
	return nil
}

// count returns how many of flags are true.
func count(flags ...bool) int {
	n := 0
	for _, f := range flags {
		if f {
			n++
		}
	}
	return n
}

// ValidLanguage reports whether code is an ISO 639-1 language code, in
// lower case.
func ValidLanguage(code string) bool {
	if len(code) != 2 {
		return false
	}
	return strings.Contains(iso6391, code+" ")
}

// iso6391 is the set of ISO 639-1 two-letter language codes (the 183
// current ones), each followed by a space; a constant, so no package
// state is built at start.
const iso6391 = "aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy " +
	"da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz " +
	"ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv " +
	"mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu " +
	"rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty " +
	"ug uk ur uz ve vi vo wa wo xh yi yo za zh zu "

func problem(field, msg string) []fault.FieldError {
	return []fault.FieldError{{Field: field, Message: msg}}
}

// Limits of an external id and of a Profile.
const (
	MaxExternalID   = 256 // characters of an external id
	MaxProfileText  = 256 // characters of each text field of a Profile
	MaxProfileItems = 10  // emails, phone numbers or addresses of a Profile
)

// CheckExternalID checks an external id: at most [MaxExternalID]
// characters without control characters; empty means none.
func CheckExternalID(field, v string) []fault.FieldError {
	return check.Text(field, v, MaxExternalID, false)
}

// CheckProfile checks every field of a Profile, naming each as SCIM does
// (name.middleName, emails[1].value, urn:…:enterprise:2.0:User:department
// shortened to its attribute name): text at most [MaxProfileText]
// characters without control characters, at most [MaxProfileItems]
// values of a multi-valued attribute, each email an address and at most
// one value of each marked primary.
func CheckProfile(p *Profile) []fault.FieldError {
	if p == nil {
		return nil
	}
	var out []fault.FieldError
	text := func(field, v string) { out = append(out, check.Text(field, v, MaxProfileText, false)...) }
	for field, v := range map[string]string{
		"name.formatted": p.Formatted, "name.middleName": p.MiddleName, "name.honorificPrefix": p.HonorificPrefix, "name.honorificSuffix": p.HonorificSuffix,
		"nickName": p.NickName, "profileUrl": p.ProfileURL, "title": p.Title, "userType": p.UserType,
		"preferredLanguage": p.PreferredLanguage, "locale": p.Locale, "timezone": p.Timezone,
		"employeeNumber": p.EmployeeNumber, "costCenter": p.CostCenter, "organization": p.Organization,
		"division": p.Division, "department": p.Department, "manager.value": p.ManagerID,
	} {
		text(field, v)
	}
	contacts := func(field string, cs []Contact, email bool) {
		if len(cs) > MaxProfileItems {
			out = append(out, problem(field, "must list at most "+itoa(MaxProfileItems)+" values")...)
			return
		}
		primaries := 0
		for i, c := range cs {
			at := field + "[" + itoa(i) + "]"
			if email {
				out = append(out, CheckEmail(at+".value", c.Value)...)
			} else {
				out = append(out, check.Text(at+".value", c.Value, MaxProfileText, true)...)
			}
			text(at+".type", c.Type)
			text(at+".display", c.Display)
			if c.Primary {
				primaries++
			}
		}
		if primaries > 1 {
			out = append(out, problem(field, "must mark at most one value primary")...)
		}
	}
	contacts("emails", p.Emails, true)
	contacts("phoneNumbers", p.PhoneNumbers, false)
	if len(p.Addresses) > MaxProfileItems {
		out = append(out, problem("addresses", "must list at most "+itoa(MaxProfileItems)+" values")...)
	} else {
		primaries := 0
		for i, a := range p.Addresses {
			at := "addresses[" + itoa(i) + "]"
			text(at+".formatted", a.Formatted)
			text(at+".streetAddress", a.StreetAddress)
			text(at+".locality", a.Locality)
			text(at+".region", a.Region)
			text(at+".postalCode", a.PostalCode)
			text(at+".country", a.Country)
			text(at+".type", a.Type)
			if a.Primary {
				primaries++
			}
		}
		if primaries > 1 {
			out = append(out, problem("addresses", "must mark at most one value primary")...)
		}
	}
	slices.SortStableFunc(out, func(a, b fault.FieldError) int { return strings.Compare(a.Field, b.Field) })
	return out
}

func itoa(i int) string { return strconv.Itoa(i) }
