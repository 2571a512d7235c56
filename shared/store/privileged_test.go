package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/store/storetest"
	"roster/shared/user"
)

// The secrets a user and its person hold, as they reach the store.
const (
	sealedToken = "v1.sealed-userinfo-access-token"
	sealedKey   = "v1.sealed-azure-application-key"
	storedHash  = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"
)

// noSecret fails the test when any of the values read shows a stored
// secret, however deep: it prints them the way a careless log line would.
func noSecret(t *testing.T, what string, values ...any) {
	t.Helper()
	for _, v := range values {
		s := fmt.Sprintf("%+v", v)
		for _, secret := range []string{sealedToken, sealedKey, storedHash} {
			if strings.Contains(s, secret) {
				t.Errorf("%s carries a secret: %s", what, s)
			}
		}
	}
}

// withAzureKey creates ada in a new tenant t1 with Azure credentials
// (key sealedKey) and a person whose password hash is storedHash.
func withAzureKey(t *testing.T, env storetest.Env) *user.User {
	t.Helper()
	env.Tenant(t, "t1")
	u := newUser("t1", "ada")
	u.Azure = &user.AzureCredentials{SubscriptionID: "sub", TenantID: "az", ApplicationID: "app", ApplicationKey: sealedKey}
	if err := env.Table.CreateUserWithPassword(context.Background(), u, storedHash); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestOrdinaryReadsNeverCarrySecretsAndOnlyThePrivilegedReadsDo(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		u := withAzureKey(t, env)
		err := env.Table.SetAccessToken(ctx, user.AccessTokenChange{TenantID: "t1", UserID: u.ID, Email: u.Email, Sealed: sealedToken, By: "test", At: msNow()})
		if err != nil {
			t.Fatal(err)
		}

		got := mustGet(t, env, "t1", u.ID)
		noSecret(t, "GetUser", got, got.Azure)
		if got.Azure == nil || got.Azure.ApplicationKey != user.Withheld || got.Azure.ApplicationID != "app" {
			t.Errorf("GetUser Azure = %+v; want the ids and the key withheld", got.Azure)
		}
		listed, _, err := env.Table.ListUsers(ctx, "t1", 10, "")
		if err != nil || len(listed) != 1 {
			t.Fatalf("ListUsers = %v, %v", listed, err)
		}
		noSecret(t, "ListUsers", listed[0], listed[0].Azure)
		batch, err := env.Table.GetUsers(ctx, "t1", []string{u.ID})
		if err != nil || len(batch) != 1 {
			t.Fatalf("GetUsers = %v, %v", batch, err)
		}
		noSecret(t, "GetUsers", batch[0], batch[0].Azure)
		withTenant, _, err := env.Table.GetUserAndTenant(ctx, "t1", u.ID)
		if err != nil {
			t.Fatal(err)
		}
		noSecret(t, "GetUserAndTenant", withTenant, withTenant.Azure)
		acct, err := env.Table.GetAccount(ctx, u.AccountID)
		if err != nil {
			t.Fatal(err)
		}
		noSecret(t, "GetAccount", acct)
		entered, _, err := env.Table.AccountTenants(ctx, u.AccountID)
		if err != nil {
			t.Fatal(err)
		}
		noSecret(t, "AccountTenants", entered)

		if s := mustSecrets(t, env, "t1", u.ID); s.AccessToken != sealedToken || s.ApplicationKey != sealedKey {
			t.Errorf("UserSecrets = %+v; want both sealed secrets", s)
		}
		if a, _, err := env.Table.AccountCredentials(ctx, u.AccountID); err != nil || a.PasswordHash != storedHash {
			t.Errorf("AccountCredentials hash = %v, %v; want the stored hash", a, err)
		}
		if _, a, _, err := env.Table.LoginUser(ctx, "t1", "ADA"); err != nil || a.PasswordHash != storedHash {
			t.Errorf("LoginUser hash = %v, %v; want the stored hash", a, err)
		}
		_, err = env.Table.UserSecrets(ctx, "t1", user.NewID())
		wantCode(t, err, fault.NotFound)
	})
}

func TestAChangeOfAnOrdinaryReadKeepsTheWithheldKeyAndANewSealedKeyReplacesIt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		u := withAzureKey(t, env)

		old := mustGet(t, env, "t1", u.ID)
		next := changed(old, func(n *user.User) {
			n.Azure = &user.AzureCredentials{SubscriptionID: "sub2", ApplicationID: "app", ApplicationKey: old.Azure.ApplicationKey}
		})
		if err := env.Table.UpdateUser(ctx, directory.UserUpdate{Old: old, New: next}); err != nil {
			t.Fatalf("UpdateUser: %v", err)
		}
		got := mustGet(t, env, "t1", u.ID)
		if a := got.Azure; a == nil || a.SubscriptionID != "sub2" || a.TenantID != "" || a.ApplicationKey != user.Withheld {
			t.Errorf("Azure after the ids changed = %+v; want sub2, no tenant, the key withheld", a)
		}
		if s := mustSecrets(t, env, "t1", u.ID); s.ApplicationKey != sealedKey {
			t.Errorf("stored key = %q; want the one kept", s.ApplicationKey)
		}

		fresh := changed(got, func(n *user.User) {
			n.Azure = &user.AzureCredentials{SubscriptionID: "sub2", ApplicationID: "app", ApplicationKey: "v1.another-sealed-key"}
		})
		if err := env.Table.UpdateUser(ctx, directory.UserUpdate{Old: got, New: fresh}); err != nil {
			t.Fatalf("UpdateUser: %v", err)
		}
		if s := mustSecrets(t, env, "t1", u.ID); s.ApplicationKey != "v1.another-sealed-key" {
			t.Errorf("stored key = %q; want the new one", s.ApplicationKey)
		}

		cur := mustGet(t, env, "t1", u.ID)
		cleared := changed(cur, func(n *user.User) { n.Azure = nil })
		if err := env.Table.UpdateUser(ctx, directory.UserUpdate{Old: cur, New: cleared}); err != nil {
			t.Fatalf("UpdateUser: %v", err)
		}
		if s := mustSecrets(t, env, "t1", u.ID); s.ApplicationKey != "" || mustGet(t, env, "t1", u.ID).Azure != nil {
			t.Errorf("after removing the credentials: key %q, Azure %+v", s.ApplicationKey, mustGet(t, env, "t1", u.ID).Azure)
		}
	})
}
