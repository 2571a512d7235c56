package signin_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"roster/shared/auth"
	"roster/shared/fault"
	"roster/shared/role"
	"roster/shared/signin"
	"roster/shared/store/storetest"
	"roster/shared/tenant"
	"roster/shared/token"
	"roster/shared/user"
)

func TestAccountListsTheTenantsThePersonCanEnter(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		env.Tenant(t, "t1")
		env.Tenant(t, "t2")
		env.Tenant(t, "t3")
		if err := env.Table.CreateTenant(context.Background(), &tenant.Tenant{ID: "t4", Name: "t4", Organization: "o", Active: true, CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		u1 := f.person(t, "t1", "ada", "member", "", goodPassword)
		u2 := f.person(t, "t2", "ada", "admin", u1.AccountID, "")
		off := f.person(t, "t3", "ada", "member", u1.AccountID, "")
		setActive(t, env, off, false)
		f.person(t, "t4", "bob", "member", "", "") // someone else

		ctx, use := usage()
		acct, ms, err := f.svc.Account(ctx, as(u1))
		if err != nil {
			t.Fatalf("Account: %v", err)
		}
		if use.Calls("Query") != 1 || use.Calls("BatchGetItem") != 1 || use.Calls() != 2 {
			t.Errorf("calls = %d (Query %d, BatchGetItem %d), want one of each", use.Calls(), use.Calls("Query"), use.Calls("BatchGetItem"))
		}
		// Version 2: created with the first user, then given a password.
		if acct.ID != u1.AccountID || acct.DefaultTenant != "t1" || acct.Version != 2 || acct.PasswordHash != "" {
			t.Errorf("account = %+v, want id %s, default t1, version 2, no hash", acct, u1.AccountID)
		}
		want := []signin.Membership{
			{TenantID: "t1", TenantName: "t1", Organization: "org-t1", UserID: u1.ID, Role: "member"},
			{TenantID: "t2", TenantName: "t2", Organization: "org-t2", UserID: u2.ID, Role: "admin"},
		}
		if !reflect.DeepEqual(ms, want) {
			t.Errorf("memberships =\n%+v\nwant (the inactive user's tenant left out)\n%+v", ms, want)
		}

		_, _, err = f.svc.Account(context.Background(), admin("t1"))
		wantCode(t, err, fault.Unauthorized)
	})
}

func TestSetDefaultTenantAcceptsOnlyTenantsThePersonBelongsTo(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		env.Tenant(t, "t1")
		env.Tenant(t, "t2")
		env.Tenant(t, "t3")
		u1 := f.person(t, "t1", "ada", "member", "", "")
		f.person(t, "t2", "ada", "member", u1.AccountID, "")
		f.person(t, "t3", "bob", "member", "", "")

		for _, tenantID := range []string{"t3", "missing", "bad/uid", ""} {
			ctx, use := usage()
			_, _, err := f.svc.SetDefaultTenant(ctx, as(u1), tenantID)
			wantCode(t, err, fault.Invalid, "defaultTenantUid")
			if use.Writes() != 0 {
				t.Errorf("%q: writes = %d", tenantID, use.Writes())
			}
		}
		ctx, use := usage()
		acct, ms, err := f.svc.SetDefaultTenant(ctx, as(u1), "t2")
		if err != nil {
			t.Fatalf("SetDefaultTenant: %v", err)
		}
		if use.Calls("TransactWriteItems") != 1 || use.Writes() != 1 {
			t.Errorf("writes = %d, want one transaction", use.Writes())
		}
		if acct.DefaultTenant != "t2" || acct.Version != 2 || len(ms) != 2 {
			t.Errorf("account = %+v with %d memberships, want default t2, version 2, 2 memberships", acct, len(ms))
		}
		if got := f.account(t, u1.AccountID); got.DefaultTenant != "t2" || got.Version != 2 {
			t.Errorf("stored account = %+v", got)
		}
		// Setting the same default again writes nothing.
		ctx, use = usage()
		if _, _, err := f.svc.SetDefaultTenant(ctx, as(u1), "t2"); err != nil || use.Writes() != 0 {
			t.Errorf("repeat: err %v, writes %d", err, use.Writes())
		}
		_, _, err = f.svc.SetDefaultTenant(context.Background(), admin("t1"), "t1")
		wantCode(t, err, fault.Unauthorized)
	})
}

func TestTenantUserIsOnlyTheCallersOwnInTheirTokensTenant(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		env.Tenant(t, "t1")
		env.Tenant(t, "t2")
		u1 := f.person(t, "t1", "ada", "member", "", "")
		f.person(t, "t2", "ada", "member", u1.AccountID, "")

		got, err := f.svc.TenantUser(context.Background(), as(u1), "t1")
		if err != nil || got.ID != u1.ID {
			t.Fatalf("TenantUser = %v, %v", got, err)
		}
		// Even a tenant the person belongs to needs a token of that tenant.
		for _, tenantID := range []string{"t2", "missing"} {
			_, err := f.svc.TenantUser(context.Background(), as(u1), tenantID)
			wantCode(t, err, fault.NotFound)
		}
		_, err = f.svc.TenantUser(context.Background(), admin("t1"), "t1")
		wantCode(t, err, fault.Unauthorized)
	})
}

func TestUpdateSelfChangesTheProfileInOneConditionalWrite(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		env.Tenant(t, "t1")
		u := f.person(t, "t1", "ada", "member", "", "")
		f.clock.Advance(time.Minute)

		ctx, use := usage()
		got, err := f.svc.UpdateSelf(ctx, as(u), "t1", signin.SelfChange{
			DisplayName: ptr("Ada L."), FirstName: ptr("Ada"), LastName: ptr("Lovelace"),
			Mobile: ptr("+44 (20) 7946-0000"), LanguageCode: ptr("EN"), DefaultStoreID: ptr("store_1"),
			IfVersion: 1,
		})
		if err != nil {
			t.Fatalf("UpdateSelf: %v", err)
		}
		t.Logf("UpdateSelf (profile): %d GetItem, %d Query, %d TransactWriteItems", use.Calls("GetItem"), use.Calls("Query"), use.Calls("TransactWriteItems"))
		if use.Calls("GetItem") != 1 || use.Calls("TransactWriteItems") != 1 || use.Calls() != 2 {
			t.Errorf("calls = %d, want 1 GetItem and 1 TransactWriteItems", use.Calls())
		}
		stored, err := env.Table.GetUser(context.Background(), "t1", u.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := *u
		want.DisplayName, want.FirstName, want.LastName = "Ada L.", "Ada", "Lovelace"
		want.Mobile, want.LanguageCode, want.DefaultStoreID = "+44 (20) 7946-0000", "en", "store_1"
		want.Version, want.UpdatedBy = 2, "user:"+u.ID
		want.CreatedAt, want.UpdatedAt = stored.CreatedAt, f.clock.Now()
		if !stored.UpdatedAt.Equal(want.UpdatedAt) {
			t.Errorf("UpdatedAt = %v, want %v", stored.UpdatedAt, want.UpdatedAt)
		}
		stored.UpdatedAt = want.UpdatedAt
		if !reflect.DeepEqual(*stored, want) {
			t.Errorf("stored user =\n%+v\nwant\n%+v", *stored, want)
		}
		if got.Version != 2 || got.DisplayName != "Ada L." {
			t.Errorf("returned user = %+v", got)
		}

		// Empty optional fields clear them; a change to nothing writes nothing.
		if _, err := f.svc.UpdateSelf(context.Background(), as(u), "t1", signin.SelfChange{DisplayName: ptr(""), Mobile: ptr("")}); err != nil {
			t.Fatalf("clearing: %v", err)
		}
		if s, _ := env.Table.GetUser(context.Background(), "t1", u.ID); s.DisplayName != "" || s.Mobile != "" || s.Version != 3 {
			t.Errorf("after clearing: %+v", s)
		}
		ctx, use = usage()
		if _, err := f.svc.UpdateSelf(ctx, as(u), "t1", signin.SelfChange{FirstName: ptr("Ada")}); err != nil || use.Writes() != 0 {
			t.Errorf("no-op change: err %v, writes %d", err, use.Writes())
		}
	})
}

func TestUpdateSelfNamesEveryInvalidFieldAndWritesNothing(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		env.Tenant(t, "t1")
		u := f.person(t, "t1", "ada", "member", "", goodPassword)
		long := strings.Repeat("x", 101)
		cases := []struct {
			name   string
			change signin.SelfChange
			fields []string
		}{
			{"every field at once", signin.SelfChange{
				DisplayName: ptr(long), Email: ptr("not an email"), FirstName: ptr("a\x00b"), LastName: ptr(long),
				Mobile: ptr("call me"), LanguageCode: ptr("eng"), DefaultStoreID: ptr("no spaces"), Password: ptr(newPassword),
			}, []string{"displayName", "email", "firstname", "lastname", "mobile", "languageCode", "defaultStoreUid", "currentPassword"}},
			{"email cleared", signin.SelfChange{Email: ptr("")}, []string{"email"}},
			{"email too long", signin.SelfChange{Email: ptr(strings.Repeat("a", 250) + "@example.com")}, []string{"email"}},
			{"email with a display name", signin.SelfChange{Email: ptr("Ada <ada@example.com>")}, []string{"email"}},
			{"mobile too short", signin.SelfChange{Mobile: ptr("12")}, []string{"mobile"}},
			{"unknown language", signin.SelfChange{LanguageCode: ptr("xx")}, []string{"languageCode"}},
			{"store id too long", signin.SelfChange{DefaultStoreID: ptr(strings.Repeat("s", 65))}, []string{"defaultStoreUid"}},
			{"password too short", signin.SelfChange{Password: ptr("short"), CurrentPassword: ptr(goodPassword)}, []string{"password"}},
			{"password with the username", signin.SelfChange{Password: ptr("ada-is-my-long-password"), CurrentPassword: ptr(goodPassword)}, []string{"password"}},
			{"password without the current one", signin.SelfChange{Password: ptr(newPassword), CurrentPassword: ptr("")}, []string{"currentPassword"}},
		}
		before := f.account(t, u.AccountID)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				ctx, use := usage()
				_, err := f.svc.UpdateSelf(ctx, as(u), "t1", c.change)
				wantCode(t, err, fault.Invalid, c.fields...)
				if use.Writes() != 0 {
					t.Errorf("writes = %d, want 0", use.Writes())
				}
			})
		}
		if got, _ := env.Table.GetUser(context.Background(), "t1", u.ID); got.Version != 1 {
			t.Errorf("user version = %d, want 1 (unchanged)", got.Version)
		}
		if after := f.account(t, u.AccountID); after.PasswordHash != before.PasswordHash || after.FailedLogins != 0 {
			t.Errorf("account changed: %+v", after)
		}
	})
}

func TestUpdateSelfRefusesOtherTenantsAndNonUsers(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		env.Tenant(t, "t1")
		env.Tenant(t, "t2")
		u := f.person(t, "t1", "ada", "member", "", "")
		f.person(t, "t2", "ada", "member", u.AccountID, "")
		_, err := f.svc.UpdateSelf(context.Background(), as(u), "t2", signin.SelfChange{FirstName: ptr("X")})
		wantCode(t, err, fault.NotFound)
		_, err = f.svc.UpdateSelf(context.Background(), admin("t1"), "t1", signin.SelfChange{FirstName: ptr("X")})
		wantCode(t, err, fault.Unauthorized)
		noSelf := as(u)
		noSelf.Roles = []string{"nobody"}
		_, err = f.svc.UpdateSelf(context.Background(), noSelf, "t1", signin.SelfChange{FirstName: ptr("X")})
		wantCode(t, err, fault.Forbidden)
	})
}

// racingStore changes the user between the service's read and its write.
type racingStore struct {
	signin.Store
	race func()
}

func (r racingStore) UpdateSelf(ctx context.Context, c signin.SelfUpdate) error {
	r.race()
	return r.Store.UpdateSelf(ctx, c)
}

func TestUpdateSelfOnAStaleVersionIsConflictOrPreconditionFailed(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		env.Tenant(t, "t1")
		u := f.person(t, "t1", "ada", "member", "", "")

		// An If-Match that is already stale is refused before any write.
		ctx, use := usage()
		_, err := f.svc.UpdateSelf(ctx, as(u), "t1", signin.SelfChange{FirstName: ptr("X"), IfVersion: 7})
		wantCode(t, err, fault.PreconditionFailed)
		if use.Writes() != 0 {
			t.Errorf("writes = %d", use.Writes())
		}

		// A change that lands between the read and the write.
		issuer, err := token.NewIssuer(keys.Signing, testIssuer, testAudience, 0, f.clock.Now)
		if err != nil {
			t.Fatal(err)
		}
		racing := racingStore{Store: env.Table, race: func() {
			err := env.Table.SetAccessToken(context.Background(), user.AccessTokenChange{
				TenantID: "t1", UserID: u.ID, Email: u.Email, Sealed: "x", By: "other", At: time.Now(),
			})
			if err != nil {
				t.Errorf("racing change: %v", err)
			}
		}}
		svc, err := signin.New(racing, door(t, env.Table, f.hasher), f.hasher, issuer, keys.Pepper, signin.Options{Now: f.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		_, err = svc.UpdateSelf(context.Background(), as(u), "t1", signin.SelfChange{FirstName: ptr("X")})
		wantCode(t, err, fault.Conflict)
		current, _ := env.Table.GetUser(context.Background(), "t1", u.ID)
		_, err = svc.UpdateSelf(context.Background(), as(u), "t1", signin.SelfChange{FirstName: ptr("Y"), IfVersion: current.Version})
		wantCode(t, err, fault.PreconditionFailed)
		if got, _ := env.Table.GetUser(context.Background(), "t1", u.ID); got.FirstName != u.FirstName {
			t.Errorf("first name = %q, want the stale changes refused", got.FirstName)
		}
	})
}

func TestUpdateSelfPasswordChangeRevokesTokensOfEveryUserOfTheAccount(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{MaxFailures: 5})
		env.Tenant(t, "t1")
		env.Tenant(t, "t2")
		u1 := f.person(t, "t1", "ada", "member", "", goodPassword)
		u2 := f.person(t, "t2", "ada", "admin", u1.AccountID, "")
		tok1 := f.login(t, u1, goodPassword)
		tok2, _, err := f.svc.Exchange(context.Background(), tok1.AuthToken, "t2")
		if err != nil {
			t.Fatal(err)
		}
		p1, err := f.authn.Authenticate(context.Background(), tok1.AccessToken)
		if err != nil {
			t.Fatal(err)
		}

		// A wrong current password is refused and counts as a failed login.
		ctx, use := usage()
		_, err = f.svc.UpdateSelf(ctx, p1, "t1", signin.SelfChange{Password: ptr(newPassword), CurrentPassword: ptr("not my password")})
		wantCode(t, err, fault.Invalid, "currentPassword")
		if use.Calls("UpdateItem") != 1 || use.Writes() != 1 {
			t.Errorf("writes = %d, want the one failure count", use.Writes())
		}
		if a := f.account(t, u1.AccountID); a.FailedLogins != 1 {
			t.Errorf("failedLogins = %d, want 1", a.FailedLogins)
		}

		ctx, use = usage()
		got, err := f.svc.UpdateSelf(ctx, p1, "t1", signin.SelfChange{
			Password: ptr(newPassword), CurrentPassword: ptr(goodPassword), FirstName: ptr("Ada"),
		})
		if err != nil {
			t.Fatalf("UpdateSelf: %v", err)
		}
		t.Logf("UpdateSelf (password, 2 tenants): %d GetItem, %d Query, %d TransactWriteItems", use.Calls("GetItem"), use.Calls("Query"), use.Calls("TransactWriteItems"))
		if use.Calls("GetItem") != 1 || use.Calls("Query") != 1 || use.Calls("TransactWriteItems") != 1 || use.Calls() != 3 {
			t.Errorf("calls = %d, want 1 GetItem, 1 Query, 1 TransactWriteItems", use.Calls())
		}
		if got.TokenVersion != 1 || got.FirstName != "Ada" {
			t.Errorf("returned user: token version %d first name %q", got.TokenVersion, got.FirstName)
		}
		for _, u := range []*user.User{u1, u2} {
			s, _ := env.Table.GetUser(context.Background(), u.TenantID, u.ID)
			if s.TokenVersion != 1 {
				t.Errorf("%s: token version %d, want 1", u.TenantID, s.TokenVersion)
			}
		}
		// Every earlier access token is refused now, in both tenants.
		for name, at := range map[string]string{"t1": tok1.AccessToken, "t2": tok2.AccessToken} {
			if _, err := f.authn.Authenticate(context.Background(), at); fault.CodeOf(err) != fault.Unauthorized {
				t.Errorf("old %s token still accepted: %v", name, err)
			}
		}
		a := f.account(t, u1.AccountID)
		if a.FailedLogins != 0 || a.Version != 3 {
			t.Errorf("account after the change: failedLogins %d version %d, want 0 and 3", a.FailedLogins, a.Version)
		}
		dev := f.device(t, "t1")
		if _, err := f.svc.Login(context.Background(), dev, "ada", goodPassword); fault.CodeOf(err) != fault.Unauthorized {
			t.Errorf("old password: %v", err)
		}
		fresh, err := f.svc.Login(context.Background(), dev, "ada", newPassword)
		if err != nil {
			t.Fatalf("new password: %v", err)
		}
		if c, _ := f.verifier.Verify(fresh.AccessToken); c.Version != 1 {
			t.Errorf("new token version = %d, want 1", c.Version)
		}
		if _, err := f.authn.Authenticate(context.Background(), fresh.AccessToken); err != nil {
			t.Errorf("new token refused: %v", err)
		}
	})
}

func TestUpdateSelfPasswordChangeOnALockedAccountIsRefusedWithoutCounting(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{MaxFailures: 1})
		env.Tenant(t, "t1")
		u := f.person(t, "t1", "ada", "member", "", goodPassword)
		_, err := f.svc.UpdateSelf(context.Background(), as(u), "t1", signin.SelfChange{Password: ptr(newPassword), CurrentPassword: ptr("wrong!")})
		wantCode(t, err, fault.Invalid, "currentPassword")
		locked := f.account(t, u.AccountID)
		if !locked.LockedUntil.After(f.clock.Now()) {
			t.Fatalf("one failure with MaxFailures 1 did not lock: %+v", locked)
		}
		ctx, use := usage()
		_, err = f.svc.UpdateSelf(ctx, as(u), "t1", signin.SelfChange{Password: ptr(newPassword), CurrentPassword: ptr(goodPassword)})
		wantCode(t, err, fault.Invalid, "currentPassword")
		if use.Writes() != 0 {
			t.Errorf("writes = %d while locked", use.Writes())
		}
		if a := f.account(t, u.AccountID); !a.LockedUntil.Equal(locked.LockedUntil) || a.PasswordHash != locked.PasswordHash {
			t.Errorf("account changed while locked: %+v", a)
		}
	})
}

// principalWith returns p with other roles.
func principalWith(p auth.Principal, roles ...role.ID) auth.Principal {
	p.Roles = nil
	for _, r := range roles {
		p.Roles = append(p.Roles, string(r))
	}
	return p
}
