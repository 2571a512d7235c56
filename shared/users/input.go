package users

import (
	"context"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"roster/shared/auth"
	"roster/shared/check"
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
	maxAzureID      = 128      // characters of an Azure subscription, tenant or application id
	maxAppKey       = 1024     // bytes of an Azure application key
	maxCursor       = 1024     // bytes of a listing cursor
	defaultPageSize = 50       // users per page when limit is left out

	maxPageSize            = directory.MaxPageSize
	maxWorkingEnvironments = 100 // publicIds per assignment
)

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

// ifVersion reads If-Match as the version a change applies to: 0 when
// there is no condition (web.IfMatchVersion).
func ifVersion(h http.Header) (int64, error) {
	return web.IfMatchVersion(h, errStale, "from the ETag of a read")
}

// errStale answers an If-Match that names no version the user has.
var errStale = fault.New(fault.PreconditionFailed, "The user has changed since you read it (If-Match does not match its ETag); read it again and retry.")

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
	return check.ID(field, v, maxID, "_-", "must contain only letters, digits, _ and - (pattern ^[A-Za-z0-9_-]{1,64}$)")
}

// checkAzureID checks an Azure subscription, tenant or application id:
// a GUID such as 8f2e4c1a-0b6d-4e7f-9a3c-5d1e2f3a4b5c, or for a tenant its
// domain (contoso.onmicrosoft.com), so letters, digits, '.', '-' and '_'.
func checkAzureID(field, v string) []fault.FieldError {
	return check.ID(field, v, maxAzureID, "-_.", "must be an Azure id such as 8f2e4c1a-0b6d-4e7f-9a3c-5d1e2f3a4b5c: letters, digits, '.', '-' and '_'")
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
	return fault.RenameFields(err, func(field string) string {
		if name, ok := extra[field]; ok {
			return name
		}
		return fault.Names(serviceFields)(field)
	})
}
