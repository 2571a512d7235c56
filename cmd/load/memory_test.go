package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestGrowthRule(t *testing.T) {
	const mb = 1 << 20
	// series samples f once a second for n seconds.
	series := func(n int, f func(i int) int64) []MemSample {
		out := make([]MemSample, n)
		for i := range out {
			out[i] = MemSample{AtMs: int64(i) * 1000, RSS: f(i)}
		}
		return out
	}
	// What DynamoDB Local did under 8 clients: its heap sized itself for
	// 20 seconds, then held.
	jvm := []int64{165, 179, 192, 201, 232, 255, 282, 289, 214, 223, 244, 251, 253, 257, 258, 283, 313, 356, 384, 385,
		385, 386, 386, 383, 385, 385, 386, 386, 386, 386, 386, 386, 385, 386, 386, 386, 386, 387, 386, 386}
	tests := []struct {
		name            string
		samples         []MemSample
		growing, judged bool
	}{
		{"flat", series(60, func(int) int64 { return 200 * mb }), false, true},
		{"a leak of 4 MiB a second", series(120, func(i int) int64 { return 200*mb + int64(i)*4*mb }), true, true},
		{"a leak of 4 MiB a second too short to tell from warm-up", series(60, func(i int) int64 { return 200*mb + int64(i)*4*mb }), false, true},
		// From 40 MB to 60 MB after warm-up: half as much again, but 20 MiB.
		{"a small process that grows by half", series(60, func(i int) int64 { return 20*mb + int64(i)*mb*2/3 }), false, true},
		// 4 GiB give or take 200 MiB: 200 MiB is 5%.
		{"a large process that breathes", series(60, func(i int) int64 { return 4096*mb + int64(i%10)*40*mb }), false, true},
		{"growth during warm-up only", series(60, func(i int) int64 { return min(int64(i), 10) * 100 * mb }), false, true},
		{"a JVM sizing its heap", series(len(jvm), func(i int) int64 { return jvm[i] * mb }), false, true},
		// A ten-minute run: the warm-up is the first two minutes.
		{"a long warm-up in a long run", series(600, func(i int) int64 { return min(int64(i), 100) * 10 * mb }), false, true},
		{"one peak in the last third", series(60, func(i int) int64 {
			if i == 55 {
				return 4000 * mb
			}
			return 100 * mb
		}), false, true},
		{"a step that stays", series(60, func(i int) int64 {
			if i > 40 {
				return 400 * mb
			}
			return 100 * mb
		}), true, true},
		{"too few samples after the warm-up", series(35, func(i int) int64 { return int64(i) * 1000 * mb }), false, false},
		{"just enough samples", series(36, func(i int) int64 { return 100*mb + int64(max(i-30, 0))*100*mb }), true, true},
		{"no samples", nil, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			growing, judged, detail := DefaultGrowthRule().Judge(tt.samples)
			if growing != tt.growing || judged != tt.judged {
				t.Errorf("growing %v judged %v (%s), want %v %v", growing, judged, detail, tt.growing, tt.judged)
			}
		})
	}
}

// fakeProc writes a /proc with the given processes: pid -> parent, name,
// RSS in kB (negative: no VmRSS line, as a kernel thread).
type fakeProcess struct {
	ppid  int
	name  string
	rssKB int
	cmd   string
}

func writeFakeProc(t *testing.T, dir string, procs map[int]fakeProcess) {
	t.Helper()
	for pid, p := range procs {
		d := filepath.Join(dir, fmt.Sprint(pid))
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		status := "Name:\t" + p.name + "\n"
		if p.rssKB >= 0 {
			status += fmt.Sprintf("VmRSS:\t%8d kB\n", p.rssKB)
		}
		files := map[string]string{
			// A command name with a space and a parenthesis, as comm may have.
			"stat":    fmt.Sprintf("%d (%s) S %d 1 1 0 -1\n", pid, p.name, p.ppid),
			"status":  status,
			"comm":    p.name + "\n",
			"cmdline": strings.ReplaceAll(p.cmd, " ", "\x00") + "\x00",
		}
		for name, content := range files {
			if err := os.WriteFile(filepath.Join(d, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestSamplerFollowsTheProcessTreeAndNames(t *testing.T) {
	dir := t.TempDir()
	writeFakeProc(t, dir, map[int]fakeProcess{
		1:   {0, "init", 1000, "/sbin/init"},
		100: {1, "sh", 1600, "sh -c ./local"},
		101: {100, "local", 40_000, "./local -addr 127.0.0.1:0"},
		102: {101, "moto_server", 80_000, "python moto_server -p 5000"},
		103: {102, "odd) name", 500, "worker"},
		200: {1, "java", 300_000, "java -jar DynamoDBLocal.jar -inMemory"},
		300: {1, "other", 5_000, "unrelated"},
		400: {101, "kthread", -1, ""},
	})
	s := NewSampler(dir, []int{100}, []string{"DynamoDBLocal.jar"}, time.Unix(0, 0))
	s.Sample(time.Unix(1, 0))

	got := map[int]int64{}
	for _, ps := range s.Series() {
		got[ps.PID] = ps.Samples[0].RSS
	}
	want := map[int]int64{100: 1600 << 10, 101: 40_000 << 10, 102: 80_000 << 10, 103: 500 << 10, 200: 300_000 << 10}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("sampled %v, want %v", got, want)
	}

	// A child started later is sampled from then on; one that ended is
	// marked and read no more.
	writeFakeProc(t, dir, map[int]fakeProcess{104: {101, "late", 700, "late"}})
	if err := os.RemoveAll(filepath.Join(dir, "103")); err != nil {
		t.Fatal(err)
	}
	s.Sample(time.Unix(2, 0))
	for _, ps := range s.Series() {
		switch ps.PID {
		case 103:
			if !ps.Exited || len(ps.Samples) != 1 {
				t.Errorf("ended process: exited %v with %d samples", ps.Exited, len(ps.Samples))
			}
		case 104:
			if len(ps.Samples) != 1 || ps.Samples[0].AtMs != 2000 || ps.Name != "late" {
				t.Errorf("late child %+v", ps)
			}
		default:
			if len(ps.Samples) != 2 || ps.Exited {
				t.Errorf("pid %d: %d samples, exited %v", ps.PID, len(ps.Samples), ps.Exited)
			}
		}
	}
}

func TestSamplerReadsThisMachinesProc(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc on this system")
	}
	// The test's parent (go test) stands in for a server: the sampler
	// never samples itself.
	parent, self := ProcPID("/proc", os.Getppid()), ProcPID("/proc", os.Getpid())
	s := NewSampler("/proc", []int{parent}, nil, time.Now())
	s.Sample(time.Now())
	found := false
	for _, ps := range s.Series() {
		if ps.PID == self {
			t.Error("the sampler sampled its own process")
		}
		if ps.PID == parent {
			found = true
			if len(ps.Samples) != 1 || ps.Samples[0].RSS < 1<<20 {
				t.Errorf("parent %+v: want one sample of at least 1 MiB", ps)
			}
		}
	}
	if !found {
		t.Errorf("the parent (pid %d in /proc) was not sampled", parent)
	}
}
