package signin

import (
	"strings"
	"unicode/utf8"

	"roster/shared/fault"
	"roster/shared/password"
	"roster/shared/user"
)

// maxCredentialName is the most characters of a device's or an API key's
// name.
const maxCredentialName = 100

// checkEmail checks a required email address, tolerating white space
// around it (it is stored trimmed).
func checkEmail(field, email string) []fault.FieldError {
	return user.CheckEmail(field, strings.TrimSpace(email))
}

// checkSelf reports every problem of a self-service change that needs no
// stored state, with the Account API's field names. Empty optional fields
// clear them; the email cannot be cleared.
func checkSelf(c SelfChange) []fault.FieldError {
	var p []fault.FieldError
	if c.DisplayName != nil {
		p = append(p, user.CheckName("displayName", *c.DisplayName, false)...)
	}
	if c.Email != nil {
		p = append(p, checkEmail("email", *c.Email)...)
	}
	if c.FirstName != nil {
		p = append(p, user.CheckName("firstname", *c.FirstName, false)...)
	}
	if c.LastName != nil {
		p = append(p, user.CheckName("lastname", *c.LastName, false)...)
	}
	if c.Mobile != nil {
		p = append(p, user.CheckMobile("mobile", *c.Mobile)...)
	}
	if c.LanguageCode != nil && *c.LanguageCode != "" {
		p = append(p, user.CheckLanguage("languageCode", strings.ToLower(*c.LanguageCode))...)
	}
	if c.DefaultStoreID != nil {
		p = append(p, user.CheckStoreID("defaultStoreUid", *c.DefaultStoreID)...)
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
// lower case (user.ValidLanguage).
func ValidLanguage(code string) bool { return user.ValidLanguage(code) }

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
