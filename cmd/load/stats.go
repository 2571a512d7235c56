package main

import (
	"math"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"
)

// maxErrorSamples bounds the transport-error messages kept per operation:
// enough to see what went wrong without a run of thousands filling memory.
const maxErrorSamples = 5

// Recorder collects the outcome of every request, by operation. It is safe
// for concurrent use by every client.
type Recorder struct {
	mu  sync.Mutex
	ops map[string]*opRecord
}

type opRecord struct {
	latencies []time.Duration
	statuses  map[int]int
	errors    int
	samples   []string
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder { return &Recorder{ops: map[string]*opRecord{}} }

// Record notes one request of op: the status it answered, or err when no
// answer came back (a transport error, a timeout). d is its duration.
func (r *Recorder) Record(op string, status int, d time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	o := r.ops[op]
	if o == nil {
		o = &opRecord{statuses: map[int]int{}}
		r.ops[op] = o
	}
	if err != nil {
		o.errors++
		if len(o.samples) < maxErrorSamples {
			o.samples = append(o.samples, err.Error())
		}
		return
	}
	o.statuses[status]++
	o.latencies = append(o.latencies, d)
}

// OpSummary is what one operation did over a run.
type OpSummary struct {
	Op        string         `json:"op"`
	Requests  int            `json:"requests"` // answered and unanswered
	PerSecond float64        `json:"perSecond"`
	P50Ms     float64        `json:"p50Ms"` // of the answered requests
	P99Ms     float64        `json:"p99Ms"`
	MaxMs     float64        `json:"maxMs"`
	OK        int            `json:"ok"` // 1xx to 3xx
	Status4xx int            `json:"status4xx"`
	Status5xx int            `json:"status5xx"`
	Errors    int            `json:"errors"`   // no answer: transport errors and timeouts
	Statuses  map[string]int `json:"statuses"` // every status seen, with its count
	Samples   []string       `json:"errorSamples,omitempty"`
}

// Summaries returns one summary per operation, sorted by name, and the
// total over every operation (named "all") last. elapsed turns counts
// into rates.
func (r *Recorder) Summaries(elapsed time.Duration) []OpSummary {
	r.mu.Lock()
	defer r.mu.Unlock()
	names := make([]string, 0, len(r.ops))
	for name := range r.ops {
		names = append(names, name)
	}
	sort.Strings(names)
	total := &opRecord{statuses: map[int]int{}}
	out := make([]OpSummary, 0, len(names)+1)
	for _, name := range names {
		o := r.ops[name]
		out = append(out, o.summary(name, elapsed))
		total.latencies = append(total.latencies, o.latencies...)
		for s, n := range o.statuses {
			total.statuses[s] += n
		}
		total.errors += o.errors
		total.samples = append(total.samples, o.samples...)
	}
	if len(total.samples) > maxErrorSamples {
		total.samples = total.samples[:maxErrorSamples]
	}
	return append(out, total.summary("all", elapsed))
}

func (o *opRecord) summary(name string, elapsed time.Duration) OpSummary {
	s := OpSummary{Op: name, Errors: o.errors, Statuses: map[string]int{}, Samples: o.samples}
	for status, n := range o.statuses {
		s.Statuses[strconv.Itoa(status)] = n
		switch {
		case status >= 500:
			s.Status5xx += n
		case status >= 400:
			s.Status4xx += n
		default:
			s.OK += n
		}
	}
	s.Requests = s.OK + s.Status4xx + s.Status5xx + s.Errors
	if elapsed > 0 {
		s.PerSecond = float64(s.Requests) / elapsed.Seconds()
	}
	lat := slices.Clone(o.latencies)
	slices.Sort(lat)
	s.P50Ms = ms(Percentile(lat, 50))
	s.P99Ms = ms(Percentile(lat, 99))
	if len(lat) > 0 {
		s.MaxMs = ms(lat[len(lat)-1])
	}
	return s
}

// Percentile returns the p-th percentile (0 < p <= 100) of sorted by the
// nearest-rank method: the smallest value at least p% of the values are
// less than or equal to. It is always one of the values, never an
// interpolation, and 0 for no values.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e4) / 100 }
