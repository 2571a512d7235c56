// Package runtimeapi owns running a built Lambda bootstrap binary on this
// machine without Docker: it serves the documented Lambda Runtime API
// (version 2018-06-01) on 127.0.0.1, starts the binary with the environment a
// provided.al2023 sandbox gives it, hands it events and collects what it
// answers. It also measures how long a bootstrap takes from exec to its first
// poll for an event, the start-up cost a cold start pays.
//
// The harness follows the real service where a Go function can tell the
// difference: one invocation at a time, a deadline per invocation, a sandbox
// that is thrown away and started afresh after a timeout or a crash, and a
// failed init that never reaches a handler.
package runtimeapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"
)

// DefaultTimeout is the function timeout used when Function.Timeout is zero;
// it is the default of an AWS::Serverless::Function.
const DefaultTimeout = 3 * time.Second

// initTimeout bounds the init phase as the service does for on-demand
// functions, so that a bootstrap that never polls fails instead of hanging.
const initTimeout = 10 * time.Second

// Function describes one bootstrap binary and the sandbox it runs in.
type Function struct {
	// Path is the bootstrap executable. Its directory becomes the working
	// directory and LAMBDA_TASK_ROOT, as /var/task is in the service.
	Path string
	// Name is the function name the runtime sees (AWS_LAMBDA_FUNCTION_NAME,
	// the invoked ARN). Empty means the name of Path's directory, which is
	// the logical id for a SAM build layout (build/<LogicalId>/bootstrap).
	Name string
	// Env is added after the variables the service sets, so an entry here
	// overrides a default of the same key (AWS_REGION, memory size, ...).
	// The harness's own environment is not inherited: the function sees
	// only what a sandbox would give it plus Env.
	Env []string
	// Stdout and Stderr receive the function's output (its logs); nil
	// discards it.
	Stdout, Stderr io.Writer
	// Timeout is the function timeout; zero means DefaultTimeout.
	Timeout time.Duration
}

// Result is the outcome of one invocation.
type Result struct {
	// RequestID is the id the runtime was given for this invocation.
	RequestID string
	// Payload is the response body the function posted; nil on error.
	Payload []byte
	// Error is set when the invocation failed: the function returned an
	// error or panicked, or the sandbox timed out or exited mid-invocation.
	Error *ErrorPayload
	// Duration runs from handing the event to the runtime to receiving its
	// answer.
	Duration time.Duration
}

// ErrorPayload is the error document of the Runtime API, as a runtime posts
// it and as the service returns it to a synchronous caller.
type ErrorPayload struct {
	Message string `json:"errorMessage"`
	Type    string `json:"errorType"`
	// StackTrace is kept raw because runtimes disagree on its shape (frames
	// from Go, strings from others).
	StackTrace json.RawMessage `json:"stackTrace,omitempty"`
}

// Error makes a failed invocation usable as a Go error.
func (e *ErrorPayload) Error() string {
	return e.Type + ": " + e.Message
}

// Invoke starts fn's bootstrap, sends it each event in turn and returns one
// Result per event, then stops the process. A function error is a Result, not
// an error; the returned error is for a sandbox that cannot start (the
// bootstrap is missing, exits or reports an error during init, or does not
// poll within the init limit) and for ctx ending. On error the results so far
// are returned with it.
//
// As in the service, a sandbox that times out or exits is discarded and the
// next event goes to a fresh one, which pays init again.
func Invoke(ctx context.Context, fn Function, events ...[]byte) ([]Result, error) {
	fn = fn.withDefaults()
	results := make([]Result, 0, len(events))
	var sb *sandbox
	defer func() {
		if sb != nil {
			sb.stop()
		}
	}()
	for _, event := range events {
		for {
			if sb == nil {
				var err error
				if sb, err = startSandbox(fn); err != nil {
					return results, err
				}
				if err := sb.awaitInit(ctx); err != nil {
					return results, err
				}
			}
			res, err := sb.invoke(ctx, event)
			if errors.Is(err, errExitedIdle) {
				// The runtime may exit after answering (a Go handler that
				// panicked does); the service starts a new sandbox for the
				// next event, and so does this loop.
				sb.stop()
				sb = nil
				continue
			}
			if err != nil {
				return results, err
			}
			results = append(results, res)
			if !sb.alive() {
				sb.stop()
				sb = nil
			}
			break
		}
	}
	return results, nil
}

// StartupTime starts fn's bootstrap n times, one after another, and returns
// for each start the time from just before exec to the runtime's first GET of
// /runtime/invocation/next: the part of a cold start the function's own code
// decides. No event is sent; each process is killed once it has polled.
func StartupTime(ctx context.Context, fn Function, n int) ([]time.Duration, error) {
	fn = fn.withDefaults()
	times := make([]time.Duration, 0, n)
	for range n {
		sb, err := startSandbox(fn)
		if err != nil {
			return times, err
		}
		err = sb.awaitInit(ctx)
		sb.stop()
		if err != nil {
			return times, err
		}
		times = append(times, sb.firstPoll.Sub(sb.started))
	}
	return times, nil
}

func (fn Function) withDefaults() Function {
	if fn.Name == "" {
		fn.Name = filepath.Base(filepath.Dir(fn.Path))
		if fn.Name == "." || fn.Name == string(filepath.Separator) {
			fn.Name = "function"
		}
	}
	if fn.Timeout <= 0 {
		fn.Timeout = DefaultTimeout
	}
	if fn.Stdout == nil {
		fn.Stdout = io.Discard
	}
	if fn.Stderr == nil {
		fn.Stderr = io.Discard
	}
	return fn
}

// timeoutError and exitError mirror the errors the service reports to a
// caller when the sandbox, not the handler, ended the invocation.
func timeoutError(id string, d time.Duration) *ErrorPayload {
	return &ErrorPayload{
		Type:    "Sandbox.Timedout",
		Message: fmt.Sprintf("RequestId: %s Error: Task timed out after %.2f seconds", id, d.Seconds()),
	}
}

func exitError(id string, err error) *ErrorPayload {
	return &ErrorPayload{
		Type:    "Runtime.ExitError",
		Message: fmt.Sprintf("RequestId: %s Error: Runtime exited with error: %v", id, err),
	}
}
