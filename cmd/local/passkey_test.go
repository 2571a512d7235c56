package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"roster/cmd/internal/devstack"
	"roster/shared/catalog"
	"roster/shared/emulator"
	"roster/shared/samtemplate"
)

// TestPasskeysEndToEndInChromium registers a passkey and logs in with it
// alone, in headless Chromium with the DevTools virtual authenticator (a
// platform authenticator with resident keys and user verification),
// through the passkey page of the local server against the local stack:
// the browser's navigator.credentials, not a Go imitation of it, answers
// the Account API's options. Like the reference page's test, it skips when
// chromium is missing, except in CI (ROSTER_REQUIRE_BROWSER=1).
func TestPasskeysEndToEndInChromium(t *testing.T) {
	chromium := findChromium()
	if chromium == "" {
		if os.Getenv("ROSTER_REQUIRE_BROWSER") == "1" {
			t.Fatal("ROSTER_REQUIRE_BROWSER=1 but chromium (apt-get install chromium) is missing")
		}
		t.Skip("chromium (apt-get install chromium) is missing; set ROSTER_REQUIRE_BROWSER=1 to make this a failure")
	}
	emulator.Moto(t) // skip without the emulators, or fail when they are required

	// The page's origin must be the relying party's: localhost, on a port
	// of its own.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	origin := fmt.Sprintf("http://localhost:%d", ln.Addr().(*net.TCPAddr).Port)
	tplPath, err := filepath.Abs(filepath.Join("..", "..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	stack, err := devstack.Start(t.Context(), devstack.Options{Template: tplPath, PasskeyOrigin: origin})
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
	srv := &http.Server{Handler: withPasskeyPage(mux), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	// The demo owner's access token, from a login.
	demo := stack.Demo
	req, err := http.NewRequestWithContext(t.Context(), "POST", origin+"/account",
		strings.NewReader(`{"userCode":"`+demo.Owner.UserCode+`","password":"`+demo.Owner.Password+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", demo.DeviceToken)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var in struct {
		AccessToken string `json:"accessToken"`
	}
	err = json.NewDecoder(res.Body).Decode(&in)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("login: %d, %v", res.StatusCode, err)
	}

	alloc, cancelAlloc := chromedp.NewExecAllocator(t.Context(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("no-proxy-server", true))...)
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()

	// Start the browser on a context without the deadline (it would stop
	// the whole browser), then give the ceremonies their time.
	if err := chromedp.Do(browser, chromedp.Navigate(origin+"/passkey/")); err != nil {
		t.Fatalf("open the passkey page in Chromium: %v", err)
	}
	if _, err := chromedp.Call(browser, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(browser, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol: webauthn.AuthenticatorProtocolCtap2, Ctap2version: webauthn.Ctap2versionCtap21,
			Transport: webauthn.AuthenticatorTransportInternal, HasResidentKey: true, HasUserVerification: true,
			IsUserVerified: true, AutomaticPresenceSimulation: true,
		},
	}); err != nil {
		t.Fatalf("add the virtual authenticator: %v", err)
	}
	ceremonies, cancelCeremonies := context.WithTimeout(browser, 60*time.Second)
	defer cancelCeremonies()
	registered, err := chromedp.Run(ceremonies, chromedp.Evaluate[struct {
		PasskeyUID string `json:"passkeyUid"`
	}](fmt.Sprintf(`registerPasskey(%q)`, in.AccessToken), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("register a passkey in Chromium: %v", err)
	}
	loggedIn, err := chromedp.Run(ceremonies, chromedp.Evaluate[struct {
		UserUID   string `json:"userUid"`
		TenantUID string `json:"tenantUid"`
		AuthToken string `json:"authToken"`
	}](fmt.Sprintf(`passwordless(%q)`, demo.DeviceToken), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("log in with the passkey in Chromium: %v", err)
	}
	if registered.PasskeyUID == "" {
		t.Error("no passkey registered")
	}
	if loggedIn.UserUID != demo.Owner.UserID || loggedIn.TenantUID != demo.TenantID || loggedIn.AuthToken == "" {
		t.Errorf("passwordless login = %+v, want the demo owner", loggedIn)
	}
}
