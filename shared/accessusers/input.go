package accessusers

import (
	"context"

	"roster/shared/auth"
	"roster/shared/check"
	"roster/shared/fault"
	"roster/shared/password"
	"roster/shared/user"
)

// Limits on input, documented in docs/api/accessusers.md. A user's fields
// follow package user's rules; the directory checks what needs the tenant
// (email syntax after trimming, the password policy).
const (
	maxBody        = 16 << 10     // bytes per request body
	maxName        = user.MaxName // characters of a first, last or profile name
	maxSearchWord  = 100          // characters
	maxProfileID   = 1 << 31      // authId / loginProfileId upper bound (exclusive)
	maxUserID      = 1 << 53      // numeric user ids stay exact in JSON clients
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

// text checks an optional line of text (check.Text).
func (p *problems) text(field, v string, max int) {
	*p = append(*p, check.Text(field, v, max, false)...)
}

// username checks a required username (user.CheckUsername).
func (p *problems) username(v string) {
	*p = append(*p, user.CheckUsername("username", v)...)
}

// email checks an optional email's size; the directory checks its form,
// once trimmed.
func (p *problems) email(v string) {
	*p = append(*p, check.Size("email", v, user.MaxEmail)...)
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

// secret checks a required password field as it arrives (check.Secret);
// the policy is the directory's.
func (p *problems) secret(field, v string) {
	*p = append(*p, check.Secret(field, v, maxPasswordLen)...)
}
