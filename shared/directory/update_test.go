package directory_test

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/emulator"
	"roster/shared/fault"
	"roster/shared/role"
	"roster/shared/store"
	"roster/shared/store/storetest"
	"roster/shared/user"
)

func TestUpdateAppliesTheChangeAsOneConditionalWriteAndBumpsTheVersion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		u := f.create(t, newUser("ada"))
		ctx, usage := store.WithUsage(context.Background())
		got, err := f.svc.Update(ctx, manager, u.ID, directory.Change{
			FirstName: ptr("Augusta"), NotificationsOptIn: ptr(true), InvitationAccepted: ptr(true),
			LoginProfileID: ptr(int64(3)), WorkingEnvironments: ptr([]string{"env-1", "env-2"}), IfVersion: 1,
		})
		if err != nil {
			t.Fatalf("Update: %v", err)
		}
		if usage.Calls("GetItem") != 1 || usage.Writes() != 1 || usage.Calls() != 2 {
			t.Errorf("calls = %d (%d writes), want one GetItem and one write", usage.Calls(), usage.Writes())
		}
		if got.FirstName != "Augusta" || !got.NotificationsOptIn || !got.InvitationAccepted || got.LoginProfileID != 3 ||
			!slices.Equal(got.WorkingEnvironments, []string{"env-1", "env-2"}) || got.Version != 2 || got.UpdatedBy != manager.Actor() {
			t.Errorf("updated %+v", got)
		}
		if got.TokenVersion != u.TokenVersion {
			t.Errorf("TokenVersion = %d, want %d: a profile change keeps tokens", got.TokenVersion, u.TokenVersion)
		}
		if stored := f.get(t, "t1", u.ID); !reflect.DeepEqual(stored, got) {
			t.Errorf("stored\n%+v\nreturned\n%+v", stored, got)
		}
		// A change to what is already stored writes nothing.
		ctx, usage = store.WithUsage(context.Background())
		if same, err := f.svc.Update(ctx, manager, u.ID, directory.Change{FirstName: ptr("Augusta"), Active: ptr(true)}); err != nil || same.Version != 2 {
			t.Errorf("no-op Update = v%d, %v", same.Version, err)
		}
		if usage.Writes() != 0 {
			t.Errorf("a no-op change wrote %d times", usage.Writes())
		}
	})
}

func TestUpdateEmailFreesTheOldAddressAndATakenOneChangesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		ctx := context.Background()
		u := f.create(t, newUser("ada"))
		bob := f.create(t, newUser("bob"))

		before, items := f.get(t, "t1", u.ID), env.Count(t)
		_, err := f.svc.Update(ctx, admin, u.ID, directory.Change{Email: ptr("BOB@example.com"), FirstName: ptr("x")})
		wantCode(t, err, fault.Conflict, "email")
		_, err = f.svc.Update(ctx, admin, u.ID, directory.Change{Username: ptr("Bob"), FirstName: ptr("x")})
		wantCode(t, err, fault.Conflict, "username")
		if after := f.get(t, "t1", u.ID); !reflect.DeepEqual(after, before) {
			t.Errorf("user changed by a refused update:\n%+v\nwas\n%+v", after, before)
		}
		f.unchanged(t, items)

		if _, err := f.svc.Update(ctx, admin, u.ID, directory.Change{Email: ptr("ada.new@example.com"), Username: ptr("ada.new")}); err != nil {
			t.Fatalf("Update: %v", err)
		}
		// The old address and name are free: another user takes them.
		if _, err := f.svc.Update(ctx, admin, bob.ID, directory.Change{Email: ptr("Ada@Example.com"), Username: ptr("ada")}); err != nil {
			t.Fatalf("taking the freed address: %v", err)
		}
		if got, err := f.svc.GetByUsername(ctx, admin, "ada"); err != nil || got.ID != bob.ID {
			t.Errorf("ada is now %v, %v; want bob's user", got, err)
		}
		if got := f.partition(t, "t1"); got["EMAIL"] != 2 || got["USERNAME"] != 2 {
			t.Errorf("tenant partition holds %v, want 2 email and 2 username markers", got)
		}
	})
}

// racingStore lets two updates read the user before either writes, as two
// requests that read the same version would.
type racingStore struct {
	directory.Store
	read *sync.WaitGroup
}

func (r racingStore) GetUser(ctx context.Context, tenantID, id string) (*user.User, error) {
	u, err := r.Store.GetUser(ctx, tenantID, id)
	r.read.Done()
	r.read.Wait()
	return u, err
}

func TestConcurrentUpdatesFromOneReadLetOneWinAndTheOtherConflict(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		if env.Emulator == emulator.NameMoto {
			t.Skip("moto's TransactWriteItems is not isolated under concurrency")
		}
		f := newFixture(t, env)
		u := f.create(t, newUser("ada"))
		var read sync.WaitGroup
		read.Add(2)
		racing := newService(t, racingStore{Store: env.Table, read: &read})
		changes := []directory.Change{
			{Email: ptr("one@example.com"), FirstName: ptr("One")},
			{Email: ptr("two@example.com"), LastName: ptr("Two")},
		}
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i, c := range changes {
			wg.Go(func() { _, errs[i] = racing.Update(context.Background(), admin, u.ID, c) })
		}
		wg.Wait()
		won := slices.IndexFunc(errs, func(err error) bool { return err == nil })
		if won < 0 || fault.CodeOf(errs[1-won]) != fault.Conflict {
			t.Fatalf("errors = %v, want one success and one conflict", errs)
		}
		got := f.get(t, "t1", u.ID)
		if got.Version != 2 || got.Email != *changes[won].Email {
			t.Errorf("stored %s v%d, want the winner's %s at v2", got.Email, got.Version, *changes[won].Email)
		}
		if got.FirstName != u.FirstName && won != 0 || got.LastName != u.LastName && won != 1 {
			t.Errorf("stored %q %q: the loser's change leaked in", got.FirstName, got.LastName)
		}
		if got := f.partition(t, "t1"); got["EMAIL"] != 1 {
			t.Errorf("email markers = %d, want 1", got["EMAIL"])
		}
		// Nothing is lost: the loser, told to read again, applies its change.
		loser := changes[1-won]
		loser.Email = ptr("three@example.com")
		after, err := f.svc.Update(context.Background(), admin, u.ID, loser)
		if err != nil {
			t.Fatalf("retried loser: %v", err)
		}
		if after.FirstName == u.FirstName || after.LastName == u.LastName || after.Version != 3 {
			t.Errorf("after both changes: %q %q v%d", after.FirstName, after.LastName, after.Version)
		}
	})
}

func TestUpdateWithAStaleIfVersionIsPreconditionFailed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		u := f.create(t, newUser("ada"))
		if _, err := f.svc.Update(context.Background(), admin, u.ID, directory.Change{FirstName: ptr("x"), IfVersion: 1}); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.Update(context.Background(), admin, u.ID, directory.Change{FirstName: ptr("y"), IfVersion: 1})
		wantCode(t, err, fault.PreconditionFailed)
		if got := f.get(t, "t1", u.ID); got.FirstName != "x" {
			t.Errorf("FirstName = %q, want x", got.FirstName)
		}
	})
}

func TestUpdatePrivilegedFieldsWithoutPrivilegeIsForbiddenAndChangesNothing(t *testing.T) {
	tests := []struct {
		name string
		c    directory.Change
	}{
		{"deactivate", directory.Change{Active: ptr(false)}},
		{"role", directory.Change{Role: ptr("member")}},
		{"basic-auth bypass", directory.Change{BypassBasicAuth: ptr(true)}},
		{"ldap name", directory.Change{LDAPUserName: ptr("ada@corp")}},
	}
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		in := newUser("ada")
		in.Role = "user_manager"
		u := f.create(t, in)
		before, items := f.get(t, "t1", u.ID), env.Count(t)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c := tt.c
				c.FirstName = ptr("changed too")
				_, err := f.svc.Update(context.Background(), manager, u.ID, c)
				wantCode(t, err, fault.Forbidden)
				if after := f.get(t, "t1", u.ID); !reflect.DeepEqual(after, before) {
					t.Errorf("user changed:\n%+v\nwas\n%+v", after, before)
				}
				f.unchanged(t, items)
			})
		}
		// Sending a privileged field unchanged needs no privilege.
		if _, err := f.svc.Update(context.Background(), manager, u.ID, directory.Change{Active: ptr(true), FirstName: ptr("ok")}); err != nil {
			t.Errorf("unchanged privileged field: %v", err)
		}
	})
}

func TestUpdateRolesMustBeValidAndAssignableAndNobodyManagesAUserAboveThem(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		ctx := context.Background()
		u := f.create(t, newUser("ada"))
		in := newUser("boss")
		in.Role = "admin"
		boss := f.create(t, in)

		_, err := f.svc.Update(ctx, admin, u.ID, directory.Change{Role: ptr("superuser")})
		wantCode(t, err, fault.Invalid, "role")
		_, err = f.svc.Update(ctx, admin, u.ID, directory.Change{Role: ptr("owner")})
		wantCode(t, err, fault.Forbidden)
		_, err = f.svc.Update(ctx, manager, boss.ID, directory.Change{Email: ptr("mine@example.com")})
		wantCode(t, err, fault.Forbidden)
		err = f.svc.SetPassword(ctx, manager, boss.ID, goodPassword, nil)
		wantCode(t, err, fault.Forbidden)
		err = f.svc.Delete(ctx, manager, boss.ID, 0)
		wantCode(t, err, fault.Forbidden)

		if got, err := f.svc.Update(ctx, admin, u.ID, directory.Change{Role: ptr("user_manager")}); err != nil || got.Role != "user_manager" {
			t.Errorf("admin promoting to user_manager: %v, %v", got, err)
		}
		// Peers manage each other.
		if _, err := f.svc.Update(ctx, admin, boss.ID, directory.Change{FirstName: ptr("Peer")}); err != nil {
			t.Errorf("admin changing an admin: %v", err)
		}
	})
}

func TestAnOwnerCannotDemoteDeactivateOrDeleteThemselves(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		ctx := context.Background()
		in := newUser("root")
		in.Role = "owner"
		root := f.create(t, in)
		me := as(root)
		for name, c := range map[string]directory.Change{"demote": {Role: ptr("admin")}, "deactivate": {Active: ptr(false)}} {
			_, err := f.svc.Update(ctx, me, root.ID, c)
			if fault.CodeOf(err) != fault.Forbidden {
				t.Errorf("%s: err = %v, want forbidden", name, err)
			}
		}
		wantCode(t, f.svc.Delete(ctx, me, root.ID, 0), fault.Forbidden)
		if _, err := f.svc.Update(ctx, me, root.ID, directory.Change{FirstName: ptr("Still me")}); err != nil {
			t.Errorf("owner changing their own name: %v", err)
		}
		// An owner API key cannot either while root is the last active
		// owner; once there is another, it can.
		_, err := f.svc.Update(ctx, owner, root.ID, directory.Change{Role: ptr("admin")})
		wantCode(t, err, fault.Conflict, "role")
		second := newUser("deputy")
		second.Role = "owner"
		f.create(t, second)
		if _, err := f.svc.Update(ctx, owner, root.ID, directory.Change{Role: ptr("admin")}); err != nil {
			t.Errorf("another owner demoting: %v", err)
		}
	})
}

func TestDeactivatingChangingRoleOrSettingAPasswordRevokesTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		ctx := context.Background()
		u := f.create(t, newUser("ada"))
		steps := []struct {
			name string
			do   func() error
			bump bool
		}{
			{"rename", func() error {
				_, err := f.svc.Update(ctx, admin, u.ID, directory.Change{FirstName: ptr("A")})
				return err
			}, false},
			{"deactivate", func() error {
				_, err := f.svc.Update(ctx, admin, u.ID, directory.Change{Active: ptr(false)})
				return err
			}, true},
			{"reactivate", func() error {
				_, err := f.svc.Update(ctx, admin, u.ID, directory.Change{Active: ptr(true)})
				return err
			}, false},
			{"role", func() error {
				_, err := f.svc.Update(ctx, admin, u.ID, directory.Change{Role: ptr("user_manager")})
				return err
			}, true},
			{"password via update", func() error {
				_, err := f.svc.Update(ctx, admin, u.ID, directory.Change{Password: ptr(goodPassword)})
				return err
			}, true},
			{"set password", func() error { return f.svc.SetPassword(ctx, admin, u.ID, "another fine passphrase", nil) }, true},
		}
		tokens := f.get(t, "t1", u.ID).TokenVersion
		for _, s := range steps {
			if err := s.do(); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			got := f.get(t, "t1", u.ID).TokenVersion
			if want := tokens + map[bool]int64{true: 1}[s.bump]; got != want {
				t.Errorf("%s: TokenVersion = %d, want %d", s.name, got, want)
			}
			tokens = got
		}
	})
}

func TestUpdateGroupsAddsAndRemovesAtomicallyAndAnUnknownGroupChangesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		ctx := context.Background()
		var ids []string
		for _, name := range []string{"a", "b", "c"} {
			g, err := f.svc.CreateGroup(ctx, admin, name)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, g.ID)
		}
		foreign, err := f.svc.CreateGroup(ctx, key("t2", role.Admin), "foreign")
		if err != nil {
			t.Fatal(err)
		}
		in := newUser("ada")
		in.Groups = []string{ids[0]}
		u := f.create(t, in)

		before, items := f.get(t, "t1", u.ID), env.Count(t)
		for name, c := range map[string]directory.Change{
			"unknown group":          {GroupsToAdd: []string{ids[1], "ghost"}, GroupsToRemove: []string{ids[0]}, FirstName: ptr("x")},
			"another tenant's group": {GroupsToAdd: []string{foreign.ID}},
		} {
			_, err := f.svc.Update(ctx, manager, u.ID, c)
			if fault.CodeOf(err) != fault.Invalid {
				t.Errorf("%s: err = %v, want invalid", name, err)
				continue
			}
			wantCode(t, err, fault.Invalid, "groupIDsToAdd")
		}
		_, err = f.svc.Update(ctx, manager, u.ID, directory.Change{GroupsToAdd: []string{ids[1]}, GroupsToRemove: []string{ids[1]}})
		wantCode(t, err, fault.Invalid, "groupIDsToAdd")
		if after := f.get(t, "t1", u.ID); !reflect.DeepEqual(after, before) {
			t.Errorf("user changed:\n%+v\nwas\n%+v", after, before)
		}
		f.unchanged(t, items)

		// Removing a group the user is not in is fine.
		got, err := f.svc.Update(ctx, manager, u.ID, directory.Change{GroupsToAdd: []string{ids[2], ids[1], ids[1]}, GroupsToRemove: []string{ids[0], "never-joined"}})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{ids[1], ids[2]}
		slices.Sort(want)
		if !slices.Equal(got.Groups, want) || !slices.Equal(f.get(t, "t1", u.ID).Groups, want) {
			t.Errorf("Groups = %v, want %v", got.Groups, want)
		}
		_, err = f.svc.Update(ctx, key("t1", role.Member), u.ID, directory.Change{GroupsToAdd: []string{ids[0]}})
		wantCode(t, err, fault.Forbidden)
	})
}

func TestAzureApplicationKeyIsStoredSealedToTheUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		ctx := context.Background()
		u := f.create(t, newUser("ada"))
		const secret = "app-secret-value"
		got, err := f.svc.Update(ctx, admin, u.ID, directory.Change{Azure: &user.AzureCredentials{
			SubscriptionID: "sub", TenantID: "az-tenant", ApplicationID: "app", ApplicationKey: secret,
		}})
		if err != nil {
			t.Fatal(err)
		}
		raw := f.item(t, "TENANT#t1", "USER#"+u.ID)
		if strings.Contains(fmtItem(raw), secret) {
			t.Fatal("the stored item holds the application key in clear")
		}
		if a := f.get(t, "t1", u.ID).Azure; a == nil || a.ApplicationKey != user.Withheld || a.ApplicationID != "app" {
			t.Fatalf("read Azure = %+v; want the ids and the key withheld", a)
		}
		stored, err := env.Table.UserSecrets(ctx, "t1", u.ID) // the privileged read
		if err != nil || stored.ApplicationKey != got.Azure.ApplicationKey {
			t.Fatalf("stored key = %+v, %v; returned %+v", stored, err, got.Azure)
		}
		plain, err := f.sealer.Open(stored.ApplicationKey, "directory/azure/t1/"+u.ID)
		if err != nil || string(plain) != secret {
			t.Errorf("Open = %q, %v; want the key", plain, err)
		}
		if _, err := f.sealer.Open(stored.ApplicationKey, "directory/azure/t1/someone-else"); err == nil {
			t.Error("the sealed key opens for another user")
		}
		// Changing the ids without a key keeps the stored one.
		kept, err := f.svc.Update(ctx, admin, u.ID, directory.Change{Azure: &user.AzureCredentials{SubscriptionID: "sub2", TenantID: "az-tenant", ApplicationID: "app"}})
		if err != nil || kept.Azure.ApplicationKey == "" || kept.Azure.SubscriptionID != "sub2" {
			t.Errorf("after changing the ids: %+v, %v", kept.Azure, err)
		}
		if now, err := env.Table.UserSecrets(ctx, "t1", u.ID); err != nil || now.ApplicationKey != stored.ApplicationKey {
			t.Errorf("stored key after changing the ids = %+v, %v; want the one kept", now, err)
		}
		// All empty removes them.
		if cleared, err := f.svc.Update(ctx, admin, u.ID, directory.Change{Azure: &user.AzureCredentials{}}); err != nil || cleared.Azure != nil || f.get(t, "t1", u.ID).Azure != nil {
			t.Errorf("after clearing: %v", err)
		}
	})
}

func TestUpdateRefusesBadInputAndUnknownUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		ctx := context.Background()
		u := f.create(t, newUser("ada"))
		foreign := f.create(t, newUser("bob"), key("t2", role.Owner))
		for field, c := range map[string]directory.Change{
			"username":                        {Username: ptr("")},
			"email":                           {Email: ptr("not an address")},
			"workingEnvironments":             {WorkingEnvironments: ptr([]string{"a/b"})},
			"azureCredentials.applicationKey": {Azure: &user.AzureCredentials{ApplicationKey: strings.Repeat("k", 1025)}},
			"groupIDsToRemove":                {GroupsToRemove: make([]string, directory.MaxGroups+1)},
			"password":                        {Password: ptr(strings.Repeat("p", 1025))},
		} {
			_, err := f.svc.Update(ctx, admin, u.ID, c)
			if fault.CodeOf(err) != fault.Invalid {
				t.Errorf("%s: err = %v, want invalid", field, err)
				continue
			}
			wantCode(t, err, fault.Invalid, field)
		}
		_, err := f.svc.Update(ctx, admin, u.ID, directory.Change{Password: ptr("short")})
		wantCode(t, err, fault.Invalid, "password")
		_, err = f.svc.Update(ctx, as(u), u.ID, directory.Change{Password: ptr(goodPassword)})
		wantCode(t, err, fault.Forbidden) // a member has no users:write
		_, err = f.svc.Update(ctx, admin, foreign.ID, directory.Change{FirstName: ptr("x")})
		wantCode(t, err, fault.NotFound)
		if got := f.get(t, "t2", foreign.ID); got.FirstName != foreign.FirstName {
			t.Errorf("another tenant's user changed: %q", got.FirstName)
		}
		_, err = f.svc.Update(ctx, auth.Principal{TenantID: "t1", KeyID: "k", Method: auth.ViaAPIKey}, u.ID, directory.Change{FirstName: ptr("x")})
		wantCode(t, err, fault.Forbidden)
	})
}
