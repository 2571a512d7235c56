package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// GrowthRule decides whether a process's memory keeps growing over a run,
// from its resident set size sampled at a steady pace:
//
//  1. the warm-up is left out: the first Warmup share of the run, and at
//     least MinWarmup. Caches, pools, a Go heap's first cycles and a JVM's
//     heap sizing (DynamoDB Local grows for its first 20 seconds or so
//     under load, then holds) fill up as load starts; that is not a leak;
//  2. what is left is cut in thirds by sample, and the median of each
//     outer third is taken (a median, so one garbage-collection peak or
//     trough moves nothing);
//  3. the memory grows when the last third's median exceeds the first
//     third's by more than Ratio times AND by more than MinGrowth bytes.
//     The ratio alone would flag a 20 MB process that reaches 30 MB; the
//     bytes alone would flag a 4 GB JVM that breathes by 100 MB.
//
// With fewer than MinSamples samples after the warm-up the run is too short
// to say, and the process is not judged: a 30-second run (`make test`)
// judges errors only; the minutes of `make soak` judge memory too.
type GrowthRule struct {
	Warmup     float64
	MinWarmup  time.Duration
	Ratio      float64
	MinGrowth  int64
	MinSamples int
}

// DefaultGrowthRule: a warm-up of 20% of the run and at least 30 s, then
// +25% and +64 MiB, from at least 6 samples.
func DefaultGrowthRule() GrowthRule {
	return GrowthRule{Warmup: 0.2, MinWarmup: 30 * time.Second, Ratio: 1.25, MinGrowth: 64 << 20, MinSamples: 6}
}

// Judge applies the rule to a process's samples, oldest first. judged is
// false when there are too few after the warm-up; detail says what was
// compared, for the report.
func (g GrowthRule) Judge(samples []MemSample) (growing, judged bool, detail string) {
	if len(samples) == 0 {
		return false, false, "no samples"
	}
	first := samples[0].AtMs
	warm := max(int64(g.Warmup*float64(samples[len(samples)-1].AtMs-first)), g.MinWarmup.Milliseconds())
	var rest []MemSample
	for _, s := range samples {
		if s.AtMs-first >= warm {
			rest = append(rest, s)
		}
	}
	if len(rest) < g.MinSamples {
		return false, false, fmt.Sprintf("%d samples after a warm-up of %s, %d needed to judge",
			len(rest), time.Duration(warm)*time.Millisecond, g.MinSamples)
	}
	third := max(len(rest)/3, 1)
	head, tail := rest[:third], rest[len(rest)-third:]
	a, c := medianRSS(head), medianRSS(tail)
	growing = float64(c) > g.Ratio*float64(a) && c-a > g.MinGrowth
	minutes := float64(tail[len(tail)/2].AtMs-head[len(head)/2].AtMs) / 60000
	rate := ""
	if minutes > 0 {
		rate = fmt.Sprintf(" (%+.1f MiB a minute)", float64(c-a)/(1<<20)/minutes)
	}
	return growing, true, fmt.Sprintf("median %s in the first third after warm-up, %s in the last%s", mib(a), mib(c), rate)
}

func medianRSS(s []MemSample) int64 {
	v := make([]int64, len(s))
	for i, x := range s {
		v[i] = x.RSS
	}
	return median(v)
}

func median(v []int64) int64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// MemSample is one reading of a process's resident set size.
type MemSample struct {
	AtMs int64 `json:"atMs"` // since sampling began
	RSS  int64 `json:"rssBytes"`
}

// ProcSeries is what was sampled of one process.
type ProcSeries struct {
	PID     int         `json:"pid"`
	Name    string      `json:"name"`    // the command name (comm)
	Cmd     string      `json:"cmd"`     // the command line, shortened
	Exited  bool        `json:"exited"`  // it was gone before sampling ended
	Samples []MemSample `json:"samples"` // oldest first
}

// Sampler reads the memory of a fixed set of processes and of every
// process they start, from a Linux /proc. Processes are found again at each
// sample, so a child started mid-run (a worker, an emulator) is included
// from then on.
type Sampler struct {
	proc   string   // the /proc to read; a folder of fakes in tests
	roots  []int    // sampled with every descendant
	names  []string // processes whose comm is, or whose command line holds, one of these
	self   int      // never sampled: the generator's own command line holds the names
	began  time.Time
	series map[int]*ProcSeries
	order  []int
}

// NewSampler samples the processes roots and those matching names, with
// their descendants, reading proc (normally "/proc"). roots are numbered
// as proc numbers them (see ProcPID).
func NewSampler(proc string, roots []int, names []string, began time.Time) *Sampler {
	return &Sampler{proc: proc, roots: roots, names: names, self: ProcPID(proc, os.Getpid()), began: began, series: map[int]*ProcSeries{}}
}

// ProcPID returns the number proc gives the process this process knows as
// pid. They differ inside a PID namespace whose /proc was not mounted
// afresh, as in scripts/netns-run.sh: /proc there is the host's, numbered
// as the host numbers processes. The process is then found by the last
// entry of its NSpid (its number in its own namespace), among the
// processes of this one's namespace. When nothing matches, pid is
// returned as it is.
func ProcPID(proc string, pid int) int {
	self, err := os.Readlink(filepath.Join(proc, "self"))
	if err != nil || self == strconv.Itoa(os.Getpid()) {
		return pid
	}
	ns, err := os.Readlink(filepath.Join(proc, "self", "ns", "pid"))
	if err != nil {
		return pid
	}
	entries, _ := os.ReadDir(proc)
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if other, _ := os.Readlink(filepath.Join(proc, e.Name(), "ns", "pid")); other == ns && nsPID(proc, n) == pid {
			return n
		}
	}
	return pid
}

// nsPID reads the last entry of NSpid in /proc/<pid>/status: the process's
// number in its own PID namespace.
func nsPID(proc string, pid int) int {
	b, err := os.ReadFile(filepath.Join(proc, strconv.Itoa(pid), "status"))
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "NSpid:"); ok {
			f := strings.Fields(rest)
			if len(f) == 0 {
				return 0
			}
			n, _ := strconv.Atoi(f[len(f)-1])
			return n
		}
	}
	return 0
}

// Sample reads every sampled process once. A process that has gone is
// marked exited and read no more.
func (s *Sampler) Sample(now time.Time) {
	live := s.processes()
	for _, pid := range s.order {
		if !slices.Contains(live, pid) {
			s.series[pid].Exited = true
		}
	}
	for _, pid := range live {
		rss, err := readRSS(s.proc, pid)
		if err != nil {
			continue // gone between the listing and the read, or a kernel thread
		}
		ps := s.series[pid]
		if ps == nil {
			ps = &ProcSeries{PID: pid, Name: readComm(s.proc, pid), Cmd: readCmdline(s.proc, pid)}
			s.series[pid] = ps
			s.order = append(s.order, pid)
		}
		if !ps.Exited {
			ps.Samples = append(ps.Samples, MemSample{AtMs: now.Sub(s.began).Milliseconds(), RSS: rss})
		}
	}
}

// Series returns what was sampled, in the order processes were first seen.
func (s *Sampler) Series() []*ProcSeries {
	out := make([]*ProcSeries, len(s.order))
	for i, pid := range s.order {
		out[i] = s.series[pid]
	}
	return out
}

// processes lists the sampled processes alive now: the roots, the
// processes matching the names, and every descendant of either.
func (s *Sampler) processes() []int {
	entries, _ := os.ReadDir(s.proc)
	parent := map[int]int{}
	var want []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == s.self {
			continue
		}
		ppid, ok := readPPID(s.proc, pid)
		if !ok {
			continue
		}
		parent[pid] = ppid
		if slices.Contains(s.roots, pid) || s.matches(pid) {
			want = append(want, pid)
		}
	}
	// A process is sampled when it, or any ancestor, is wanted.
	var out []int
	for pid := range parent {
		for p, hops := pid, 0; p > 0 && hops < 64; p, hops = parent[p], hops+1 {
			if slices.Contains(want, p) {
				out = append(out, pid)
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

func (s *Sampler) matches(pid int) bool {
	if len(s.names) == 0 {
		return false
	}
	comm, cmd := readComm(s.proc, pid), readCmdline(s.proc, pid)
	for _, n := range s.names {
		if n == comm || strings.Contains(cmd, n) {
			return true
		}
	}
	return false
}

// readRSS reads VmRSS (kB) from /proc/<pid>/status, in bytes. Kernel
// threads have none.
func readRSS(proc string, pid int) (int64, error) {
	f, err := os.Open(filepath.Join(proc, strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("pid %d VmRSS %q: %w", pid, rest, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("pid %d: no VmRSS", pid)
}

// readPPID reads the parent from /proc/<pid>/stat. The command name, in
// parentheses, may itself hold spaces and parentheses, so the fields are
// counted from the last ')'.
func readPPID(proc string, pid int) (int, bool) {
	b, err := os.ReadFile(filepath.Join(proc, strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:])) // state, ppid, ...
	if len(f) < 2 {
		return 0, false
	}
	ppid, err := strconv.Atoi(f[1])
	return ppid, err == nil
}

func readComm(proc string, pid int) string {
	b, _ := os.ReadFile(filepath.Join(proc, strconv.Itoa(pid), "comm"))
	return strings.TrimSpace(string(b))
}

func readCmdline(proc string, pid int) string {
	b, _ := os.ReadFile(filepath.Join(proc, strconv.Itoa(pid), "cmdline"))
	cmd := strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " "))
	if len(cmd) > 120 {
		cmd = cmd[:117] + "..."
	}
	return cmd
}
