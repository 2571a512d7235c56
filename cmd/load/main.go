// Command load is Roster's load generator and soak test. A number of
// clients, each an administrator working without pause, drive a realistic
// mix over every dialect against a running Roster API for a while: creates
// (UserInfo, Users, Access User), reads (Users, UserInfo, Identity groups,
// Account), conditional updates (Users with If-Match, Identity, Access
// User), searches and list pages, logins, and provisioning events sent to
// the provisioning queue. Meanwhile it samples the memory of the processes
// behind the API.
//
// It prints, and with -json writes, throughput overall and per operation,
// p50/p99 latencies, every status and transport error, the memory of every
// sampled process at the start, middle and end, and a verdict. The exit
// status is 1 when the run fails: any 5xx answer or transport error (beyond
// -max-5xx and -max-errors), an operation that never once succeeded, a
// started server that exited, or a process whose memory keeps growing (see
// GrowthRule).
//
// Against the local server (`make run`), the demo file has everything:
//
//	go run ./cmd/load -demo .roster/demo.json -clients 8 -duration 1m
//
// It can also start the server itself and sample every process that
// starts (`make soak`):
//
//	go run ./cmd/load -start './local -addr 127.0.0.1:0 -demo-file build/demo.json' -demo build/demo.json
//
// and point at a deployed stack by URL and credentials:
//
//	go run ./cmd/load -url https://…/ -api-key rst_… -tenant acme -device-token rdt_… -user-code ada -password … -queue-url https://sqs.…
package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"roster/cmd/internal/devstack"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "load:", err)
		}
		stop()
		os.Exit(1)
	}
}

// errFailed makes the exit status 1 after the report has been printed.
var errFailed = errors.New("the run failed; see the verdict")

// options are the command's flags.
type options struct {
	url, demo                                       string
	apiKey, deviceToken, userCode, password, tenant string
	identityBase, queueURL, sqsEndpoint             string
	clients                                         int
	duration, timeout, sample, startTimeout         time.Duration
	mix                                             string
	seed                                            uint64
	max5xx, maxErrors                               int
	jsonPath                                        string
	pids, procNames                                 string
	start, startLog                                 string
	memRatio                                        float64
	memMinMB                                        int64
	memWarmup                                       time.Duration
	provisionWait                                   time.Duration
}

func parseFlags(args []string, out io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&o.url, "url", "", "the API's base `URL` (default: the demo file's apiUrl)")
	fs.StringVar(&o.demo, "demo", "", "the demo credentials `file` the local server writes (default .roster/demo.json when neither -url nor -api-key is given)")
	fs.StringVar(&o.apiKey, "api-key", "", "a tenant API key with an admin or owner role (default: the demo file's)")
	fs.StringVar(&o.deviceToken, "device-token", "", "a device token of that tenant, for logins (default: the demo file's)")
	fs.StringVar(&o.userCode, "user-code", "", "who logs in on that device (default: the demo owner)")
	fs.StringVar(&o.password, "password", "", "their password (default: the demo owner's)")
	fs.StringVar(&o.tenant, "tenant", "", "the tenant id, named in provisioning events (default: the demo file's)")
	fs.StringVar(&o.identityBase, "identity-base", "", "the Identity API's /{organizationName}/{tenantName} (default /<tenant>/<tenant>, as the local stack seeds it)")
	fs.StringVar(&o.queueURL, "queue-url", "", "the provisioning queue's `URL`; without it and a demo file, no provisioning events are sent")
	fs.StringVar(&o.sqsEndpoint, "sqs-endpoint", "", "an SQS endpoint `URL` other than AWS's (with a demo file: the queue URL's own origin, with the local stack's dummy credentials)")
	fs.IntVar(&o.clients, "clients", 8, "concurrent clients, each sending its next request as soon as the last is answered")
	fs.DurationVar(&o.duration, "duration", time.Minute, "how long to send load")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "per-request timeout; a request over it is a transport error")
	fs.StringVar(&o.mix, "mix", "", "change the mix: `op=weight,...` (0 leaves an operation out); the default is printed with the report")
	fs.Uint64Var(&o.seed, "seed", 0, "random seed of the clients' choices (default: random; the report prints it)")
	fs.IntVar(&o.max5xx, "max-5xx", 0, "5xx answers tolerated before the run fails")
	fs.IntVar(&o.maxErrors, "max-errors", 0, "transport errors (no answer, timeouts) tolerated before the run fails")
	fs.StringVar(&o.jsonPath, "json", "", "also write the report as JSON to this `file`")
	fs.StringVar(&o.pids, "pids", "", "sample the memory of these processes and their descendants: `pid,...` as /proc numbers them (as ps shows them)")
	fs.StringVar(&o.procNames, "proc-names", "", "sample processes whose command name is, or whose command line contains, one of these: `name,...`")
	fs.StringVar(&o.start, "start", "", "start the server with this shell `command`, wait until it answers, sample every process it starts, and stop them all at the end")
	fs.StringVar(&o.startLog, "start-log", "", "where the started server's output goes (default: a file in the temporary folder, named in the report)")
	fs.DurationVar(&o.startTimeout, "start-timeout", 2*time.Minute, "how long the started server may take to answer")
	fs.DurationVar(&o.provisionWait, "provision-wait", time.Minute, "after the load, how long the provisioning consumer may go without progress (its backlog not shrinking, no checked event applied) before the run fails")
	fs.DurationVar(&o.sample, "sample-every", time.Second, "how often memory is sampled")
	fs.Float64Var(&o.memRatio, "mem-ratio", DefaultGrowthRule().Ratio, "memory growth rule: the last third's median over the first third's")
	fs.DurationVar(&o.memWarmup, "mem-warmup", DefaultGrowthRule().MinWarmup, "memory growth rule: the shortest warm-up left out (it is at least 20% of the run)")
	fs.Int64Var(&o.memMinMB, "mem-min-mb", DefaultGrowthRule().MinGrowth>>20, "memory growth rule: and at least this many MiB more")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.clients < 1 || o.duration <= 0 || o.sample <= 0 {
		return o, errors.New("-clients, -duration and -sample-every must be positive")
	}
	if o.demo == "" && o.url == "" && o.apiKey == "" {
		o.demo = filepath.Join(".roster", "demo.json")
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	o, err := parseFlags(args, stdout)
	if err != nil {
		return err
	}
	mix, err := DefaultMix().With(o.mix)
	if err != nil {
		return err
	}
	if o.seed == 0 {
		n, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
		o.seed = n.Uint64()
	}
	pids, err := parsePIDs(o.pids)
	if err != nil {
		return err
	}

	var srv *server
	demo := devstack.Demo{}
	if o.start != "" {
		if o.startLog == "" {
			o.startLog = filepath.Join(os.TempDir(), fmt.Sprintf("roster-load-server-%d.log", os.Getpid()))
		}
		if srv, err = startServer(o.start, o.startLog); err != nil {
			return err
		}
		defer srv.stop(10 * time.Second)
		pids = append(pids, ProcPID("/proc", srv.cmd.Process.Pid))
		if demo, o.url, err = srv.waitReady(ctx, o.demo, o.url, o.startTimeout); err != nil {
			return err
		}
	} else if o.demo != "" {
		b, err := os.ReadFile(o.demo)
		if err != nil {
			return fmt.Errorf("read the demo file (is `make run` running?): %w", err)
		}
		if err := json.Unmarshal(b, &demo); err != nil {
			return fmt.Errorf("demo file %s: %w", o.demo, err)
		}
	}
	t, leftOut, err := buildTarget(ctx, o, demo)
	if err != nil {
		return err
	}
	mix = mix.Without(leftOut...)
	if len(mix) == 0 {
		return errors.New("the mix is empty")
	}

	rule := DefaultGrowthRule()
	rule.Ratio, rule.MinGrowth, rule.MinWarmup = o.memRatio, o.memMinMB<<20, o.memWarmup
	var names []string
	if o.procNames != "" {
		names = strings.Split(o.procNames, ",")
	}
	began := time.Now()
	var sampler *Sampler
	if len(pids) > 0 || len(names) > 0 {
		sampler = NewSampler("/proc", pids, names, began)
		sampler.Sample(began)
	}

	rec := NewRecorder()
	fmt.Fprintf(stdout, "load: %d clients for %s against %s (run %s, seed %d)\n", o.clients, o.duration, t.URL, t.Run, o.seed)
	elapsed, clients := drive(ctx, t, mix, o.clients, o.duration, o.seed, rec, sampler, o.sample)

	rep := buildReport(o, t, mix, leftOut, rec, elapsed, sampler, rule)
	if t.Send != nil && ctx.Err() == nil {
		rep.checkProvisioning(checkProvisioned(ctx, t, lastSent(clients, maxChecked), o.provisionWait), o.provisionWait)
	}
	if srv != nil {
		rep.ServerLog = o.startLog
		if srv.exited() {
			rep.fail(fmt.Sprintf("the started server exited during the run (%v); see %s", srv.err, o.startLog))
		}
	}
	if ctx.Err() != nil {
		rep.fail("interrupted before the end")
	}
	rep.Print(stdout)
	if o.jsonPath != "" {
		if err := rep.WriteJSON(o.jsonPath); err != nil {
			return err
		}
	}
	if !rep.Pass {
		return errFailed
	}
	return nil
}

// drive runs the clients until duration has passed (or ctx ends), sampling
// memory meanwhile, and returns how long the load lasted. A request under
// way at the end is let finish and counted.
func drive(ctx context.Context, t *Target, mix Mix, clients int, duration time.Duration, seed uint64,
	rec *Recorder, sampler *Sampler, every time.Duration) (time.Duration, []*client) {
	start := time.Now()
	until := start.Add(duration)
	var wg sync.WaitGroup
	cs := make([]*client, clients)
	for i := range cs {
		c := newClient(t, rec, i+1, seed)
		cs[i] = c
		wg.Go(func() {
			for ctx.Err() == nil && time.Now().Before(until) {
				c.do(ctx, mix.Pick(c.rnd))
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-done:
			elapsed := time.Since(start)
			if sampler != nil {
				sampler.Sample(time.Now())
			}
			return elapsed, cs
		case now := <-tick.C:
			if sampler != nil {
				sampler.Sample(now)
			}
		}
	}
}

// buildTarget assembles the credentials from the demo file and the flags
// (a flag wins) and names the operations they cannot drive.
func buildTarget(ctx context.Context, o options, demo devstack.Demo) (*Target, []string, error) {
	or := func(flag, fromDemo string) string {
		if flag != "" {
			return flag
		}
		return fromDemo
	}
	t := &Target{
		URL:         strings.TrimSuffix(or(o.url, demo.APIURL), "/"),
		APIKey:      or(o.apiKey, demo.APIKey),
		DeviceToken: or(o.deviceToken, demo.DeviceToken),
		UserCode:    or(o.userCode, demo.Owner.UserCode),
		Password:    or(o.password, demo.Owner.Password),
		Tenant:      or(o.tenant, demo.TenantID),
		Run:         runID(),
		HTTP: &http.Client{Timeout: o.timeout, Transport: &http.Transport{
			Proxy: http.ProxyFromEnvironment, MaxIdleConnsPerHost: o.clients, IdleConnTimeout: 90 * time.Second,
		}},
	}
	if t.URL == "" || t.APIKey == "" {
		return nil, nil, errors.New("no API to load: give -demo, or -url and -api-key")
	}
	t.IdentityBase = or(o.identityBase, "/"+t.Tenant+"/"+t.Tenant)
	var leftOut []string
	if t.DeviceToken == "" || t.UserCode == "" || t.Password == "" {
		leftOut = append(leftOut, opLogin, opAccountGet)
	}
	queue := or(o.queueURL, demo.ProvisioningQueueURL)
	if queue == "" || t.Tenant == "" {
		leftOut = append(leftOut, opProvision)
	} else {
		q, err := newQueueSender(ctx, queue, o.sqsEndpoint, o.queueURL == "", o.timeout)
		if err != nil {
			return nil, nil, err
		}
		t.Send, t.Backlog = q.send, q.backlog
	}
	if t.Tenant == "" {
		leftOut = append(leftOut, opIdentityGroups, opIdentityUpdate)
	}
	return t, leftOut, nil
}

// runID is short and random: it goes into every name the run creates.
func runID() string {
	const digits = "0123456789abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, 6)
	for i := range b {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(digits))))
		b[i] = digits[n.Int64()]
	}
	return string(b)
}

func parsePIDs(s string) ([]int, error) {
	var pids []int
	for f := range strings.SplitSeq(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		pid, err := strconv.Atoi(f)
		if err != nil || pid <= 0 {
			return nil, fmt.Errorf("-pids: %q is not a process id", f)
		}
		pids = append(pids, pid)
	}
	return pids, nil
}
