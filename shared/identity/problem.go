package identity

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"roster/shared/fault"
	"roster/shared/web"
)

// The API answers errors as ASP.NET Core does: a 400 is a validation
// problem whose errors map each JSON field to its messages; every other
// status is a problem with a detail. Both carry a traceId.

// validationProblem is the body of every 400, member for member as the API
// documents it.
type validationProblem struct {
	Errors  map[string][]string `json:"errors"`
	Type    string              `json:"type"`
	Title   string              `json:"title"`
	Status  int                 `json:"status"`
	TraceID string              `json:"traceId"`
}

// problem is the body of every other error status.
type problem struct {
	Type    string `json:"type"`
	Title   string `json:"title"`
	Status  int    `json:"status"`
	Detail  string `json:"detail"`
	TraceID string `json:"traceId"`
}

// validationTitle is the title of every validation problem.
const validationTitle = "One or more validation errors occurred."

// bodyField is the errors key of a problem with the body as a whole (it
// is not JSON, or it is empty): the JSON path of the root.
const bodyField = "$"

// notFoundDetail is the detail of every 404: an unknown user or group,
// another tenant's, and organization and tenant names that are not the
// caller's all read the same, so nothing can be probed.
const notFoundDetail = "The resource does not exist."

// problemTypes are the type URIs ASP.NET Core gives each status: the
// section of the RFC that defines it.
var problemTypes = map[int]string{
	http.StatusBadRequest:            "https://tools.ietf.org/html/rfc7231#section-6.5.1",
	http.StatusUnauthorized:          "https://tools.ietf.org/html/rfc7235#section-3.1",
	http.StatusForbidden:             "https://tools.ietf.org/html/rfc7231#section-6.5.3",
	http.StatusNotFound:              "https://tools.ietf.org/html/rfc7231#section-6.5.4",
	http.StatusMethodNotAllowed:      "https://tools.ietf.org/html/rfc7231#section-6.5.5",
	http.StatusConflict:              "https://tools.ietf.org/html/rfc7231#section-6.5.8",
	http.StatusPreconditionFailed:    "https://tools.ietf.org/html/rfc7232#section-4.2",
	http.StatusRequestEntityTooLarge: "https://tools.ietf.org/html/rfc7231#section-6.5.11",
	http.StatusUnsupportedMediaType:  "https://tools.ietf.org/html/rfc7231#section-6.5.13",
	http.StatusTooManyRequests:       "https://tools.ietf.org/html/rfc6585#section-4",
	http.StatusInternalServerError:   "https://tools.ietf.org/html/rfc7231#section-6.6.1",
	http.StatusServiceUnavailable:    "https://tools.ietf.org/html/rfc7231#section-6.6.4",
}

// writeProblem is the group's error writer. The status comes from the
// fault code (web.StatusOf, through web.Public, which also logs internal
// causes and keeps them out of the body).
func writeProblem(w http.ResponseWriter, r *http.Request, err error) {
	fe, status := web.Public(r, err)
	trace := traceID(r)
	var body any
	if status == http.StatusBadRequest {
		body = validationProblem{Errors: fieldMessages(fe), Type: problemTypes[status], Title: validationTitle, Status: status, TraceID: trace}
	} else {
		title := http.StatusText(status)
		if status == http.StatusInternalServerError {
			title = "An error occurred while processing your request."
		}
		body = problem{Type: problemTypes[status], Title: title, Status: status, Detail: detail(fe, status), TraceID: trace}
	}
	b, merr := json.Marshal(body)
	if merr != nil { // cannot happen: the bodies hold only strings and ints
		http.Error(w, "An internal error occurred.", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	if status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", web.BearerChallenge)
	}
	web.SetRetryAfter(h, fe)
	h.Set(traceHeader, trace) // again: a recovered panic clears the headers
	h.Set("Content-Type", web.ProblemContentType)
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// fieldMessages groups the field problems by JSON field, each message a
// sentence. An Invalid error that names no field is about the body.
func fieldMessages(fe *fault.Error) map[string][]string {
	out := map[string][]string{}
	if len(fe.Fields) == 0 {
		out[bodyField] = []string{sentence(bodyField, fe.Message)}
		return out
	}
	for _, f := range fe.Fields {
		out[f.Field] = append(out[f.Field], sentence(f.Field, f.Message))
	}
	return out
}

// sentence turns a field problem into a sentence for people. Messages in
// the project's convention are predicates ("must be a boolean", "is
// required"), which get the field as their subject; a message that is
// already a sentence is kept.
func sentence(field, msg string) string {
	switch {
	case msg == "":
		msg = "is invalid"
	case !startsLower(msg):
		return msg
	}
	subject := "The " + field + " field "
	if field == bodyField {
		subject = "The request body "
	}
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return subject + msg
}

func startsLower(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLower(r)
}

// detail is a problem's detail: the fault's message and, for errors that
// name fields (a taken email, a Content-Type), what is wrong with each.
// Every 404 reads the same.
func detail(fe *fault.Error, status int) string {
	if status == http.StatusNotFound {
		return notFoundDetail
	}
	d := fe.Message
	for _, f := range fe.Fields {
		if f.Field == "body" || f.Field == bodyField || f.Message == "" {
			continue
		}
		m := f.Field + " " + f.Message
		if !strings.HasSuffix(m, ".") {
			m += "."
		}
		d += " " + m
	}
	return d
}

// traceHeader carries a response's traceId, in the traceparent format of
// W3C Trace Context (Level 2 names it traceresponse).
const traceHeader = "Traceresponse"

// withTrace sends every response's traceId in traceHeader and adds it to
// the request's logs, so an id a caller quotes finds its log lines.
func withTrace(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := traceID(r)
		w.Header()[traceHeader] = []string{id} // Header().Set; the name is already canonical
		web.AddLogAttrs(r.Context(), slog.String("trace_id", id))
		next.ServeHTTP(w, r)
	})
}

// traceID is the request's W3C trace context in the traceparent form
// 00-<trace-id>-<parent-id>-00. The trace-id joins the caller's trace when
// the request carries a valid traceparent, else the X-Ray trace API
// Gateway started (X-Amzn-Trace-Id, whose Root is the same 128 bits); the
// parent-id, and the trace-id when neither header is there, derive from
// the request id, so every call for one request gives the same value.
// The value is built in one buffer, so the string is its only allocation.
func traceID(r *http.Request) string {
	var sum [32]byte
	if id := web.RequestID(r.Context()); id != "" {
		// Request ids are at most 128 bytes; a longer one still hashes
		// the same, from the heap.
		var in [len(traceSalt) + 128]byte
		sum = sha256.Sum256(append(append(in[:0], traceSalt...), id...))
	} else {
		_, _ = rand.Read(sum[:]) // crypto/rand.Read never fails on supported platforms
	}
	var out [traceLen]byte
	copy(out[:], "00-")
	trace := out[3:35]
	if !traceFromParent(r.Header.Get("Traceparent"), trace) && !traceFromXRay(r.Header.Get("X-Amzn-Trace-Id"), trace) {
		hex.Encode(trace, sum[:16])
	}
	out[35] = '-'
	hex.Encode(out[36:52], sum[16:24])
	copy(out[52:], "-00")
	return string(out[:])
}

const (
	traceSalt = "traceparent:" // what the request id is hashed after
	traceLen  = 55             // bytes of "00-" trace-id "-" parent-id "-00"
	zeroTrace = "00000000000000000000000000000000"
)

// traceFromParent copies the trace-id of a traceparent header into dst (32
// bytes) and reports whether there was a valid one; dst is left alone when
// there is none.
func traceFromParent(v string, dst []byte) bool {
	// version "-" trace-id "-" parent-id "-" flags; later versions may
	// append fields, version ff is invalid.
	if len(v) < 55 || v[2] != '-' || v[35] != '-' || v[52] != '-' || v[:2] == "ff" || (v[:2] == "00" && len(v) != 55) {
		return false
	}
	trace := v[3:35]
	if !lowerHex(v[:2]) || !lowerHex(trace) || !lowerHex(v[36:52]) || !lowerHex(v[53:55]) || trace == zeroTrace {
		return false
	}
	copy(dst, trace)
	return true
}

// traceFromXRay writes the Root of an X-Amzn-Trace-Id header
// (Root=1-<8 hex time>-<24 hex>) into dst (32 bytes) as a W3C trace-id,
// in lower case, and reports whether there was a valid one. When there is
// none, dst holds nothing of use.
func traceFromXRay(v string, dst []byte) bool {
	for part := range strings.SplitSeq(v, ";") {
		root, ok := strings.CutPrefix(strings.TrimSpace(part), "Root=")
		if !ok {
			continue
		}
		if len(root) != 35 || root[:2] != "1-" || root[10] != '-' {
			return false
		}
		copy(dst[copy(dst, root[2:10]):32], root[11:])
		zero := true
		for i, c := range dst[:32] {
			if 'A' <= c && c <= 'F' {
				c += 'a' - 'A'
				dst[i] = c
			}
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return false
			}
			zero = zero && c == '0'
		}
		return !zero
	}
	return false
}

func lowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
