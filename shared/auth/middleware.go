package auth

import (
	"log/slog"
	"net/http"
	"slices"

	"github.com/awslabs/aws-lambda-go-api-proxy/core"

	"roster/shared/fault"
	"roster/shared/role"
	"roster/shared/web"
)

// Middleware wraps a handler.
type Middleware func(http.Handler) http.Handler

// FromGateway is the Lambda side of authentication: it takes the principal
// the Lambda authorizer verified from API Gateway's request context. A
// caller cannot set that context, so nothing in the request itself is
// trusted.
func FromGateway(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if gw, ok := core.GetAPIGatewayV2ContextFromContext(r.Context()); ok && gw.Authorizer != nil {
			if p, ok := PrincipalFromContext(gw.Authorizer.Lambda); ok {
				r = r.WithContext(WithPrincipal(r.Context(), p))
			}
		}
		next.ServeHTTP(w, r)
	})
}

// InProcess authenticates with a in the handler's own process, as the
// local server and tests do instead of the Lambda authorizer. A request
// without valid credentials goes on without a principal; routes that need
// one refuse it (Require).
func InProcess(a *Authenticator, errw web.ErrorWriter) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if h := r.Header.Get("Authorization"); h != "" {
				p, err := a.Authenticate(r.Context(), h)
				switch {
				case err == nil:
					r = r.WithContext(WithPrincipal(r.Context(), p))
				case fault.CodeOf(err) != fault.Unauthorized:
					errw(w, r, err)
					return
				default:
					web.Logger(r.Context()).Info("credential rejected", slog.String("reason", err.Error()))
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}

// Require lets a request through only with a principal verified by one of
// the given methods whose roles grant perm: 401 without one, 403 when the
// roles fall short. The principal's tenant goes into the request's logs.
func Require(perm role.Permission, errw web.ErrorWriter, methods ...Method) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, ok := PrincipalFrom(r.Context())
			if !ok || !slices.Contains(methods, p.Method) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="roster"`)
				errw(w, r, errUnauthenticated)
				return
			}
			web.AddLogAttrs(r.Context(), slog.String("tenant", p.TenantID))
			if !p.Can(perm) || perm != role.SCIMProvision && role.SCIMOnly(p.Roles...) {
				// A SCIM token provisions through SCIM alone, though its
				// role grants the users permissions the directory checks.
				errw(w, r, fault.New(fault.Forbidden, "Your role does not allow this (%s).", perm))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
