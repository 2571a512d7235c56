package directory_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/store"
	"roster/shared/store/storetest"
	"roster/shared/user"
)

// verifies reports whether pw is the password of the person behind u.
func (f *fixture) verifies(t testing.TB, u *user.User, pw string) bool {
	t.Helper()
	acct, _, err := f.env.Table.AccountCredentials(context.Background(), u.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	ok, _, err := hasher().Verify(pw, acct.PasswordHash)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func TestAnAdministratorSetsAPasswordWithoutTheCurrentOne(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		u := f.create(t, newUser("ada"))
		ctx, usage := store.WithUsage(context.Background())
		if err := f.svc.SetPassword(ctx, manager, u.ID, goodPassword, nil); err != nil {
			t.Fatalf("SetPassword: %v", err)
		}
		if usage.Calls("GetItem") != 1 || usage.Calls("Query") != 1 || usage.Calls("TransactWriteItems") != 1 {
			t.Errorf("calls = %d, want GetItem, Query (account) and one TransactWriteItems", usage.Calls())
		}
		if !f.verifies(t, u, goodPassword) {
			t.Error("the new password does not verify")
		}
		got := f.get(t, "t1", u.ID)
		if got.TokenVersion != u.TokenVersion+1 || got.Version != 2 || got.UpdatedBy != manager.Actor() {
			t.Errorf("user after SetPassword: tokens %d v%d by %s", got.TokenVersion, got.Version, got.UpdatedBy)
		}
	})
}

func TestSetPasswordRefusesWeakOrOversizedPasswordsBeforeHashing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		u := f.create(t, newUser("ada"))
		ctx, usage := store.WithUsage(context.Background())
		err := f.svc.SetPassword(ctx, admin, u.ID, strings.Repeat("x", 1025), nil)
		wantCode(t, err, fault.Invalid, "password")
		if usage.Calls() != 0 {
			t.Errorf("an oversized password reached the table (%d calls)", usage.Calls())
		}
		for _, pw := range []string{"too short", "ada@example.com is mine", "my name is ada, hello"} {
			err := f.svc.SetPassword(context.Background(), admin, u.ID, pw, nil)
			wantCode(t, err, fault.Invalid, "password")
		}
		if got := f.get(t, "t1", u.ID); got.Version != 1 {
			t.Errorf("a refused password changed the user (v%d)", got.Version)
		}
	})
}

func TestChangingOnesOwnPasswordNeedsTheCurrentOneAndCountsWrongOnes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		ctx := context.Background()
		in := newUser("ada")
		in.Password = goodPassword
		u := f.create(t, in)
		me := as(u)

		err := f.svc.SetPassword(ctx, me, u.ID, "a brand new passphrase", nil)
		wantCode(t, err, fault.Invalid, "currentPassword")
		err = f.svc.SetPassword(ctx, me, u.ID, "a brand new passphrase", ptr("not my password"))
		wantCode(t, err, fault.Invalid, "currentPassword")
		acct, err := env.Table.GetAccount(ctx, u.AccountID)
		if err != nil || acct.FailedLogins != 1 {
			t.Errorf("failed logins = %d, %v; want the wrong password counted", acct.FailedLogins, err)
		}
		if !f.verifies(t, u, goodPassword) {
			t.Error("a refused change replaced the password")
		}
		if err := f.svc.SetPassword(ctx, me, u.ID, "a brand new passphrase", ptr(goodPassword)); err != nil {
			t.Fatalf("SetPassword with the current password: %v", err)
		}
		if !f.verifies(t, u, "a brand new passphrase") {
			t.Error("the new password does not verify")
		}
		if acct, _ := env.Table.GetAccount(ctx, u.AccountID); acct.FailedLogins != 0 {
			t.Errorf("failed logins = %d after a change, want 0", acct.FailedLogins)
		}
		if got := f.get(t, "t1", u.ID); got.TokenVersion != u.TokenVersion+1 {
			t.Errorf("TokenVersion = %d, want %d", got.TokenVersion, u.TokenVersion+1)
		}
		// Through the administrative change, one's own password is refused.
		in = newUser("root")
		in.Role = "admin"
		root := f.create(t, in)
		_, err = f.svc.Update(ctx, as(root), root.ID, directory.Change{Password: ptr(goodPassword)})
		wantCode(t, err, fault.Invalid, "password")
	})
}

func TestAnAdministratorCannotResetThePasswordOfAPersonInOtherTenants(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		ctx := context.Background()
		in := newUser("ada")
		in.Password = goodPassword
		u := f.create(t, in)
		// The same person also holds a user in t2.
		now := time.Now().UTC()
		elsewhere := &user.User{TenantID: "t2", ID: user.NewID(), AccountID: u.AccountID, Username: "ada", Email: "ada@example.com",
			Active: true, Role: "member", CreatedAt: now, UpdatedAt: now}
		if err := env.Table.CreateUser(ctx, elsewhere); err != nil {
			t.Fatal(err)
		}
		err := f.svc.SetPassword(ctx, admin, u.ID, "taken over passphrase", nil)
		wantCode(t, err, fault.Forbidden)
		if !f.verifies(t, u, goodPassword) {
			t.Error("the password changed")
		}
		// The person themselves can, and every tenant's tokens are revoked.
		if err := f.svc.SetPassword(ctx, as(u), u.ID, "my own new passphrase", ptr(goodPassword)); err != nil {
			t.Fatal(err)
		}
		if got := f.get(t, "t2", elsewhere.ID); got.TokenVersion != elsewhere.TokenVersion+1 {
			t.Errorf("t2 user's TokenVersion = %d, want %d", got.TokenVersion, elsewhere.TokenVersion+1)
		}
	})
}
