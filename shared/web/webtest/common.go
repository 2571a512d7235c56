package webtest

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"roster/shared/auth"
	"roster/shared/web"
)

// Group is an endpoint group as the common suite sees it: how to build
// its handler, the routes it serves, the dialect its errors speak, and
// paths it must not serve beyond those the suite derives from its routes.
type Group struct {
	// Build returns the group's handler, logging to log, with authn
	// establishing the caller. No request of the suite may reach a
	// store: misses are answered before any route runs, and authn
	// panics for the rest.
	Build   func(t testing.TB, log *slog.Logger, authn auth.Middleware) http.Handler
	Routes  []web.Route // methods and paths; handlers unused
	Dialect Dialect
	Unknown []string // more paths that must answer 404
}

// The suite's request id, and the secrets it sends, which no answer and
// no log line may hold.
const (
	commonRequestID = "common-behaviour-1"
	commonToken     = "rst_commonsecretkey_c2VjcmV0LXRva2VuLXZhbHVl"
	commonPassword  = "correct horse common staple"
	commonPanic     = "panic with an internal detail: table roster-prod"
)

// triedMethods are the methods the suite sends to every path.
var triedMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// CommonBehaviour checks what every group does the same way, each in its
// own dialect: on every path its routes serve, each other method answers
// 405 naming the method, with an Allow header of the path's methods; a
// path no route serves answers 404 without an Allow header; every route
// but a public one answers 401 to a request without a caller, whatever
// else is wrong with it; and a panic in any route answers 500 without
// showing it, which is logged instead.
// Every answer echoes the request id, and neither an answer nor the log
// holds the credentials or password the request carried.
func CommonBehaviour(t *testing.T, g Group) {
	t.Helper()
	var logs bytes.Buffer
	h := g.Build(t, web.NewLogger(&logs, "debug"), panics)
	nobody := g.Build(t, web.NewLogger(&logs, "debug"), As(nil))
	password := `{"password":"` + commonPassword + `"}`
	send := func(t *testing.T, h http.Handler, method, target, body string) Response {
		t.Helper()
		logs.Reset()
		w := httptest.NewRecorder()
		h.ServeHTTP(w, NewRequest(Request{Method: method, Target: target, Body: body,
			Header: map[string]string{"Authorization": "Bearer " + commonToken, web.RequestIDHeader: commonRequestID}}))
		res := Response{Code: w.Code, Header: w.Header(), Body: w.Body.Bytes(), Logs: logs.String()}
		if got := res.Header.Get(web.RequestIDHeader); got != commonRequestID {
			t.Errorf("X-Request-Id %q, want the caller's %q", got, commonRequestID)
		}
		for name, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Cache-Control": "no-store"} {
			if got := res.Header.Get(name); got != want {
				t.Errorf("%s %s: %s %q, want %q", method, target, name, got, want)
			}
		}
		for _, s := range []string{commonToken, commonPassword} {
			if strings.Contains(res.Logs, s) || strings.Contains(string(res.Body), s) {
				t.Errorf("%.12s… in the answer or the log: %s\n%s", s, res.Body, res.Logs)
			}
		}
		return res
	}

	t.Run("405", func(t *testing.T) {
		for _, target := range Targets(g.Routes) {
			allow := Allowed(g.Routes, target)
			for _, method := range triedMethods {
				if slices.Contains(allow, method) {
					continue
				}
				t.Run(method+" "+target, func(t *testing.T) {
					res := send(t, h, method, target, password)
					if msg := g.Dialect(t, res, http.StatusMethodNotAllowed); !strings.Contains(msg, method) {
						t.Errorf("message %q does not name %s", msg, method)
					}
					AssertHeaders(t, res, map[string]string{"Allow": strings.Join(allow, ", ")})
				})
			}
		}
	})
	t.Run("404", func(t *testing.T) {
		for _, target := range unknownTargets(g.Routes, g.Unknown) {
			t.Run(target, func(t *testing.T) {
				res := send(t, h, http.MethodGet, target, password)
				g.Dialect(t, res, http.StatusNotFound)
				AssertHeaders(t, res, map[string]string{"Allow": ""})
			})
		}
	})
	t.Run("401", func(t *testing.T) {
		for _, r := range g.Routes {
			if r.Public {
				continue
			}
			t.Run(r.Method+" "+r.Path, func(t *testing.T) {
				// Bad input too: the missing caller is the answer, not the
				// body.
				g.Dialect(t, send(t, nobody, r.Method, concrete(r.Path), `{"junk":"`+commonPassword+`"`), http.StatusUnauthorized)
			})
		}
	})
	t.Run("500", func(t *testing.T) {
		for _, r := range g.Routes {
			target := concrete(r.Path)
			t.Run(r.Method+" "+r.Path, func(t *testing.T) {
				res := send(t, h, r.Method, target, password)
				g.Dialect(t, res, http.StatusInternalServerError)
				if strings.Contains(string(res.Body), "table roster-prod") {
					t.Errorf("body shows the panic: %s", res.Body)
				}
				if !strings.Contains(res.Logs, commonPanic) {
					t.Errorf("panic not logged: %s", res.Logs)
				}
			})
		}
	})
}

// panics stands in for the authenticator, which every route runs first:
// it panics, as a bug anywhere in a route would.
func panics(http.Handler) http.Handler {
	return http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(commonPanic) })
}

// concrete returns a path of the route pattern, each {parameter} filled
// with its own name.
func concrete(pattern string) string {
	parts := strings.Split(pattern, "/")
	for i, p := range parts {
		if name, ok := strings.CutPrefix(p, "{"); ok {
			parts[i] = strings.TrimSuffix(name, "}")
		}
	}
	return strings.Join(parts, "/")
}

// Targets returns one concrete path for each path pattern the routes
// serve, in their order.
func Targets(routes []web.Route) []string {
	var out []string
	for _, r := range routes {
		if p := concrete(r.Path); !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// Allowed returns the methods the routes serve at the concrete path
// target, sorted, HEAD with GET, as an Allow header lists them.
func Allowed(routes []web.Route, target string) []string {
	var out []string
	for _, r := range routes {
		if _, ok := PathParams(r.Path, target); ok && !slices.Contains(out, r.Method) {
			out = append(out, r.Method)
			if r.Method == http.MethodGet {
				out = append(out, http.MethodHead)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// unknownTargets returns extra and, for each path the routes serve, the
// near misses no route serves: with a trailing slash, one segment more,
// one segment less, in lower case, and the root.
func unknownTargets(routes []web.Route, extra []string) []string {
	out := append([]string{"/"}, extra...)
	for _, target := range Targets(routes) {
		out = append(out, target+"/", target+"/extra", target[:strings.LastIndex(target, "/")], strings.ToLower(target))
	}
	var unknown []string
	for _, target := range out {
		if target != "" && len(Allowed(routes, target)) == 0 && !slices.Contains(unknown, target) {
			unknown = append(unknown, target)
		}
	}
	return unknown
}
