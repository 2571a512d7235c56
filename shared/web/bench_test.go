package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"roster/shared/fault"
	"roster/shared/web"
)

// discardWriter is a ResponseWriter that keeps nothing, so the benchmark
// measures the plumbing rather than the recorder.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}

func BenchmarkMiddlewareOverhead(b *testing.B) {
	routes := append(testRoutes(), web.Route{Method: "GET", Path: "/tenants/{tenantId}/users/{userId}", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})})
	h := web.NewHandler(routes, web.NewLogger(io.Discard, "info"), nil)
	r := httptest.NewRequest("GET", "/tenants/t1/users/u1", nil)
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}

type smallBody struct {
	Email     string `json:"email"`
	Name      string `json:"name"`
	Role      string `json:"role"`
	Suspended bool   `json:"suspended"`
}

func (smallBody) Valid(context.Context) []fault.FieldError { return nil }

func BenchmarkDecode(b *testing.B) {
	const body = `{"email":"ada@example.com","name":"Ada Lovelace","role":"admin","suspended":false}`
	r := httptest.NewRequest("POST", "/users", nil)
	r.Header.Set("Content-Type", "application/json")
	sr := strings.NewReader(body)
	b.ReportAllocs()
	for b.Loop() {
		sr.Reset(body)
		r.Body = io.NopCloser(sr)
		if _, err := web.DecodeValid[smallBody](r, 4096); err != nil {
			b.Fatal(err)
		}
	}
}
