package webhook

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"time"
)

// Sender makes one delivery: the guard resolves the endpoint's host once,
// the connection goes to that address (pinned), redirects are not
// followed (a 3xx is a failed delivery), the whole attempt is bounded by
// Timeout and at most MaxResponse bytes of the answer are read.
type Sender struct {
	Guard       Guard
	Timeout     time.Duration // per attempt; 5 s unless set
	MaxResponse int64         // bytes of the answer read; 64 KiB unless set
	Now         func() time.Time
}

// Result is what one attempt got.
type Result struct {
	Status int    // the answer's status, 0 when none came
	Reason string // why it failed, for the endpoint's owner; "" on success
}

// OK reports a delivery the receiver accepted (any 2xx).
func (r Result) OK() bool { return r.Status >= 200 && r.Status < 300 }

// Send posts body, signed with secret, to url as message id.
func (s *Sender) Send(ctx context.Context, rawURL, secret, id string, body []byte) Result {
	timeout := s.Timeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	limit := s.MaxResponse
	if limit == 0 {
		limit = 64 << 10
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	u, err := s.Guard.CheckURL(rawURL)
	if err != nil {
		return Result{Reason: err.Error()}
	}
	addr, err := s.Guard.Resolve(ctx, u.Hostname())
	if err != nil {
		return Result{Reason: err.Error()}
	}
	port := u.Port()
	if port == "" {
		port = "443"
		if u.Scheme == "http" {
			port = "80"
		}
	}
	pinned := netip.AddrPortFrom(addr, mustPort(port)).String()
	dialer := &net.Dialer{Timeout: timeout}
	client := &http.Client{
		Transport: &http.Transport{
			// Every connection goes to the address checked, whatever the
			// request's host says; TLS still verifies the host's name.
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return dialer.DialContext(ctx, network, pinned)
			},
			TLSClientConfig:       &tls.Config{ServerName: u.Hostname(), MinVersion: tls.VersionTLS12},
			TLSHandshakeTimeout:   timeout,
			ResponseHeaderTimeout: timeout,
			DisableKeepAlives:     true,
			Proxy:                 nil,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       timeout,
	}
	h, err := Headers(secret, id, now(), body)
	if err != nil {
		return Result{Reason: err.Error()}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return Result{Reason: err.Error()}
	}
	req.Header = h
	req.Header.Set("Content-Type", "application/cloudevents+json")
	req.Header.Set("User-Agent", "Roster-Webhooks/1")
	res, err := client.Do(req)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return Result{Reason: "no answer within " + timeout.String()}
		}
		return Result{Reason: "request failed: " + err.Error()}
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, limit))
	r := Result{Status: res.StatusCode}
	if !r.OK() {
		r.Reason = fmt.Sprintf("answered %d", res.StatusCode)
	}
	return r
}

func mustPort(p string) uint16 {
	n, err := strconv.ParseUint(p, 10, 16)
	if err != nil {
		return 0
	}
	return uint16(n)
}
