package webhook_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"roster/shared/webhook"
)

// python finds the project venv's python with the reference Standard
// Webhooks implementation (PyPI standardwebhooks, installed by
// scripts/tools.sh); without it the test skips, and fails in CI.
func python(t *testing.T) string {
	t.Helper()
	dir, _ := os.Getwd()
	for ; dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
	}
	py := filepath.Join(dir, ".tools", "venv", "bin", "python")
	if err := exec.Command(py, "-c", "import standardwebhooks").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the reference implementation is missing (%v): run scripts/tools.sh", err)
		}
		t.Skipf("the reference implementation is missing (%v): run scripts/tools.sh", err)
	}
	return py
}

const verifyPy = `
import sys, json
from standardwebhooks.webhooks import Webhook
secret, msg_id, ts, sig, body = sys.argv[1:6]
Webhook(secret).verify(body, {"webhook-id": msg_id, "webhook-timestamp": ts, "webhook-signature": sig})
print("verified")
`

const signPy = `
import sys, datetime
from standardwebhooks.webhooks import Webhook
secret, msg_id, ts, body = sys.argv[1:5]
print(Webhook(secret).sign(msg_id, datetime.datetime.fromtimestamp(int(ts), tz=datetime.timezone.utc), body))
`

func TestSignaturesVerifyWithTheReferenceImplementation(t *testing.T) {
	py := python(t)
	secret, err := webhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"specversion":"1.0","id":"r1-0","type":"roster.user.created","data":{"changed":[],"name":"Zoë"}}`)
	h, err := webhook.Headers(secret, "r1-0", time.Now(), body)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, "-c", verifyPy, secret, h.Get(webhook.HeaderID), h.Get(webhook.HeaderTimestamp),
		h.Get(webhook.HeaderSignature), string(body)).CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("verified")) {
		t.Fatalf("the reference refuses our signature: %v\n%s", err, out)
	}
	// And ours accepts the reference's.
	out, err = exec.Command(py, "-c", signPy, secret, "r2-0", h.Get(webhook.HeaderTimestamp), string(body)).Output()
	if err != nil {
		t.Fatal(err)
	}
	h.Set(webhook.HeaderID, "r2-0")
	h.Set(webhook.HeaderSignature, "v1,bogus "+strings.TrimSpace(string(out)))
	if err := webhook.Verify(secret, h, body, time.Now()); err != nil {
		t.Errorf("the reference's signature does not verify here: %v", err)
	}
	if err := webhook.Verify(secret, h, append(body, ' '), time.Now()); err == nil {
		t.Error("a changed body verified")
	}
	if err := webhook.Verify(secret, h, body, time.Now().Add(10*time.Minute)); err == nil {
		t.Error("a stale timestamp verified")
	}
}

func TestTheGuardRefusesPrivateLoopbackLinkLocalAndMetadataAddresses(t *testing.T) {
	g := webhook.Guard{}
	for _, raw := range []string{
		"http://hooks.example.com/x",                // not https
		"https://127.0.0.1/x",                       // loopback
		"https://127.1.2.3:8443/x",                  // loopback range
		"https://[::1]/x",                           // IPv6 loopback
		"https://[::ffff:127.0.0.1]/x",              // IPv4-mapped loopback
		"https://10.0.0.8/x",                        // private
		"https://172.16.5.4/x",                      // private
		"https://192.168.1.1/x",                     // private
		"https://169.254.169.254/latest/meta-data/", // cloud metadata
		"https://[fd00:ec2::254]/x",                 // AWS IPv6 metadata
		"https://[fe80::1]/x",                       // link-local
		"https://100.64.0.1/x",                      // carrier NAT
		"https://0.0.0.0/x",                         // unspecified
		"https://[64:ff9b::a9fe:a9fe]/x",            // NAT64 of the metadata address
		"https://localhost/x",                       // a local name
		"https://metadata.google.internal/x",        // a cloud's internal name
		"https://user:pass@hooks.example.com/x",     // credentials in the URL
		"https://hooks.example.com/x#frag",          // fragment
		"ftp://hooks.example.com/x",                 // scheme
	} {
		if _, err := g.CheckURL(raw); err == nil {
			t.Errorf("%s accepted", raw)
		}
	}
	for _, raw := range []string{"https://hooks.example.com/roster", "https://93.184.216.34:8443/x", "https://[2606:4700::1111]/x"} {
		if _, err := g.CheckURL(raw); err != nil {
			t.Errorf("%s refused: %v", raw, err)
		}
	}
}

func TestANameResolvingToAPrivateAddressIsRefused(t *testing.T) {
	// localhost resolves to loopback through /etc/hosts: refused unless
	// loopback is allowed (the local stack).
	g := webhook.Guard{}
	if _, err := g.Resolve(context.Background(), "localhost"); err == nil {
		t.Error("localhost resolved to an allowed address")
	}
	if a, err := (webhook.Guard{AllowLoopback: true}).Resolve(context.Background(), "localhost"); err != nil || !a.IsLoopback() {
		t.Errorf("with loopback allowed: %v %v", a, err)
	}
	if !g.Allowed(netip.MustParseAddr("93.184.216.34")) || g.Allowed(netip.MustParseAddr("::ffff:10.1.2.3")) {
		t.Error("Allowed misjudges a public or a mapped private address")
	}
}

func TestTheSenderSignsFollowsNoRedirectAndGivesUp(t *testing.T) {
	secret, _ := webhook.NewSecret()
	var got http.Header
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer ok.Close()
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, ok.URL, http.StatusFound)
	}))
	defer redirect.Close()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Second)
	}))
	defer slow.Close()
	huge := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(bytes.Repeat([]byte("x"), 1<<20))
	}))
	defer huge.Close()

	s := &webhook.Sender{Guard: webhook.Guard{AllowLoopback: true}, Timeout: 300 * time.Millisecond}
	body := []byte(`{"id":"e1"}`)
	if r := s.Send(context.Background(), ok.URL, secret, "e1", body); !r.OK() {
		t.Fatalf("delivery failed: %+v", r)
	}
	if err := webhook.Verify(secret, got, body, time.Now()); err != nil || got.Get(webhook.HeaderID) != "e1" {
		t.Errorf("delivery headers %v: %v", got, err)
	}
	got = nil
	if r := s.Send(context.Background(), redirect.URL, secret, "e2", body); r.OK() || r.Status != http.StatusFound || got != nil {
		t.Errorf("redirect: %+v, followed: %v", r, got != nil)
	}
	if r := s.Send(context.Background(), slow.URL, secret, "e3", body); r.OK() || !strings.Contains(r.Reason, "no answer") {
		t.Errorf("slow receiver: %+v", r)
	}
	if r := s.Send(context.Background(), huge.URL, secret, "e4", body); !r.OK() {
		t.Errorf("large answer: %+v", r)
	}
	// Without loopback allowed, the same receiver is refused before any
	// connection.
	strict := &webhook.Sender{Timeout: 300 * time.Millisecond}
	if r := strict.Send(context.Background(), ok.URL, secret, "e5", body); r.OK() || r.Status != 0 {
		t.Errorf("loopback receiver reached: %+v", r)
	}
}
