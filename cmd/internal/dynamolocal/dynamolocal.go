// Package dynamolocal runs AWS's DynamoDB Local where nothing but the
// process that started it can reach it, so the local server can keep its
// table in the emulator that holds load without opening a port to anyone.
//
// DynamoDB Local has no bind option: it listens on every interface. Here it
// runs inside a network namespace of its own, whose only interface is its
// own loopback, and a forwarder in that namespace relays a Unix socket in a
// private folder (mode 0700, socket 0600) to it. Pathname sockets belong to
// the file system, not to a network namespace, so the socket is the one way
// in, and only the owner of the folder can use it.
//
// The forwarder is the calling binary itself, started again under unshare
// with an environment variable that [RunIfNamespaced] recognises, so the
// feature needs no tool beyond util-linux's unshare and iproute2's ip.
package dynamolocal

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrNoNamespace means this machine does not let the process create a
// network namespace (no root and no unprivileged user namespaces), so
// DynamoDB Local cannot be isolated and is not started.
var ErrNoNamespace = errors.New("cannot create a network namespace with unshare (needs root, or unprivileged user namespaces)")

// EnvCommand names the variable that carries the command starting DynamoDB
// Local, one argument per line (scripts/tools.sh writes it to
// .tools/env.sh as the ROSTER_DDBLOCAL_CMD array; Makefile and scripts
// export it joined this way).
const EnvCommand = "ROSTER_DDBLOCAL_ARGV"

// nsEnv carries the forwarder's settings into the namespace.
const nsEnv = "ROSTER_DYNAMOLOCAL_NAMESPACE"

// heapLimit caps DynamoDB Local's Java heap; with its data in files, a
// heavy soak runs flat well below it.
const heapLimit = "-Xmx256m"

// port is DynamoDB Local's port on the namespace's own loopback; nothing
// else listens there, so it cannot clash.
const port = 8000

// Options configure [Start].
type Options struct {
	// Command starts DynamoDB Local (java … -jar DynamoDBLocal.jar); the
	// port, storage and telemetry flags are added here.
	Command []string
	// Dir is a private folder for the socket, DynamoDB Local's log and,
	// with Persist, its data. Created with mode 0700.
	Dir string
	// Persist keeps the data in Dir/data across restarts; otherwise every
	// start empties it first.
	Persist bool
	// StartTimeout bounds the wait for the first answer (default 60 s).
	StartTimeout time.Duration
}

// Server is a running, isolated DynamoDB Local.
type Server struct {
	// Socket is the Unix socket that reaches it.
	Socket string
	// LogPath is where DynamoDB Local and the forwarder write.
	LogPath string

	run   string   // this start's own folder
	lock  *os.File // held while the server lives
	cmd   *exec.Cmd
	stdin io.WriteCloser
	exit  chan error
}

// settings is what the forwarder in the namespace needs.
type settings struct {
	Command []string
	Dir     string // DynamoDB Local's working folder
	Data    string // its files
	Socket  string
}

// CommandFromEnv returns the command in [EnvCommand], or an error saying
// how to get one.
func CommandFromEnv(getenv func(string) string) ([]string, error) {
	var argv []string
	for _, a := range strings.Split(getenv(EnvCommand), "\n") {
		if a != "" {
			argv = append(argv, a)
		}
	}
	if len(argv) == 0 {
		return nil, fmt.Errorf("%s is not set: run `make tools`, then source .tools/env.sh (make run does)", EnvCommand)
	}
	return argv, nil
}

// unshareFlags are tried in order: root gets plain namespaces; anyone else
// needs a user namespace to be allowed them. A PID namespace makes the
// forwarder its init, so DynamoDB Local dies with it however it ends.
var unshareFlags = [][]string{
	{"--net", "--pid", "--fork", "--kill-child"},
	{"--map-root-user", "--net", "--pid", "--fork", "--kill-child"},
}

// Start runs DynamoDB Local in a private network namespace and waits until
// it answers through the socket. It returns [ErrNoNamespace] when the
// machine allows no namespace. The calling binary's main must call
// [RunIfNamespaced] first.
func Start(ctx context.Context, o Options) (*Server, error) {
	if len(o.Command) == 0 {
		return nil, errors.New("dynamolocal: no command to start DynamoDB Local")
	}
	if o.StartTimeout == 0 {
		o.StartTimeout = 60 * time.Second
	}
	flags, err := namespaceFlags()
	if err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("dynamolocal: find own binary: %w", err)
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, fmt.Errorf("dynamolocal: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("dynamolocal: create %s: %w", dir, err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("dynamolocal: restrict %s: %w", dir, err)
	}
	// Each start gets a folder of its own for the socket, the log and, when
	// fresh, the data, so an instance still ending, or another running
	// beside it, can never unlink this one's socket or write into its
	// files. The folder stays locked while this process lives; folders
	// whose lock nobody holds (a kill -9 skips the clean-up) go now.
	removeAbandoned(dir)
	run, err := os.MkdirTemp(dir, "run-")
	if err != nil {
		return nil, fmt.Errorf("dynamolocal: %w", err)
	}
	lock, err := lockRun(run)
	if err != nil {
		return nil, fmt.Errorf("dynamolocal: %w", err)
	}
	data := filepath.Join(run, "data")
	if o.Persist {
		data = filepath.Join(dir, "data")
	}
	if err := os.MkdirAll(data, 0o700); err != nil {
		lock.Close()
		return nil, fmt.Errorf("dynamolocal: %w", err)
	}
	s := &Server{Socket: filepath.Join(run, "dynamodb.sock"), LogPath: filepath.Join(run, "dynamodb-local.log"),
		run: run, lock: lock, exit: make(chan error, 1)}
	cfg, err := json.Marshal(settings{Command: o.Command, Dir: dir, Data: data, Socket: s.Socket})
	if err != nil {
		return nil, err
	}
	logf, err := os.OpenFile(s.LogPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("dynamolocal: open log: %w", err)
	}
	defer logf.Close() // the child keeps its own descriptor

	cmd := exec.Command("unshare", append(append(flags, "--"), self)...)
	cmd.Env = append(os.Environ(), nsEnv+"="+string(cfg))
	cmd.Stdout, cmd.Stderr = logf, logf
	// Two guards against outliving this process: the kernel kills unshare
	// when this process dies, and the forwarder stops when its stdin (this
	// pipe) closes.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if s.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, fmt.Errorf("dynamolocal: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("dynamolocal: start unshare: %w", err)
	}
	s.cmd = cmd
	go func() { s.exit <- cmd.Wait() }()

	if err := s.waitReady(ctx, o.StartTimeout); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("dynamolocal: %w (log: %s)\n%s", err, s.LogPath, tail(s.LogPath, 20))
	}
	return s, nil
}

// lockRun creates and holds run's lock: an exclusive flock the kernel
// releases when this process ends, however it ends.
func lockRun(run string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(run, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", run, err)
	}
	return f, nil
}

// removeAbandoned removes the run folders in dir whose lock no live
// process holds. A folder without a lock yet is being made by a start
// beside this one, unless it is over a minute old.
func removeAbandoned(dir string) {
	runs, _ := filepath.Glob(filepath.Join(dir, "run-*"))
	for _, run := range runs {
		f, err := os.OpenFile(filepath.Join(run, "lock"), os.O_RDWR, 0)
		if err != nil {
			if fi, serr := os.Stat(run); serr == nil && time.Since(fi.ModTime()) > time.Minute {
				_ = os.RemoveAll(run)
			}
			continue
		}
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil {
			_ = os.RemoveAll(run)
		}
		f.Close()
	}
}

// namespaceFlags returns the first set of unshare flags this machine
// accepts.
func namespaceFlags() ([]string, error) {
	if _, err := exec.LookPath("unshare"); err != nil {
		return nil, fmt.Errorf("%w: unshare not found (util-linux)", ErrNoNamespace)
	}
	for _, f := range unshareFlags {
		if exec.Command("unshare", append(append([]string{}, f...), "true")...).Run() == nil {
			return f, nil
		}
	}
	return nil, ErrNoNamespace
}

// waitReady polls the socket with a real request until DynamoDB Local
// answers, the process exits or the timeout passes.
func (s *Server) waitReady(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c := s.Client()
	defer c.CloseIdleConnections()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://dynamodb.local/", nil)
		if resp, err := c.Do(req); err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case err := <-s.exit:
			s.exit <- err
			return fmt.Errorf("DynamoDB Local exited during start-up: %v", err)
		case <-ctx.Done():
			return fmt.Errorf("no answer on %s after %s", s.Socket, timeout)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Endpoint is the base URL to give the SDK with [Server.Client]; the host
// name is never resolved, every connection goes to the socket.
const Endpoint = "http://dynamodb.local"

// Client returns an HTTP client whose every connection goes to the socket.
// Idle connections are kept for the concurrency a developer's load brings.
func (s *Server) Client() *http.Client {
	var d net.Dialer
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return d.DialContext(ctx, "unix", s.Socket)
		},
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     90 * time.Second,
	}}
}

// Close stops DynamoDB Local and the forwarder and removes the socket and
// the files of a fresh start; the log stays until the next start.
func (s *Server) Close() error {
	if s.cmd == nil {
		return nil
	}
	_ = s.stdin.Close()
	var err error
	select {
	case err = <-s.exit:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		err = <-s.exit
	}
	s.cmd = nil
	// The log stays for a look after the fact, until the next start.
	_ = os.Remove(s.Socket)
	_ = os.RemoveAll(filepath.Join(s.run, "data"))
	_ = s.lock.Close()
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return nil // stopped on request; its status says how, not whether it failed
	}
	return err
}

// tail returns the last n lines of a file, for an error message.
func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// RunIfNamespaced turns the process into the forwarder when [Start]
// started it inside the namespace, and returns at once otherwise. Every
// binary that calls Start calls this first in main.
func RunIfNamespaced() {
	raw := os.Getenv(nsEnv)
	if raw == "" {
		return
	}
	var s settings
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		fmt.Fprintln(os.Stderr, "dynamolocal: bad settings:", err)
		os.Exit(2)
	}
	if err := forward(s, os.Stdin); err != nil {
		fmt.Fprintln(os.Stderr, "dynamolocal:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// forward runs inside the namespace: it brings up loopback, refuses to go
// on if any other interface exists, starts DynamoDB Local, and relays the
// socket to it until stop closes or DynamoDB Local exits.
func forward(s settings, stop io.Reader) error {
	if out, err := exec.Command("ip", "link", "set", "lo", "up").CombinedOutput(); err != nil {
		return fmt.Errorf("bring up lo (iproute2): %v: %s", err, out)
	}
	ifs, err := net.Interfaces()
	if err != nil {
		return fmt.Errorf("list interfaces: %w", err)
	}
	for _, i := range ifs {
		if i.Flags&net.FlagLoopback == 0 {
			return fmt.Errorf("not a private network namespace (interface %s); refusing to start DynamoDB Local", i.Name)
		}
	}
	// The data lives in files either way, and the Java heap is capped: held
	// in memory, DynamoDB Local's heap grows with every item a long session
	// writes, and a developer's stack should stay flat under load.
	var args []string
	if filepath.Base(s.Command[0]) == "java" {
		args = append(args, heapLimit)
	}
	args = append(args, s.Command[1:]...)
	args = append(args, "-sharedDb", "-disableTelemetry", "-port", strconv.Itoa(port), "-dbPath", s.Data)
	java := exec.Command(s.Command[0], args...)
	java.Dir = s.Dir // DynamoDB Local drops stray files in its working folder
	java.Stdout, java.Stderr = os.Stdout, os.Stderr
	if err := java.Start(); err != nil {
		return fmt.Errorf("start DynamoDB Local: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- java.Wait() }()
	defer func() {
		_ = java.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = java.Process.Kill()
			<-exited
		}
	}()

	target := "127.0.0.1:" + strconv.Itoa(port)
	if err := waitListening(target, exited); err != nil {
		return err
	}
	ln, err := net.Listen("unix", s.Socket)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.Socket, err)
	}
	defer ln.Close()
	if err := os.Chmod(s.Socket, 0o600); err != nil {
		return err
	}
	go relay(ln, target)

	stopped := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, bufio.NewReader(stop)); close(stopped) }()
	select {
	case <-stopped:
		return nil
	case err := <-exited:
		exited <- err
		return fmt.Errorf("DynamoDB Local exited: %v", err)
	}
}

// waitListening waits until something accepts connections on addr.
func waitListening(addr string, exited chan error) error {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return nil
		}
		select {
		case err := <-exited:
			exited <- err
			return fmt.Errorf("DynamoDB Local exited during start-up: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("DynamoDB Local not listening on %s", addr)
}

// relay copies each accepted connection to and from a new connection to
// target, until the listener closes.
func relay(ln net.Listener, target string) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			up, err := net.Dial("tcp", target)
			if err != nil {
				return
			}
			defer up.Close()
			done := make(chan struct{})
			go func() {
				_, _ = io.Copy(up, c)
				_ = up.(*net.TCPConn).CloseWrite()
				close(done)
			}()
			_, _ = io.Copy(c, up)
			_ = c.(*net.UnixConn).CloseWrite()
			<-done
		}()
	}
}
