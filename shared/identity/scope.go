package identity

import (
	"log/slog"
	"net/http"
	"strings"

	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/role"
	"roster/shared/web"
)

// errUnauthenticated answers a route called without a verified principal,
// as auth.Require does.
var errUnauthenticated = fault.New(fault.Unauthorized, "A valid API key or access token is required in the Authorization header.")

// errNotFound answers a path whose organization and tenant names are not
// the caller's tenant, exactly as for a user that does not exist.
var errNotFound = fault.New(fault.NotFound, notFoundDetail)

// requireEither is auth.Require for a route that either of two permissions
// opens: the password route takes users:write (any user of the tenant) or
// self:write (one's own; the directory tells the two apart).
func requireEither(a, b role.Permission, errw web.ErrorWriter) auth.Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, ok := auth.PrincipalFrom(r.Context())
			if !ok || (p.Method != auth.ViaAccessToken && p.Method != auth.ViaAPIKey) {
				errw(w, r, errUnauthenticated)
				return
			}
			web.AddLogAttrs(r.Context(), slog.String("tenant", p.TenantID))
			if !p.Can(a) && !p.Can(b) || role.SCIMOnly(p.Roles...) { // a SCIM token serves SCIM alone
				errw(w, r, fault.New(fault.Forbidden, "Your role does not allow this (%s or %s).", a, b))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// admit checks a request in the order every route follows: the path,
// then the rest of the input (read, which decodes and checks the body and
// headers), and only then the tenant lookup. Bad input is refused before
// anything is read from the table. It returns what the path names and the
// caller, whose tenant the path's names are.
func admit(r *http.Request, tenants TenantReader, withUser bool, read func() error) (target, auth.Principal, error) {
	at, err := pathTarget(r, withUser)
	if err != nil {
		return target{}, auth.Principal{}, err
	}
	if err := read(); err != nil {
		return target{}, auth.Principal{}, err
	}
	p, err := at.principal(r, tenants)
	if err != nil {
		return target{}, auth.Principal{}, err
	}
	return at, p, nil
}

// target is what a route's path names: the tenant by organization and
// tenant name and, on user routes, the user.
type target struct {
	org, tenant, userID string
}

// pathTarget reads and checks the path parameters, naming every bad one.
func pathTarget(r *http.Request, withUser bool) (target, error) {
	t := target{org: r.PathValue("organizationName"), tenant: r.PathValue("tenantName")}
	p := checkName("organizationName", t.org)
	p = append(p, checkName("tenantName", t.tenant)...)
	if withUser {
		t.userID = r.PathValue("userId")
		p = append(p, checkID("userId", t.userID)...)
	}
	return t, fault.InvalidFields(p)
}

// principal returns the caller once the path's organization and tenant
// names are found to be the caller's tenant (case-insensitively). Any
// other names are fault.NotFound, as an unknown user is: the tenant comes
// from the credential, and the path can only agree with it.
func (t target) principal(r *http.Request, tenants TenantReader) (auth.Principal, error) {
	p := caller(r)
	tn, err := tenants.GetTenant(r.Context(), p.TenantID)
	switch {
	case fault.CodeOf(err) == fault.NotFound:
		return auth.Principal{}, errNotFound
	case err != nil:
		return auth.Principal{}, err
	case !strings.EqualFold(tn.Organization, t.org) || !strings.EqualFold(tn.Name, t.tenant):
		return auth.Principal{}, errNotFound
	}
	return p, nil
}

// caller returns the verified caller; the routes' permission checks
// guarantee one.
func caller(r *http.Request) auth.Principal {
	p, _ := auth.PrincipalFrom(r.Context())
	return p
}

// isSelf reports whether the caller is a user acting on their own user.
func isSelf(p auth.Principal, userID string) bool {
	return p.Method == auth.ViaAccessToken && p.UserID == userID
}

// renamed returns err with the directory's field names replaced by the
// route's JSON names (looked up case-insensitively), so a 400, or a 409
// refusing to remove the last owner, names what the caller sent. Other
// errors, and unknown names, are kept.
func renamed(err error, names map[string]string) error {
	if fault.CodeOf(err) != fault.Invalid && !directory.IsLastOwner(err) {
		return err
	}
	return fault.RenameFields(err, func(field string) string {
		if n, ok := names[strings.ToLower(field)]; ok {
			return n
		}
		return field
	})
}
