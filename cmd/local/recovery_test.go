package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"roster/shared/emulator"
)

// syncBuffer is a bytes buffer the server writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestREADMERecoveryWalkThrough walks the README's "forgot password" story
// against the whole local server as `make run` starts it (its own
// moto_server, the table in the DynamoDB Local the tests run beside, the
// mailer writing to the outbox): ask for a reset, read the mail at
// /_local/outbox, set the new password with the link's token, log in with
// it.
func TestREADMERecoveryWalkThrough(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the local server")
	}
	ddb := emulator.DynamoDB(t)[0]
	if ddb.Name != emulator.NameDynamoDBLocal {
		t.Skip("needs DynamoDB Local")
	}
	ctx, cancel := context.WithCancel(context.Background())
	dir := t.TempDir()
	out, errs := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-dynamodb", ddb.URL, "-table", fmt.Sprintf("readme-recovery-%d", time.Now().UnixNano()), "-template", "../../template.yaml",
			"-demo-file", filepath.Join(dir, "demo.json")}, out, errs)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("local server: %v", err)
		}
	})
	api := ""
	for deadline := time.Now().Add(60 * time.Second); api == "" && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if m := regexp.MustCompile(`listening on (http://\S+)`).FindStringSubmatch(out.String()); m != nil {
			api = m[1]
		}
		select {
		case err := <-done:
			done <- err // for the cleanup, which waits for the server's end
			t.Fatalf("local server stopped: %v\n%s", err, errs.String())
		default:
		}
	}
	if api == "" {
		t.Fatalf("no banner:\n%s\n%s", out.String(), errs.String())
	}
	call := func(method, path, auth, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, api+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	var demo struct {
		DeviceToken string `json:"deviceToken"`
	}
	readDemo(t, filepath.Join(dir, "demo.json"), &demo)

	// 1. Forgot password.
	if code, body := call("POST", "/tenants/demo/account/recovery", "", `{"email":"ada@demo.example"}`); code != http.StatusAccepted {
		t.Fatalf("request a reset: %d %s", code, body)
	}
	// 2. Read the mail.
	var link string
	for deadline := time.Now().Add(30 * time.Second); link == "" && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		_, body := call("GET", "/_local/outbox?to=ada@demo.example", "", "")
		var box struct {
			Messages []struct {
				Subject, Text, Link string
			}
		}
		if err := json.Unmarshal([]byte(body), &box); err != nil {
			t.Fatalf("outbox: %v %s", err, body)
		}
		if len(box.Messages) > 0 {
			link = box.Messages[0].Link
			if !strings.Contains(box.Messages[0].Text, link) || !strings.Contains(box.Messages[0].Subject, "demo") {
				t.Errorf("mail %+v", box.Messages[0])
			}
		}
	}
	if link == "" {
		t.Fatalf("no mail in the outbox\n%s", errs.String())
	}
	u, err := url.Parse(link)
	if err != nil || !strings.HasPrefix(link, api+"/reset-password?") {
		t.Fatalf("link %q: %v", link, err)
	}
	token := u.Query().Get("token")
	// 3. Set a new password.
	const pw = "violet staple orbit lantern"
	if code, body := call("PUT", "/tenants/demo/account/recovery", "", fmt.Sprintf(`{"token":%q,"password":%q}`, token, pw)); code != http.StatusNoContent {
		t.Fatalf("reset: %d %s", code, body)
	}
	// 4. Log in with it.
	code, body := call("POST", "/account", demo.DeviceToken, fmt.Sprintf(`{"userCode":"ada","password":%q}`, pw))
	if code != http.StatusOK {
		t.Fatalf("login with the new password: %d %s", code, body)
	}
	if strings.Contains(errs.String(), token) {
		t.Error("the server's logs carry the reset token")
	}

	// The README's change of address: it waits for the link mailed to the
	// new address (decision 023).
	var login struct {
		AccessToken string `json:"accessToken"`
	}
	if err := json.Unmarshal([]byte(body), &login); err != nil || login.AccessToken == "" {
		t.Fatalf("login answer %s: %v", body, err)
	}
	bearer := "Bearer " + login.AccessToken
	if code, body := call("PUT", "/tenants/demo/account", bearer, `{"email":"ada.new@demo.example"}`); code != http.StatusOK ||
		!strings.Contains(body, `"email":"ada@demo.example"`) || !strings.Contains(body, `"pendingEmail":"ada.new@demo.example"`) {
		t.Fatalf("change of address: %d %s", code, body)
	}
	var change string
	for deadline := time.Now().Add(30 * time.Second); change == "" && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		_, body := call("GET", "/_local/outbox?to=ada.new@demo.example", "", "")
		var box struct{ Messages []struct{ Link string } }
		if err := json.Unmarshal([]byte(body), &box); err != nil {
			t.Fatalf("outbox: %v %s", err, body)
		}
		if len(box.Messages) > 0 {
			change = box.Messages[0].Link
		}
	}
	cu, err := url.Parse(change)
	if err != nil || !strings.HasPrefix(change, api+"/verify-email?") {
		t.Fatalf("change link %q: %v", change, err)
	}
	if code, body := call("PUT", "/tenants/demo/account/verification", "", fmt.Sprintf(`{"token":%q}`, cu.Query().Get("token"))); code != http.StatusNoContent {
		t.Fatalf("confirm the new address: %d %s", code, body)
	}
	if code, body := call("GET", "/tenants/demo/account", bearer, ""); code != http.StatusOK ||
		!strings.Contains(body, `"email":"ada.new@demo.example","emailVerified":true`) {
		t.Errorf("after the link: %d %s", code, body)
	}
}

func readDemo(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}
