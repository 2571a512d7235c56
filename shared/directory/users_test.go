package directory_test

import (
	"context"
	"fmt"
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

func TestCreateWritesTheUserMarkersMembershipAndPasswordInOneTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		in := newUser("ada")
		in.Email, in.Password, in.LoginProfileID, in.NotificationsOptIn = " Ada@Example.com ", goodPassword, 7, true
		ctx, usage := store.WithUsage(context.Background())
		u, err := f.svc.Create(ctx, admin, in)
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		if got := usage.Calls(); got != 1 || usage.Calls("TransactWriteItems") != 1 {
			t.Errorf("calls = %d, want one TransactWriteItems", got)
		}
		if u.Email != "Ada@Example.com" || u.Role != "member" || u.Version != 1 || u.CreatedBy != admin.Actor() || u.Number == 0 || u.AccountID == "" {
			t.Errorf("created %+v", u)
		}
		if got := f.get(t, "t1", u.ID); !reflect.DeepEqual(got, u) {
			t.Errorf("stored\n%+v\nreturned\n%+v", got, u)
		}
		if got := f.partition(t, "t1"); !reflect.DeepEqual(got, map[string]int{"TENANT": 1, "USER": 1, "EMAIL": 1, "USERNAME": 1, "NUMBER": 1}) {
			t.Errorf("tenant partition holds %v", got)
		}
		if f.item(t, "ACCOUNT#"+u.AccountID, "MEMBER#t1") == nil {
			t.Error("no membership item")
		}
		acct, _, err := env.Table.AccountCredentials(context.Background(), u.AccountID)
		if err != nil {
			t.Fatal(err)
		}
		if ok, _, err := hasher().Verify(goodPassword, acct.PasswordHash); !ok || err != nil {
			t.Errorf("the account's hash does not verify the password: %v, %v", ok, err)
		}
	})
}

func TestCreateRefusesBadInputNamingTheFieldAndWritesNothing(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*directory.NewUser)
		field string
	}{
		{"no username", func(in *directory.NewUser) { in.Username = "" }, "username"},
		{"username with a space", func(in *directory.NewUser) { in.Username = "ada lovelace" }, "username"},
		{"username with a control character", func(in *directory.NewUser) { in.Username = "ada\x00" }, "username"},
		{"username too long", func(in *directory.NewUser) { in.Username = strings.Repeat("a", 129) }, "username"},
		{"bad email", func(in *directory.NewUser) { in.Email = "ada@localhost" }, "email"},
		{"email too long", func(in *directory.NewUser) { in.Email = strings.Repeat("a", 250) + "@example.com" }, "email"},
		{"first name too long", func(in *directory.NewUser) { in.FirstName = strings.Repeat("é", 101) }, "firstName"},
		{"last name with a newline", func(in *directory.NewUser) { in.LastName = "a\nb" }, "lastName"},
		{"ldap name too long", func(in *directory.NewUser) { in.LDAPUserName = strings.Repeat("x", 257) }, "ldapUserName"},
		{"unknown role", func(in *directory.NewUser) { in.Role = "superuser" }, "role"},
		{"negative login profile", func(in *directory.NewUser) { in.LoginProfileID = -1 }, "loginProfileId"},
		{"malformed group id", func(in *directory.NewUser) { in.Groups = []string{"a b"} }, "groups"},
		{"too many groups", func(in *directory.NewUser) { in.Groups = make([]string, directory.MaxGroups+1) }, "groups"},
		{"short password", func(in *directory.NewUser) { in.Password = "short" }, "password"},
		{"password with the username", func(in *directory.NewUser) { in.Password = "ada-lovelace-secret-phrase" }, "password"},
		{"password over 1 KB", func(in *directory.NewUser) { in.Password = strings.Repeat("x", 1025) }, "password"},
	}
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := env.Count(t)
				in := newUser("ada-lovelace")
				tt.edit(&in)
				ctx, usage := store.WithUsage(context.Background())
				_, err := f.svc.Create(ctx, admin, in)
				wantCode(t, err, fault.Invalid, tt.field)
				if usage.Calls() != 0 {
					t.Errorf("calls = %d, want none: bad input never reaches the table", usage.Calls())
				}
				f.unchanged(t, before)
			})
		}
	})
}

func TestCreateNeedsThePermissionsItsInputAsksFor(t *testing.T) {
	tests := []struct {
		name string
		by   auth.Principal
		edit func(*directory.NewUser)
	}{
		{"member", member, func(*directory.NewUser) {}},
		{"a key without roles", key("t1"), func(*directory.NewUser) {}},
		{"manager making an admin", manager, func(in *directory.NewUser) { in.Role = "admin" }},
		{"manager making a user manager", manager, func(in *directory.NewUser) { in.Role = "user_manager" }},
		{"manager linking LDAP", manager, func(in *directory.NewUser) { in.LDAPUserName = "ada@corp" }},
		{"admin making an owner", admin, func(in *directory.NewUser) { in.Role = "owner" }},
	}
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := env.Count(t)
				in := newUser("ada")
				tt.edit(&in)
				_, err := f.svc.Create(context.Background(), tt.by, in)
				wantCode(t, err, fault.Forbidden)
				f.unchanged(t, before)
			})
		}
		// What each may do.
		f.create(t, newUser("m1"), manager)
		in := newUser("a1")
		in.Role = "admin"
		f.create(t, in, owner)
	})
}

func TestCreateWithATakenEmailOrUsernameIsConflict(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		f.create(t, newUser("ada"))
		for field, in := range map[string]directory.NewUser{
			"email":    {Username: "other", Email: "ADA@example.com"},
			"username": {Username: "ADA", Email: "other@example.com"},
		} {
			_, err := f.svc.Create(context.Background(), admin, in)
			wantCode(t, err, fault.Conflict, field)
		}
		// Usernames and emails of another tenant are no concern here.
		if _, err := f.svc.Create(context.Background(), key("t2", role.Admin), newUser("ada")); err != nil {
			t.Errorf("same user in t2: %v", err)
		}
	})
}

// DynamoDB Local runs the racing transactions one after another, so every
// loser finds the winner's email marker.
func TestConcurrentCreatesWithOneEmailLeaveExactlyOneUserAndOneMarker(t *testing.T) {
	const n = 20
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		if env.Emulator == emulator.NameMoto {
			// See store's TestConcurrentCreatesWithOneEmailLetExactlyOneWin:
			// moto's transactions see each other's partial writes.
			t.Skip("moto's TransactWriteItems is not isolated under concurrency")
		}
		f := newFixture(t, env)
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			in := newUser(fmt.Sprintf("racer%02d", i))
			in.Email = "Same@Example.com"
			wg.Go(func() {
				<-start
				_, errs[i] = f.svc.Create(context.Background(), admin, in)
			})
		}
		close(start)
		wg.Wait()
		codes := map[fault.Code]int{}
		for _, err := range errs {
			codes[fault.CodeOf(err)]++
		}
		if codes[""] != 1 || codes[fault.Conflict] != n-1 {
			t.Errorf("outcomes by code = %v, want 1 success and %d conflicts", codes, n-1)
		}
		want := map[string]int{"TENANT": 1, "USER": 1, "EMAIL": 1, "USERNAME": 1, "NUMBER": 1}
		if got := f.partition(t, "t1"); !reflect.DeepEqual(got, want) {
			t.Errorf("tenant partition holds %v, want %v", got, want)
		}
	})
}

func TestCreateJoinsOnlyExistingGroups(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		g, err := f.svc.CreateGroup(context.Background(), admin, "Ops")
		if err != nil {
			t.Fatal(err)
		}
		before := env.Count(t)
		in := newUser("ada")
		in.Groups = []string{g.ID, "no-such-group"}
		_, err = f.svc.Create(context.Background(), admin, in)
		wantCode(t, err, fault.Invalid, "groups")
		f.unchanged(t, before)

		in.Groups = []string{g.ID, g.ID}
		u := f.create(t, in)
		if got := f.get(t, "t1", u.ID); !slices.Equal(got.Groups, []string{g.ID}) {
			t.Errorf("Groups = %v, want [%s]", got.Groups, g.ID)
		}
	})
}

func TestGetReadsOneItemAndAnotherTenantsUserIsNotFound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		u := f.create(t, newUser("ada"))
		foreign := f.create(t, newUser("bob"), key("t2", role.Owner))

		ctx, usage := store.WithUsage(context.Background())
		got, err := f.svc.Get(ctx, manager, u.ID)
		if err != nil || !reflect.DeepEqual(got, u) {
			t.Errorf("Get = %+v, %v", got, err)
		}
		if usage.Calls("GetItem") != 1 || usage.Calls() != 1 {
			t.Errorf("calls = %d, want one GetItem", usage.Calls())
		}
		for name, id := range map[string]string{"another tenant's": foreign.ID, "unknown": user.NewID(), "malformed": "../" + u.ID} {
			_, err := f.svc.Get(context.Background(), admin, id)
			if fault.CodeOf(err) != fault.NotFound {
				t.Errorf("%s id: err = %v, want not_found", name, err)
			}
		}
		_, err = f.svc.Get(context.Background(), member, u.ID)
		wantCode(t, err, fault.Forbidden)
	})
}

func TestGetByNumberAndByUsernameFindTheUserInTheCallersTenantOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		ctx := context.Background()
		u := f.create(t, newUser("Ada"))
		foreign := f.create(t, newUser("bob"), key("t2", role.Owner))

		if got, err := f.svc.GetByNumber(ctx, admin, u.Number); err != nil || got.ID != u.ID {
			t.Errorf("GetByNumber = %v, %v", got, err)
		}
		if got, err := f.svc.GetByUsername(ctx, admin, "aDA"); err != nil || got.ID != u.ID {
			t.Errorf("GetByUsername = %v, %v", got, err)
		}
		for name, call := range map[string]func() error{
			"foreign number":    func() error { _, err := f.svc.GetByNumber(ctx, admin, foreign.Number); return err },
			"zero number":       func() error { _, err := f.svc.GetByNumber(ctx, admin, 0); return err },
			"foreign username":  func() error { _, err := f.svc.GetByUsername(ctx, admin, "bob"); return err },
			"malformed name":    func() error { _, err := f.svc.GetByUsername(ctx, admin, "a b"); return err },
			"unknown username":  func() error { _, err := f.svc.GetByUsername(ctx, admin, "nobody"); return err },
			"member's number":   func() error { _, err := f.svc.GetByNumber(ctx, member, u.Number); return err },
			"member's username": func() error { _, err := f.svc.GetByUsername(ctx, member, "ada"); return err },
		} {
			want := fault.NotFound
			if strings.HasPrefix(name, "member") {
				want = fault.Forbidden
			}
			if err := call(); fault.CodeOf(err) != want {
				t.Errorf("%s: err = %v, want %s", name, err, want)
			}
		}
	})
}

func TestListPagesOldestFirstWithAnOpaqueCursor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		ctx := context.Background()
		f.create(t, newUser("foreign"), key("t2", role.Owner))
		var want []string
		for i := range 5 {
			want = append(want, f.create(t, newUser(fmt.Sprintf("user%d", i))).ID)
		}
		var got []string
		cursor := ""
		for pages := 1; ; pages++ {
			qctx, usage := store.WithUsage(ctx)
			page, err := f.svc.List(qctx, manager, 2, cursor)
			if err != nil {
				t.Fatal(err)
			}
			if usage.Calls("Query") != 1 || usage.Calls() != 1 {
				t.Errorf("page %d: calls = %d, want one Query", pages, usage.Calls())
			}
			for _, u := range page.Users {
				got = append(got, u.ID)
			}
			if page.Next == "" {
				if pages != 3 {
					t.Errorf("pages = %d, want 3", pages)
				}
				break
			}
			cursor = page.Next
		}
		if !slices.Equal(got, want) {
			t.Errorf("listed %v, want %v (oldest first, this tenant only)", got, want)
		}

		for name, tt := range map[string]struct {
			limit  int
			cursor string
			field  string
		}{
			"zero limit":       {0, "", "limit"},
			"limit over 100":   {101, "", "limit"},
			"cursor not b64":   {10, "!!", "cursor"},
			"cursor not an id": {10, "Li4vYWRtaW4", "cursor"}, // "../admin"
		} {
			_, err := f.svc.List(ctx, admin, tt.limit, tt.cursor)
			if fault.CodeOf(err) != fault.Invalid {
				t.Errorf("%s: err = %v, want invalid", name, err)
				continue
			}
			wantCode(t, err, fault.Invalid, tt.field)
		}
		_, err := f.svc.List(ctx, member, 10, "")
		wantCode(t, err, fault.Forbidden)
	})
}
