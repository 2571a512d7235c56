package web

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"roster/shared/fault"
)

// RequestIDHeader carries the request id in and out.
const RequestIDHeader = "X-Request-Id"

// NewLogger returns a JSON logger writing to w at the named level
// ("debug", "info", "warn", "error", case-insensitive); an empty or
// unknown level means info.
func NewLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

// Middleware wraps next with what every request needs, outermost first:
//
//   - a request id: X-Request-Id when it is 1–128 characters of
//     [A-Za-z0-9._-], otherwise a fresh random one; echoed in the response
//     and available as [RequestID];
//   - a request logger carrying request_id and method, to which the router
//     adds route and auth code adds tenant or user (see [AddLogAttrs]),
//     available as [Logger];
//   - panic recovery: the panic is logged with its stack and, if nothing
//     has been written yet, errw renders a 500 (nil errw means
//     [WriteProblem]);
//   - one access log line per request with status, bytes and duration.
//     Headers and bodies are never logged.
func Middleware(next http.Handler, log *slog.Logger, errw ErrorWriter) http.Handler {
	if log == nil {
		log = slog.Default()
	}
	if errw == nil {
		errw = WriteProblem
	}
	// The access log's source, for a log handler that adds sources, is
	// this function; finding it once spares every request a stack walk.
	var pcs [1]uintptr
	runtime.Callers(1, pcs[:])
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get(RequestIDHeader)
		if !validRequestID(id) {
			id = rand.Text()
		}
		// One allocation holds the request's state, its context and the
		// recorder.
		st := &state{Context: r.Context(), id: id, base: log, pc: pcs[0], rec: recorder{ResponseWriter: w}}
		st.idHeader[0] = id
		w.Header()[RequestIDHeader] = st.idHeader[:] // Header().Set, without allocating the value slice
		secure(w.Header())
		st.attrs = append(st.buf[:0], slog.String("request_id", id), slog.String("method", r.Method))
		r = r.WithContext(st)
		rec := &st.rec

		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler { // the handler chose to abort; not a bug
					st.access(r.Context(), rec, start)
					panic(v)
				}
				st.logger().LogAttrs(r.Context(), slog.LevelError, "panic",
					slog.String("panic", fmt.Sprint(v)), slog.String("stack", string(debug.Stack())))
				if !rec.wrote {
					clearHeaders(rec.Header())
					secure(rec.Header())
					errw(rec, r, &fault.Error{Code: fault.Internal, Message: internalMessage, Err: &panicError{v}})
				}
			}
			st.access(r.Context(), rec, start)
		}()
		next.ServeHTTP(rec, r)
	})
}

// The headers every answer carries, whatever wrote it (a success, a
// dialect's error, a panic's 500), as OWASP's REST guidance lists them for
// an API: no MIME sniffing, no framing, no content of its own to run, no
// referrer, and no cache keeping an answer that may name a person. A
// handler may set a header again after this (the public JWKS is
// cacheable). The value slices are shared and never changed in place:
// Header().Set replaces a slice, and Add grows a one-element one into a
// new array.
var securityHeaders = [...]struct {
	name  string
	value []string
}{
	{"X-Content-Type-Options", []string{"nosniff"}},
	{"Cache-Control", []string{"no-store"}},
	{"Content-Security-Policy", []string{"default-src 'none'; frame-ancestors 'none'"}},
	{"X-Frame-Options", []string{"DENY"}},
	{"Referrer-Policy", []string{"no-referrer"}},
}

// retryAfter is the Retry-After of a 503 or 429 whose writer gave none,
// in seconds: the SDK's own first backoff is shorter, a human's retry
// longer.
var retryAfter = []string{"1"}

// secure puts the security headers on h without allocating.
func secure(h http.Header) {
	for _, sh := range securityHeaders {
		h[sh.name] = sh.value
	}
}

// validRequestID accepts ids that are safe to log and echo: letters,
// digits and . _ - plus the base64 characters + / = that API Gateway's own
// request ids use.
func validRequestID(id string) bool {
	if len(id) == 0 || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-' || c == '+' || c == '/' || c == '=') {
			return false
		}
	}
	return true
}

// clearHeaders drops whatever a panicking handler had set (ETag, Location,
// Content-Type) so it does not leak into the error response.
func clearHeaders(h http.Header) {
	for k := range h {
		if k != RequestIDHeader {
			delete(h, k)
		}
	}
}

// panicError marks a recovered panic so [Public] does not log it twice.
type panicError struct{ value any }

func (e *panicError) Error() string { return fmt.Sprintf("panic: %v", e.value) }

type stateKey struct{}

// state is the per-request holder behind RequestID, Logger and
// AddLogAttrs. It is mutable so that attributes learned deep in the chain
// (route, tenant) also reach the access log written by the outer layer.
// It is also the request's context: the one it came with, plus itself
// under stateKey, as context.WithValue would add it.
type state struct {
	context.Context

	id       string
	idHeader [1]string // backs the X-Request-Id response header
	base     *slog.Logger
	pc       uintptr // the access log's source
	rec      recorder

	mu     sync.Mutex
	attrs  []slog.Attr
	buf    [4]slog.Attr // backs attrs for the usual request_id, method, route, tenant
	cached *slog.Logger // base.With(attrs...), built on first use
}

// Value returns s for stateKey and defers every other key to the
// request's own context.
func (s *state) Value(key any) any {
	if key == (stateKey{}) {
		return s
	}
	return s.Context.Value(key)
}

func (s *state) logger() *slog.Logger {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cached == nil {
		// The handler owns the slice it is given, and s.attrs may change.
		s.cached = slog.New(s.base.Handler().WithAttrs(slices.Clone(s.attrs)))
	}
	return s.cached
}

// access writes the access log line. It builds the record itself, as
// Logger.LogAttrs would, so that the request's attributes are copied once,
// into the record, and the clock is read once for both the time and the
// duration.
func (s *state) access(ctx context.Context, rec *recorder, start time.Time) {
	h := s.base.Handler()
	if !h.Enabled(ctx, slog.LevelInfo) {
		return
	}
	status := rec.status
	if !rec.wrote {
		status = http.StatusOK // net/http's answer when a handler writes nothing
	}
	now := time.Now()
	line := slog.NewRecord(now, slog.LevelInfo, "request", s.pc)
	s.mu.Lock()
	line.AddAttrs(s.attrs...)
	s.mu.Unlock()
	line.AddAttrs(
		slog.Int("status", status),
		slog.Int64("bytes", rec.bytes),
		slog.Float64("duration_ms", float64(now.Sub(start).Microseconds())/1000),
	)
	_ = h.Handle(ctx, line)
}

func stateFrom(ctx context.Context) *state {
	s, _ := ctx.Value(stateKey{}).(*state)
	return s
}

// RequestID returns the id [Middleware] assigned to the request, or "".
func RequestID(ctx context.Context) string {
	if s := stateFrom(ctx); s != nil {
		return s.id
	}
	return ""
}

// Logger returns the request logger [Middleware] set up, carrying every
// attribute added so far, or slog.Default() outside a request.
func Logger(ctx context.Context) *slog.Logger {
	if s := stateFrom(ctx); s != nil {
		return s.logger()
	}
	return slog.Default()
}

// AddLogAttrs adds attributes to the request logger, replacing any with
// the same key; later [Logger] calls and the access log include them.
// Auth middleware uses it once the tenant is known:
//
//	web.AddLogAttrs(r.Context(), slog.String("tenant", claims.Tenant))
//
// Never add secrets, tokens or password material. Outside a request it
// does nothing.
func AddLogAttrs(ctx context.Context, attrs ...slog.Attr) {
	s := stateFrom(ctx)
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
next:
	for _, a := range attrs {
		for i := range s.attrs {
			if s.attrs[i].Key == a.Key {
				s.attrs[i] = a
				continue next
			}
		}
		s.attrs = append(s.attrs, a)
	}
	s.cached = nil
}

// recorder remembers the status and size of the response for the access
// log and tells panic recovery whether the response has started.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
	wrote  bool
}

func (w *recorder) WriteHeader(code int) {
	if !w.wrote && (code >= 200 || code == http.StatusSwitchingProtocols) {
		w.wrote, w.status = true, code
		// Every retryable answer says when to retry, in every dialect,
		// unless its writer said so itself.
		if code == http.StatusServiceUnavailable || code == http.StatusTooManyRequests {
			if h := w.Header(); h.Get("Retry-After") == "" {
				h["Retry-After"] = retryAfter
			}
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if !w.wrote {
		w.wrote, w.status = true, http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Flush lets streaming handlers flush through the recorder.
func (w *recorder) Flush() {
	if !w.wrote {
		w.wrote, w.status = true, http.StatusOK
	}
	http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap exposes the underlying writer to http.ResponseController.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
