package main

import (
	"bytes"
	"context"
	"html"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"roster"
)

// bundleForTest is Redoc's bundle as tools.sh installs it, seen from this
// package's folder, where go test runs.
var bundleForTest = filepath.Join("..", "..", defaultRedocBundle)

func TestReferenceServesTheEmbeddedDescription(t *testing.T) {
	srv := httptest.NewServer(withReference(http.NotFoundHandler(), roster.OpenAPI, bundleForTest))
	defer srv.Close()

	res, body := get(t, srv.URL+"/openapi.yaml")
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/yaml" {
		t.Fatalf("GET /openapi.yaml: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if !bytes.Equal(body, roster.OpenAPI) {
		t.Error("GET /openapi.yaml does not return the embedded openapi.yaml")
	}
}

func TestReferencePageIsAShellThatLoadsOnlyLocalFiles(t *testing.T) {
	srv := httptest.NewServer(withReference(http.NotFoundHandler(), roster.OpenAPI, bundleForTest))
	defer srv.Close()

	res, body := get(t, srv.URL+"/docs/")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /docs/: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("GET /docs/ Content-Security-Policy = %q, want default-src 'self'", csp)
	}
	page := string(body)
	for _, remote := range []string{"http:", "https:", "//"} {
		if strings.Contains(page, remote) {
			t.Errorf("the page shell names a remote resource (%q):\n%s", remote, page)
		}
	}
	// The browser test below proves the renderer ran by finding the title on
	// the rendered page; that proves nothing if the shell already has it.
	if title := docTitle(t); strings.Contains(page, title) {
		t.Errorf("the page shell contains the API title %q", title)
	}
}

func TestReferenceRoutesLeaveEveryOtherRequestToTheAPI(t *testing.T) {
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	srv := httptest.NewServer(withReference(api, roster.OpenAPI, bundleForTest))
	defer srv.Close()

	for _, path := range []string{"/account", "/docs/demo/identity_/api/User/x", "/docs/other", "/openapi.json"} {
		if res, _ := get(t, srv.URL+path); res.StatusCode != http.StatusTeapot {
			t.Errorf("GET %s: %d, want the API's answer", path, res.StatusCode)
		}
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(srv.URL + "/docs")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != "/docs/" {
		t.Errorf("GET /docs: %d to %q, want a redirect to /docs/", res.StatusCode, res.Header.Get("Location"))
	}
}

func TestReferenceScriptIsUnavailableUntilInstalled(t *testing.T) {
	srv := httptest.NewServer(withReference(http.NotFoundHandler(), roster.OpenAPI, filepath.Join(t.TempDir(), "missing.js")))
	defer srv.Close()

	res, body := get(t, srv.URL+"/docs/redoc.standalone.js")
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "make tools") {
		t.Errorf("GET /docs/redoc.standalone.js without the bundle: %d %q", res.StatusCode, body)
	}
}

// TestReferencePageRendersTheDescriptionInChromium loads /docs/ in headless
// Chromium, which may resolve no host name but loopback addresses, and
// checks that the rendered page shows the API's title and every operation's
// name: the renderer ran on the description, not just the HTML shell. It
// leaves a screenshot in build/reference.png.
func TestReferencePageRendersTheDescriptionInChromium(t *testing.T) {
	chromium := findChromium()
	_, bundleErr := os.Stat(bundleForTest)
	if chromium == "" || bundleErr != nil {
		missing := "chromium (apt-get install chromium)"
		if bundleErr != nil {
			missing = "Redoc's bundle (scripts/tools.sh installs it)"
		}
		if os.Getenv("ROSTER_REQUIRE_BROWSER") == "1" {
			t.Fatalf("ROSTER_REQUIRE_BROWSER=1 but %s is missing", missing)
		}
		t.Skipf("%s is missing; set ROSTER_REQUIRE_BROWSER=1 to make this a failure", missing)
	}
	srv := httptest.NewServer(withReference(http.NotFoundHandler(), roster.OpenAPI, bundleForTest))
	defer srv.Close()
	url := srv.URL + "/docs/"

	dom := runChromium(t, chromium, "--virtual-time-budget=20000", "--dump-dom", url)
	text := html.UnescapeString(string(dom))
	want := append([]string{docTitle(t)}, operationNames(t)...)
	for _, name := range want {
		if !strings.Contains(text, name) {
			t.Errorf("the rendered page lacks %q", name)
		}
	}
	if t.Failed() {
		t.Logf("rendered DOM (%d bytes), first 2000:\n%.2000s", len(dom), dom)
		return
	}

	shot, err := filepath.Abs(filepath.Join("..", "..", "build", "reference.png"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(shot), 0o755); err != nil {
		t.Fatal(err)
	}
	_ = os.Remove(shot)
	runChromium(t, chromium, "--virtual-time-budget=20000", "--hide-scrollbars", "--window-size=1280,1600", "--screenshot="+shot, url)
	checkScreenshot(t, shot, 1280, 1600)
}

// findChromium returns Debian's chromium, or one on PATH, or "".
func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// runChromium runs headless Chromium on a fresh profile with everything
// that would reach the internet turned off, and returns its standard output.
func runChromium(t *testing.T, chromium string, args ...string) []byte {
	t.Helper()
	home := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--no-default-browser-check",
		// Any host name but the test server's loopback address fails to
		// resolve, so a page that needs the internet renders incomplete.
		"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
		"--user-data-dir=" + filepath.Join(home, "profile"),
	}
	cmd := exec.CommandContext(ctx, chromium, append(base, args...)...)
	cmd.Dir = home
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+home, "XDG_CACHE_HOME="+home)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", chromium, strings.Join(args, " "), err, stderr.Bytes())
	}
	return out
}

// checkScreenshot fails unless path is a PNG of the window's size that
// shows more than a blank page.
func checkScreenshot(t *testing.T, path string, width, height int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s is not a PNG: %v", path, err)
	}
	if b := img.Bounds(); b.Dx() != width || b.Dy() != height {
		t.Errorf("%s is %dx%d, want %dx%d", path, b.Dx(), b.Dy(), width, height)
	}
	if n := colours(img, 64); n < 64 {
		t.Errorf("%s has %d colours; a rendered reference has text, a menu and code samples", path, n)
	}
	t.Logf("screenshot: %s", path)
}

// colours counts the distinct colours in img, stopping at limit.
func colours(img image.Image, limit int) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
			if len(seen) >= limit {
				return len(seen)
			}
		}
	}
	return len(seen)
}

func get(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, body
}

func loadDoc(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(roster.OpenAPI)
	if err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	return doc
}

func docTitle(t *testing.T) string {
	t.Helper()
	doc := loadDoc(t)
	if doc.Info == nil || doc.Info.Title == "" {
		t.Fatal("openapi.yaml has no info.title")
	}
	return doc.Info.Title
}

// operationNames lists what the reference shows as each operation's
// heading: its summary, or its operation id when it has none.
func operationNames(t *testing.T) []string {
	t.Helper()
	var names []string
	doc := loadDoc(t)
	if doc.Paths == nil {
		return nil
	}
	for _, path := range doc.Paths.InMatchingOrder() {
		for _, op := range doc.Paths.Value(path).Operations() {
			switch {
			case op.Summary != "":
				names = append(names, op.Summary)
			case op.OperationID != "":
				names = append(names, op.OperationID)
			}
		}
	}
	return names
}
