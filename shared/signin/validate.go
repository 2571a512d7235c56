package signin

import (
	"net/mail"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"roster/shared/fault"
	"roster/shared/password"
)

// Field limits of self-service and invitation input.
const (
	maxEmail   = 254 // RFC 5321 path limit
	maxName    = 100 // characters of a first, last, display or device name
	maxStoreID = 64
)

var (
	mobilePattern  = regexp.MustCompile(`^\+?[0-9 ().-]{3,32}$`)
	storeIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]*$`)
)

// checkEmail reports what is wrong with an email address: required, at
// most 254 bytes, one plain address with a dotted domain.
func checkEmail(field, email string) []fault.FieldError {
	switch {
	case strings.TrimSpace(email) == "":
		return []fault.FieldError{{Field: field, Message: "is required and must not be empty"}}
	case len(email) > maxEmail:
		return []fault.FieldError{{Field: field, Message: "must be at most 254 bytes"}}
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != strings.TrimSpace(email) || !strings.Contains(a.Address[strings.LastIndexByte(a.Address, '@')+1:], ".") {
		return []fault.FieldError{{Field: field, Message: "must be an email address such as name@example.com"}}
	}
	return nil
}

// checkName reports what is wrong with a name: at most 100 characters of
// text without control characters; required when asked.
func checkName(field, name string, required bool) []fault.FieldError {
	switch {
	case required && strings.TrimSpace(name) == "":
		return []fault.FieldError{{Field: field, Message: "is required and must not be empty"}}
	case !utf8.ValidString(name) || strings.IndexFunc(name, unicode.IsControl) >= 0:
		return []fault.FieldError{{Field: field, Message: "must be text without control characters"}}
	case utf8.RuneCountInString(name) > maxName:
		return []fault.FieldError{{Field: field, Message: "must be at most 100 characters"}}
	}
	return nil
}

// checkSelf reports every problem of a self-service change that needs no
// stored state, with the Account API's field names. Empty optional fields
// clear them; the email cannot be cleared.
func checkSelf(c SelfChange) []fault.FieldError {
	var p []fault.FieldError
	if c.DisplayName != nil {
		p = append(p, checkName("displayName", *c.DisplayName, false)...)
	}
	if c.Email != nil {
		p = append(p, checkEmail("email", *c.Email)...)
	}
	if c.FirstName != nil {
		p = append(p, checkName("firstname", *c.FirstName, false)...)
	}
	if c.LastName != nil {
		p = append(p, checkName("lastname", *c.LastName, false)...)
	}
	if c.Mobile != nil && *c.Mobile != "" && !mobilePattern.MatchString(*c.Mobile) {
		p = append(p, fault.FieldError{Field: "mobile", Message: "must be a phone number of 3 to 32 digits, spaces, dots, parentheses and dashes, optionally starting with +"})
	}
	if c.LanguageCode != nil && *c.LanguageCode != "" && !ValidLanguage(strings.ToLower(*c.LanguageCode)) {
		p = append(p, fault.FieldError{Field: "languageCode", Message: "must be an ISO 639-1 language code such as en"})
	}
	if c.DefaultStoreID != nil && (len(*c.DefaultStoreID) > maxStoreID || !storeIDPattern.MatchString(*c.DefaultStoreID)) {
		p = append(p, fault.FieldError{Field: "defaultStoreUid", Message: "must be at most 64 letters, digits, '-' and '_'"})
	}
	if c.Password != nil && (c.CurrentPassword == nil || *c.CurrentPassword == "") {
		p = append(p, fault.FieldError{Field: "currentPassword", Message: "is required to change the password"})
	}
	if c.CurrentPassword != nil && len(*c.CurrentPassword) > password.MaxInputBytes {
		p = append(p, fault.FieldError{Field: "currentPassword", Message: "is too long"})
	}
	return p
}

// ValidLanguage reports whether code is an ISO 639-1 language code, in
// lower case.
func ValidLanguage(code string) bool {
	_, ok := iso6391[code]
	return ok
}

// iso6391 is the set of ISO 639-1 two-letter language codes (the 183
// current ones).
var iso6391 = func() map[string]struct{} {
	const codes = "aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy " +
		"da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz " +
		"ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv " +
		"mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu " +
		"rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty " +
		"ug uk ur uz ve vi vo wa wo xh yi yo za zh zu"
	m := map[string]struct{}{}
	for _, c := range strings.Fields(codes) {
		m[c] = struct{}{}
	}
	return m
}()

// maskEmail shows enough of an address to recognise it and no more:
// the first character of the local part and the domain (a***@example.com).
func maskEmail(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at <= 0 {
		return "***"
	}
	first, _ := utf8.DecodeRuneInString(email)
	return string(first) + "***" + email[at:]
}
