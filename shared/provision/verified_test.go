package provision_test

import (
	"strings"
	"testing"

	"roster/shared/fault"
	"roster/shared/provision"
	"roster/shared/store/storetest"
)

// TestUpsertVouchesForAnAddressOnlyWhenItSaysSo: a feed may mark an
// address verified (decision 023); a later upsert that changes the address
// without saying so leaves it unverified, and one that keeps it keeps it.
func TestUpsertVouchesForAnAddressOnlyWhenItSaysSo(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		f.mustApply(t, tenantCreate("t1", "acme", at(0)), provision.Applied)
		vouched := func(body string) string {
			return strings.Replace(body, `"role":"member"`, `"role":"member","emailVerified":true`, 1)
		}
		f.mustApply(t, vouched(upsert("u1", "acme", "ext-1", at(1), "ada", "ada@example.com", true)), provision.Applied)
		if u, err := f.userOf(t, "acme", "ext-1"); err != nil || !u.EmailVerified {
			t.Fatalf("vouched user: %+v %v", u, err)
		}
		f.mustApply(t, upsert("u2", "acme", "ext-1", at(2), "ada", "ada@example.com", false), provision.Applied)
		if u, _ := f.userOf(t, "acme", "ext-1"); !u.EmailVerified {
			t.Error("an upsert that keeps the address lost its proof")
		}
		f.mustApply(t, upsert("u3", "acme", "ext-1", at(3), "ada", "ada@lovelace.example.com", true), provision.Applied)
		if u, _ := f.userOf(t, "acme", "ext-1"); u.EmailVerified {
			t.Error("a new address, not vouched for, shows verified")
		}
		f.mustApply(t, upsert("u4", "acme", "ext-2", at(4), "bob", "bob@example.com", true), provision.Applied)
		if u, _ := f.userOf(t, "acme", "ext-2"); u.EmailVerified {
			t.Error("a new user, not vouched for, shows verified")
		}
		_, err := provision.Decode([]byte(strings.Replace(upsert("u5", "acme", "ext-3", at(5), "cy", "cy@example.com", true), `"role":"member"`, `"role":"member","emailVerified":"yes"`, 1)))
		if fault.CodeOf(err) != fault.Invalid || !strings.Contains(err.Error(), "user.emailVerified") {
			t.Errorf("emailVerified of the wrong type: %v, want a 400 naming user.emailVerified", err)
		}
	})
}
