package main

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"roster/shared/samtemplate"
)

const templatePath = "../../template.yaml"

func TestZipPackageHoldsAnExecutableBootstrap(t *testing.T) {
	bin := bytes.Repeat([]byte("not really a binary "), 1000)
	pkg, err := zipPackage(bin)
	if err != nil {
		t.Fatal(err)
	}
	if len(pkg) >= len(bin) {
		t.Fatalf("package of %d compressible bytes is %d bytes: not deflated", len(bin), len(pkg))
	}
	zr, err := zip.NewReader(bytes.NewReader(pkg), int64(len(pkg)))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != 1 {
		t.Fatalf("package holds %d files, want only bootstrap", len(zr.File))
	}
	f := zr.File[0]
	if f.Name != "bootstrap" || f.Mode().Perm()&0o111 == 0 {
		t.Fatalf("package holds %q mode %v; Lambda needs an executable bootstrap", f.Name, f.Mode())
	}
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil || !bytes.Equal(got, bin) {
		t.Fatalf("bootstrap does not round-trip (err %v)", err)
	}
}

func TestPercentileIsNearestRank(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	var sorted []time.Duration
	for i := 1; i <= 20; i++ {
		sorted = append(sorted, ms(i))
	}
	for _, tc := range []struct {
		p    int
		want time.Duration
	}{{50, ms(10)}, {95, ms(19)}, {100, ms(20)}, {1, ms(1)}, {0, ms(1)}} {
		if got := percentile(sorted, tc.p); got != tc.want {
			t.Errorf("p%d = %v, want %v", tc.p, got, tc.want)
		}
	}
	if got := percentile([]time.Duration{ms(7)}, 95); got != ms(7) {
		t.Errorf("p95 of one = %v, want 7ms", got)
	}
}

func TestOutcomeNamesEachKindOfAnswerAndRefusesA5xx(t *testing.T) {
	for payload, want := range map[string]string{
		`{"statusCode":200,"body":"[]"}`:                 "200",
		`{"statusCode":404}`:                             "404",
		`{"isAuthorized":true}`:                          "authorized true",
		`{"batchItemFailures":[]}`:                       "0 failed",
		`{"batchItemFailures":[{"itemIdentifier":"m"}]}`: "1 failed",
	} {
		if got, err := outcome([]byte(payload)); err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", payload, got, err, want)
		}
	}
	for _, payload := range []string{`{"statusCode":503}`, `{}`, `not json`} {
		if got, err := outcome([]byte(payload)); err == nil {
			t.Errorf("%s: %q; want an error", payload, got)
		}
	}
}

func TestFirstEventsExist(t *testing.T) {
	tpl, err := samtemplate.Load(templatePath)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range tpl.Functions() {
		file, ok := firstEvents[f.LogicalID]
		if !ok {
			t.Errorf("%s has no first event", f.LogicalID)
			continue
		}
		if _, err := os.Stat(filepath.Join("../../events", file)); err != nil {
			t.Errorf("%s: %v", f.LogicalID, err)
		}
	}
}

func TestRunRejectsMissingBootstraps(t *testing.T) {
	err := run(t.Context(), []string{"-template", templatePath, "-build", t.TempDir(), "-host", t.TempDir(), "-starts", "1", "-cold", "0"}, io.Discard)
	if err == nil {
		t.Fatal("run with no built bootstraps succeeded")
	}
	tpl, lerr := samtemplate.Load(templatePath)
	if lerr != nil {
		t.Fatal(lerr)
	}
	if first := tpl.Functions()[0].LogicalID; !strings.HasPrefix(err.Error(), first+": ") {
		t.Errorf("error %q; want it to name the first function in the template, %s", err, first)
	}
}

// TestReportCoversEveryFunctionInTheTemplate runs the whole report over a
// stand-in bootstrap (the runtimeapi test fixture, built as the Makefile
// builds a function) placed under every function's name.
func TestReportCoversEveryFunctionInTheTemplate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a bootstrap twice")
	}
	tpl, err := samtemplate.Load(templatePath)
	if err != nil {
		t.Fatal(err)
	}
	lambdaBin := buildFixture(t, "GOOS=linux", "GOARCH=arm64")
	hostBin := buildFixture(t)
	buildDir, hostDir := t.TempDir(), t.TempDir()
	var ids []string
	for _, f := range tpl.Functions() {
		ids = append(ids, f.LogicalID)
		place(t, lambdaBin, filepath.Join(buildDir, f.LogicalID, "bootstrap"))
		place(t, hostBin, filepath.Join(hostDir, f.LogicalID, "bootstrap"))
	}
	for _, want := range []string{"AuthorizerFunction", "UserInfoFunction"} {
		if !slices.Contains(ids, want) {
			t.Fatalf("template functions %v lack %s", ids, want)
		}
	}

	var out bytes.Buffer
	if err := run(t.Context(), []string{"-template", templatePath, "-build", buildDir, "-host", hostDir, "-starts", "2", "-cold", "0"}, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, &out)
	}

	lines := strings.Split(out.String(), "\n")
	if got := strings.Fields(lines[0]); !slices.Equal(got, []string{"FUNCTION", "FIGURE", "VALUE", "BUDGET", "VERDICT"}) {
		t.Errorf("header %q", lines[0])
	}
	figures := map[string]int{}
	for _, l := range lines[1:] {
		if f := strings.Fields(l); len(f) > 0 {
			figures[f[0]]++
		}
	}
	for _, id := range ids {
		if figures[id] != 4 {
			t.Errorf("%s has %d figures in the report, want 4:\n%s", id, figures[id], &out)
		}
	}
}

// buildFixture builds the runtimeapi test function with the Makefile's flags
// for the target in env (this machine when empty) and returns its path.
func buildFixture(t *testing.T, env ...string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "bootstrap")
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", out, "../internal/runtimeapi/testdata/echo")
	cmd.Env = append(append(os.Environ(), "CGO_ENABLED=0"), env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build fixture %v: %v\n%s", env, err, b)
	}
	return out
}

// place copies the executable src to dst, creating dst's directory.
func place(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o755); err != nil {
		t.Fatal(err)
	}
}
