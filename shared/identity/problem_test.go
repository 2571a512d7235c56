package identity_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"roster/shared/web"
	"roster/shared/web/webtest"
)

// TestAWrongTypeGetsTheDocumentsValidationProblem holds the body the API
// documents for a value of the wrong type, member for member.
func TestAWrongTypeGetsTheDocumentsValidationProblem(t *testing.T) {
	f := happy(t)
	res := do(t, f, request{Method: "PUT", Target: acme + "/User/her-1909", Body: `{"bypassBasicAuthRestriction": "hello"}`, As: &owner})

	if res.Code != http.StatusBadRequest {
		t.Fatalf("status %d; body %s", res.Code, res.Body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type %q", ct)
	}
	// The members, in the document's order.
	dec := json.NewDecoder(bytes.NewReader(res.Body))
	var keys []string
	dec.Token()
	for dec.More() {
		k, _ := dec.Token()
		keys = append(keys, k.(string))
		var skip json.RawMessage
		dec.Decode(&skip)
	}
	if strings.Join(keys, ",") != "errors,type,title,status,traceId" {
		t.Errorf("members %q, want errors, type, title, status, traceId", keys)
	}

	trace := res.Header.Get("Traceresponse")
	if !webtest.TraceIDPattern.MatchString(trace) {
		t.Fatalf("traceresponse %q does not match %s", trace, webtest.TraceIDPattern)
	}
	want := `{
		"errors": {
			"bypassBasicAuthRestriction": [
				"The value of bypassBasicAuthRestriction must be a boolean, not a string. Path 'bypassBasicAuthRestriction', line 1, position 38."
			]
		},
		"type": "https://tools.ietf.org/html/rfc7231#section-6.5.1",
		"title": "One or more validation errors occurred.",
		"status": 400,
		"traceId": "` + trace + `"
	}`
	if got, want := webtest.Compact(t, string(res.Body)), webtest.Compact(t, want); got != want {
		t.Errorf("body\n%s\nwant\n%s", got, want)
	}
	assertValidation(t, res, "bypassBasicAuthRestriction")
	webtest.AssertCalls(t, f)
}

func TestTraceIDs(t *testing.T) {
	send := func(h map[string]string) response {
		return do(t, happy(t), request{Method: "GET", Target: acme + "/Group", Header: h, As: &owner})
	}
	t.Run("derive from the request id, the same on every response for it", func(t *testing.T) {
		a := send(map[string]string{web.RequestIDHeader: "req-1"}).Header.Get("Traceresponse")
		b := send(map[string]string{web.RequestIDHeader: "req-1"}).Header.Get("Traceresponse")
		c := send(map[string]string{web.RequestIDHeader: "req-2"}).Header.Get("Traceresponse")
		if !webtest.TraceIDPattern.MatchString(a) || a != b || a == c || a[3:35] == c[3:35] {
			t.Errorf("req-1: %q, %q; req-2: %q", a, b, c)
		}
	})
	t.Run("join the caller's trace", func(t *testing.T) {
		got := send(map[string]string{"Traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}).Header.Get("Traceresponse")
		if !strings.HasPrefix(got, "00-4bf92f3577b34da6a3ce929d0e0e4736-") || strings.Contains(got, "00f067aa0ba902b7") || !webtest.TraceIDPattern.MatchString(got) {
			t.Errorf("traceresponse %q", got)
		}
	})
	t.Run("join API Gateway's X-Ray trace", func(t *testing.T) {
		got := send(map[string]string{"X-Amzn-Trace-Id": "Root=1-67CED005-5a1b2c3d4e5f607182943f60;Sampled=1"}).Header.Get("Traceresponse")
		if !strings.HasPrefix(got, "00-67ced0055a1b2c3d4e5f607182943f60-") || !webtest.TraceIDPattern.MatchString(got) {
			t.Errorf("traceresponse %q", got)
		}
	})
	t.Run("ignore malformed trace headers", func(t *testing.T) {
		for _, h := range []map[string]string{
			{"Traceparent": "00-00000000000000000000000000000000-00f067aa0ba902b7-01"},
			{"Traceparent": "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"},
			{"Traceparent": "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
			{"Traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"},
			{"X-Amzn-Trace-Id": "Root=1-67ced005-5a1b2c3d4e5f607182943f6"},
			{"X-Amzn-Trace-Id": "Root=1-67ced005-5a1b2c3d4e5f60718294zzzz"},
		} {
			h[web.RequestIDHeader] = "req-1"
			got := send(h).Header.Get("Traceresponse")
			want := send(map[string]string{web.RequestIDHeader: "req-1"}).Header.Get("Traceresponse")
			if got != want {
				t.Errorf("%v: traceresponse %q, want the request id's %q", h, got, want)
			}
		}
	})
	t.Run("the traceId is in the logs", func(t *testing.T) {
		res := send(nil)
		if tr := res.Header.Get("Traceresponse"); !strings.Contains(res.Logs, `"trace_id":"`+tr+`"`) {
			t.Errorf("logs %s lack %s", res.Logs, tr)
		}
	})
}
