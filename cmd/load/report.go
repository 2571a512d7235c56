package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is the outcome of a run, printed as text and written as JSON.
type Report struct {
	URL            string          `json:"url"`
	Run            string          `json:"run"` // in every name the run created
	Seed           uint64          `json:"seed"`
	Clients        int             `json:"clients"`
	Duration       string          `json:"duration"` // as asked
	ElapsedSeconds float64         `json:"elapsedSeconds"`
	Mix            string          `json:"mix"`
	LeftOut        []string        `json:"leftOut,omitempty"` // operations the credentials cannot drive
	Ops            []OpSummary     `json:"operations"`        // by name, then "all"
	Memory         []ProcReport    `json:"memory,omitempty"`
	Provisioning   *ProvisionCheck `json:"provisioning,omitempty"` // the newest events, followed up
	MemoryRule     string          `json:"memoryRule"`
	ServerLog      string          `json:"serverLog,omitempty"`
	Pass           bool            `json:"pass"`
	Failures       []string        `json:"failures,omitempty"`
}

// ProcReport is one sampled process: RSS at the first sample, the one
// nearest the middle of the run, the last, and the highest.
type ProcReport struct {
	PID       int         `json:"pid"`
	Name      string      `json:"name"`
	Cmd       string      `json:"cmd"`
	StartMiB  float64     `json:"startMiB"`
	MiddleMiB float64     `json:"middleMiB"`
	EndMiB    float64     `json:"endMiB"`
	MaxMiB    float64     `json:"maxMiB"`
	Exited    bool        `json:"exited"`
	Judged    bool        `json:"judged"`
	Growing   bool        `json:"growing"`
	Detail    string      `json:"detail"`
	Samples   []MemSample `json:"samples"`
}

func (r *Report) fail(why string) {
	r.Pass = false
	r.Failures = append(r.Failures, why)
}

// buildReport summarises a run and gives the verdict.
func buildReport(o options, t *Target, mix Mix, leftOut []string, rec *Recorder, elapsed time.Duration,
	sampler *Sampler, rule GrowthRule) *Report {
	r := &Report{
		URL: t.URL, Run: t.Run, Seed: o.seed, Clients: o.clients, Duration: o.duration.String(),
		ElapsedSeconds: elapsed.Seconds(), Mix: mix.String(), LeftOut: leftOut,
		Ops: rec.Summaries(elapsed), Pass: true,
		MemoryRule: fmt.Sprintf("after a warm-up (the first %.0f%% of the run, at least %s), memory grows when the median RSS of the last third of the samples exceeds the first third's by more than %.0f%% and %d MiB (judged from %d samples after warm-up)",
			rule.Warmup*100, rule.MinWarmup, (rule.Ratio-1)*100, rule.MinGrowth>>20, rule.MinSamples),
	}
	all := r.Ops[len(r.Ops)-1]
	if all.Status5xx > o.max5xx {
		r.fail(fmt.Sprintf("%d answers were 5xx (at most %d allowed)", all.Status5xx, o.max5xx))
	}
	if all.Errors > o.maxErrors {
		r.fail(fmt.Sprintf("%d requests had no answer (at most %d allowed)", all.Errors, o.maxErrors))
	}
	if all.Requests == 0 {
		r.fail("no request was sent")
	}
	for _, s := range r.Ops[:len(r.Ops)-1] {
		if s.Requests > 0 && s.OK == 0 {
			r.fail(fmt.Sprintf("%s never succeeded in %d requests (statuses %v): wrong credentials or a broken route", s.Op, s.Requests, s.Statuses))
		}
	}
	if sampler != nil {
		for _, ps := range sampler.Series() {
			r.Memory = append(r.Memory, procReport(ps, rule))
		}
	}
	for _, p := range r.Memory {
		if p.Growing {
			r.fail(fmt.Sprintf("the memory of %s (pid %d) keeps growing: %s", p.Name, p.PID, p.Detail))
		}
	}
	return r
}

func procReport(ps *ProcSeries, rule GrowthRule) ProcReport {
	p := ProcReport{PID: ps.PID, Name: ps.Name, Cmd: ps.Cmd, Exited: ps.Exited, Samples: ps.Samples}
	if len(ps.Samples) == 0 {
		p.Detail = "never read"
		return p
	}
	rss := make([]int64, len(ps.Samples))
	for i, s := range ps.Samples {
		rss[i] = s.RSS
	}
	// The sample nearest the middle of the sampled time, not of the list:
	// a process that started late has fewer samples.
	mid := slices.IndexFunc(ps.Samples, func(s MemSample) bool { return s.AtMs >= (ps.Samples[0].AtMs+ps.Samples[len(rss)-1].AtMs)/2 })
	toMiB := func(b int64) float64 { return float64(b*10>>20) / 10 }
	p.StartMiB, p.MiddleMiB, p.EndMiB = toMiB(rss[0]), toMiB(rss[mid]), toMiB(rss[len(rss)-1])
	p.MaxMiB = toMiB(slices.Max(rss))
	p.Growing, p.Judged, p.Detail = rule.Judge(ps.Samples)
	return p
}

// Print writes the report for a person.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "\nRoster load report: %d clients, %.1fs against %s (run %s, seed %d)\n", r.Clients, r.ElapsedSeconds, r.URL, r.Run, r.Seed)
	fmt.Fprintf(w, "mix: %s\n", r.Mix)
	if len(r.LeftOut) > 0 {
		fmt.Fprintf(w, "left out (no credential or queue for them): %s\n", strings.Join(r.LeftOut, ", "))
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "operation\trequests\treq/s\tp50 ms\tp99 ms\tmax ms\tok\t4xx\t5xx\terrors\t")
	for _, s := range r.Ops {
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t%d\t%d\t%d\t%d\t\n",
			s.Op, s.Requests, s.PerSecond, s.P50Ms, s.P99Ms, s.MaxMs, s.OK, s.Status4xx, s.Status5xx, s.Errors)
	}
	tw.Flush()
	for _, s := range r.Ops[:len(r.Ops)-1] {
		if s.Status4xx+s.Status5xx > 0 {
			fmt.Fprintf(w, "  %s statuses: %s\n", s.Op, statusList(s.Statuses))
		}
		for _, e := range s.Samples {
			fmt.Fprintf(w, "  %s error: %s\n", s.Op, e)
		}
	}
	if len(r.Memory) > 0 {
		fmt.Fprintln(w, "\nmemory (RSS, MiB)")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "pid\tname\tstart\tmiddle\tend\tmax\tsamples\tjudgement\tcommand")
		for _, p := range r.Memory {
			judgement := "flat"
			switch {
			case p.Growing:
				judgement = "GROWING"
			case !p.Judged:
				judgement = "not judged"
			}
			if p.Exited {
				judgement += ", exited"
			}
			fmt.Fprintf(tw, "%d\t%s\t%.1f\t%.1f\t%.1f\t%.1f\t%d\t%s\t%s\n",
				p.PID, p.Name, p.StartMiB, p.MiddleMiB, p.EndMiB, p.MaxMiB, len(p.Samples), judgement, p.Cmd)
		}
		tw.Flush()
		fmt.Fprintf(w, "rule: %s\n", r.MemoryRule)
	}
	if p := r.Provisioning; p != nil {
		backlog := "unknown"
		if p.Backlog >= 0 {
			backlog = strconv.Itoa(p.Backlog)
		}
		fmt.Fprintf(w, "\nprovisioning: %d of the last %d events sent were applied (checked through UserInfo), the last %.1fs after the load ended; backlog then: %s\n",
			p.Applied, p.Checked, p.WaitedSeconds, backlog)
	}
	if r.ServerLog != "" {
		fmt.Fprintf(w, "server log: %s\n", r.ServerLog)
	}
	if r.Pass {
		fmt.Fprintln(w, "\nverdict: PASS")
		return
	}
	fmt.Fprintln(w, "\nverdict: FAIL")
	for _, f := range r.Failures {
		fmt.Fprintf(w, "  - %s\n", f)
	}
}

func statusList(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s×%d", k, m[k])
	}
	return strings.Join(parts, " ")
}

// WriteJSON writes the report, with every memory sample, to path.
func (r *Report) WriteJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
