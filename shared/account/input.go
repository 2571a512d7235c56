package account

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"roster/shared/auth"
	"roster/shared/fault"
	"roster/shared/password"
	"roster/shared/signin"
	"roster/shared/web"
)

// Limits on input, documented in docs/api/account.md.
const (
	maxBody       = 16 << 10                             // bytes per request body
	maxEmptyBody  = 64                                   // bytes a route that takes no body still reads
	maxUID        = 64                                   // characters of a tenantUid, defaultStoreUid or path id
	maxEmail      = 254                                  // RFC 5321 path limit
	maxName       = 100                                  // characters of a name
	maxUserCode   = 254                                  // characters; a user code may be an email
	maxMobile     = 32                                   // characters of a phone number as given
	maxCredential = 512                                  // bytes of a device, auth or invite token; real ones are 64
	maxInviteTTL  = int(signin.MaxInviteTTL / time.Hour) // hours an invitation may stay open

	maxPasswordBytes = password.MaxInputBytes // the hasher refuses longer
)

// challenge is the WWW-Authenticate value of every 401 the group sends.
const challenge = `Bearer realm="roster"`

// writeProblem is the group's error writer: RFC 9457 problem details, with
// a Bearer challenge on every 401 (the credential may be a device, auth or
// access token; all are sent as bearer tokens).
func writeProblem(w http.ResponseWriter, r *http.Request, err error) {
	if fault.CodeOf(err) == fault.Unauthorized {
		w.Header().Set("WWW-Authenticate", challenge)
	}
	web.WriteProblem(w, r, err)
}

// encodePrivate writes a response that belongs to one person and may carry
// a secret: no cache may keep it.
func encodePrivate(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Cache-Control", "no-store")
	web.Encode(w, status, v)
}

// principal returns the caller; auth.Require guarantees one on the routes
// that use it.
func principal(ctx context.Context) auth.Principal {
	p, _ := auth.PrincipalFrom(ctx)
	return p
}

// bearer returns the token in the Authorization header, sent bare or after
// "Bearer ", or a fault.Unauthorized naming the kind of token the route
// wants. Checking the token is the service's job; this only keeps an absent
// or absurd one from reaching it.
func bearer(r *http.Request, kind string) (string, error) {
	cred := strings.TrimSpace(r.Header.Get("Authorization"))
	if len(cred) > 7 && strings.EqualFold(cred[:7], "bearer ") {
		cred = strings.TrimSpace(cred[7:])
	}
	if cred == "" || len(cred) > maxCredential || strings.EqualFold(cred, "bearer") {
		return "", fault.New(fault.Unauthorized, "A valid %s is required in the Authorization header.", kind)
	}
	return cred, nil
}

// errNoTenant answers for a tenant in a path that is not the caller's: the
// same as for a tenant that does not exist, so tenants cannot be probed.
var errNoTenant = fault.New(fault.NotFound, "No such tenant, or you have no account in it.")

// pathUID returns a path parameter checked against the uid pattern.
func pathUID(r *http.Request, name string) (string, error) {
	v := r.PathValue(name)
	if p := checkUID(name, v, true); p != nil {
		return "", fault.InvalidFields(p)
	}
	return v, nil
}

// ownTenant returns the path's tenantUid, which must be the caller's own.
func ownTenant(r *http.Request) (auth.Principal, error) {
	t, err := pathUID(r, "tenantUid")
	if err != nil {
		return auth.Principal{}, err
	}
	p := principal(r.Context())
	if t != p.TenantID {
		return auth.Principal{}, errNoTenant
	}
	return p, nil
}

// noBody accepts a request without a body, or with an empty JSON object;
// anything else is refused as Decode would refuse it (415, 413 or 400
// naming the field), so a client that sends data the route ignores finds
// out.
func noBody(r *http.Request) error {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	head, err := io.ReadAll(io.LimitReader(r.Body, maxEmptyBody+1))
	if err != nil {
		return fault.Wrap(err, fault.Invalid, "The request body could not be read.")
	}
	if len(bytes.TrimSpace(head)) == 0 && len(head) <= maxEmptyBody {
		return nil
	}
	r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(head), r.Body))
	_, err = web.Decode[struct{}](r, maxEmptyBody)
	return err
}

// ifVersion reads If-Match as the version a change applies to: 0 when
// there is no condition (no header, or "*"). Our ETags are strong and
// spell the version in decimal, so a weak tag or any other spelling can
// never match and is 412 at once; a header that is not an entity tag is
// 400.
func ifVersion(h http.Header) (int64, error) {
	vs := h.Values("If-Match")
	if len(vs) == 0 {
		return 0, nil
	}
	v := strings.TrimSpace(strings.Join(vs, ","))
	switch {
	case v == "*":
		return 0, nil
	case strings.Contains(v, ","):
		return 0, fault.InvalidField("If-Match", `must be a single entity tag, such as "3", from the ETag of a read`)
	case strings.HasPrefix(v, "W/") && len(v) >= 4 && v[2] == '"' && v[len(v)-1] == '"':
		return 0, errStale
	case len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' || strings.ContainsRune(v[1:len(v)-1], '"'):
		return 0, fault.InvalidField("If-Match", `must be an entity tag, such as "3", from the ETag of a read`)
	}
	n, err := strconv.ParseInt(v[1:len(v)-1], 10, 64)
	if err != nil || n < 1 || strconv.FormatInt(n, 10) != v[1:len(v)-1] {
		return 0, errStale
	}
	return n, nil
}

// errStale answers an If-Match that names no version the account has.
var errStale = fault.New(fault.PreconditionFailed, "The account has changed since you read it (If-Match does not match its ETag); read it again and retry.")

// etag is the strong entity tag of a version.
func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// checkUID checks a uid against ^[A-Za-z0-9-_]+ (at most maxUID
// characters); an empty one passes when required is false.
func checkUID(field, v string, required bool) []fault.FieldError {
	switch {
	case v == "" && !required:
		return nil
	case v == "":
		return []fault.FieldError{{Field: field, Message: "is required and must not be empty"}}
	case len(v) > maxUID:
		return []fault.FieldError{{Field: field, Message: "must be at most 64 characters"}}
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return []fault.FieldError{{Field: field, Message: "must contain only letters, digits, - and _ (pattern ^[A-Za-z0-9-_]+)"}}
		}
	}
	return nil
}

// checkText checks a line of text: at most max characters, no control
// characters, and not blank when required.
func checkText(field, v string, max int, required bool) []fault.FieldError {
	switch {
	case required && strings.TrimSpace(v) == "":
		return []fault.FieldError{{Field: field, Message: "is required and must not be blank"}}
	case utf8.RuneCountInString(v) > max:
		return []fault.FieldError{{Field: field, Message: "must be at most " + strconv.Itoa(max) + " characters"}}
	case !printable(v):
		return []fault.FieldError{{Field: field, Message: "must not contain control characters"}}
	}
	return nil
}

// checkSecret checks a password as it arrives: present and bounded. The
// password policy is the service's.
func checkSecret(field, v string) []fault.FieldError {
	switch {
	case v == "":
		return []fault.FieldError{{Field: field, Message: "is required and must not be empty"}}
	case len(v) > maxPasswordBytes:
		return []fault.FieldError{{Field: field, Message: "must be at most " + strconv.Itoa(maxPasswordBytes) + " bytes"}}
	}
	return nil
}

func checkEmail(field, email string) []fault.FieldError {
	switch {
	case email == "":
		return []fault.FieldError{{Field: field, Message: "is required and must not be empty"}}
	case len(email) > maxEmail:
		return []fault.FieldError{{Field: field, Message: "must be at most 254 bytes"}}
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || !strings.Contains(a.Address[strings.LastIndexByte(a.Address, '@')+1:], ".") {
		return []fault.FieldError{{Field: field, Message: "must be an email address such as name@example.com"}}
	}
	return nil
}

// checkLanguage checks an ISO 639-1 code: two lower-case letters.
func checkLanguage(field, v string) []fault.FieldError {
	if len(v) != 2 || v[0] < 'a' || v[0] > 'z' || v[1] < 'a' || v[1] > 'z' {
		return []fault.FieldError{{Field: field, Message: "must be an ISO 639-1 code: two lower-case letters such as en"}}
	}
	return nil
}

// checkMobile checks a phone number as people write it: digits with an
// optional leading +, and spaces, dots, dashes or parentheses between them;
// 3 to 15 digits (the E.164 maximum). Empty clears the number.
func checkMobile(field, v string) []fault.FieldError {
	if v == "" {
		return nil
	}
	bad := []fault.FieldError{{Field: field, Message: "must be a phone number such as +47 912 34 567"}}
	if len(v) > maxMobile {
		return []fault.FieldError{{Field: field, Message: "must be at most 32 characters"}}
	}
	digits := 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case '0' <= c && c <= '9':
			digits++
		case c == '+' && i == 0:
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')':
		default:
			return bad
		}
	}
	if digits < 3 || digits > 15 {
		return bad
	}
	return nil
}

func printable(s string) bool {
	return utf8.ValidString(s) && strings.IndexFunc(s, unicode.IsControl) < 0
}
