package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"roster/shared/emulator"
)

// The soak test's defaults: what `make test` runs. ROSTER_SOAK_DURATION
// and ROSTER_SOAK_CLIENTS change them for a longer look.
const (
	soakDuration = 30 * time.Second
	soakClients  = 8
)

// TestSoakLocalServer is the short soak of `make test`: the local server,
// built from this tree with its table in DynamoDB Local and its queues and
// secret in moto_server (the emulators scripts/test.sh runs in its private
// network namespace), takes 30 seconds of the full mix from 8 clients and
// must answer every request without a 5xx or a transport error, and apply
// the provisioning events sent. Thirty seconds is all warm-up to the
// memory rule, so memory is judged by the minutes of `make soak`.
func TestSoakLocalServer(t *testing.T) {
	if testing.Short() {
		t.Skip("the soak takes 30 seconds; not in -short")
	}
	var ddb string
	for _, ep := range emulator.DynamoDB(t) {
		if ep.Name == emulator.NameDynamoDBLocal {
			ddb = ep.URL
		}
	}
	moto := emulator.Moto(t)
	if ddb == "" {
		t.Skipf("%s is not set: the soak runs the local server on DynamoDB Local only (moto's transactions fail under concurrency)", emulator.EnvDynamoDBLocal)
	}
	duration, clients := soakDuration, soakClients
	if v := os.Getenv("ROSTER_SOAK_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("ROSTER_SOAK_DURATION: %v", err)
		}
		duration = d
	}
	if v := os.Getenv("ROSTER_SOAK_CLIENTS"); v != "" {
		if _, err := fmt.Sscan(v, &clients); err != nil {
			t.Fatalf("ROSTER_SOAK_CLIENTS: %v", err)
		}
	}

	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "local")
	build := exec.Command("go", "build", "-o", bin, "./cmd/local")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/local: %v\n%s", err, out)
	}
	demo, serverLog := filepath.Join(dir, "demo.json"), filepath.Join(dir, "server.log")
	// From the repository root, where the server finds template.yaml.
	start := fmt.Sprintf("cd %q && exec %q -addr 127.0.0.1:0 -demo-file %q -moto %q -dynamodb %q",
		root, bin, demo, moto.URL, ddb)

	ctx, cancel := context.WithTimeout(context.Background(), duration+3*time.Minute)
	defer cancel()
	var out strings.Builder
	err = run(ctx, []string{
		"-start", start, "-start-log", serverLog, "-demo", demo,
		"-clients", fmt.Sprint(clients), "-duration", duration.String(),
		"-json", filepath.Join(dir, "report.json"),
	}, &out)
	t.Log(out.String())
	if err != nil {
		if errors.Is(err, errFailed) {
			b, _ := os.ReadFile(serverLog)
			t.Logf("server log, last lines:\n%s", lastLines(string(b), 40))
		}
		t.Fatalf("soak: %v", err)
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(len(lines)-n, 0):], "\n")
}
