package web_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"roster/shared/fault"
	"roster/shared/web"
)

func TestStatusOfMapsEveryCode(t *testing.T) {
	tests := map[fault.Code]int{
		fault.Invalid:            400,
		fault.Unauthorized:       401,
		fault.Forbidden:          403,
		fault.NotFound:           404,
		fault.MethodNotAllowed:   405,
		fault.Conflict:           409,
		fault.PreconditionFailed: 412,
		fault.TooLarge:           413,
		fault.Unsupported:        415,
		fault.TooManyRequests:    429,
		fault.Unavailable:        503,
		fault.Internal:           500,
		"something_new":          500,
		"":                       500,
	}
	for code, want := range tests {
		if got := web.StatusOf(code); got != want {
			t.Errorf("StatusOf(%q) = %d, want %d", code, got, want)
		}
	}
}

// serveError runs errw through the full middleware, as a group would.
func serveError(t *testing.T, err error, before func(http.Header)) (*httptest.ResponseRecorder, web.Problem, string) {
	t.Helper()
	var logs bytes.Buffer
	h := web.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if before != nil {
			before(w.Header())
		}
		web.WriteProblem(w, r, err)
	}), web.NewLogger(&logs, "debug"), nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/users/u1", nil))
	var p web.Problem
	if jerr := json.Unmarshal(w.Body.Bytes(), &p); jerr != nil {
		t.Fatalf("body %q: %v", w.Body, jerr)
	}
	return w, p, logs.String()
}

func TestWriteProblemRendersEachCode(t *testing.T) {
	tests := []struct {
		err    error
		status int
		title  string
		detail string
	}{
		{fault.InvalidField("email", "is required"), 400, "Bad Request", "The request has invalid fields."},
		{fault.New(fault.Unauthorized, "Sign in first."), 401, "Unauthorized", "Sign in first."},
		{fault.New(fault.Forbidden, "Not yours."), 403, "Forbidden", "Not yours."},
		{fault.New(fault.NotFound, "No such user."), 404, "Not Found", "No such user."},
		{fault.New(fault.MethodNotAllowed, "No."), 405, "Method Not Allowed", "No."},
		{fault.New(fault.Conflict, "Email taken."), 409, "Conflict", "Email taken."},
		{fault.New(fault.PreconditionFailed, "Stale."), 412, "Precondition Failed", "Stale."},
		{fault.New(fault.TooLarge, "Too big."), 413, "Request Entity Too Large", "Too big."},
		{fault.New(fault.Unsupported, "JSON only."), 415, "Unsupported Media Type", "JSON only."},
		{fault.New(fault.TooManyRequests, "Slow down."), 429, "Too Many Requests", "Slow down."},
		{fault.Wrap(errors.New("throttled"), fault.Unavailable, "Try again."), 503, "Service Unavailable", "Try again."},
		{fault.Wrap(errors.New("db down"), fault.Internal, "Internal."), 500, "Internal Server Error", "An internal error occurred."},
	}
	for _, tt := range tests {
		t.Run(string(fault.CodeOf(tt.err)), func(t *testing.T) {
			w, p, _ := serveError(t, tt.err, nil)
			if w.Code != tt.status || p.Status != tt.status {
				t.Errorf("status = %d / %d, want %d", w.Code, p.Status, tt.status)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type = %q", ct)
			}
			if p.Type != "about:blank" || p.Title != tt.title || p.Detail != tt.detail || p.Instance != "/users/u1" {
				t.Errorf("problem = %+v", p)
			}
			if p.RequestID == "" || p.RequestID != w.Header().Get("X-Request-Id") {
				t.Errorf("requestId %q, header %q", p.RequestID, w.Header().Get("X-Request-Id"))
			}
			if w.Header().Get("WWW-Authenticate") != "" {
				t.Errorf("invented WWW-Authenticate")
			}
		})
	}
}

func TestWriteProblemSaysWhenALimitLifts(t *testing.T) {
	tests := []struct {
		after time.Duration
		want  string
	}{
		{42 * time.Second, "42"},
		{1500 * time.Millisecond, "2"}, // rounded up: a caller waiting that long finds the limit lifted
		{0, "1"},                       // none given: the middleware's default
	}
	for _, tt := range tests {
		err := &fault.Error{Code: fault.TooManyRequests, Message: "Slow down.", RetryAfter: tt.after}
		w, p, _ := serveError(t, err, nil)
		if w.Code != 429 || p.Status != 429 {
			t.Errorf("%v: status %d / %d", tt.after, w.Code, p.Status)
		}
		if got := w.Header().Get("Retry-After"); got != tt.want {
			t.Errorf("%v: Retry-After = %q, want %q", tt.after, got, tt.want)
		}
	}
}

func TestWriteProblemListsFieldErrors(t *testing.T) {
	_, p, _ := serveError(t, fault.InvalidFields([]fault.FieldError{{Field: "email", Message: "is required"}, {Field: "name", Message: "is too long"}}), nil)
	if len(p.Errors) != 2 || p.Errors[0] != (fault.FieldError{Field: "email", Message: "is required"}) || p.Errors[1].Field != "name" {
		t.Errorf("errors = %+v", p.Errors)
	}
}

func TestWriteProblemNeverShowsAnInternalCause(t *testing.T) {
	const secret = "dynamodb: table users-prod access denied for arn:aws:iam::123"
	for _, err := range []error{
		errors.New(secret),
		fmt.Errorf("put user: %w", errors.New(secret)),
		fault.Wrap(errors.New(secret), fault.Internal, "put user %s", "u1"),
		&fault.Error{Code: fault.Internal, Message: "leaky message", Fields: []fault.FieldError{{Field: "x", Message: "y"}}, Err: errors.New(secret)},
	} {
		w, p, logs := serveError(t, err, nil)
		if w.Code != 500 || p.Detail != "An internal error occurred." || len(p.Errors) != 0 {
			t.Errorf("%v: got %d %+v", err, w.Code, p)
		}
		if strings.Contains(w.Body.String(), "dynamodb") || strings.Contains(w.Body.String(), "leaky") || strings.Contains(w.Body.String(), "put user") {
			t.Errorf("cause leaked: %s", w.Body)
		}
		if !strings.Contains(logs, `"level":"ERROR"`) || !strings.Contains(logs, secret) {
			t.Errorf("cause not logged at error level: %s", logs)
		}
	}
}

func TestWriteProblemKeepsCallerSetWWWAuthenticate(t *testing.T) {
	w, _, _ := serveError(t, fault.New(fault.Unauthorized, "Sign in."), func(h http.Header) {
		h.Set("WWW-Authenticate", `Bearer realm="roster"`)
	})
	if got := w.Header().Get("WWW-Authenticate"); got != `Bearer realm="roster"` {
		t.Errorf("WWW-Authenticate = %q", got)
	}
}

func TestWriteProblemWorksWithoutMiddleware(t *testing.T) {
	w := httptest.NewRecorder()
	web.WriteProblem(w, httptest.NewRequest(http.MethodGet, "/x", nil), fault.New(fault.Conflict, "Taken."))
	if w.Code != 409 || strings.Contains(w.Body.String(), "requestId") {
		t.Errorf("got %d %s", w.Code, w.Body)
	}
}

func TestPublicStripsTheCauseForDialects(t *testing.T) {
	cause := errors.New("conditional check failed")
	fe, status := web.Public(httptest.NewRequest(http.MethodGet, "/", nil), fault.Wrap(cause, fault.Conflict, "Stale version."))
	if status != 409 || fe.Code != fault.Conflict || fe.Message != "Stale version." || fe.Err != nil {
		t.Errorf("got %d %#v", status, fe)
	}
}

func TestWriteProblemWithChallengeChallengesOnlyA401(t *testing.T) {
	for code, want := range map[fault.Code]string{fault.Unauthorized: web.BearerChallenge, fault.Forbidden: "", fault.Conflict: ""} {
		w := httptest.NewRecorder()
		web.WriteProblemWithChallenge(w, httptest.NewRequest(http.MethodGet, "/users", nil), fault.New(code, "No."))
		if got := w.Header().Get("WWW-Authenticate"); got != want || w.Code != web.StatusOf(code) {
			t.Errorf("%s: status %d, WWW-Authenticate %q; want %d, %q", code, w.Code, got, web.StatusOf(code), want)
		}
		if ct := w.Header().Get("Content-Type"); ct != web.ProblemContentType {
			t.Errorf("%s: Content-Type %q", code, ct)
		}
	}
}
