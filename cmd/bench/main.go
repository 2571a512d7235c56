// Command bench measures every function in template.yaml (those the
// Makefile builds, the authorizer included) against Roster's deployment
// budgets and prints one table:
//
//   - the size of the stripped linux/arm64 bootstrap, as deployed;
//   - the size of that bootstrap zipped, as uploaded;
//   - the time from exec to the first poll for an event of the same code
//     built for this machine, over -starts starts (median and p95), with
//     the key material refused at once by a stub on loopback: the binary's
//     own start, which the 15 ms budget is about;
//   - against the local backend (package devstack: moto_server for Secrets
//     Manager and the table, the demo tenant seeded), over -cold cold
//     starts: the time from exec to the first poll with init done (the
//     AWS clients built and the key material read, as every function does
//     in its init phase, decision 015), and the latency of the first event
//     after that start, the file named in firstEvents run through the real
//     bootstrap (median and p95 of each).
//
// It reads bootstraps that are already built (`make bench` builds them):
// build/<LogicalId>/bootstrap for Lambda and build/host/<LogicalId>/bootstrap
// for this machine. The start-up runs get the environment the template
// gives a function, pointed at the stub or the backend.
//
// With -strict the exit status is 1 when a figure is over its budget.
package main

import (
	"archive/zip"
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"text/tabwriter"
	"time"

	"roster/cmd/internal/devstack"
	"roster/cmd/internal/runtimeapi"
	"roster/shared/samtemplate"
)

// The budgets. Sizes are in decimal megabytes, the stricter reading.
const (
	maxBootstrap = 12_000_000
	maxZip       = 5_000_000
	maxStartup   = 15 * time.Millisecond
)

// startEnv is what a function needs at start: the variables template.yaml
// sets, and dummy credentials. The endpoint is the refusing stub's.
var startEnv = []string{"TABLE_NAME=roster-bench", "SECRET_ID=roster-bench", "LOG_LEVEL=info",
	"NOTIFICATIONS_QUEUE_URL=http://127.0.0.1:1/roster-bench",
	"MAIL_FROM=roster@demo.example", "MAIL_LINK_BASE=http://127.0.0.1:3000",
	"EVENT_BUS_NAME=roster-bench", "EVENTS_DLQ_URL=http://127.0.0.1:1/roster-bench-events-dlq",
	"WEBHOOK_QUEUE_URL=http://127.0.0.1:1/roster-bench-webhooks.fifo", "WEBHOOK_PARKED_URL=http://127.0.0.1:1/roster-bench-webhooks-parked",
	"AWS_ACCESS_KEY_ID=bench", "AWS_SECRET_ACCESS_KEY=bench"}

// firstEvents names, per function, the event its first request sends: a
// typical call of the function that the seeded demo stack answers.
var firstEvents = map[string]string{
	"AccessUsersFunction":  "accessusers-search.json",
	"AccountFunction":      "account-get.json",
	"AuthorizerFunction":   "authorizer-api-key.json",
	"EventsFunction":       "events-stream-user-created.json",
	"IdentityFunction":     "identity-list-groups.json",
	"MailerFunction":       "mailer-recovery-requested.json",
	"ProvisioningFunction": "provisioning-user-upsert.json",
	"UserInfoFunction":     "userinfo-user-id.json",
	"UsersFunction":        "users-list.json",
	"WebhooksFunction":     "webhooks-delivery.json",
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "bench:", err)
		}
		stop()
		os.Exit(1)
	}
}

// errOverBudget makes -strict fail after the table has been printed.
var errOverBudget = errors.New("over budget")

func run(ctx context.Context, args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("bench", flag.ContinueOnError)
	var (
		template = flags.String("template", "template.yaml", "`file` whose functions are measured")
		buildDir = flags.String("build", "build", "`dir` holding <LogicalId>/bootstrap built for Lambda (linux/arm64)")
		hostDir  = flags.String("host", filepath.Join("build", "host"), "`dir` holding <LogicalId>/bootstrap built for this machine")
		starts   = flags.Int("starts", 30, "start-up measurements per function")
		cold     = flags.Int("cold", 10, "cold starts per function against the local backend; 0 skips them")
		eventDir = flags.String("events", "events", "`dir` holding the event files of the first requests")
		motoURL  = flags.String("moto", "", "use this running moto_server as the backend instead of starting one")
		strict   = flags.Bool("strict", false, "exit 1 when a figure is over budget")
	)
	if err := flags.Parse(args); err != nil {
		return err
	}
	if *starts < 1 || *cold < 0 {
		return fmt.Errorf("-starts %d, -cold %d: want at least one start, and no negative count", *starts, *cold)
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", flags.Args())
	}

	// The template, not the catalog: the catalog lists only the functions
	// that serve routes, and the authorizer runs on every request too.
	tpl, err := samtemplate.Load(*template)
	if err != nil {
		return err
	}
	stub, err := refusingEndpoint()
	if err != nil {
		return err
	}
	defer stub.Close()
	var backend []string
	if *cold > 0 {
		stack, err := devstack.Start(ctx, devstack.Options{MotoURL: *motoURL, Template: *template})
		if err != nil {
			return fmt.Errorf("start the local backend: %w", err)
		}
		defer stack.Close()
		backend = stack.Env()
	}
	var rows []row
	for _, f := range tpl.Functions() {
		host := filepath.Join(*hostDir, f.LogicalID, "bootstrap")
		r, err := measure(ctx, f.LogicalID, filepath.Join(*buildDir, f.LogicalID, "bootstrap"), host, stub.URL, *starts)
		if err == nil && *cold > 0 {
			var c []row
			c, err = measureCold(ctx, runtimeapi.Function{Path: host, Name: f.LogicalID, Env: backend}, *eventDir, *cold)
			r = append(r, c...)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", f.LogicalID, err)
		}
		rows = append(rows, r...)
	}

	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FUNCTION\tFIGURE\tVALUE\tBUDGET\tVERDICT")
	over := 0
	for _, r := range rows {
		verdict := "OK"
		if !r.ok {
			verdict = "OVER"
			over++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.function, r.figure, r.value, r.budget, verdict)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	// Start-up times wobble with whatever else the machine is doing; say
	// how busy it was so an OVER p95 can be read for what it is.
	if load, err := os.ReadFile("/proc/loadavg"); err == nil && len(bytes.Fields(load)) >= 3 {
		avg := bytes.Join(bytes.Fields(load)[:3], []byte(" "))
		if _, err := fmt.Fprintf(stdout, "load average %s over %d CPUs\n", avg, runtime.NumCPU()); err != nil {
			return err
		}
	}
	if over > 0 {
		if _, err := fmt.Fprintf(stdout, "%d figure(s) over budget\n", over); err != nil {
			return err
		}
		if *strict {
			return errOverBudget
		}
	}
	return nil
}

// row is one figure of one function.
type row struct {
	function, figure, value, budget string
	ok                              bool
}

func measure(ctx context.Context, name, lambdaPath, hostPath, endpoint string, starts int) ([]row, error) {
	if err := checkLambdaBinary(lambdaPath); err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(lambdaPath)
	if err != nil {
		return nil, err
	}
	pkg, err := zipPackage(raw)
	if err != nil {
		return nil, err
	}
	zipped := int64(len(pkg))

	fn := runtimeapi.Function{Path: hostPath, Name: name, Env: append(slices.Clone(startEnv), "AWS_ENDPOINT_URL="+endpoint)}
	// One start first, not counted, so the binary is in the page cache as
	// it is for every start after a sandbox's first.
	if _, err := runtimeapi.StartupTime(ctx, fn, 1); err != nil {
		return nil, fmt.Errorf("start %s: %w (build it with `make build-host`)", hostPath, err)
	}
	times, err := runtimeapi.StartupTime(ctx, fn, starts)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", hostPath, err)
	}
	slices.Sort(times)
	median, p95 := percentile(times, 50), percentile(times, 95)

	return []row{
		{name, "bootstrap, linux/arm64, stripped", mb(int64(len(raw))), "≤ " + mb(maxBootstrap), len(raw) <= maxBootstrap},
		{name, "bootstrap zipped", mb(zipped), "≤ " + mb(maxZip), zipped <= maxZip},
		{name, fmt.Sprintf("start to first poll, keys refused at once, median of %d", starts), ms(median), "≤ " + ms(maxStartup), median <= maxStartup},
		{name, fmt.Sprintf("start to first poll, keys refused at once, p95 of %d", starts), ms(p95), "≤ " + ms(maxStartup), p95 <= maxStartup},
	}, nil
}

// checkLambdaBinary makes sure the size measured is the one Lambda gets: a
// linux/arm64 executable without a symbol table.
func checkLambdaBinary(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("%s: %w (build it with `make build`)", path, err)
	}
	defer f.Close()
	if f.Machine != elf.EM_AARCH64 {
		return fmt.Errorf("%s is built for %s, not arm64 (build it with `make build`)", path, f.Machine)
	}
	if f.Section(".symtab") != nil {
		return fmt.Errorf("%s is not stripped (build it with -ldflags='-s -w')", path)
	}
	return nil
}

// zipPackage builds the deployment package in memory: the bootstrap alone,
// deflated, executable.
func zipPackage(bootstrap []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(bootstrap); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// percentile is the nearest-rank percentile of sorted times.
func percentile(sorted []time.Duration, p int) time.Duration {
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 * n)
	return sorted[max(rank, 1)-1]
}

func mb(n int64) string {
	return fmt.Sprintf("%.2f MB", float64(n)/1e6)
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}
