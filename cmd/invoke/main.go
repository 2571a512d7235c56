// Command invoke runs a built function's bootstrap on this machine, the way
// `sam local invoke` does but without Docker, through package runtimeapi.
//
//	invoke -fn UserInfoFunction -bootstrap build/host/UserInfoFunction/bootstrap -event events/userinfo-user-id.json
//	invoke -bootstrap path/to/bootstrap -event a.json -event b.json -env TABLE_NAME=users
//	invoke -fn UserInfoFunction -startup 50
//
// By default each event is sent in turn to one sandbox; each response (or
// error document) is printed as indented JSON on stdout and the function's
// logs go to stderr. The exit status is 1 if any invocation failed, so a
// script can rely on it. With no -event, one empty object {} is sent.
//
// With -startup N the bootstrap is started N times and one line is printed:
// the min, median and p95 of the time from exec to its first poll for an
// event, the start-up cost a cold start pays.
//
// The function runs against a local backend (see package devstack):
// moto_server for DynamoDB and Secrets Manager, the table and secret the
// template defines, and the demo tenant with the fixed data the files in
// events/ name, seeded afresh for each run; every file there gets its
// documented answer (examples_test.go runs them all). The function's environment points at it as template.yaml points it
// at AWS. With -no-backend nothing is started and the function gets the
// caller's AWS credentials and region when they are set, as under SAM; in
// both cases -env entries come last and win.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"roster/cmd/internal/devstack"
	"roster/cmd/internal/runtimeapi"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr, localBackend); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "invoke:", err)
		}
		stop()
		os.Exit(1)
	}
}

// backend starts the services a function talks to (a DynamoDB and Secrets
// Manager emulator) and returns the environment that points the function at
// them, plus how to stop them. nil means the function gets no backend.
type backend func(ctx context.Context) (env []string, stop func(), err error)

// localBackend starts a local stack from the template in the working
// directory, where `make invoke` runs.
func localBackend(ctx context.Context) ([]string, func(), error) {
	stack, err := devstack.Start(ctx, devstack.Options{Template: "template.yaml"})
	if err != nil {
		return nil, nil, err
	}
	return stack.Env(), stack.Close, nil
}

// errFunctionFailed makes the exit status report a failed invocation whose
// error document has already been printed.
var errFunctionFailed = errors.New("an invocation failed")

// passedThrough are the caller's variables a function needs to reach AWS,
// given to it as SAM gives them to its container.
var passedThrough = []string{
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION",
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, start backend) error {
	flags := flag.NewFlagSet("invoke", flag.ContinueOnError)
	flags.SetOutput(stderr)
	var (
		bootstrap = flags.String("bootstrap", "", "bootstrap `path` (default build/<fn>/bootstrap)")
		name      = flags.String("fn", "", "function logical id, as in template.yaml")
		startup   = flags.Int("startup", 0, "measure time to first poll over `N` starts instead of invoking")
		timeout   = flags.Duration("timeout", runtimeapi.DefaultTimeout, "function timeout")
		noBackend = flags.Bool("no-backend", false, "start no local backend; the function talks to whatever its environment names")
		events    list
		env       list
	)
	flags.Var(&events, "event", "event JSON `file`; repeat to send several in order")
	flags.Var(&env, "env", "`KEY=VALUE` for the function's environment; repeatable")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if *startup < 0 {
		return fmt.Errorf("-startup %d: want a count of starts", *startup)
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", flags.Args())
	}
	if *bootstrap == "" {
		if *name == "" {
			return errors.New("need -fn or -bootstrap")
		}
		*bootstrap = filepath.Join("build", *name, "bootstrap")
	}
	for _, kv := range env {
		if !strings.Contains(kv, "=") {
			return fmt.Errorf("-env %q: want KEY=VALUE", kv)
		}
	}

	fn := runtimeapi.Function{Path: *bootstrap, Name: *name, Stdout: stderr, Stderr: stderr, Timeout: *timeout}
	if start != nil && !*noBackend {
		// The caller's credentials stay out: a function pointed at the
		// local backend has no use for them.
		backendEnv, stop, err := start(ctx)
		if err != nil {
			return fmt.Errorf("start backend: %w", err)
		}
		if stop != nil {
			defer stop()
		}
		fn.Env = append(fn.Env, backendEnv...)
	} else {
		for _, key := range passedThrough {
			if v := getenv(key); v != "" {
				fn.Env = append(fn.Env, key+"="+v)
			}
		}
	}
	fn.Env = append(fn.Env, env...)

	if *startup > 0 {
		return measure(ctx, fn, *startup, stdout)
	}
	return invoke(ctx, fn, events, stdout)
}

func invoke(ctx context.Context, fn runtimeapi.Function, files []string, stdout io.Writer) error {
	payloads := [][]byte{[]byte("{}")}
	if len(files) > 0 {
		payloads = payloads[:0]
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return err
			}
			payloads = append(payloads, b)
		}
	}
	results, err := runtimeapi.Invoke(ctx, fn, payloads...)
	failed := false
	for _, res := range results {
		out := res.Payload
		if res.Error != nil {
			failed = true
			out, _ = json.Marshal(res.Error)
		}
		var pretty bytes.Buffer
		if json.Indent(&pretty, out, "", "  ") != nil {
			// Not JSON (a raw string response): print it as the function sent it.
			pretty.Reset()
			pretty.Write(out)
		}
		pretty.WriteByte('\n')
		if _, err := stdout.Write(pretty.Bytes()); err != nil {
			return err
		}
	}
	if err != nil {
		return err
	}
	if failed {
		return errFunctionFailed
	}
	return nil
}

func measure(ctx context.Context, fn runtimeapi.Function, n int, stdout io.Writer) error {
	times, err := runtimeapi.StartupTime(ctx, fn, n)
	if err != nil {
		return err
	}
	slices.Sort(times)
	name := fn.Name
	if name == "" {
		name = fn.Path
	}
	// One key=value line per function, so a benchmark log can be grepped
	// and compared with the budget.
	_, err = fmt.Fprintf(stdout, "startup %s n=%d min=%s median=%s p95=%s\n", name, n,
		ms(times[0]), ms(percentile(times, 50)), ms(percentile(times, 95)))
	return err
}

// percentile is the nearest-rank percentile of sorted times.
func percentile(sorted []time.Duration, p int) time.Duration {
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 * n)
	return sorted[max(rank, 1)-1]
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
}

// list collects a repeatable flag.
type list []string

func (l *list) String() string { return strings.Join(*l, ",") }

func (l *list) Set(v string) error {
	*l = append(*l, v)
	return nil
}
