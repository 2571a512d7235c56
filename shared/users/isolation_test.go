package users_test

import (
	"net/http"
	"strings"
	"testing"

	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/directory/directorytest"
	"roster/shared/fault"
	"roster/shared/user"
	"roster/shared/web/webtest"
)

// tenants returns a fake over two tenants' users that, as the directory
// must, sees only the caller's tenant: any other id is the same NotFound.
func tenants(t *testing.T) *directorytest.Fake {
	stored := map[string]*user.User{"usr1": theUser()}
	other := theUser()
	other.TenantID, other.ID = "globex", "usrG"
	stored["usrG"] = other
	notFound := fault.New(fault.NotFound, "No such user.")
	find := func(p auth.Principal, id string) (*user.User, error) {
		u, ok := stored[id]
		if !ok || u.TenantID != p.TenantID {
			return nil, notFound
		}
		return u, nil
	}
	f := happy(t)
	f.GetFn = find
	f.UpdateFn = func(p auth.Principal, id string, _ directory.Change) (*user.User, error) { return find(p, id) }
	f.DeleteFn = func(p auth.Principal, id string, _ int64) error { _, err := find(p, id); return err }
	return f
}

func TestAnotherTenantsUserIsAnsweredExactlyLikeAMissingOne(t *testing.T) {
	for _, rt := range routes() {
		if !rt.hasUserID() {
			continue
		}
		t.Run(rt.name(), func(t *testing.T) {
			// The same path and request id both times, so the bodies can be
			// compared byte for byte: once when usrG is another tenant's
			// user, once when it is nobody's.
			answer := func(f *directorytest.Fake) response {
				rq := rt.request()
				rq.Target = rt.withUserID("usrG")
				rq.Header = map[string]string{"X-Request-Id": "req-1"}
				return do(t, f, rq)
			}
			theirs := answer(tenants(t))
			webtest.AssertProblem(t, theirs, http.StatusNotFound)
			nobody := tenants(t)
			nobody.GetFn = func(auth.Principal, string) (*user.User, error) {
				return nil, fault.New(fault.NotFound, "No such user.")
			}
			nobody.UpdateFn = func(auth.Principal, string, directory.Change) (*user.User, error) {
				return nil, fault.New(fault.NotFound, "No such user.")
			}
			nobody.DeleteFn = func(auth.Principal, string, int64) error { return fault.New(fault.NotFound, "No such user.") }
			missing := answer(nobody)
			if string(theirs.Body) != string(missing.Body) {
				t.Errorf("another tenant's user\n%s\na missing user\n%s", theirs.Body, missing.Body)
			}
			if mine := do(t, tenants(t), rt.request()); mine.Code != rt.status {
				t.Errorf("the caller's own user: status %d; body %s", mine.Code, mine.Body)
			}
			for _, leak := range []string{"globex", "Grace", "grace@example.com"} {
				if strings.Contains(string(theirs.Body), leak) {
					t.Errorf("404 shows %q: %s", leak, theirs.Body)
				}
			}
		})
	}
}

func TestTheCallersOwnTenantIsTheOnlyOneTheDirectorySees(t *testing.T) {
	for _, rt := range routes() {
		t.Run(rt.name(), func(t *testing.T) {
			f := happy(t)
			var seen []string
			see := func(p auth.Principal) { seen = append(seen, p.TenantID) }
			f.CreateFn = func(p auth.Principal, _ directory.NewUser) (*user.User, error) { see(p); return theUser(), nil }
			f.GetFn = func(p auth.Principal, _ string) (*user.User, error) { see(p); return theUser(), nil }
			f.ListFn = func(p auth.Principal, _ int, _ string) (directory.Page, error) { see(p); return directory.Page{}, nil }
			f.UpdateFn = func(p auth.Principal, _ string, _ directory.Change) (*user.User, error) {
				see(p)
				return theUser(), nil
			}
			f.DeleteFn = func(p auth.Principal, _ string, _ int64) error { see(p); return nil }
			rq := rt.request()
			// Nothing the caller controls names a tenant.
			rq.Header = map[string]string{"X-Tenant-Id": "globex", "X-Amzn-Tenant": "globex"}
			if res := do(t, f, rq); res.Code != rt.status {
				t.Fatalf("status %d; body %s", res.Code, res.Body)
			}
			if len(seen) != 1 || seen[0] != "acme" {
				t.Errorf("the directory acted for tenants %q, want acme", seen)
			}
		})
	}
}

func TestAUserOfAnotherTenantFromTheDirectoryIsNeverShown(t *testing.T) {
	for _, rt := range routes() {
		if rt.status == http.StatusNoContent {
			continue
		}
		t.Run(rt.name(), func(t *testing.T) {
			f := happy(t)
			other := func() *user.User { u := theUser(); u.TenantID = "globex"; return u }
			f.CreateFn = func(auth.Principal, directory.NewUser) (*user.User, error) { return other(), nil }
			f.GetFn = func(auth.Principal, string) (*user.User, error) { return other(), nil }
			f.ListFn = func(auth.Principal, int, string) (directory.Page, error) {
				return directory.Page{Users: []*user.User{theUser(), other()}}, nil
			}
			f.UpdateFn = func(auth.Principal, string, directory.Change) (*user.User, error) { return other(), nil }
			res := do(t, f, rt.request())
			webtest.AssertProblem(t, res, http.StatusInternalServerError)
			if strings.Contains(string(res.Body), "Grace") || strings.Contains(string(res.Body), "globex") {
				t.Errorf("body %s", res.Body)
			}
			if !strings.Contains(res.Logs, `tenant \"globex\"`) {
				t.Errorf("the mismatch is not logged: %s", res.Logs)
			}
		})
	}
}

func TestGetShowsEveryRequiredMemberOfABareUser(t *testing.T) {
	f := happy(t)
	f.GetFn = func(auth.Principal, string) (*user.User, error) { return bareUser(), nil }
	res := do(t, f, request{Method: "GET", Target: "/users/usr2", As: &owner})
	webtest.AssertJSON(t, res, http.StatusOK, bareUserJSON)
	webtest.AssertHeaders(t, res, map[string]string{"ETag": `"1"`, "Cache-Control": "no-store"})
	assertNoNull(t, res.Body)
	for _, absent := range []string{"azureCredentials", "cloudSyncLicenseInformation"} {
		if strings.Contains(string(res.Body), absent) {
			t.Errorf("body shows %s: %s", absent, res.Body)
		}
	}
}

func TestAzureCredentialsWithoutAStoredKeyShowNoKey(t *testing.T) {
	f := happy(t)
	f.GetFn = func(auth.Principal, string) (*user.User, error) {
		u := bareUser()
		u.Azure = &user.AzureCredentials{SubscriptionID: "8f2e4c1a-0b6d-4e7f-9a3c-5d1e2f3a4b5c"}
		return u, nil
	}
	res := do(t, f, request{Method: "GET", Target: "/users/usr2", As: &owner})
	want := strings.Replace(bareUserJSON, `"isLdap"`, `"azureCredentials":{"subscriptionId":"8f2e4c1a-0b6d-4e7f-9a3c-5d1e2f3a4b5c"},"isLdap"`, 1)
	webtest.AssertJSON(t, res, http.StatusOK, want)
}

func TestNoSecretReachesAResponseOrTheLog(t *testing.T) {
	secrets := []string{clearKey, sealedKey, "sealed-third-party-token"}
	for _, rt := range routes() {
		t.Run(rt.name(), func(t *testing.T) {
			res := do(t, happy(t), rt.request())
			for _, s := range secrets {
				if strings.Contains(string(res.Body), s) || strings.Contains(res.Logs, s) {
					t.Errorf("%.10s… shown: body %s logs %s", s, res.Body, res.Logs)
				}
			}
			for _, field := range []string{"tokenVersion", "TokenVersion", "accessToken", "AccessToken", "password", "number", "version"} {
				if strings.Contains(string(res.Body), `"`+field+`"`) {
					t.Errorf("body shows %s: %s", field, res.Body)
				}
			}
		})
	}
}
