package accessusers

import (
	"context"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"roster/shared/auth"
	"roster/shared/fault"
	"roster/shared/password"
)

// Limits on input, documented in docs/api/accessusers.md. The directory
// checks the finer rules of each field (email syntax, the password policy).
const (
	maxBody        = 16 << 10 // bytes per request body
	maxUsername    = 128      // characters
	maxEmail       = 254      // bytes, RFC 5321
	maxName        = 100      // characters of a first, last or profile name
	maxSearchWord  = 100      // characters
	maxProfileID   = 1 << 31  // authId / loginProfileId upper bound (exclusive)
	maxUserID      = 1 << 53  // numeric user ids stay exact in JSON clients
	maxPasswordLen = password.MaxInputBytes
)

// principal returns the caller; auth.Require guarantees one.
func principal(ctx context.Context) auth.Principal {
	p, _ := auth.PrincipalFrom(ctx)
	return p
}

// problems collects what is wrong with a request, one entry per field.
type problems []fault.FieldError

func (p *problems) add(field, msg string) {
	*p = append(*p, fault.FieldError{Field: field, Message: msg})
}

func (p problems) err() error { return fault.InvalidFields(p) }

// text checks an optional line of text: at most max characters and no
// control characters.
func (p *problems) text(field, v string, max int) {
	switch {
	case !utf8.ValidString(v) || strings.IndexFunc(v, unicode.IsControl) >= 0:
		p.add(field, "must not contain control characters")
	case utf8.RuneCountInString(v) > max:
		p.add(field, "must be at most "+strconv.Itoa(max)+" characters")
	}
}

// username checks a required username.
func (p *problems) username(v string) {
	switch {
	case strings.TrimSpace(v) == "":
		p.add("username", "is required and must not be empty")
	case !utf8.ValidString(v) || strings.IndexFunc(v, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		p.add("username", "must not contain spaces or control characters")
	case utf8.RuneCountInString(v) > maxUsername:
		p.add("username", "must be at most "+strconv.Itoa(maxUsername)+" characters")
	}
}

// email checks an optional email's size; the directory checks its form.
func (p *problems) email(v string) {
	if len(v) > maxEmail {
		p.add("email", "must be at most "+strconv.Itoa(maxEmail)+" bytes")
	}
}

// profileID checks a login profile number; required says whether it may be
// absent (nil). 0 names the tenant's default profile, as 1 does.
func (p *problems) profileID(field string, v *int64, required bool) {
	switch {
	case v == nil && required:
		p.add(field, "is required: the id of one of the tenant's login profiles (GET /api/v1/loginprofile/list)")
	case v != nil && (*v < 0 || *v >= maxProfileID):
		p.add(field, "must be the id of one of the tenant's login profiles (GET /api/v1/loginprofile/list)")
	}
}

// userID checks a required numeric user id.
func (p *problems) userID(v *int64) {
	switch {
	case v == nil:
		p.add("id", "is required: the access user's id, as search lists it")
	case *v < 1 || *v >= maxUserID:
		p.add("id", "must be an access user's id, a positive integer as search lists it")
	}
}

// secret checks a required password field as it arrives; the policy is
// the directory's.
func (p *problems) secret(field, v string) {
	switch {
	case v == "":
		p.add(field, "is required and must not be empty")
	case len(v) > maxPasswordLen:
		p.add(field, "must be at most "+strconv.Itoa(maxPasswordLen)+" bytes")
	}
}
