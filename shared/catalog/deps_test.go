package catalog_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// linkRule is a library only some functions may link (DESIGN.md's size
// budget: each function's bootstrap carries only what it serves).
type linkRule struct {
	what    string
	matches func(pkg string) bool
	allowed []string // the functions (functions/<dir>) that may link it
}

var linkRules = []linkRule{
	{"WebAuthn (passkeys)", func(p string) bool { return strings.HasPrefix(p, "github.com/go-webauthn/") }, []string{"account"}},
	{"the EventBridge client", func(p string) bool {
		return p == "github.com/aws/aws-sdk-go-v2/service/eventbridge" || strings.HasPrefix(p, "github.com/aws/aws-sdk-go-v2/service/eventbridge/")
	}, []string{"events"}},
	// Only the client: its types come with the DynamoDB attribute value
	// encoder every table function needs.
	{"the DynamoDB Streams client", func(p string) bool { return p == "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams" }, nil},
}

// functionDeps lists, for each function, every package its bootstrap
// links, as `go list` sees it for the Lambda target (linux/arm64,
// lambda.norpc).
func functionDeps(t *testing.T) map[string][]string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command:", err)
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(gobin, "list", "-tags", "lambda.norpc", "-f", "{{.ImportPath}}{{range .Deps}} {{.}}{{end}}", "./functions/...")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	deps := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		deps[strings.TrimPrefix(f[0], "roster/functions/")] = f[1:]
	}
	dirs, err := os.ReadDir(filepath.Join(root, "functions"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if _, ok := deps[d.Name()]; d.IsDir() && !ok {
			t.Fatalf("go list did not list functions/%s", d.Name())
		}
	}
	return deps
}

// TestFunctionsLinkOnlyTheLibrariesTheyServe keeps the heavy libraries in
// the one function each belongs to: WebAuthn in Account, the EventBridge
// client in Events, the DynamoDB Streams client (the local poller's) in
// none.
func TestFunctionsLinkOnlyTheLibrariesTheyServe(t *testing.T) {
	deps := functionDeps(t)
	if _, ok := deps["account"]; !ok {
		t.Fatal("no account function listed")
	}
	for fn, pkgs := range deps {
		for _, r := range linkRules {
			if slices.Contains(r.allowed, fn) {
				continue
			}
			if i := slices.IndexFunc(pkgs, r.matches); i >= 0 {
				t.Errorf("functions/%s links %s (%s); only %v may", fn, r.what, pkgs[i], r.allowed)
			}
		}
	}
	// The rules match what they name: the functions that serve them link them.
	for _, r := range linkRules {
		for _, fn := range r.allowed {
			if !slices.ContainsFunc(deps[fn], r.matches) {
				t.Errorf("functions/%s does not link %s: the rule matches nothing", fn, r.what)
			}
		}
	}
}
