package account

import (
	"context"
	"net/http"
	"strings"
	"time"

	"roster/shared/auth"
	"roster/shared/check"
	"roster/shared/fault"
	"roster/shared/password"
	"roster/shared/signin"
)

// Limits on input, documented in docs/api/account.md.
const (
	maxBody       = 16 << 10                             // bytes per request body
	maxEmptyBody  = 64                                   // bytes a route that takes no body still reads
	maxUID        = 64                                   // characters of a tenantUid or path id
	maxName       = 100                                  // characters of a device, API key or tenant name
	maxUserCode   = 254                                  // characters; a user code may be an email
	maxCredential = 512                                  // bytes of a device, auth or invite token; real ones are 64
	maxInviteTTL  = int(signin.MaxInviteTTL / time.Hour) // hours an invitation may stay open

	maxPasswordBytes = password.MaxInputBytes // the hasher refuses longer
)

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

// errStale answers an If-Match that names no version the account has.
var errStale = fault.New(fault.PreconditionFailed, "The account has changed since you read it (If-Match does not match its ETag); read it again and retry.")

// checkUID checks a uid against ^[A-Za-z0-9-_]+ (at most maxUID
// characters); an empty one passes when required is false.
func checkUID(field, v string, required bool) []fault.FieldError {
	if v == "" && !required {
		return nil
	}
	return check.ID(field, v, maxUID, "-_", "must contain only letters, digits, - and _ (pattern ^[A-Za-z0-9-_]+)")
}
