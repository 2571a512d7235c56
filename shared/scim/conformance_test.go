package scim_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"roster/shared/auth"
	"roster/shared/role"
	"roster/shared/scim"
	"roster/shared/store/storetest"
	"roster/shared/web/webtest"
)

// checkerPython is the interpreter of the venv scripts/tools.sh installs
// the SCIM checker (scim2-tester) into.
func checkerPython(t *testing.T) string {
	t.Helper()
	root := filepath.Dir(storetest.TemplatePath(t))
	py := filepath.Join(root, ".tools", "scim-venv", "bin", "python")
	if _, err := os.Stat(py); err != nil {
		if os.Getenv("CI") != "" || os.Getenv("ROSTER_REQUIRE_EMULATORS") != "" {
			t.Fatalf("the SCIM checker is not installed (%s); run scripts/tools.sh", py)
		}
		t.Skipf("the SCIM checker is not installed (%s); run scripts/tools.sh", py)
	}
	return py
}

// TestAPublishedSCIMCheckerFindsNoError runs scim2-tester (Yaal Coop's
// RFC 7643/7644 compliance checker, pinned in scripts/tools.sh) against
// the group served over HTTP on a real table, with a SCIM token verified
// by the real authenticator: discovery, then create, read, replace and
// delete of each resource type it discovers. A check that finds an
// ERROR or CRITICAL fails the test; deviations from a SHOULD are logged.
func TestAPublishedSCIMCheckerFindsNoError(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		py := checkerPython(t)
		env.Tenant(t, "acme")
		var logs bytes.Buffer
		p := webtest.PlatformOn(t, env.Table, &logs)
		token, err := p.SignIn.CreateAPIKey(t.Context(),
			auth.Principal{TenantID: "acme", KeyID: "adminkey", Roles: []string{string(role.Admin)}, Method: auth.ViaAPIKey},
			"okta", []string{string(role.SCIM)})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(p.SCIM(auth.InProcess(p.Authenticator, scim.WriteError)))
		defer srv.Close()

		script := filepath.Join(filepath.Dir(storetest.TemplatePath(t)), "scripts", "scim-conformance.py")
		out, err := exec.CommandContext(t.Context(), py, script, srv.URL+scim.Base, token.Token).CombinedOutput()
		if err != nil {
			t.Fatalf("checker: %v\n%s", err, out)
		}
		// What Roster does on purpose, and the decision record says why.
		known := map[string]bool{
			// A user is active or not: removing active leaves it as it
			// was (decision 020), where the checker wants it unassigned.
			"check_remove_attribute: PATCH modify() did not remove attribute 'active'": true,
		}
		checks, failed := 0, 0
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			var r struct{ Status, Title, ResourceType, Reason string }
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				t.Fatalf("checker output %q: %v", sc.Text(), err)
			}
			checks++
			switch r.Status {
			case "ERROR", "CRITICAL":
				if known[r.Title+": "+r.Reason] {
					t.Logf("known: %s %s: %s", r.ResourceType, r.Title, r.Reason)
					continue
				}
				failed++
				t.Errorf("%s %s %s: %s", r.Status, r.ResourceType, r.Title, r.Reason)
			case "DEVIATION":
				t.Logf("%s %s %s: %s", r.Status, r.ResourceType, r.Title, r.Reason)
			}
		}
		if checks == 0 {
			t.Fatalf("the checker ran no check:\n%s", out)
		}
		t.Logf("%d checks, %d failed", checks, failed)
		if strings.Contains(logs.String(), token.Token) {
			t.Error("the token is in the logs")
		}
	})
}
