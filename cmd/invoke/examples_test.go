package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"roster/cmd/internal/devstack"
	"roster/shared/contract"
	"roster/shared/emulator"
	"roster/shared/web/webtest"
)

// example is what one file in events/ must get back from its function on a
// freshly seeded demo stack.
type example struct {
	file string
	// after names the files sent first, in order, to the same stack: the
	// provisioning events about a user or group that an earlier event
	// creates, as a feed would send them. Each must succeed too.
	after []string
	// status is an HTTP function's documented status for the example: its
	// success, or the 4xx a failure example demonstrates.
	status int
	// method is, for the authorizer, how the credential was proved: the
	// context's "method" ("" when the request carries none).
	method string
}

// examples lists every file in events/ with its expected answer. A file
// missing here fails the test, so a new example is run as soon as it is
// added. Provisioning events are processed when the function reports no
// batch item failure.
var examples = []example{
	{file: "accessusers-add.json", status: http.StatusOK},
	{file: "accessusers-delete-by-username.json", status: http.StatusOK},
	{file: "accessusers-delete.json", status: http.StatusOK},
	{file: "accessusers-loginprofile-add.json", status: http.StatusOK},
	{file: "accessusers-loginprofile-list.json", status: http.StatusOK},
	{file: "accessusers-search-date-range.json", status: http.StatusOK},
	{file: "accessusers-search.json", status: http.StatusOK},
	{file: "accessusers-update-password.json", status: http.StatusOK},
	{file: "accessusers-update.json", status: http.StatusOK},

	{file: "account-apikeys-create.json", status: http.StatusCreated},
	{file: "account-apikeys-revoke.json", status: http.StatusNoContent},
	{file: "account-audit-retention.json", status: http.StatusOK},
	{file: "account-audit.json", status: http.StatusOK},
	{file: "account-devices-create.json", status: http.StatusCreated},
	{file: "account-devices-revoke.json", status: http.StatusNoContent},
	{file: "account-get.json", status: http.StatusOK},
	{file: "account-invitations-create.json", status: http.StatusCreated},
	{file: "account-invite-accept.json", status: http.StatusOK},
	{file: "account-invite-describe.json", status: http.StatusOK},
	{file: "account-jwks.json", status: http.StatusOK},
	{file: "account-login.json", status: http.StatusOK},
	{file: "account-mfa-enrol.json", status: http.StatusUnauthorized},
	{file: "account-mfa-get.json", status: http.StatusOK},
	{file: "account-mfa-policy-get.json", status: http.StatusOK},
	{file: "account-mfa-policy-set.json", status: http.StatusOK},
	{file: "account-mfa-totp-confirm.json", status: http.StatusNotFound},
	{file: "account-mfa-totp-delete.json", status: http.StatusNotFound},
	{file: "account-mfa-totp-start.json", status: http.StatusCreated},
	{file: "account-mfa-verify.json", status: http.StatusUnauthorized},
	{file: "account-passkey-login-options.json", status: http.StatusOK},
	{file: "account-passkeys-options.json", status: http.StatusOK},
	{file: "account-passkeys-register.json", status: http.StatusNotFound},
	{file: "account-sessions-end-all.json", status: http.StatusNoContent},
	{file: "account-sessions-end.json", status: http.StatusNotFound},
	{file: "account-sessions-list.json", status: http.StatusOK},
	{file: "account-set-default-tenant.json", status: http.StatusOK},
	{file: "account-tenant-exchange.json", status: http.StatusOK},
	{file: "account-tenant-get.json", status: http.StatusOK},
	{file: "account-tenant-update.json", status: http.StatusOK},
	{file: "account-tenant-update-email.json", status: http.StatusOK},
	{file: "account-users-mfa-reset.json", status: http.StatusNoContent},
	{file: "account-users-sessions-end.json", status: http.StatusNoContent},
	{file: "account-recovery-request.json", status: http.StatusAccepted},
	{file: "account-recovery-reset.json", status: http.StatusNoContent},
	{file: "account-users-recovery.json", status: http.StatusAccepted},
	{file: "account-verification-request.json", status: http.StatusAccepted},
	{file: "account-verification-confirm.json", status: http.StatusNoContent},
	{file: "account-webhooks-create.json", status: http.StatusCreated},
	{file: "account-webhooks-delete.json", status: http.StatusNotFound},
	{file: "account-webhooks-list.json", status: http.StatusOK},
	{file: "account-webhooks-replay.json", status: http.StatusNotFound},
	{file: "account-webhooks-set.json", status: http.StatusNotFound},

	{file: "authorizer-api-key.json", method: "api_key"},
	{file: "authorizer-no-credential.json", method: ""},

	{file: "identity-create-group.json", status: http.StatusCreated},
	{file: "identity-delete-user.json", status: http.StatusOK},
	{file: "identity-delete-users.json", status: http.StatusOK},
	{file: "identity-list-groups.json", status: http.StatusOK},
	{file: "identity-update-password.json", status: http.StatusOK},
	{file: "identity-update-user.json", status: http.StatusOK},

	{file: "mailer-recovery-requested.json"},
	{file: "mailer-invitation-created.json"},
	{file: "mailer-email-change-requested.json"},
	{file: "mailer-email-change-notice.json"},

	{file: "events-stream-user-created.json"},
	{file: "provisioning-tenant-create.json"},
	{file: "provisioning-tenant-deactivate.json"},
	{file: "provisioning-tenant-reactivate.json", after: []string{"provisioning-tenant-deactivate.json"}},
	{file: "provisioning-user-upsert.json"},
	{file: "provisioning-user-deactivate.json", after: []string{"provisioning-user-upsert.json"}},
	{file: "provisioning-user-reactivate.json", after: []string{"provisioning-user-upsert.json", "provisioning-user-deactivate.json"}},
	{file: "provisioning-user-delete.json", after: []string{"provisioning-user-upsert.json"}},
	{file: "provisioning-group-upsert.json"},
	{file: "provisioning-group-member-add.json", after: []string{"provisioning-user-upsert.json", "provisioning-group-upsert.json"}},
	{file: "provisioning-group-member-remove.json", after: []string{"provisioning-user-upsert.json", "provisioning-group-upsert.json", "provisioning-group-member-add.json"}},

	{file: "scim-bulk.json", status: http.StatusOK},
	{file: "scim-groups-create.json", status: http.StatusCreated},
	{file: "scim-groups-delete.json", status: http.StatusNoContent},
	{file: "scim-groups-get.json", status: http.StatusOK},
	{file: "scim-groups-list.json", status: http.StatusOK},
	{file: "scim-groups-patch.json", status: http.StatusNoContent},
	{file: "scim-groups-replace.json", status: http.StatusOK},
	{file: "scim-groups-search.json", status: http.StatusOK},
	{file: "scim-resource-type.json", status: http.StatusOK},
	{file: "scim-resource-types.json", status: http.StatusOK},
	{file: "scim-schema.json", status: http.StatusOK},
	{file: "scim-schemas.json", status: http.StatusOK},
	{file: "scim-search.json", status: http.StatusOK},
	{file: "scim-service-provider-config.json", status: http.StatusOK},
	{file: "scim-users-create.json", status: http.StatusCreated},
	{file: "scim-users-delete.json", status: http.StatusNoContent},
	{file: "scim-users-get.json", status: http.StatusOK},
	{file: "scim-users-list.json", status: http.StatusOK},
	{file: "scim-users-patch.json", status: http.StatusOK},
	{file: "scim-users-replace.json", status: http.StatusOK},
	{file: "scim-users-search.json", status: http.StatusOK},

	{file: "userinfo-register-new-user.json", status: http.StatusCreated},
	{file: "userinfo-update-access-token-invalid.json", status: http.StatusBadRequest},
	{file: "userinfo-update-access-token-unknown-user.json", status: http.StatusConflict},
	{file: "userinfo-update-access-token.json", status: http.StatusOK},
	{file: "userinfo-user-id.json", status: http.StatusOK},

	{file: "users-create.json", status: http.StatusCreated},
	{file: "users-delete.json", status: http.StatusNoContent},
	{file: "users-get.json", status: http.StatusOK},
	{file: "users-list.json", status: http.StatusOK},
	{file: "users-set-azure-credentials.json", status: http.StatusOK},
	{file: "users-set-role.json", status: http.StatusOK},
	{file: "users-set-working-environments.json", status: http.StatusOK},
	{file: "users-update.json", status: http.StatusOK},
	{file: "webhooks-delivery.json"},
}

// root is the module root, where template.yaml and events/ are.
const root = "../.."

func TestExamplesListEveryEventFile(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(root, "events", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got, want []string
	for _, f := range files {
		got = append(got, filepath.Base(f))
	}
	for _, ex := range examples {
		want = append(want, ex.file)
		for _, f := range ex.after {
			if !slices.ContainsFunc(examples, func(e example) bool { return e.file == f }) {
				t.Errorf("%s: runs after %s, which is no example", ex.file, f)
			}
		}
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("events/ holds %q;\nthe examples table lists %q", got, want)
	}
}

// TestEveryExampleGetsItsDocumentedAnswerOnTheDemoStack runs each file in
// events/ as `make invoke` does: through the invoker, into the function's
// real bootstrap in the Runtime API harness, against a local stack seeded
// afresh with the demo tenant for every example, so an example that
// deletes, revokes or spends demo data leaves the next one intact. An HTTP
// example's answer is also held to openapi.yaml, so its status is one the
// route documents and its body has the documented shape.
func TestEveryExampleGetsItsDocumentedAnswerOnTheDemoStack(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every function and seeds a stack per example")
	}
	emulator.Moto(t) // skip without the emulators, or fail when they are required
	ctx := t.Context()
	spec, err := contract.Load()
	if err != nil {
		t.Fatal(err)
	}
	bootstraps := buildBootstraps(t)
	template, err := filepath.Abs(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// A moto_server of its own: resetting it between examples must not
	// touch what other packages' tests keep in the shared emulator.
	first, err := devstack.Start(ctx, devstack.Options{Template: template})
	if err != nil {
		t.Fatalf("start the local stack: %v", err)
	}
	t.Cleanup(first.Close)
	fresh := func(ctx context.Context) ([]string, func(), error) {
		if err := resetMoto(ctx, first.MotoURL); err != nil {
			return nil, nil, err
		}
		s, err := devstack.Start(ctx, devstack.Options{MotoURL: first.MotoURL, Template: template})
		if err != nil {
			return nil, nil, err
		}
		return s.Env(), s.Close, nil
	}

	for _, ex := range examples {
		t.Run(strings.TrimSuffix(ex.file, ".json"), func(t *testing.T) {
			group, _, _ := strings.Cut(ex.file, "-")
			bootstrap, ok := bootstraps[group]
			if !ok {
				t.Fatalf("no function functions/%s for %s", group, ex.file)
			}
			files := append(slices.Clone(ex.after), ex.file)
			args := []string{"-bootstrap", bootstrap, "-timeout", "20s"}
			for _, f := range files {
				args = append(args, "-event", filepath.Join(root, "events", f))
			}
			var stdout, stderr bytes.Buffer
			err := run(ctx, args, func(string) string { return "" }, &stdout, &stderr, fresh)
			if err != nil {
				t.Fatalf("invoke: %v\nfunction output:\n%s", err, &stderr)
			}
			answers, err := decodeAll(stdout.Bytes())
			if err != nil || len(answers) != len(files) {
				t.Fatalf("%d answers (%v) for %d events:\n%s", len(answers), err, len(files), &stdout)
			}
			for i, f := range files {
				want := ex
				if i < len(files)-1 {
					want = example{file: f} // a provisioning event sent first: processed
				}
				if msg := want.check(group, answers[i]); msg != "" {
					t.Errorf("%s: %s\nanswer: %s\nfunction output:\n%s", f, msg, answers[i], &stderr)
				} else if group != "provisioning" && group != "authorizer" && group != "mailer" && group != "events" && group != "webhooks" {
					if err := documented(spec, filepath.Join(root, "events", f), answers[i]); err != nil {
						t.Errorf("%s: %v", f, err)
					}
				}
			}
		})
	}
}

// check returns what is wrong with answer, the function's response to the
// example, or "".
func (ex example) check(group string, answer json.RawMessage) string {
	switch group {
	case "provisioning", "mailer", "events", "webhooks":
		var res struct {
			Failures *[]json.RawMessage `json:"batchItemFailures"`
		}
		if err := json.Unmarshal(answer, &res); err != nil || res.Failures == nil {
			return fmt.Sprintf("not an SQS batch response (%v)", err)
		}
		if len(*res.Failures) != 0 {
			return "some records failed"
		}
	case "authorizer":
		var res struct {
			IsAuthorized bool           `json:"isAuthorized"`
			Context      map[string]any `json:"context"`
		}
		if err := json.Unmarshal(answer, &res); err != nil {
			return fmt.Sprintf("not an authorizer response (%v)", err)
		}
		// The authorizer never denies; it says who, if anyone, the
		// credential proved (decision 009).
		if !res.IsAuthorized || res.Context["method"] != ex.method {
			return fmt.Sprintf("want authorized with method %q", ex.method)
		}
		if ex.method != "" && res.Context["tenant"] != devstack.DemoTenant {
			return fmt.Sprintf("want the %s tenant", devstack.DemoTenant)
		}
	default:
		var res struct {
			StatusCode int `json:"statusCode"`
		}
		if err := json.Unmarshal(answer, &res); err != nil {
			return fmt.Sprintf("not an HTTP API response (%v)", err)
		}
		if res.StatusCode != ex.status {
			return fmt.Sprintf("status %d, want %d", res.StatusCode, ex.status)
		}
	}
	return ""
}

// documented holds an HTTP example and the function's answer to it to
// openapi.yaml: the route, the status, the headers and the body.
func documented(spec *contract.Spec, file string, answer json.RawMessage) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(b, &ev); err != nil {
		return err
	}
	var res events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(answer, &res); err != nil {
		return err
	}
	req := httptest.NewRequest(ev.RequestContext.HTTP.Method, ev.RawPath+"?"+ev.RawQueryString, strings.NewReader(ev.Body))
	for k, v := range ev.Headers {
		req.Header.Set(k, v)
	}
	_, err = spec.Check(req, []byte(ev.Body), res.StatusCode, webtest.EventHeader(res), []byte(res.Body))
	return err
}

// buildBootstraps builds every function for this machine in one go build,
// as `make build-host` does but without -trimpath and -ldflags, so the
// packages compiled for the test binary come from the build cache, and
// returns each bootstrap's path by its folder under functions/.
func buildBootstraps(t *testing.T) map[string]string {
	t.Helper()
	out := t.TempDir()
	build := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", out+string(filepath.Separator), "./functions/...")
	build.Dir = root
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the functions: %v\n%s", err, msg)
	}
	bins, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	paths := map[string]string{}
	for _, b := range bins {
		// <dir>/bootstrap: the harness names a function after its folder.
		dir := filepath.Join(out, "fn", b.Name())
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(filepath.Join(out, b.Name()), filepath.Join(dir, "bootstrap")); err != nil {
			t.Fatal(err)
		}
		paths[b.Name()] = filepath.Join(dir, "bootstrap")
	}
	return paths
}

// resetMoto drops everything moto_server holds, so the next seeding starts
// from nothing, as a freshly started stack does.
func resetMoto(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/moto-api/reset", nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("reset moto_server: %w", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("reset moto_server: %s", res.Status)
	}
	return nil
}

// decodeAll splits the invoker's output, one JSON document per event.
func decodeAll(b []byte) ([]json.RawMessage, error) {
	var out []json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(b))
	for dec.More() {
		var m json.RawMessage
		if err := dec.Decode(&m); err != nil {
			return out, err
		}
		out = append(out, m)
	}
	return out, nil
}
