package webtest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"roster/shared/fault"
	"roster/shared/web"
)

// AssertProblem checks an RFC 9457 problem as web.WriteProblem renders it:
// the status, the media type, a body of exactly the Problem members that
// describes the status and quotes the request id, and errors that name
// exactly fields, each with a message. A 401 carries the Bearer challenge
// and nothing else does; no problem carries an ETag or a Location.
func AssertProblem(t testing.TB, res Response, status int, fields ...string) web.Problem {
	t.Helper()
	if res.Code != status {
		t.Fatalf("status %d, want %d; body %s", res.Code, status, res.Body)
	}
	if ct := res.Header.Get("Content-Type"); ct != web.ProblemContentType {
		t.Errorf("Content-Type %q, want %q", ct, web.ProblemContentType)
	}
	var p web.Problem
	DecodeStrict(t, res.Body, &p)
	if p.Status != status || p.Title != http.StatusText(status) || p.Type != "about:blank" || p.Detail == "" || p.RequestID != res.Header.Get(web.RequestIDHeader) {
		t.Errorf("problem %+v does not describe status %d for request %s", p, status, res.Header.Get(web.RequestIDHeader))
	}
	got := []string{}
	for _, e := range p.Errors {
		if e.Message == "" {
			t.Errorf("field %q has no message", e.Field)
		}
		got = append(got, e.Field)
	}
	slices.Sort(got)
	want := slices.Sorted(slices.Values(append([]string{}, fields...)))
	if !slices.Equal(got, want) {
		t.Errorf("problem names fields %q, want %q; body %s", got, want, res.Body)
	}
	wantChallenge := ""
	if status == http.StatusUnauthorized {
		wantChallenge = web.BearerChallenge
	}
	if got := res.Header.Get("WWW-Authenticate"); got != wantChallenge {
		t.Errorf("WWW-Authenticate %q, want %q", got, wantChallenge)
	}
	for _, h := range []string{"ETag", "Location"} {
		if res.Header.Get(h) != "" {
			t.Errorf("a problem with %s %q", h, res.Header.Get(h))
		}
	}
	return p
}

// AssertJSON checks a JSON response's status, media type and body, which
// must hold the same JSON value as want (member order aside).
func AssertJSON(t testing.TB, res Response, status int, want string) {
	t.Helper()
	if res.Code != status {
		t.Fatalf("status %d, want %d; body %s", res.Code, status, res.Body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var got, exp any
	if err := json.Unmarshal(res.Body, &got); err != nil {
		t.Fatalf("body %s: %v", res.Body, err)
	}
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatalf("expected body %s: %v", want, err)
	}
	if !reflect.DeepEqual(got, exp) {
		t.Errorf("body\n%s\nwant\n%s", res.Body, Compact(t, want))
	}
}

// AssertHeaders checks response headers; "" means absent.
func AssertHeaders(t testing.TB, res Response, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got := res.Header.Get(k); got != v {
			t.Errorf("%s %q, want %q", k, got, v)
		}
	}
}

// Compact returns the JSON document s without insignificant space, for
// comparing bodies byte for byte.
func Compact(t testing.TB, s string) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return b.String()
}

// ServiceFaults returns the codes a service returns that a group passes on
// with their status.
func ServiceFaults() []fault.Code {
	return []fault.Code{fault.Invalid, fault.Unauthorized, fault.Forbidden, fault.NotFound, fault.Conflict,
		fault.PreconditionFailed, fault.Unavailable, fault.Internal}
}

// internalDetail is all a caller learns of an internal error.
const internalDetail = "An internal error occurred."

// AssertFault checks a group's answer to [Fault](code) from its service:
// the code's status, and the service's message but never its internal
// cause; a 500 says only that an internal error occurred.
func AssertFault(t testing.TB, res Response, code fault.Code) web.Problem {
	t.Helper()
	status := web.StatusOf(code)
	p := AssertProblem(t, res, status)
	if strings.Contains(string(res.Body), "must stay internal") {
		t.Errorf("internal cause in the body: %s", res.Body)
	}
	if status == 500 && p.Detail != internalDetail {
		t.Errorf("500 detail %q", p.Detail)
	}
	if status != 500 && p.Detail != "The service said "+string(code)+"." {
		t.Errorf("detail %q, want the service's message", p.Detail)
	}
	return p
}

// AssertInternal checks a group's answer to an error without a code: a
// generic 500 that shows no part of cause, which is logged instead.
func AssertInternal(t testing.TB, res Response, cause error) {
	t.Helper()
	p := AssertProblem(t, res, 500)
	if p.Detail != internalDetail {
		t.Errorf("500 detail %q", p.Detail)
	}
	for _, part := range strings.Split(cause.Error(), ": ") {
		if strings.Contains(string(res.Body), part) {
			t.Errorf("body shows %q: %s", part, res.Body)
		}
	}
	if !strings.Contains(res.Logs, cause.Error()) {
		t.Errorf("cause not logged: %s", res.Logs)
	}
}

// DecodeStrict decodes the JSON body into v, failing the test on a body
// that is not one JSON value of v's shape, or that has a member v lacks.
func DecodeStrict(t testing.TB, body []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
}
