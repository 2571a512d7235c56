package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"roster/cmd/internal/devstack"
)

// server is a command the generator started (-start): the API under load,
// with whatever it starts in turn.
type server struct {
	cmd     *exec.Cmd
	logPath string
	started time.Time
	done    chan struct{} // closed when the command has exited
	err     error         // how it exited, once done is closed
}

// startServer runs command through sh in a process group of its own, so
// that stopping it stops everything it started, its output going to
// logPath.
func startServer(command, logPath string) (*server, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("server log: %w", err)
	}
	cmd := exec.Command("sh", "-c", command)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %q: %w", command, err)
	}
	s := &server{cmd: cmd, logPath: logPath, started: time.Now(), done: make(chan struct{})}
	go func() {
		s.err = cmd.Wait()
		logf.Close()
		close(s.done)
	}()
	return s, nil
}

// exited reports whether the command has ended.
func (s *server) exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// stop asks the process group to end (SIGTERM, as Ctrl-C would) and kills
// it when it has not within grace.
func (s *server) stop(grace time.Duration) {
	pgid := s.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(grace):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-s.done
	}
	// Whatever the leader left behind in its group goes too.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
}

// logTail is the end of the server's log, for an error message.
func (s *server) logTail() string {
	b, _ := os.ReadFile(s.logPath)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(bytes.TrimSpace(b))
}

// waitReady waits until the started server answers: when demoPath is set,
// until it has written the demo file afresh (it names the URL, since the
// server may listen on a port of its own choosing), then until
// GET /.well-known/jwks.json, which needs no credential, answers.
func (s *server) waitReady(ctx context.Context, demoPath, url string, timeout time.Duration) (devstack.Demo, string, error) {
	deadline := time.Now().Add(timeout)
	var demo devstack.Demo
	for {
		if s.exited() {
			return demo, "", fmt.Errorf("the started server exited during start-up (%v); the end of %s:\n%s", s.err, s.logPath, s.logTail())
		}
		if demoPath != "" && url == "" {
			url = s.freshDemo(demoPath, &demo)
		}
		if url != "" && answers(ctx, url) {
			return demo, url, nil
		}
		if time.Now().After(deadline) {
			return demo, "", fmt.Errorf("the started server did not answer within %s; the end of %s:\n%s", timeout, s.logPath, s.logTail())
		}
		select {
		case <-ctx.Done():
			return demo, "", ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// freshDemo reads the demo file if the server has written it since it
// started (an older one names an older server's port) and returns its URL.
// The second of slack allows for file systems that keep coarse times.
func (s *server) freshDemo(path string, demo *devstack.Demo) string {
	info, err := os.Stat(path)
	if err != nil || info.ModTime().Before(s.started.Add(-time.Second)) {
		return ""
	}
	b, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(b, demo) != nil {
		return "" // not there yet, or half written
	}
	return demo.APIURL
}

func answers(ctx context.Context, url string) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(url, "/")+"/.well-known/jwks.json", nil)
	if err != nil {
		return false
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	res.Body.Close()
	return res.StatusCode < 500
}
