package store_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"roster/shared/auth"
	"roster/shared/fault"
	"roster/shared/signin"
	"roster/shared/store"
	"roster/shared/store/storetest"
)

// The store must satisfy the contract the sign-in service defines.
var _ signin.Store = (*store.Table)(nil)

func TestCreateUserMakesANewPersonWithAMembership(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		env.Tenant(t, "t1")
		u := newUser("t1", "ada")
		mustCreate(t, env, u)
		if u.AccountID == "" {
			t.Fatal("CreateUser left AccountID empty")
		}
		if got := mustGet(t, env, "t1", u.ID); got.AccountID != u.AccountID {
			t.Errorf("stored AccountID = %q, want %q", got.AccountID, u.AccountID)
		}
		acct, ms, err := env.Table.AccountCredentials(context.Background(), u.AccountID)
		if err != nil {
			t.Fatalf("AccountCredentials: %v", err)
		}
		if acct.ID != u.AccountID || acct.DefaultTenant != "t1" || acct.Version != 1 || !acct.CreatedAt.Equal(u.CreatedAt) ||
			acct.PasswordHash != "" || acct.FailedLogins != 0 || !acct.LockedUntil.IsZero() {
			t.Errorf("account = %+v", acct)
		}
		if want := []signin.Membership{{TenantID: "t1", UserID: u.ID}}; !reflect.DeepEqual(ms, want) {
			t.Errorf("memberships = %+v, want %+v", ms, want)
		}
		if id, err := env.Table.MemberUserID(context.Background(), u.AccountID, "t1"); id != u.ID || err != nil {
			t.Errorf("MemberUserID = %q, %v", id, err)
		}
		_, err = env.Table.MemberUserID(context.Background(), u.AccountID, "t2")
		wantCode(t, err, fault.NotFound)
	})
}

func TestCreateUserForAnExistingPersonLeavesTheAccountAlone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		env.Tenant(t, "t1")
		env.Tenant(t, "t2")
		a := newUser("t1", "ada")
		mustCreate(t, env, a)
		if err := env.Table.SetAccountPassword(context.Background(), a.AccountID, "$argon2id$stand-in"); err != nil {
			t.Fatal(err)
		}
		before, err := env.Table.GetAccount(context.Background(), a.AccountID)
		if err != nil {
			t.Fatal(err)
		}

		b := newUser("t2", "ada")
		b.AccountID = a.AccountID
		b.CreatedAt = b.CreatedAt.Add(time.Hour)
		mustCreate(t, env, b)
		after, err := env.Table.GetAccount(context.Background(), a.AccountID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(after, before) {
			t.Errorf("account changed by a second user:\n%+v\nwas\n%+v", after, before)
		}

		// The same person cannot hold two users in one tenant.
		items := env.Count(t)
		c := newUser("t2", "ada2")
		c.AccountID = a.AccountID
		err = env.Table.CreateUser(context.Background(), c)
		wantCode(t, err, fault.Conflict)
		if n := env.Count(t); n != items {
			t.Errorf("items %d -> %d after the refused create", items, n)
		}
		_, ms, err := env.Table.AccountCredentials(context.Background(), a.AccountID)
		if err != nil || len(ms) != 2 {
			t.Errorf("memberships = %+v, %v; want 2", ms, err)
		}
	})
}

func TestAccountTenantsBatchesBeyondOneHundredKeys(t *testing.T) {
	const tenants = 51 // 102 keys: two BatchGetItem calls
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		first := newUser("t00", "ada")
		var want []string
		for i := range tenants {
			id := fmt.Sprintf("t%02d", i)
			env.Tenant(t, id)
			u := newUser(id, "ada")
			u.AccountID = first.AccountID
			if i == 0 {
				u = first
			}
			mustCreate(t, env, u)
			want = append(want, id)
		}
		ctx, use := store.WithUsage(context.Background())
		_, ms, err := env.Table.AccountTenants(ctx, first.AccountID)
		if err != nil {
			t.Fatalf("AccountTenants: %v", err)
		}
		var got []string
		for _, m := range ms {
			got = append(got, m.TenantID)
			if m.Role != "member" || m.TenantName != m.TenantID || m.Organization != "org-"+m.TenantID {
				t.Errorf("membership = %+v", m)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("tenants = %v, want %v", got, want)
		}
		if use.Calls("Query") != 1 || use.Calls("BatchGetItem") < 2 {
			t.Errorf("Query %d, BatchGetItem %d; want 1 and at least 2", use.Calls("Query"), use.Calls("BatchGetItem"))
		}
	})
}

func TestUnknownAccountIsNotFound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		_, err := env.Table.GetAccount(context.Background(), "nobody")
		wantCode(t, err, fault.NotFound)
		_, _, err = env.Table.AccountTenants(context.Background(), "nobody")
		wantCode(t, err, fault.NotFound)
		wantCode(t, env.Table.SetAccountPassword(context.Background(), "nobody", "x"), fault.NotFound)
		wantCode(t, env.Table.SetDefaultTenant(context.Background(), "nobody", "t1"), fault.NotFound)
		if n := env.Count(t); n != 0 {
			t.Errorf("the refused writes left %d items", n)
		}
	})
}

func TestRecordLoginFailureCountsThenLocksOnceAndLeavesALockAlone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		env.Tenant(t, "t1")
		u := newUser("t1", "ada")
		mustCreate(t, env, u)
		now := time.Now().Truncate(time.Second)
		fail := func(seen int, at time.Time) bool {
			t.Helper()
			locked, err := env.Table.RecordLoginFailure(context.Background(), signin.LoginFailure{
				AccountID: u.AccountID, Seen: seen, Max: 3, Now: at, LockUntil: at.Add(time.Minute),
			})
			if err != nil {
				t.Fatalf("RecordLoginFailure: %v", err)
			}
			return locked
		}
		// A stale Seen only decides which write is tried first.
		if fail(0, now) || fail(2, now) {
			t.Fatal("locked before the third failure")
		}
		if a, _ := env.Table.GetAccount(context.Background(), u.AccountID); a.FailedLogins != 2 {
			t.Fatalf("failedLogins = %d, want 2", a.FailedLogins)
		}
		if !fail(0, now) {
			t.Fatal("third failure did not lock")
		}
		a, _ := env.Table.GetAccount(context.Background(), u.AccountID)
		if a.FailedLogins != 0 || !a.LockedUntil.Equal(now.Add(time.Minute)) {
			t.Fatalf("after the lock: %+v", a)
		}
		// During the lock: nothing changes.
		if fail(2, now.Add(30*time.Second)) {
			t.Error("a failure during the lock locked again")
		}
		if b, _ := env.Table.GetAccount(context.Background(), u.AccountID); !reflect.DeepEqual(b, a) {
			t.Errorf("account changed during the lock:\n%+v\nwas\n%+v", b, a)
		}
		// After it: counting starts again.
		fail(0, now.Add(time.Minute))
		if b, _ := env.Table.GetAccount(context.Background(), u.AccountID); b.FailedLogins != 1 {
			t.Errorf("failedLogins after the lock = %d, want 1", b.FailedLogins)
		}
	})
}

func TestPutAPIKeyKeepsRolesAndCreatorAndRevokeIsTenantScoped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		in := &auth.APIKey{
			ID: "key1", TenantID: "t1", Name: "ci", Roles: []string{"user_manager", "member"},
			Hash: []byte{1, 2, 3}, CreatedAt: msNow(), CreatedBy: "user:u1",
		}
		if err := env.Table.PutAPIKey(context.Background(), in); err != nil {
			t.Fatal(err)
		}
		got, err := env.Table.GetAPIKey(context.Background(), "key1")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.Roles, in.Roles) || got.CreatedBy != in.CreatedBy {
			t.Errorf("key = %+v, want roles %v created by %s", got, in.Roles, in.CreatedBy)
		}
		wantCode(t, env.Table.RevokeAPIKey(context.Background(), "t2", "key1"), fault.NotFound)
		wantCode(t, env.Table.RevokeAPIKey(context.Background(), "t1", "nokey"), fault.NotFound)
		if n := env.Count(t); n != 1 {
			t.Errorf("items = %d, want 1 (a refused revoke must not create one)", n)
		}
		if err := env.Table.RevokeAPIKey(context.Background(), "t1", "key1"); err != nil {
			t.Fatal(err)
		}
		if got, _ := env.Table.GetAPIKey(context.Background(), "key1"); !got.Revoked {
			t.Error("key not revoked")
		}
	})
}

func TestAcceptInviteWithAnExpiredOrUsedInviteWritesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		env.Tenant(t, "t1")
		now := time.Now().Truncate(time.Second)
		inv := &signin.Invite{ID: "inv1", TenantID: "t1", Email: "g@example.com", Role: "member", Hash: []byte{1}, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := env.Table.PutInvite(context.Background(), inv); err != nil {
			t.Fatal(err)
		}
		old := &signin.AuthToken{ID: "auth1", AccountID: "acct1", Hash: []byte{2}, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := env.Table.CompleteLogin(context.Background(), signin.LoginSuccess{Token: old}); err != nil {
			t.Fatal(err)
		}
		accept := func(inviteID string, at time.Time) error {
			u := newUser("t1", "grace")
			u.AccountID = "acct1"
			return env.Table.CreateUserWith(context.Background(), u, signin.Acceptance{
				TenantID: "t1", InviteID: inviteID, AuthID: "auth1", Now: at,
				Fresh: &signin.AuthToken{ID: "auth2", AccountID: "acct1", Hash: []byte{3}, CreatedAt: at, ExpiresAt: at.Add(time.Hour)},
			})
		}
		items := env.Count(t)
		wantCode(t, accept("inv1", now.Add(time.Hour)), fault.NotFound)
		wantCode(t, accept("nope", now), fault.NotFound)
		if n := env.Count(t); n != items {
			t.Errorf("items %d -> %d", items, n)
		}
		if err := accept("inv1", now); err != nil {
			t.Fatalf("AcceptInvite: %v", err)
		}
		// Invite and old token gone; user, 3 markers, membership, account and the fresh token added.
		if n := env.Count(t); n != items-2+7 {
			t.Errorf("items %d -> %d, want %d", items, n, items-2+7)
		}
		if _, err := env.Table.GetAuthToken(context.Background(), "auth1"); fault.CodeOf(err) != fault.NotFound {
			t.Errorf("old auth token: %v", err)
		}
	})
}
