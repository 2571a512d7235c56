package webtest

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"roster/shared/web"
)

// Dialect checks that res is a group's error answer with status, in the
// shape the group documents, and returns what the answer tells a person
// (a problem's detail, an envelope's message). Each group speaks one.
type Dialect func(t testing.TB, res Response, status int) string

// ProblemDialect is the RFC 9457 problem most groups answer with
// ([AssertProblem]); a 500 says only that an internal error occurred.
func ProblemDialect(t testing.TB, res Response, status int) string {
	t.Helper()
	p := AssertProblem(t, res, status)
	if status == http.StatusInternalServerError && p.Detail != internalDetail {
		t.Errorf("500 detail %q, want %q", p.Detail, internalDetail)
	}
	return p.Detail
}

// TraceIDPattern is the W3C traceparent form every traceId of the
// Identity dialect takes.
var TraceIDPattern = regexp.MustCompile(`^00-[0-9a-f]{32}-[0-9a-f]{16}-00$`)

// TraceProblem is the Identity dialect's body for any error but a 400.
type TraceProblem struct {
	Type    string `json:"type"`
	Title   string `json:"title"`
	Status  int    `json:"status"`
	Detail  string `json:"detail"`
	TraceID string `json:"traceId"`
}

// traceProblemTypes are the type each status of the Identity dialect
// carries.
var traceProblemTypes = map[int]string{
	401: "https://tools.ietf.org/html/rfc7235#section-3.1",
	403: "https://tools.ietf.org/html/rfc7231#section-6.5.3",
	404: "https://tools.ietf.org/html/rfc7231#section-6.5.4",
	405: "https://tools.ietf.org/html/rfc7231#section-6.5.5",
	409: "https://tools.ietf.org/html/rfc7231#section-6.5.8",
	412: "https://tools.ietf.org/html/rfc7232#section-4.2",
	413: "https://tools.ietf.org/html/rfc7231#section-6.5.11",
	415: "https://tools.ietf.org/html/rfc7231#section-6.5.13",
	429: "https://tools.ietf.org/html/rfc6585#section-4",
	500: "https://tools.ietf.org/html/rfc7231#section-6.6.1",
	503: "https://tools.ietf.org/html/rfc7231#section-6.6.4",
}

// AssertTraceProblem checks an Identity problem other than a 400: exactly
// type, title, status, detail and traceId, the traceId also in the
// traceresponse header. Every 401 carries the Bearer challenge.
func AssertTraceProblem(t testing.TB, res Response, status int) TraceProblem {
	t.Helper()
	if res.Code != status {
		t.Fatalf("status %d, want %d; body %s", res.Code, status, res.Body)
	}
	AssertTraceProblemHeaders(t, res)
	var p TraceProblem
	DecodeStrict(t, res.Body, &p)
	wantTitle := http.StatusText(status)
	if status == 500 {
		wantTitle = "An error occurred while processing your request."
	}
	if p.Type != traceProblemTypes[status] || p.Title != wantTitle || p.Status != status || p.Detail == "" {
		t.Errorf("problem %+v does not describe status %d", p, status)
	}
	if !TraceIDPattern.MatchString(p.TraceID) || p.TraceID != res.Header.Get("Traceresponse") {
		t.Errorf("traceId %q, traceresponse header %q", p.TraceID, res.Header.Get("Traceresponse"))
	}
	wantChallenge := ""
	if status == http.StatusUnauthorized {
		wantChallenge = web.BearerChallenge
	}
	if got := res.Header.Get("WWW-Authenticate"); got != wantChallenge {
		t.Errorf("WWW-Authenticate %q, want %q", got, wantChallenge)
	}
	return p
}

// AssertTraceProblemHeaders checks the headers every Identity problem
// carries.
func AssertTraceProblemHeaders(t testing.TB, res Response) {
	t.Helper()
	if ct := res.Header.Get("Content-Type"); ct != web.ProblemContentType {
		t.Errorf("Content-Type %q, want %s", ct, web.ProblemContentType)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
}

// TraceProblemDialect is the Identity dialect ([AssertTraceProblem]).
func TraceProblemDialect(t testing.TB, res Response, status int) string {
	t.Helper()
	return AssertTraceProblem(t, res, status).Detail
}

// Envelope is the Access User dialect's body, as a client decodes it.
type Envelope struct {
	Timestamp string `json:"timestamp"`
	Status    int    `json:"status"`
	MessageID int    `json:"messageId"`
	Message   string `json:"message"`
}

// envelopeStamp is the layout of an envelope's timestamp: UTC to the
// millisecond.
const envelopeStamp = "2006-01-02T15:04:05.000Z"

// DecodeEnvelope checks a JSON answer of exactly the four members of the
// envelope, its timestamp in UTC to the millisecond.
func DecodeEnvelope(t testing.TB, res Response) Envelope {
	t.Helper()
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var e Envelope
	DecodeStrict(t, res.Body, &e)
	if _, err := time.Parse(envelopeStamp, e.Timestamp); err != nil {
		t.Errorf("timestamp %q is not UTC to the millisecond: %v", e.Timestamp, err)
	}
	return e
}

// AssertEnvelope checks a failure envelope: the HTTP status repeated in
// status, the messageId, and a message naming each of want (fields, or
// words a person needs), never an internal cause. Every 401 carries the
// Bearer challenge.
func AssertEnvelope(t testing.TB, res Response, status, messageID int, want ...string) Envelope {
	t.Helper()
	if res.Code != status {
		t.Fatalf("status %d, want %d; body %s", res.Code, status, res.Body)
	}
	e := DecodeEnvelope(t, res)
	if e.Status != status || e.MessageID != messageID {
		t.Errorf("envelope status %d messageId %d, want %d and %d: %s", e.Status, e.MessageID, status, messageID, e.Message)
	}
	for _, w := range want {
		if !strings.Contains(e.Message, w) {
			t.Errorf("message %q does not name %q", e.Message, w)
		}
	}
	challenge := ""
	if status == http.StatusUnauthorized {
		challenge = web.BearerChallenge
	}
	if got := res.Header.Get("WWW-Authenticate"); got != challenge {
		t.Errorf("WWW-Authenticate %q, want %q", got, challenge)
	}
	if strings.Contains(string(res.Body), "cause that must stay internal") {
		t.Errorf("body leaks the internal cause: %s", res.Body)
	}
	return e
}

// EnvelopeDialect is the Access User dialect: an [Envelope] whose
// messageId for each status is messageIDs[status]; a 500 says it was an
// internal error.
func EnvelopeDialect(messageIDs map[int]int) Dialect {
	return func(t testing.TB, res Response, status int) string {
		t.Helper()
		var want []string
		if status == http.StatusInternalServerError {
			want = append(want, "internal error")
		}
		return AssertEnvelope(t, res, status, messageIDs[status], want...).Message
	}
}

// SCIMError is the SCIM group's error body (RFC 7644 §3.12).
type SCIMError struct {
	Schemas  []string `json:"schemas"`
	Status   string   `json:"status"`
	ScimType string   `json:"scimType,omitempty"`
	Detail   string   `json:"detail,omitempty"`
}

// SCIMDialect checks a SCIM error: application/scim+json, exactly the
// error message's members, its status as a string, the Bearer challenge
// on a 401 alone; a 500 says only that an internal error occurred.
func SCIMDialect(t testing.TB, res Response, status int) string {
	t.Helper()
	if res.Code != status {
		t.Fatalf("status %d, want %d; body %s", res.Code, status, res.Body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/scim+json" {
		t.Errorf("Content-Type %q, want application/scim+json", ct)
	}
	var e SCIMError
	DecodeStrict(t, res.Body, &e)
	if len(e.Schemas) != 1 || e.Schemas[0] != "urn:ietf:params:scim:api:messages:2.0:Error" || e.Status != strconv.Itoa(status) || e.Detail == "" {
		t.Errorf("error %+v does not describe status %d", e, status)
	}
	if status == http.StatusInternalServerError && e.Detail != internalDetail {
		t.Errorf("500 detail %q, want %q", e.Detail, internalDetail)
	}
	wantChallenge := ""
	if status == http.StatusUnauthorized {
		wantChallenge = web.BearerChallenge
	}
	if got := res.Header.Get("WWW-Authenticate"); got != wantChallenge {
		t.Errorf("WWW-Authenticate %q, want %q", got, wantChallenge)
	}
	return e.Detail
}
