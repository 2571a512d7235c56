package webtest

import (
	"net/http"
	"strings"
	"testing"
)

// Discard is a ResponseWriter that keeps nothing but the status, so a
// benchmark measures the handler rather than a recorder.
type Discard struct {
	H      http.Header
	Status int
}

// NewDiscard returns a Discard with an empty header set.
func NewDiscard() *Discard { return &Discard{H: http.Header{}} }

// Header returns the headers written so far.
func (w *Discard) Header() http.Header { return w.H }

// Write drops b.
func (w *Discard) Write(b []byte) (int, error) {
	if w.Status == 0 {
		w.Status = http.StatusOK
	}
	return len(b), nil
}

// WriteHeader records the status.
func (w *Discard) WriteHeader(code int) { w.Status = code }

// reset readies w for the next response.
func (w *Discard) reset() {
	clear(w.H)
	w.Status = 0
}

// rewindable is a request body that can be read again after Reset.
type rewindable struct{ *strings.Reader }

func (rewindable) Close() error { return nil }

// BenchRequest measures h answering rq (built as [NewRequest] builds it)
// over and over: the same request each time with its body rewound, into a
// [Discard], so the loop itself allocates nothing. It reports allocations
// and fails unless every answer has status.
func BenchRequest(b *testing.B, h http.Handler, rq Request, status int) {
	b.Helper()
	r := NewRequest(rq)
	var body rewindable
	if rq.Body != "" {
		body = rewindable{strings.NewReader(rq.Body)}
	}
	w := NewDiscard()
	b.ReportAllocs()
	for b.Loop() {
		w.reset()
		if body.Reader != nil {
			body.Reset(rq.Body)
			r.Body = body
			r.ContentLength = int64(len(rq.Body))
		}
		h.ServeHTTP(w, r)
		if w.Status != status {
			b.Fatalf("%s %s: status %d, want %d", rq.Method, rq.Target, w.Status, status)
		}
	}
}
