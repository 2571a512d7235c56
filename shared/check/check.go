// Package check owns the general field checks and the one set of words
// every field problem is told in: a line of text, an id, an email address,
// a secret as it arrives, a role. Each takes the name a dialect gives the
// field and returns what is wrong with the value as fault.FieldErrors whose
// messages are predicates ("must be at most 100 characters"), or nothing.
// The rules of a user's own fields (which limit applies to which field, a
// username, a phone number) are package user's, built from these; a rule
// that needs its own words builds them from the predicates here
// ([Printable], [Alnum], [EmailAddress]) instead of restating them.
package check

import (
	"net/mail"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"roster/shared/fault"
	"roster/shared/role"
)

// MaxEmail is the most bytes an email address may have: the RFC 5321 path
// limit.
const MaxEmail = 254

// Messages every dialect shares.
const (
	msgRequired = "is required and must not be empty"
	msgBlank    = "is required and must not be blank"
	msgControl  = "must not contain control characters"
	msgEmail    = "must be an email address such as name@example.com"
)

// Text checks a line of text: at most max characters, no control
// characters, and not blank when required.
func Text(field, v string, max int, required bool) []fault.FieldError {
	switch {
	case required && strings.TrimSpace(v) == "":
		return problem(field, msgBlank)
	case utf8.RuneCountInString(v) > max:
		return Length(field, v, max)
	case !Printable(v):
		return problem(field, msgControl)
	}
	return nil
}

// Email checks a required email address: at most [MaxEmail] bytes, and
// exactly one plain address (no display name, no list) with a dotted
// domain, as [EmailAddress] reads it.
func Email(field, v string) []fault.FieldError {
	switch {
	case v == "":
		return Missing(field)
	case len(v) > MaxEmail:
		return Size(field, v, MaxEmail)
	}
	if addr, ok := EmailAddress(v); !ok || addr != v {
		return problem(field, msgEmail)
	}
	return nil
}

// EmailAddress parses s as one RFC 5322 address whose domain has a dot and
// returns its bare address (name@example.com). A caller that must have the
// address exactly as sent compares the result with s; one that tolerates a
// display name or surrounding space compares it with what it tolerates.
// An address with an invisible character (U+200B, a soft hyphen, a
// non-ASCII space) is refused: it would look like another person's.
func EmailAddress(s string) (string, bool) {
	a, err := mail.ParseAddress(s)
	if err != nil || !strings.Contains(a.Address[strings.LastIndexByte(a.Address, '@')+1:], ".") {
		return "", false
	}
	if strings.IndexFunc(a.Address, func(r rune) bool { return r == ' ' || !unicode.IsPrint(r) }) >= 0 {
		return "", false
	}
	return a.Address, true
}

// Secret checks a secret as it arrives (a password, an application key):
// present and at most maxBytes bytes. Its rules (a password policy) are the
// service's, and no message ever quotes the value.
func Secret(field, v string, maxBytes int) []fault.FieldError {
	switch {
	case v == "":
		return Missing(field)
	case len(v) > maxBytes:
		return Size(field, v, maxBytes)
	}
	return nil
}

// Token checks a third-party secret as it arrives (an access token, an
// application key): present, at most maxBytes bytes, and text without
// control characters, since it is stored and handed on as text. No message
// ever quotes the value.
func Token(field, v string, maxBytes int) []fault.FieldError {
	if p := Secret(field, v, maxBytes); p != nil {
		return p
	}
	if !Printable(v) {
		return problem(field, msgControl)
	}
	return nil
}

// ID checks a required identifier: 1 to max bytes, each an ASCII letter or
// digit or one of punct. badChar is the message for any other byte, since
// each dialect words its pattern its own way.
func ID(field, v string, max int, punct, badChar string) []fault.FieldError {
	switch {
	case v == "":
		return Missing(field)
	case len(v) > max:
		return TooLong(field, max)
	case !Alnum(v, punct):
		return problem(field, badChar)
	}
	return nil
}

// Missing is the problem of a required field left empty.
func Missing(field string) []fault.FieldError {
	return problem(field, msgRequired)
}

// Length checks that v has at most max characters.
func Length(field, v string, max int) []fault.FieldError {
	if utf8.RuneCountInString(v) <= max {
		return nil
	}
	return TooLong(field, max)
}

// TooLong is the problem of a value longer than max characters, for a
// rule that measures in its own way (an ASCII-only field in bytes).
func TooLong(field string, max int) []fault.FieldError {
	return problem(field, atMost(max, "characters"))
}

// Size checks that v has at most maxBytes bytes.
func Size(field, v string, maxBytes int) []fault.FieldError {
	if len(v) <= maxBytes {
		return nil
	}
	return problem(field, atMost(maxBytes, "bytes"))
}

func atMost(n int, unit string) string {
	return "must be at most " + strconv.Itoa(n) + " " + unit
}

// Role checks a role id against the built-in roles.
func Role(field, v string) []fault.FieldError {
	if role.Valid(v) {
		return nil
	}
	return problem(field, "must be one of "+RoleNames())
}

// RoleNames lists the built-in roles for a message:
// "owner, admin, user_manager, member".
func RoleNames() string {
	ids := role.All()
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = string(id)
	}
	return strings.Join(names, ", ")
}

// MaxUID is the most characters of a uid: the id of a user, group or
// working environment as the dialects write it.
const MaxUID = 64

// UID reports whether v is a uid: ^[A-Za-z0-9_-]{1,64}$, the dialects'
// pattern for ids, which also keeps every key well under DynamoDB's.
func UID(v string) bool { return v != "" && len(v) <= MaxUID && Alnum(v, "_-") }

// Alnum reports whether every byte of v is an ASCII letter or digit or one
// of the bytes of punct. The empty string passes.
func Alnum(v, punct string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(punct, c) >= 0) {
			return false
		}
	}
	return true
}

// Printable reports whether s is valid UTF-8 without control characters.
func Printable(s string) bool {
	return utf8.ValidString(s) && strings.IndexFunc(s, unicode.IsControl) < 0
}

func problem(field, msg string) []fault.FieldError {
	return []fault.FieldError{{Field: field, Message: msg}}
}
