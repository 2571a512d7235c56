package runtimeapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// echoPath is the fixture bootstrap, built once for the whole test binary.
var echoPath string

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "runtimeapi")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	// The directory name is the function name the harness derives.
	echoPath = filepath.Join(dir, "EchoFunction", "bootstrap")
	// Built as a function is for provided.al2023, so start-up numbers mean
	// the same thing.
	build := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", echoPath, "./testdata/echo")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build fixture: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

func echo(t *testing.T) Function {
	t.Helper()
	return Function{Path: echoPath, Stderr: testWriter{t}, Stdout: testWriter{t}, Timeout: 2 * time.Second}
}

// testWriter sends the function's logs to the test log, shown on failure.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func TestInvokeRoundTripsEventsThroughOneSandbox(t *testing.T) {
	fn := echo(t)
	fn.Env = []string{"ECHO_ENV=from-env", "AWS_REGION=eu-west-1"}
	events := [][]byte{[]byte(`{"n":1}`), []byte(`{"n":2}`)}

	results, err := Invoke(t.Context(), fn, events...)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != len(events) {
		t.Fatalf("got %d results, want %d", len(results), len(events))
	}
	for i, res := range results {
		if res.Error != nil {
			t.Fatalf("event %d: %v", i, res.Error)
		}
		var got response
		if err := json.Unmarshal(res.Payload, &got); err != nil {
			t.Fatalf("event %d: %v in %s", i, err, res.Payload)
		}
		if !bytes.Equal(got.Event, events[i]) {
			t.Errorf("event %d: echoed %s, want %s", i, got.Event, events[i])
		}
		if got.RequestID != res.RequestID || res.RequestID == "" {
			t.Errorf("event %d: function saw request id %q, harness reported %q", i, got.RequestID, res.RequestID)
		}
		if want := "arn:aws:lambda:eu-west-1:123456789012:function:EchoFunction"; got.FunctionARN != want {
			t.Errorf("event %d: arn %q, want %q", i, got.FunctionARN, want)
		}
		if got.FunctionName != "EchoFunction" || !got.HasDeadline || got.EchoEnv != "from-env" {
			t.Errorf("event %d: function saw %+v", i, got)
		}
		if res.Duration <= 0 {
			t.Errorf("event %d: duration %v", i, res.Duration)
		}
	}
	if results[0].RequestID == results[1].RequestID {
		t.Error("two invocations share a request id")
	}
}

// response mirrors the fixture's answer.
type response struct {
	Event        json.RawMessage `json:"event"`
	RequestID    string          `json:"requestId"`
	FunctionARN  string          `json:"functionArn"`
	FunctionName string          `json:"functionName"`
	HasDeadline  bool            `json:"hasDeadline"`
	EchoEnv      string          `json:"echoEnv"`
}

func TestInvokeReportsFailuresAsResultsAndRecovers(t *testing.T) {
	fn := echo(t)
	tests := []struct {
		event    string
		wantType string
		wantMsg  string
	}{
		{`{"error":"user exists"}`, "errorString", "user exists"},
		{`{"panic":"boom"}`, "string", "boom"},
		{`{"exit":true}`, "Runtime.ExitError", "exit status 3"},
		{`{"big":7000000}`, "Function.ResponseSizeTooLarge", "6 MB"},
	}
	// Every failure is followed by a good event, which must reach a working
	// sandbox: the same one after a returned error, a fresh one otherwise.
	var events [][]byte
	for _, tt := range tests {
		events = append(events, []byte(tt.event), []byte(`{}`))
	}
	results, err := Invoke(t.Context(), fn, events...)
	if err != nil {
		t.Fatal(err)
	}
	for i, tt := range tests {
		bad, good := results[2*i], results[2*i+1]
		if bad.Error == nil || bad.Error.Type != tt.wantType || !strings.Contains(bad.Error.Message, tt.wantMsg) {
			t.Errorf("%s: error %v, want %s containing %q", tt.event, bad.Error, tt.wantType, tt.wantMsg)
		}
		if good.Error != nil {
			t.Errorf("event after %s: %v", tt.event, good.Error)
		}
	}
}

func TestInvokeTimesOutAndStartsAFreshSandbox(t *testing.T) {
	fn := echo(t)
	fn.Timeout = 200 * time.Millisecond
	results, err := Invoke(t.Context(), fn, []byte(`{"sleep":"5s"}`), []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if e := results[0].Error; e == nil || e.Type != "Sandbox.Timedout" || !strings.Contains(e.Message, "timed out after 0.20 seconds") {
		t.Errorf("error %v, want a timeout", e)
	}
	if e := results[1].Error; e != nil {
		t.Errorf("event after the timeout: %v", e)
	}
}

func TestInvokeFailsClearlyWhenInitFails(t *testing.T) {
	tests := []struct {
		init string
		want []string
	}{
		{"exit", []string{"exited before polling", "exit status 1", "ECHO_INIT=exit asks this function to fail at init"}},
		{"report", []string{"Runtime.ConfigError", "TABLE_NAME is not set"}},
	}
	for _, tt := range tests {
		t.Run(tt.init, func(t *testing.T) {
			fn := echo(t)
			fn.Env = []string{"ECHO_INIT=" + tt.init}
			results, err := Invoke(t.Context(), fn, []byte(`{}`))
			if err == nil {
				t.Fatalf("no error; results %+v", results)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestInvokeFailsClearlyWhenBootstrapIsMissing(t *testing.T) {
	_, err := Invoke(t.Context(), Function{Path: filepath.Join(t.TempDir(), "bootstrap")}, []byte(`{}`))
	if err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Fatalf("error %v, want one naming the missing file", err)
	}
}

func TestInvokeStopsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Invoke(ctx, echo(t), []byte(`{"sleep":"5s"}`))
	if err != context.DeadlineExceeded {
		t.Fatalf("error %v, want %v", err, context.DeadlineExceeded)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v to stop", d)
	}
}

func TestStartupTimeMeasuresEachStart(t *testing.T) {
	const n = 5
	times, err := StartupTime(t.Context(), echo(t), n)
	if err != nil {
		t.Fatal(err)
	}
	if len(times) != n {
		t.Fatalf("got %d times, want %d", len(times), n)
	}
	for i, d := range times {
		if d <= 0 || d > initTimeout {
			t.Errorf("start %d: %v", i, d)
		}
	}
	t.Logf("time to first poll: %v", times)
}

func TestStartupTimeFailsWhenInitFails(t *testing.T) {
	fn := echo(t)
	fn.Env = []string{"ECHO_INIT=exit"}
	if _, err := StartupTime(t.Context(), fn, 3); err == nil || !strings.Contains(err.Error(), "exited before polling") {
		t.Fatalf("error %v, want an init failure", err)
	}
}
