package web

import (
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"roster/shared/fault"
)

// Route binds one method and path to a handler. Path uses ServeMux syntax
// ("/users/{userId}"), which is also API Gateway's route syntax.
type Route struct {
	Method  string
	Path    string
	Handler http.Handler
	// Public routes take no API key or access token (they check a
	// credential of their own, or none); template.yaml must exempt them
	// from the authorizer, and a test holds the two together.
	Public bool
}

// NewHandler returns the full handler for an endpoint group: the routes
// behind [NewMux], wrapped in [Middleware]. errw renders every error,
// including 404, 405 and recovered panics; nil means [WriteProblem].
func NewHandler(routes []Route, log *slog.Logger, errw ErrorWriter) http.Handler {
	return Middleware(NewMux(routes, errw), log, errw)
}

// catchAll is registered behind every route so that misses reach errw
// instead of ServeMux's plain-text 404 and 405 responses. Being the least
// specific pattern, it only matches when no route does.
const catchAll = "/"

// NewMux mounts each route as "METHOD PATH" on a ServeMux. A path that no
// route matches gets a NotFound error, and a path that matches only for
// other methods gets a MethodNotAllowed error with an Allow header; both
// are rendered by errw (nil means [WriteProblem]). Matched handlers see
// r.Pattern and r.PathValue as usual, and the route pattern is added to the
// request logger (see [AddLogAttrs]).
//
// A Route with an empty Method matches every method. No route may use the
// bare path "/" without a method, since that pattern is reserved for misses.
func NewMux(routes []Route, errw ErrorWriter) http.Handler {
	if errw == nil {
		errw = WriteProblem
	}
	mux := http.NewServeMux()
	var methods []string
	for _, rt := range routes {
		pattern := rt.Path
		if rt.Method != "" {
			pattern = rt.Method + " " + rt.Path
			if !slices.Contains(methods, rt.Method) {
				methods = append(methods, rt.Method)
			}
		}
		mux.Handle(pattern, withRoute(pattern, rt.Handler))
	}
	slices.Sort(methods)
	miss := &miss{mux: mux, methods: methods, errw: errw}
	mux.Handle(catchAll, miss)
	return mux
}

// withRoute records the matched pattern in the request logger, so lines
// logged by the handler and the access log both name the route.
func withRoute(pattern string, h http.Handler) http.Handler {
	attr := slog.String("route", pattern)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		AddLogAttrs(r.Context(), attr)
		h.ServeHTTP(w, r)
	})
}

// miss answers requests no route matched.
type miss struct {
	mux     *http.ServeMux
	methods []string // every method some route names, sorted
	errw    ErrorWriter
}

func (m *miss) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	allow := m.allowed(r)
	if len(allow) == 0 {
		m.errw(w, r, fault.New(fault.NotFound, "No resource exists at this path."))
		return
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	m.errw(w, r, fault.New(fault.MethodNotAllowed, "Method %s is not allowed for this resource.", r.Method))
}

// allowed asks the mux which of the known methods would route r's path
// somewhere other than the catch-all. It runs only on misses.
func (m *miss) allowed(r *http.Request) []string {
	var allow []string
	probe := *r
	for _, method := range m.methods {
		probe.Method = method
		if _, p := m.mux.Handler(&probe); p != "" && p != catchAll {
			allow = append(allow, method)
			if method == http.MethodGet && !slices.Contains(m.methods, http.MethodHead) {
				allow = append(allow, http.MethodHead) // ServeMux serves HEAD with GET routes
			}
		}
	}
	slices.Sort(allow)
	return allow
}

// WrapAll returns the routes with each handler wrapped by mw, so work such
// as authentication runs only for requests that match a route.
func WrapAll(routes []Route, mw func(http.Handler) http.Handler) []Route {
	out := make([]Route, len(routes))
	for i, r := range routes {
		r.Handler = mw(r.Handler)
		out[i] = r
	}
	return out
}
