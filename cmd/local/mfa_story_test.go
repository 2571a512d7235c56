package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"roster/cmd/internal/devstack"
	"roster/shared/catalog"
	"roster/shared/emulator"
	"roster/shared/samtemplate"
)

// TestTheREADMEsTOTPStoryOnTheLocalStack walks the README's second-factor
// story with the demo tenant of the local stack, as its curl lines do: the
// owner logs in, turns TOTP on and confirms it, then logs in again in two
// steps, and finds both logins among their sessions.
func TestTheREADMEsTOTPStoryOnTheLocalStack(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a local stack")
	}
	emulator.Moto(t) // skip without the emulators, or fail when they are required
	tplPath, err := filepath.Abs(filepath.Join("..", "..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	stack, err := devstack.Start(t.Context(), devstack.Options{Template: tplPath})
	if err != nil {
		t.Fatalf("start the local stack: %v", err)
	}
	t.Cleanup(stack.Close)
	tpl, err := samtemplate.Load(tplPath)
	if err != nil {
		t.Fatal(err)
	}
	mux, err := catalog.Handler(tpl, stack.Platform)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	demo := stack.Demo

	call := func(method, path, auth, body string, want int, out any) {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+path, bytes.NewBufferString(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", auth)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != want {
			t.Fatalf("%s %s = %d, want %d: %s", method, path, res.StatusCode, want, b)
		}
		if out != nil {
			if err := json.Unmarshal(b, out); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
		}
	}
	code := func(secret string, steps int) string {
		t.Helper()
		c, err := totp.GenerateCode(secret, time.Now().Add(time.Duration(steps)*30*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	login := `{"userCode":"` + demo.Owner.UserCode + `","password":"` + demo.Owner.Password + `"}`

	var in struct {
		AccessToken string `json:"accessToken"`
	}
	call("POST", "/account", demo.DeviceToken, login, http.StatusOK, &in)
	var e struct {
		Secret string `json:"secret"`
	}
	call("POST", "/account/mfa/totp", "Bearer "+in.AccessToken, "", http.StatusCreated, &e)
	var rc struct {
		RecoveryCodes []string `json:"recoveryCodes"`
	}
	call("PUT", "/account/mfa/totp", "Bearer "+in.AccessToken, `{"code":"`+code(e.Secret, -1)+`"}`, http.StatusOK, &rc)
	if len(rc.RecoveryCodes) != 10 {
		t.Fatalf("%d recovery codes", len(rc.RecoveryCodes))
	}
	var ch struct {
		ChallengeToken string   `json:"challengeToken"`
		Factors        []string `json:"factors"`
	}
	call("POST", "/account", demo.DeviceToken, login, http.StatusAccepted, &ch)
	var second struct {
		AccessToken string `json:"accessToken"`
		AuthToken   string `json:"authToken"`
	}
	call("POST", "/account/mfa/verify", demo.DeviceToken, `{"challengeToken":"`+ch.ChallengeToken+`","code":"`+code(e.Secret, 0)+`"}`,
		http.StatusOK, &second)
	call("GET", "/account", "Bearer "+second.AccessToken, "", http.StatusOK, nil)
	var sessions struct {
		Sessions []struct {
			DeviceUID string `json:"deviceUid"`
		} `json:"sessions"`
	}
	call("GET", "/account/sessions", "Bearer "+second.AccessToken, "", http.StatusOK, &sessions)
	if len(sessions.Sessions) != 2 {
		t.Errorf("sessions = %+v, want the two logins", sessions.Sessions)
	}
}
