package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"roster/shared/fault"
	"roster/shared/web"
)

// logLines parses every log line, failing the test on one that is not a
// JSON object.
func logLines(t *testing.T, logs *bytes.Buffer) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		lines = append(lines, m)
	}
	return lines
}

func TestMiddlewareRequestID(t *testing.T) {
	long := strings.Repeat("a", 128)
	tests := []struct {
		name, in string
		keep     bool
	}{
		{"absent is generated", "", false},
		{"sane id is echoed", "abc-123_X.y", true},
		{"128 chars is echoed", long, true},
		{"129 chars is replaced", long + "a", false},
		{"spaces are replaced", "a b", false},
		{"injection is replaced", "x\"}\n{\"level\":\"ERROR\"", false},
		{"non-ascii is replaced", "idé", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var seen string
			h := web.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seen = web.RequestID(r.Context())
			}), web.NewLogger(new(bytes.Buffer), "info"), nil)
			r := httptest.NewRequest("GET", "/", nil)
			if tt.in != "" {
				r.Header.Set("X-Request-Id", tt.in)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			got := w.Header().Get("X-Request-Id")
			if got != seen || got == "" {
				t.Fatalf("header %q, context %q", got, seen)
			}
			if tt.keep != (got == tt.in) {
				t.Errorf("got %q for %q", got, tt.in)
			}
			if !tt.keep && len(got) < 20 {
				t.Errorf("generated id %q is too short to be unique", got)
			}
		})
	}
}

func TestMiddlewareGeneratesDistinctIDs(t *testing.T) {
	h := web.Middleware(http.NotFoundHandler(), web.NewLogger(new(bytes.Buffer), "info"), nil)
	seen := map[string]bool{}
	for range 100 {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		seen[w.Header().Get("X-Request-Id")] = true
	}
	if len(seen) != 100 {
		t.Errorf("%d distinct ids in 100 requests", len(seen))
	}
}

func TestMiddlewareRecoversPanicAsLoggedProblem(t *testing.T) {
	var logs bytes.Buffer
	h := web.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v1"`)
		panic("nil map write in users")
	}), web.NewLogger(&logs, "info"), nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/users/u1", nil))

	var p web.Problem
	if w.Code != 500 || w.Header().Get("Content-Type") != "application/problem+json" || json.Unmarshal(w.Body.Bytes(), &p) != nil {
		t.Fatalf("got %d %q %s", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
	if strings.Contains(w.Body.String(), "nil map") || w.Header().Get("ETag") != "" {
		t.Errorf("panic detail or stale header leaked: %v %s", w.Header(), w.Body)
	}
	lines := logLines(t, &logs)
	if len(lines) != 2 {
		t.Fatalf("want a panic line and an access line, got %d: %s", len(lines), logs.String())
	}
	panicLine, access := lines[0], lines[1]
	if panicLine["level"] != "ERROR" || panicLine["panic"] != "nil map write in users" || !strings.Contains(panicLine["stack"].(string), "middleware_test.go") {
		t.Errorf("panic line: %v", panicLine)
	}
	if panicLine["request_id"] != p.RequestID || access["status"] != 500.0 {
		t.Errorf("lines: %v", lines)
	}
}

func TestMiddlewarePanicAfterWritingKeepsTheResponse(t *testing.T) {
	var logs bytes.Buffer
	h := web.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		w.Write([]byte("partial"))
		panic("late")
	}), web.NewLogger(&logs, "info"), nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != 202 || w.Body.String() != "partial" {
		t.Errorf("got %d %q", w.Code, w.Body)
	}
	lines := logLines(t, &logs)
	if len(lines) != 2 || lines[0]["panic"] != "late" || lines[1]["status"] != 202.0 {
		t.Errorf("logs: %s", logs.String())
	}
}

func TestMiddlewarePanicGoesThroughTheGroupErrorWriter(t *testing.T) {
	errw := func(w http.ResponseWriter, r *http.Request, err error) {
		fe, status := web.Public(r, err)
		web.Encode(w, status, map[string]any{"status": status, "message": fe.Message})
	}
	h := web.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }), web.NewLogger(new(bytes.Buffer), "info"), errw)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != 500 || w.Body.String() != `{"message":"An internal error occurred.","status":500}`+"\n" {
		t.Errorf("got %d %s", w.Code, w.Body)
	}
}

func TestMiddlewareAccessLogIsOneJSONLineWithoutSecrets(t *testing.T) {
	var logs bytes.Buffer
	routes := []web.Route{{Method: "POST", Path: "/tenants/{tenantId}/users", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// What auth middleware does once the token is verified.
		web.AddLogAttrs(r.Context(), slog.String("tenant", "t1"), slog.String("user", "u9"))
		web.Logger(r.Context()).Info("creating user")
		web.Encode(w, http.StatusCreated, map[string]string{"id": "u1"})
	})}}
	h := web.NewHandler(routes, web.NewLogger(&logs, "info"), nil)
	r := httptest.NewRequest("POST", "/tenants/t1/users?token=querysecret", strings.NewReader(`{"password":"bodysecret"}`))
	r.Header.Set("Authorization", "Bearer headersecret")
	r.Header.Set("X-Request-Id", "req-1")
	h.ServeHTTP(httptest.NewRecorder(), r)

	for _, secret := range []string{"headersecret", "querysecret", "bodysecret"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("logs contain %s: %s", secret, logs.String())
		}
	}
	lines := logLines(t, &logs)
	if len(lines) != 2 {
		t.Fatalf("got %d lines: %s", len(lines), logs.String())
	}
	for _, l := range lines {
		if l["request_id"] != "req-1" || l["tenant"] != "t1" || l["route"] != "POST /tenants/{tenantId}/users" || l["method"] != "POST" {
			t.Errorf("line lacks request context: %v", l)
		}
	}
	access := lines[1]
	if access["msg"] != "request" || access["status"] != 201.0 || access["bytes"] != float64(len(`{"id":"u1"}`+"\n")) || access["duration_ms"] == nil {
		t.Errorf("access line: %v", access)
	}
}

func TestMiddlewareKeepsTheRequestContext(t *testing.T) {
	type key struct{}
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, "kept"))
	var seen context.Context
	h := web.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r.Context()
	}), web.NewLogger(new(bytes.Buffer), "info"), nil)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequestWithContext(parent, "GET", "/", nil))
	if seen.Value(key{}) != "kept" || web.RequestID(seen) == "" {
		t.Fatalf("value %v, request id %q", seen.Value(key{}), web.RequestID(seen))
	}
	child, stop := context.WithCancel(seen)
	defer stop()
	cancel()
	<-child.Done() // a context derived in the handler still ends with the request's
	if seen.Err() != context.Canceled {
		t.Errorf("err %v, want canceled", seen.Err())
	}
}

func TestAddLogAttrsReplacesAKey(t *testing.T) {
	var logs bytes.Buffer
	h := web.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		web.AddLogAttrs(r.Context(), slog.String("tenant", "a"))
		web.Logger(r.Context()).Info("first")
		web.AddLogAttrs(r.Context(), slog.String("tenant", "b"))
	}), web.NewLogger(&logs, "info"), nil)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	lines := logLines(t, &logs)
	if lines[0]["tenant"] != "a" || lines[1]["tenant"] != "b" || strings.Count(logs.String(), `"tenant"`) != 2 {
		t.Errorf("logs: %s", logs.String())
	}
}

func TestContextHelpersOutsideARequest(t *testing.T) {
	ctx := context.Background()
	web.AddLogAttrs(ctx, slog.String("tenant", "t")) // must not panic
	if web.RequestID(ctx) != "" || web.Logger(ctx) != slog.Default() {
		t.Error("want empty id and the default logger")
	}
}

func TestNewLoggerLevels(t *testing.T) {
	for level, debugOn := range map[string]bool{"debug": true, "DEBUG": true, "info": false, "": false, "bogus": false, "error": false} {
		var logs bytes.Buffer
		web.NewLogger(&logs, level).Debug("x")
		if got := logs.Len() > 0; got != debugOn {
			t.Errorf("level %q: debug logged = %v", level, got)
		}
	}
	var logs bytes.Buffer
	web.NewLogger(&logs, "error").Warn("x")
	if logs.Len() != 0 {
		t.Error("error level logged a warning")
	}
}

func TestInternalErrorLogCarriesRequestContext(t *testing.T) {
	var logs bytes.Buffer
	routes := []web.Route{{Method: "GET", Path: "/x", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		web.WriteProblem(w, r, fault.Wrap(context.DeadlineExceeded, fault.Internal, "get x"))
	})}}
	web.NewHandler(routes, web.NewLogger(&logs, "info"), nil).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/x", nil))
	lines := logLines(t, &logs)
	if lines[0]["level"] != "ERROR" || lines[0]["route"] != "GET /x" || lines[0]["request_id"] == nil || !strings.Contains(lines[0]["error"].(string), "deadline") {
		t.Errorf("logs: %s", logs.String())
	}
}

func TestMiddlewarePutsTheSecurityHeadersOnEveryAnswer(t *testing.T) {
	want := map[string]string{
		"X-Content-Type-Options":  "nosniff",
		"Cache-Control":           "no-store",
		"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "no-referrer",
	}
	for name, h := range map[string]http.HandlerFunc{
		"success": func(w http.ResponseWriter, r *http.Request) {
			web.Encode(w, http.StatusCreated, map[string]string{"id": "1"})
		},
		"empty": func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) },
		"error": func(w http.ResponseWriter, r *http.Request) {
			web.WriteProblem(w, r, fault.New(fault.NotFound, "gone"))
		},
		"panic": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Frame-Options", "SAMEORIGIN") // cleared with the rest
			panic("boom")
		},
	} {
		t.Run(name, func(t *testing.T) {
			w := httptest.NewRecorder()
			web.Middleware(h, slog.New(slog.NewJSONHandler(io.Discard, nil)), nil).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/x", nil))
			for k, v := range want {
				if got := w.Header().Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}
	// A handler may relax one for a public answer.
	w := httptest.NewRecorder()
	web.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=300")
		w.WriteHeader(http.StatusOK)
	}), slog.New(slog.NewJSONHandler(io.Discard, nil)), nil).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/x", nil))
	if got := w.Header().Get("Cache-Control"); got != "public, max-age=300" {
		t.Errorf("Cache-Control = %q, want the handler's own", got)
	}
}

func TestMiddlewareTellsWhenToRetryEveryRetryableAnswer(t *testing.T) {
	for name, tc := range map[string]struct {
		h    http.HandlerFunc
		want string
	}{
		"unavailable": {func(w http.ResponseWriter, r *http.Request) {
			web.WriteProblem(w, r, fault.New(fault.Unavailable, "busy"))
		}, "1"},
		"too many requests": {func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTooManyRequests) }, "1"},
		"its own delay": {func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "30")
			w.WriteHeader(http.StatusTooManyRequests)
		}, "30"},
		"not retryable": {func(w http.ResponseWriter, r *http.Request) {
			web.WriteProblem(w, r, fault.New(fault.Internal, "bug"))
		}, ""},
	} {
		t.Run(name, func(t *testing.T) {
			w := httptest.NewRecorder()
			web.Middleware(tc.h, slog.New(slog.NewJSONHandler(io.Discard, nil)), nil).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/x", nil))
			if got := w.Header().Get("Retry-After"); got != tc.want {
				t.Errorf("Retry-After %q, want %q", got, tc.want)
			}
		})
	}
}
