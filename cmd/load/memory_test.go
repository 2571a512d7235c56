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
	series := func(f func(i int) int64, n int) []int64 {
		out := make([]int64, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	tests := []struct {
		name            string
		rss             []int64
		growing, judged bool
	}{
		{"flat", series(func(int) int64 { return 200 * mb }, 60), false, true},
		{"a leak of 4 MiB a sample", series(func(i int) int64 { return 200*mb + int64(i)*4*mb }, 60), true, true},
		// From 20 MB to 60 MB: three times larger but only 40 MiB more.
		{"a small process that triples", series(func(i int) int64 { return 20*mb + int64(i)*mb*2/3 }, 60), false, true},
		// From 4 GiB to 4.2 GiB: 200 MiB more, but 5%.
		{"a large process that breathes", series(func(i int) int64 { return 4096*mb + int64(i%10)*40*mb }, 60), false, true},
		{"growth during warm-up only", series(func(i int) int64 { return min(int64(i), 10) * 100 * mb }, 60), false, true},
		{"one peak in the last third", series(func(i int) int64 {
			if i == 55 {
				return 4000 * mb
			}
			return 100 * mb
		}, 60), false, true},
		{"a step that stays", series(func(i int) int64 {
			if i > 30 {
				return 400 * mb
			}
			return 100 * mb
		}, 60), true, true},
		{"too few samples", series(func(i int) int64 { return int64(i) * 1000 * mb }, 6), false, false},
		{"just enough samples", series(func(i int) int64 { return int64(i) * 1000 * mb }, 7), true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			growing, judged, detail := DefaultGrowthRule().Judge(tt.rss)
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
	s := NewSampler("/proc", []int{os.Getppid()}, nil, time.Now())
	s.Sample(time.Now())
	for _, ps := range s.Series() {
		if ps.PID == os.Getpid() {
			t.Error("the sampler sampled its own process")
		}
		if ps.PID == os.Getppid() && (len(ps.Samples) != 1 || ps.Samples[0].RSS < 1<<20) {
			t.Errorf("parent %+v: want one sample of at least 1 MiB", ps)
		}
	}
}
