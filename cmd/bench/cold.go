package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"roster/cmd/internal/runtimeapi"
)

// startFailed is what a function logs when its init could not build its
// graph (platform.Ready); a cold start that logs it did not do the work
// the figure claims to time.
var startFailed = []byte("start failed")

// measureCold times n cold starts of fn against the backend its
// environment names: exec to first poll with init done, then, in n fresh
// sandboxes, the first event's latency.
func measureCold(ctx context.Context, fn runtimeapi.Function, eventDir string, n int) ([]row, error) {
	file, ok := firstEvents[fn.Name]
	if !ok {
		return nil, fmt.Errorf("no first event for %s: add one to firstEvents", fn.Name)
	}
	event, err := os.ReadFile(filepath.Join(eventDir, file))
	if err != nil {
		return nil, err
	}
	var logs bytes.Buffer
	fn.Stdout = &logs
	inits, err := runtimeapi.StartupTime(ctx, fn, n)
	if err != nil {
		return nil, err
	}
	if bytes.Contains(logs.Bytes(), startFailed) {
		return nil, fmt.Errorf("init failed against the backend:\n%s", logs.Bytes())
	}
	firsts := make([]time.Duration, 0, n)
	var answer string
	for range n {
		res, err := runtimeapi.Invoke(ctx, fn, event)
		if err != nil {
			return nil, err
		}
		if res[0].Error != nil {
			return nil, fmt.Errorf("first request %s: %w", file, res[0].Error)
		}
		if answer, err = outcome(res[0].Payload); err != nil {
			return nil, fmt.Errorf("first request %s: %w", file, err)
		}
		firsts = append(firsts, res[0].Duration)
	}
	slices.Sort(inits)
	slices.Sort(firsts)
	// Init against an emulator says how the code behaves, not what AWS
	// will charge; there is no budget to hold it to, only the rule that
	// it happens in the init phase.
	const noBudget = "report only"
	first := fmt.Sprintf("first request (%s, %s)", file, answer)
	return []row{
		{fn.Name, fmt.Sprintf("start to first poll, init done, median of %d", n), ms(percentile(inits, 50)), noBudget, true},
		{fn.Name, fmt.Sprintf("start to first poll, init done, p95 of %d", n), ms(percentile(inits, 95)), noBudget, true},
		{fn.Name, fmt.Sprintf("%s, median of %d", first, n), ms(percentile(firsts, 50)), noBudget, true},
		{fn.Name, fmt.Sprintf("%s, p95 of %d", first, n), ms(percentile(firsts, 95)), noBudget, true},
	}, nil
}

// outcome says in a word how a function answered: the HTTP status, the
// authorizer's verdict or the batch's failures. A 5xx is an error: the
// figure would time a failure, not the request.
func outcome(payload []byte) (string, error) {
	var p struct {
		StatusCode   int              `json:"statusCode"`
		IsAuthorized *bool            `json:"isAuthorized"`
		Failures     *json.RawMessage `json:"batchItemFailures"`
	}
	if err := json.Unmarshal(payload, &p); err != nil {
		return "", fmt.Errorf("answer %s: %w", payload, err)
	}
	switch {
	case p.StatusCode >= 500:
		return "", fmt.Errorf("answered %d: %s", p.StatusCode, payload)
	case p.StatusCode > 0:
		return fmt.Sprint(p.StatusCode), nil
	case p.IsAuthorized != nil:
		return fmt.Sprintf("authorized %v", *p.IsAuthorized), nil
	case p.Failures != nil:
		var failed []json.RawMessage
		if err := json.Unmarshal(*p.Failures, &failed); err != nil {
			return "", fmt.Errorf("answer %s: %w", payload, err)
		}
		return fmt.Sprintf("%d failed", len(failed)), nil
	}
	return "", fmt.Errorf("answer %s: not an HTTP, authorizer or batch response", payload)
}

// stub is an AWS endpoint on loopback that refuses every call at once.
type stub struct {
	URL string
	srv *http.Server
}

// refusingEndpoint starts a stub that answers every AWS call with a
// non-retryable AccessDeniedException, so a function's init fails on its
// first call, in well under a millisecond and without the SDK's retries:
// what remains of the start is the binary's own.
func refusingEndpoint() (*stub, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("refusing endpoint: %w", err)
	}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"__type":"AccessDeniedException","message":"refused by the bench"}`))
	})}
	go func() { _ = srv.Serve(ln) }()
	return &stub{URL: "http://" + ln.Addr().String(), srv: srv}, nil
}

// Close stops the stub.
func (s *stub) Close() { _ = s.srv.Close() }
