package webhook_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"roster/shared/seal"
)

// BenchmarkWebhookDelivery measures deliveries through the FIFO queue on
// the emulators (make bench): deliveries per second and attempts per
// event, with a receiver that refuses one request in five.
func BenchmarkWebhookDelivery(b *testing.B) {
	r := newRig(b, 20)
	sealer, _ := seal.New(make([]byte, 32))
	var attempts atomic.Int64
	rec := &receiver{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if attempts.Add(1)%5 == 0 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		rec.ServeHTTP(w, req)
	}))
	defer srv.Close()
	rec.secret = r.register(b, srv.URL, sealer)
	const users = 10
	names := make([]string, users)
	for i := range names {
		names[i] = string(rune('a'+i)) + "user"
	}
	evs := userEvents(names, max(1, b.N/users))
	b.ResetTimer()
	start := time.Now()
	if _, err := r.fan.Publish(context.Background(), evs); err != nil {
		b.Fatal(err)
	}
	r.drain(b, 10*len(evs))
	took := time.Since(start)
	b.StopTimer()
	if len(rec.got) != len(evs) {
		b.Fatalf("delivered %d of %d", len(rec.got), len(evs))
	}
	b.ReportMetric(float64(len(evs))/took.Seconds(), "deliveries/s")
	b.ReportMetric(float64(attempts.Load())/float64(len(evs)), "attempts/event")
}
