package account_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"roster/shared/account"
	"roster/shared/web"
	"roster/shared/web/webtest"
)

// discard is a ResponseWriter that keeps nothing, so the benchmark
// measures the handler rather than the recorder.
type discard struct {
	h      http.Header
	status int
}

func (w *discard) Header() http.Header         { return w.h }
func (w *discard) Write(b []byte) (int, error) { return len(b), nil }
func (w *discard) WriteHeader(code int)        { w.status = code }

// BenchmarkHandlerOverhead measures each route's plumbing (routing,
// middleware, decoding, validation, encoding) around a service that
// answers at once.
func BenchmarkHandlerOverhead(b *testing.B) {
	for _, rt := range routes() {
		b.Run(rt.name(), func(b *testing.B) {
			h := account.Handler(deps(happy(nil)), web.NewLogger(io.Discard, "info"), webtest.As(rt.as))
			w := &discard{h: http.Header{}}
			body := strings.NewReader(rt.body)
			r := httptest.NewRequest(rt.method, rt.target, nil)
			for k, v := range rt.header {
				r.Header.Set(k, v)
			}
			if rt.body != "" {
				r.Header.Set("Content-Type", "application/json")
			}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				body.Reset(rt.body)
				r.Body = io.NopCloser(body)
				r.ContentLength = int64(len(rt.body))
				h.ServeHTTP(w, r)
				if w.status != rt.status {
					b.Fatalf("status %d, want %d", w.status, rt.status)
				}
			}
		})
	}
}
