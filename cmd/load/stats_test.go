package main

import (
	"errors"
	"testing"
	"time"
)

func TestPercentileIsNearestRank(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, n := range v {
			out[i] = time.Duration(n) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"none", nil, 50, 0},
		{"one value is every percentile", ms(7), 99, 7 * time.Millisecond},
		{"median of an odd count is the middle", ms(1, 2, 3, 4, 5), 50, 3 * time.Millisecond},
		{"median of an even count is the lower middle", ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"p99 of 100 values is the 99th", ms(hundred...), 99, 99 * time.Millisecond},
		{"p100 is the maximum", ms(hundred...), 100, 100 * time.Millisecond},
		{"p99 of 10 values is the maximum", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 1000), 99, time.Second},
		{"a tiny p is the minimum", ms(4, 5, 6), 0.001, 4 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("Percentile(%v, %v) = %v, want %v", tt.sorted, tt.p, got, tt.want)
			}
		})
	}
}

func TestSummariesCountStatusClassesAndErrorsPerOperation(t *testing.T) {
	rec := NewRecorder()
	for i := 1; i <= 10; i++ {
		rec.Record("users.get", 200, time.Duration(i)*time.Millisecond, nil)
	}
	rec.Record("users.get", 404, 50*time.Millisecond, nil)
	rec.Record("users.create", 201, 20*time.Millisecond, nil)
	rec.Record("users.create", 409, 20*time.Millisecond, nil)
	rec.Record("users.create", 500, 30*time.Millisecond, nil)
	rec.Record("users.create", 0, time.Second, errors.New("connection refused"))

	got := rec.Summaries(2 * time.Second)
	if len(got) != 3 || got[0].Op != "users.create" || got[1].Op != "users.get" || got[2].Op != "all" {
		t.Fatalf("summaries %+v, want users.create, users.get, all", got)
	}
	create, get, all := got[0], got[1], got[2]
	if create.Requests != 4 || create.OK != 1 || create.Status4xx != 1 || create.Status5xx != 1 || create.Errors != 1 {
		t.Errorf("users.create %+v, want 4 requests: 1 ok, 1 4xx, 1 5xx, 1 error", create)
	}
	if len(create.Samples) != 1 || create.Samples[0] != "connection refused" {
		t.Errorf("error samples %q", create.Samples)
	}
	if create.Statuses["409"] != 1 || create.Statuses["500"] != 1 || create.Statuses["201"] != 1 {
		t.Errorf("statuses %v", create.Statuses)
	}
	if get.P50Ms != 6 || get.P99Ms != 50 || get.MaxMs != 50 || get.PerSecond != 5.5 {
		t.Errorf("users.get p50 %v p99 %v max %v rate %v, want 6, 50, 50, 5.5", get.P50Ms, get.P99Ms, get.MaxMs, get.PerSecond)
	}
	if all.Requests != 15 || all.Errors != 1 || all.Status5xx != 1 || all.Status4xx != 2 || all.OK != 11 {
		t.Errorf("all %+v", all)
	}
}

func TestRecorderKeepsFewErrorSamples(t *testing.T) {
	rec := NewRecorder()
	for range 100 {
		rec.Record("x", 0, 0, errors.New("timeout"))
	}
	if s := rec.Summaries(time.Second)[0]; s.Errors != 100 || len(s.Samples) != maxErrorSamples {
		t.Errorf("%d errors with %d samples, want 100 with %d", s.Errors, len(s.Samples), maxErrorSamples)
	}
}
