// Package webtest owns the helpers the endpoint groups' tests share:
// requests served through a group's handler with the caller a test names,
// assertions on problem and JSON responses, the record a fake keeps of its
// calls, and the HTTP API (payload format 2.0) event files in events/, read
// strictly, checked for realism and run through the Lambda adapter.
package webtest

import (
	"bytes"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"

	"roster/shared/auth"
	"roster/shared/web"
)

// Request is one request to an endpoint group.
type Request struct {
	Method, Target string
	Body           string            // sent as application/json unless Header says otherwise
	As             *auth.Principal   // the verified caller; nil: none
	Header         map[string]string // set after Content-Type; "" removes
	Edit           func(*http.Request)
}

// Response is what a group answered, and what it logged on the way.
type Response struct {
	Code   int
	Header http.Header
	Body   []byte
	Logs   string
}

// NewRequest builds rq as a server-side request: a body is sent as
// application/json, then Header is applied and Edit runs.
func NewRequest(rq Request) *http.Request {
	var body io.Reader
	if rq.Body != "" {
		body = strings.NewReader(rq.Body)
	}
	r := httptest.NewRequest(rq.Method, rq.Target, body)
	if rq.Body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	for k, v := range rq.Header {
		if v == "" {
			r.Header.Del(k)
		} else {
			r.Header.Set(k, v)
		}
	}
	if rq.Edit != nil {
		rq.Edit(r)
	}
	return r
}

// As stands in for the authorizer: it gives each request the caller p, or
// none when p is nil.
func As(p *auth.Principal) auth.Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if p != nil {
				r = r.WithContext(auth.WithPrincipal(r.Context(), *p))
			}
			next.ServeHTTP(w, r)
		})
	}
}

// Do sends rq to the group that handler (a group's Handler) builds over
// deps, with rq.As as the caller, and returns the answer with the group's
// debug log.
func Do[D any](handler func(D, *slog.Logger, auth.Middleware) http.Handler, deps D, rq Request) Response {
	var logs bytes.Buffer
	w := httptest.NewRecorder()
	handler(deps, web.NewLogger(&logs, "debug"), As(rq.As)).ServeHTTP(w, NewRequest(rq))
	return Response{Code: w.Code, Header: w.Header(), Body: w.Body.Bytes(), Logs: logs.String()}
}

// Headers returns one header set holding every set given; a later set
// wins.
func Headers(sets ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, s := range sets {
		maps.Copy(out, s)
	}
	return out
}
