package users

import (
	"bytes"
	"context"
	"io"
	"maps"
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/role"
	"roster/shared/web"
)

// Limits on input, documented in docs/api/users.md.
const (
	maxBody         = 16 << 10 // bytes per request body
	maxEmptyBody    = 64       // bytes a route that takes no body still reads
	maxID           = 64       // characters of a userId or working environment publicId
	maxEmail        = 254      // RFC 5321 path limit
	maxName         = 100      // characters of a first or last name
	maxUserName     = 128      // characters of a userName; it defaults to the email
	maxLDAPUserName = 256      // characters of an ldapUserName
	maxAzureID      = 128      // characters of an Azure subscription, tenant or application id
	maxAppKey       = 1024     // bytes of an Azure application key
	maxCursor       = 1024     // bytes of a listing cursor
	defaultPageSize = 50       // users per page when limit is left out

	maxPageSize            = directory.MaxPageSize
	maxWorkingEnvironments = 100 // publicIds per assignment
)

// writeProblem is the group's error writer: RFC 9457 problem details, with
// a Bearer challenge on every 401.
func writeProblem(w http.ResponseWriter, r *http.Request, err error) {
	if fault.CodeOf(err) == fault.Unauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="roster"`)
	}
	web.WriteProblem(w, r, err)
}

// principal returns the caller; auth.Require guarantees one on every route.
func principal(ctx context.Context) auth.Principal {
	p, _ := auth.PrincipalFrom(ctx)
	return p
}

// requirePrivileged refuses a change the route's permission does not
// cover, before anything is read, with the answer auth.Require gives.
func requirePrivileged(p auth.Principal) error {
	if p.Can(role.UsersPrivileged) {
		return nil
	}
	return fault.New(fault.Forbidden, "Your role does not allow this (%s).", role.UsersPrivileged)
}

// pathUserID returns the path's userId, checked against its pattern.
func pathUserID(r *http.Request) (string, error) {
	v := r.PathValue("userId")
	return v, fault.InvalidFields(checkID("userId", v))
}

// noBody accepts a request without a body, or with an empty one; anything
// else is refused as Decode would refuse it (415, 413 or 400 naming the
// field), so a client that sends data the route ignores finds out.
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

// errStale answers an If-Match that names no version the user has.
var errStale = fault.New(fault.PreconditionFailed, "The user has changed since you read it (If-Match does not match its ETag); read it again and retry.")

// etag is the strong entity tag of a version.
func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// pageQuery is the query of a listing.
type pageQuery struct {
	limit  int
	cursor string
}

// listQuery reads limit and cursor. Anything else, a repeated parameter or
// a value out of range is 400 naming the parameter, so a client that
// misspells one finds out instead of getting a default.
func listQuery(r *http.Request) (pageQuery, error) {
	q := pageQuery{limit: defaultPageSize}
	vals, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return q, fault.InvalidField("query", "is not a valid query string")
	}
	var p []fault.FieldError
	for _, k := range slices.Sorted(maps.Keys(vals)) {
		v := vals[k]
		if len(v) > 1 {
			p = append(p, fault.FieldError{Field: k, Message: "must be given at most once"})
			continue
		}
		switch k {
		case "limit":
			n, err := strconv.Atoi(v[0])
			if err != nil || n < 1 || n > maxPageSize {
				p = append(p, fault.FieldError{Field: k, Message: "must be an integer from 1 to " + strconv.Itoa(maxPageSize)})
				continue
			}
			q.limit = n
		case "cursor":
			if !validCursor(v[0]) {
				p = append(p, fault.FieldError{Field: k, Message: "must be the nextCursor of a previous page"})
				continue
			}
			q.cursor = v[0]
		default:
			p = append(p, fault.FieldError{Field: k, Message: "is not a known parameter (limit, cursor)"})
		}
	}
	return q, fault.InvalidFields(p)
}

// validCursor accepts what a cursor can be: 1 to maxCursor bytes of
// visible ASCII. Whether it is one the directory issued is its answer.
func validCursor(c string) bool {
	if c == "" || len(c) > maxCursor {
		return false
	}
	for i := 0; i < len(c); i++ {
		if c[i] < '!' || c[i] > '~' {
			return false
		}
	}
	return true
}

// checkID checks an id against ^[A-Za-z0-9_-]{1,64}$.
func checkID(field, v string) []fault.FieldError {
	switch {
	case v == "":
		return []fault.FieldError{{Field: field, Message: "is required and must not be empty"}}
	case len(v) > maxID:
		return []fault.FieldError{{Field: field, Message: "must be at most 64 characters"}}
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return []fault.FieldError{{Field: field, Message: "must contain only letters, digits, _ and - (pattern ^[A-Za-z0-9_-]{1,64}$)"}}
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
	case !utf8.ValidString(v) || strings.IndexFunc(v, unicode.IsControl) >= 0:
		return []fault.FieldError{{Field: field, Message: "must not contain control characters"}}
	}
	return nil
}

// checkUserName checks a login name: 1 to maxUserName characters without
// spaces or control characters, so two names cannot differ only in
// invisible ways.
func checkUserName(field, v string) []fault.FieldError {
	switch {
	case v == "":
		return []fault.FieldError{{Field: field, Message: "is required and must not be empty"}}
	case utf8.RuneCountInString(v) > maxUserName:
		return []fault.FieldError{{Field: field, Message: "must be at most " + strconv.Itoa(maxUserName) + " characters"}}
	case !utf8.ValidString(v) || strings.IndexFunc(v, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return []fault.FieldError{{Field: field, Message: "must not contain spaces or control characters"}}
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

// checkRole checks a role id against the built-in roles.
func checkRole(field, v string) []fault.FieldError {
	if role.Valid(v) {
		return nil
	}
	return []fault.FieldError{{Field: field, Message: "must be one of " + roleList()}}
}

func roleList() string {
	ids := role.All()
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = string(id)
	}
	return strings.Join(names, ", ")
}

// checkAzureID checks an Azure subscription, tenant or application id:
// a GUID such as 8f2e4c1a-0b6d-4e7f-9a3c-5d1e2f3a4b5c, or for a tenant its
// domain (contoso.onmicrosoft.com), so letters, digits, '.', '-' and '_'.
func checkAzureID(field, v string) []fault.FieldError {
	switch {
	case v == "":
		return []fault.FieldError{{Field: field, Message: "is required and must not be empty"}}
	case len(v) > maxAzureID:
		return []fault.FieldError{{Field: field, Message: "must be at most " + strconv.Itoa(maxAzureID) + " characters"}}
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return []fault.FieldError{{Field: field, Message: "must be an Azure id such as 8f2e4c1a-0b6d-4e7f-9a3c-5d1e2f3a4b5c: letters, digits, '.', '-' and '_'"}}
		}
	}
	return nil
}

// checkSecret checks an Azure application key as it arrives: present,
// bounded, printable. Its value is never echoed in a message.
func checkSecret(field, v string) []fault.FieldError {
	switch {
	case v == "":
		return []fault.FieldError{{Field: field, Message: "is required and must not be empty"}}
	case len(v) > maxAppKey:
		return []fault.FieldError{{Field: field, Message: "must be at most " + strconv.Itoa(maxAppKey) + " bytes"}}
	case !utf8.ValidString(v) || strings.IndexFunc(v, unicode.IsControl) >= 0:
		return []fault.FieldError{{Field: field, Message: "must not contain control characters"}}
	}
	return nil
}

// serviceFields are the directory's names for the fields this dialect
// names otherwise.
var serviceFields = map[string]string{
	"username":                        "userName",
	"role":                            "roleId",
	"workingEnvironments":             "publicIds",
	"azureCredentials.subscriptionId": "subscriptionId",
	"azureCredentials.tenantId":       "tenantId",
	"azureCredentials.applicationId":  "applicationId",
	"azureCredentials.applicationKey": "applicationKey",
}

// inDialect renames the fields a directory fault names to the members a
// caller of this API sent; extra overrides serviceFields. The cause is
// kept for the logs.
func inDialect(err error, extra map[string]string) error {
	f := fault.As(err)
	if len(f.Fields) == 0 {
		return err
	}
	out := *f
	out.Fields = make([]fault.FieldError, len(f.Fields))
	for i, fe := range f.Fields {
		if name, ok := extra[fe.Field]; ok {
			fe.Field = name
		} else if name, ok := serviceFields[fe.Field]; ok {
			fe.Field = name
		}
		out.Fields[i] = fe
	}
	return &out
}
