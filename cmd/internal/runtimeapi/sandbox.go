package runtimeapi

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// errExitedIdle means the runtime exited between invocations, before it took
// the next event, so the event can go to a fresh sandbox instead.
var errExitedIdle = errors.New("runtime exited between invocations")

// sandbox is one bootstrap process and the Runtime API endpoint it polls.
// Each process gets its own endpoint so that nothing (a late post, a queued
// event) leaks from a discarded sandbox into the next.
type sandbox struct {
	fn     Function
	path   string // absolute, because exec resolves a relative path against Dir
	arn    string
	cmd    *exec.Cmd
	srv    *http.Server
	output *tail

	started   time.Time // just before exec
	pollOnce  sync.Once
	firstPoll time.Time     // written before polled is closed
	polled    chan struct{} // closed by the first GET .../invocation/next

	initErr chan *ErrorPayload // buffered: the runtime posts at most once, then exits

	// queue is unbuffered so an event is handed straight to a runtime that
	// is waiting in GET .../next, never left behind in a dead sandbox.
	queue chan *invocation

	mu      sync.Mutex
	current *invocation // handed out and not yet answered

	exited  chan struct{}
	exitErr error // written before exited is closed

	broken bool // timed out; only the invoking goroutine touches it
}

// invocation is one event on its way through the runtime.
type invocation struct {
	id       string
	traceID  string
	event    []byte
	deadline time.Time
	done     chan answer // buffered: the poster must never wait on the invoker
}

type answer struct {
	payload []byte
	err     *ErrorPayload
}

func startSandbox(fn Function) (*sandbox, error) {
	path, err := filepath.Abs(fn.Path)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", fn.Name, err)
	}
	// Checked here because exec would otherwise blame the missing
	// directory it was asked to run in, not the missing binary.
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("start %s: %w", fn.Name, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start %s: listen for the runtime: %w", fn.Name, err)
	}
	s := &sandbox{
		fn:      fn,
		path:    path,
		output:  &tail{max: 4 << 10},
		polled:  make(chan struct{}),
		initErr: make(chan *ErrorPayload, 1),
		queue:   make(chan *invocation),
		exited:  make(chan struct{}),
	}
	s.srv = &http.Server{
		Handler:           s.routes(),
		ReadHeaderTimeout: 5 * time.Second,
		// A killed runtime leaves broken connections behind; that is
		// expected here and says nothing the results do not.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	go s.srv.Serve(ln)

	env, region := s.environ(ln.Addr().String())
	s.arn = "arn:aws:lambda:" + region + ":123456789012:function:" + fn.Name
	s.cmd = exec.Command(path)
	s.cmd.Dir = filepath.Dir(path)
	s.cmd.Env = env
	s.cmd.Stdout = io.MultiWriter(fn.Stdout, s.output)
	s.cmd.Stderr = io.MultiWriter(fn.Stderr, s.output)
	// A child the function started may hold the output pipes open after
	// the bootstrap dies; do not let that hang stop.
	s.cmd.WaitDelay = time.Second

	s.started = time.Now()
	if err := s.cmd.Start(); err != nil {
		s.srv.Close()
		return nil, fmt.Errorf("start %s: %w", fn.Name, err)
	}
	go func() {
		s.exitErr = s.cmd.Wait()
		close(s.exited)
	}()
	return s, nil
}

// environ returns the variables a provided.al2023 sandbox sets, then
// fn.Env, then the Runtime API address, which must stay the harness's.
func (s *sandbox) environ(addr string) (env []string, region string) {
	region = "us-east-1"
	for _, kv := range s.fn.Env {
		if v, ok := strings.CutPrefix(kv, "AWS_REGION="); ok {
			region = v
		}
	}
	name := s.fn.Name
	env = []string{
		"AWS_LAMBDA_FUNCTION_NAME=" + name,
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128",
		"AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/" + name,
		"AWS_LAMBDA_LOG_STREAM_NAME=" + time.Now().UTC().Format("2006/01/02") + "/[$LATEST]" + randomHex(16),
		"AWS_REGION=" + region,
		"AWS_DEFAULT_REGION=" + region,
		"LAMBDA_TASK_ROOT=" + filepath.Dir(s.path),
		"_HANDLER=bootstrap",
		"LANG=en_US.UTF-8",
		"TZ=:UTC",
		"PATH=/usr/local/bin:/usr/bin:/bin:/opt/bin",
	}
	env = append(env, s.fn.Env...)
	return append(env, "AWS_LAMBDA_RUNTIME_API="+addr), region
}

// awaitInit waits for the end of the init phase: the first poll for an event.
func (s *sandbox) awaitInit(ctx context.Context) error {
	timer := time.NewTimer(initTimeout)
	defer timer.Stop()
	select {
	case <-s.polled:
		return nil
	case p := <-s.initErr:
		return fmt.Errorf("init %s: runtime reported %v%s", s.fn.Name, p, s.output.report(s.fn.Name))
	case <-s.exited:
		// A runtime posts its init error before it exits; prefer that
		// reason over the bare exit status.
		select {
		case p := <-s.initErr:
			return fmt.Errorf("init %s: runtime reported %v%s", s.fn.Name, p, s.output.report(s.fn.Name))
		default:
		}
		return fmt.Errorf("init %s: bootstrap exited before polling for an event (%v)%s",
			s.fn.Name, s.exitErr, s.output.report(s.fn.Name))
	case <-timer.C:
		return fmt.Errorf("init %s: no poll for an event within %v%s", s.fn.Name, initTimeout, s.output.report(s.fn.Name))
	case <-ctx.Done():
		return ctx.Err()
	}
}

// invoke hands event to the runtime and waits for its answer, the sandbox's
// exit or the function timeout, whichever comes first.
func (s *sandbox) invoke(ctx context.Context, event []byte) (Result, error) {
	inv := &invocation{
		id:       newRequestID(),
		traceID:  fmt.Sprintf("Root=1-%08x-%s;Parent=%s;Sampled=0", time.Now().Unix(), randomHex(12), randomHex(8)),
		event:    event,
		deadline: time.Now().Add(s.fn.Timeout),
		done:     make(chan answer, 1),
	}
	res := Result{RequestID: inv.id}
	timer := time.NewTimer(s.fn.Timeout)
	defer timer.Stop()
	select {
	case s.queue <- inv:
	case <-s.exited:
		return Result{}, errExitedIdle
	case <-timer.C:
		// Still busy after answering the previous event: the service
		// counts that against this invocation's time.
		s.broken = true
		res.Error = timeoutError(inv.id, s.fn.Timeout)
		res.Duration = s.fn.Timeout
		return res, nil
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
	handed := time.Now()
	select {
	case a := <-inv.done:
		res.Payload, res.Error = a.payload, a.err
	case <-s.exited:
		select {
		case a := <-inv.done: // answered, then exited: the answer stands
			res.Payload, res.Error = a.payload, a.err
		default:
			res.Error = exitError(inv.id, s.exitErr)
		}
	case <-timer.C:
		s.broken = true
		res.Error = timeoutError(inv.id, s.fn.Timeout)
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
	res.Duration = time.Since(handed)
	return res, nil
}

// alive reports whether the sandbox can take another event.
func (s *sandbox) alive() bool {
	select {
	case <-s.exited:
		return false
	default:
		return !s.broken
	}
}

// stop kills the process, as the service does (SIGKILL, no SIGTERM unless
// an extension registered), and closes its endpoint.
func (s *sandbox) stop() {
	select {
	case <-s.exited:
	default:
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	s.srv.Close()
}

// tail keeps the last max bytes the function wrote, to explain a failed init.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

// report formats the tail for the end of an error message.
func (t *tail) report(name string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := strings.TrimSpace(string(t.buf))
	if out == "" {
		return "; it wrote no output"
	}
	return "\n--- last output of " + name + " ---\n" + out
}

func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return fmt.Sprintf("%x", b)
}
