package store_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/signin"
	"roster/shared/store"
	"roster/shared/store/storetest"
	"roster/shared/user"
)

// The store must satisfy the contract the directory defines.
var _ directory.Store = (*store.Table)(nil)

// changed returns a copy of u as the directory would write it: edited,
// with the next version.
func changed(u *user.User, edit func(*user.User)) *user.User {
	n := *u
	edit(&n)
	n.Version = u.Version + 1
	n.UpdatedAt = msNow().UTC()
	n.UpdatedBy = "test"
	return &n
}

// memberOf reports whether the account's membership of the tenant exists.
func memberOf(t *testing.T, env storetest.Env, accountID, tenantID string) bool {
	t.Helper()
	out, err := env.DB.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(env.Table.Name()), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: "ACCOUNT#" + accountID},
			"SK": &types.AttributeValueMemberS{Value: "MEMBER#" + tenantID},
		},
	})
	if err != nil {
		t.Fatalf("get membership: %v", err)
	}
	return out.Item != nil
}

func TestCreateUsersWithoutEmailHoldNoEmailMarker(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		env.Tenant(t, "t1")
		for _, name := range []string{"ada", "bob"} {
			u := newUser("t1", name)
			u.Email = ""
			mustCreate(t, env, u)
		}
		got := partition(t, env, "t1")
		if got["USER"] != 2 || got["EMAIL"] != 0 || got["USERNAME"] != 2 {
			t.Errorf("tenant partition holds %v, want 2 users, 2 username markers and no email marker", got)
		}
	})
}

func TestCreateUserChecksGroupsAndSetsANewAccountsPassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		env.Tenant(t, "t1")
		g := directory.Group{ID: user.NewID(), Name: "Admins", CreatedAt: msNow()}
		if err := env.Table.CreateGroup(ctx, "t1", g); err != nil {
			t.Fatal(err)
		}

		before := env.Count(t)
		bad := newUser("t1", "bob")
		bad.Groups = []string{g.ID, "no-such-group"}
		err := env.Table.CreateUserWithPassword(ctx, bad, "$argon2id$hash")
		wantCode(t, err, fault.Invalid, "groups")
		if after := env.Count(t); after != before {
			t.Errorf("items after the failed create = %d, want %d", after, before)
		}

		u := newUser("t1", "ada")
		u.Groups = []string{g.ID}
		cctx, usage := store.WithUsage(ctx)
		if err := env.Table.CreateUserWithPassword(cctx, u, "$argon2id$hash"); err != nil {
			t.Fatal(err)
		}
		if got := usage.Calls(); got != 1 {
			t.Errorf("calls = %d, want 1 TransactWriteItems", got)
		}
		if got := mustGet(t, env, "t1", u.ID); !slices.Equal(got.Groups, []string{g.ID}) {
			t.Errorf("Groups = %v, want [%s]", got.Groups, g.ID)
		}
		acct, _, err := env.Table.AccountCredentials(ctx, u.AccountID)
		if err != nil || acct.PasswordHash != "$argon2id$hash" {
			t.Errorf("account = %+v, %v; want the hash set", acct, err)
		}
	})
}

func TestUpdateUserMovesEmailAndUsernameMarkersAndFreesTheOldOnes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		env.Tenant(t, "t1")
		u := newUser("t1", "ada")
		mustCreate(t, env, u)
		next := changed(u, func(n *user.User) { n.Email, n.Username = "Ada.New@Example.com", "ada-new" })
		if err := env.Table.UpdateUser(ctx, directory.UserUpdate{Old: u, New: next}); err != nil {
			t.Fatalf("UpdateUser: %v", err)
		}
		if got := mustGet(t, env, "t1", u.ID); got.Email != next.Email || got.Username != next.Username || got.Version != 2 {
			t.Errorf("stored %q %q v%d, want %q %q v2", got.Email, got.Username, got.Version, next.Email, next.Username)
		}
		for _, find := range []func() (string, error){
			func() (string, error) { return env.Table.UserIDByEmail(ctx, "t1", "ada.new@example.com") },
			func() (string, error) { return env.Table.UserIDByUsername(ctx, "t1", "ADA-NEW") },
		} {
			if id, err := find(); err != nil || id != u.ID {
				t.Errorf("new marker -> %q, %v; want %q", id, err, u.ID)
			}
		}
		if _, err := env.Table.UserIDByEmail(ctx, "t1", u.Email); fault.CodeOf(err) != fault.NotFound {
			t.Errorf("old email marker: err = %v, want not_found", err)
		}
		// The old values are free for another user.
		mustCreate(t, env, newUser("t1", "ada"))
		if got := partition(t, env, "t1"); got["EMAIL"] != 2 || got["USERNAME"] != 2 {
			t.Errorf("tenant partition holds %v, want 2 email and 2 username markers", got)
		}
	})
}

func TestUpdateUserToATakenEmailOrUsernameIsConflictAndChangesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		env.Tenant(t, "t1")
		u, other := newUser("t1", "ada"), newUser("t1", "bob")
		mustCreate(t, env, u)
		mustCreate(t, env, other)
		u = mustGet(t, env, "t1", u.ID) // as stored, times in UTC
		for _, tt := range []struct {
			field string
			edit  func(*user.User)
		}{
			{"email", func(n *user.User) { n.Email, n.FirstName = "BOB@example.com", "changed" }},
			{"username", func(n *user.User) { n.Username, n.FirstName = "Bob", "changed" }},
		} {
			t.Run(tt.field, func(t *testing.T) {
				items := env.Count(t)
				err := env.Table.UpdateUser(ctx, directory.UserUpdate{Old: u, New: changed(u, tt.edit)})
				wantCode(t, err, fault.Conflict, tt.field)
				if got := mustGet(t, env, "t1", u.ID); !reflect.DeepEqual(got, u) {
					t.Errorf("user changed:\n%+v\nwas\n%+v", got, u)
				}
				if after := env.Count(t); after != items {
					t.Errorf("items = %d, want %d", after, items)
				}
			})
		}
	})
}

func TestUpdateUserFromAStaleReadIsConflictAndTheFirstChangeStays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		env.Tenant(t, "t1")
		u := newUser("t1", "ada")
		mustCreate(t, env, u)
		first := changed(u, func(n *user.User) { n.FirstName = "First" })
		second := changed(u, func(n *user.User) { n.LastName, n.Email = "Second", "second@example.com" })
		if err := env.Table.UpdateUser(ctx, directory.UserUpdate{Old: u, New: first}); err != nil {
			t.Fatal(err)
		}
		err := env.Table.UpdateUser(ctx, directory.UserUpdate{Old: u, New: second})
		wantCode(t, err, fault.Conflict)
		if f := fault.As(err); len(f.Fields) != 0 {
			t.Errorf("fields = %v, want none (a stale read, not a taken value)", f.Fields)
		}
		got := mustGet(t, env, "t1", u.ID)
		if got.FirstName != "First" || got.LastName != u.LastName || got.Email != u.Email || got.Version != 2 {
			t.Errorf("stored %q %q %q v%d, want the first change only", got.FirstName, got.LastName, got.Email, got.Version)
		}
		if _, err := env.Table.UserIDByEmail(ctx, "t1", "second@example.com"); fault.CodeOf(err) != fault.NotFound {
			t.Errorf("the losing change's email marker: err = %v, want not_found", err)
		}
	})
}

func TestUpdateUserSetsOnlyWhatChangedAndNeverLowersTheTokenVersion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		env.Tenant(t, "t1")
		u := newUser("t1", "ada")
		u.LDAPUserName = "ada@corp"
		mustCreate(t, env, u)
		u = mustGet(t, env, "t1", u.ID)

		// A password change in another tenant bumps the token version
		// without a version check; a later update must keep that bump.
		_, err := env.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: aws.String(env.Table.Name()),
			Key: map[string]types.AttributeValue{
				"PK": &types.AttributeValueMemberS{Value: "TENANT#t1"}, "SK": &types.AttributeValueMemberS{Value: "USER#" + u.ID},
			},
			UpdateExpression:          aws.String("ADD tokenVersion :one"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		next := changed(u, func(n *user.User) { n.LDAPUserName, n.Role, n.TokenVersion = "", "admin", n.TokenVersion+1 })
		uctx, usage := store.WithUsage(ctx)
		if err := env.Table.UpdateUser(uctx, directory.UserUpdate{Old: u, New: next}); err != nil {
			t.Fatal(err)
		}
		if got := usage.Calls("UpdateItem"); got != 1 || usage.Calls() != 1 {
			t.Errorf("calls = %d (UpdateItem %d), want one UpdateItem for a change of the user item alone", usage.Calls(), got)
		}
		got := mustGet(t, env, "t1", u.ID)
		if got.TokenVersion != 2 {
			t.Errorf("TokenVersion = %d, want 2 (the concurrent bump and this one)", got.TokenVersion)
		}
		want := *next
		want.TokenVersion = got.TokenVersion
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("stored\n%+v\nwant\n%+v", *got, want)
		}
	})
}

func TestUpdateUserJoinsOnlyExistingGroupsAtomically(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		env.Tenant(t, "t1")
		g := directory.Group{ID: user.NewID(), Name: "Ops", CreatedAt: msNow()}
		if err := env.Table.CreateGroup(ctx, "t1", g); err != nil {
			t.Fatal(err)
		}
		u := newUser("t1", "ada")
		mustCreate(t, env, u)
		u = mustGet(t, env, "t1", u.ID)

		bad := changed(u, func(n *user.User) { n.Groups, n.FirstName = []string{g.ID, "ghost"}, "changed" })
		err := env.Table.UpdateUser(ctx, directory.UserUpdate{Old: u, New: bad, CheckGroups: []string{g.ID, "ghost"}})
		wantCode(t, err, fault.Invalid, "groupIDsToAdd")
		if got := mustGet(t, env, "t1", u.ID); !reflect.DeepEqual(got, u) {
			t.Errorf("user changed:\n%+v\nwas\n%+v", got, u)
		}

		good := changed(u, func(n *user.User) { n.Groups = []string{g.ID} })
		if err := env.Table.UpdateUser(ctx, directory.UserUpdate{Old: u, New: good, CheckGroups: []string{g.ID}}); err != nil {
			t.Fatal(err)
		}
		left := changed(good, func(n *user.User) { n.Groups = nil })
		if err := env.Table.UpdateUser(ctx, directory.UserUpdate{Old: good, New: left}); err != nil {
			t.Fatal(err)
		}
		if got := mustGet(t, env, "t1", u.ID); got.Groups != nil || got.Version != 3 {
			t.Errorf("Groups = %v v%d, want none at v3", got.Groups, got.Version)
		}
	})
}

func TestUpdateUserWithPasswordReplacesTheAccountsHashInTheSameTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		env.Tenant(t, "t1")
		u := newUser("t1", "ada")
		mustCreate(t, env, u)
		pw := &signin.PasswordChange{AccountID: u.AccountID, NewHash: "hash-1", Others: []signin.Membership{{TenantID: "t1", UserID: u.ID}}}
		next := changed(u, func(n *user.User) { n.TokenVersion++ })
		if err := env.Table.UpdateUser(ctx, directory.UserUpdate{Old: u, New: next, Password: pw}); err != nil {
			t.Fatalf("first password (account had none): %v", err)
		}
		// A change checked against a hash that is no longer stored fails whole.
		stale := &signin.PasswordChange{AccountID: u.AccountID, OldHash: "hash-0", NewHash: "hash-2"}
		err := env.Table.UpdateUser(ctx, directory.UserUpdate{Old: next, New: changed(next, func(n *user.User) { n.TokenVersion++ }), Password: stale})
		wantCode(t, err, fault.Conflict)
		acct, _, err := env.Table.AccountCredentials(ctx, u.AccountID)
		if err != nil || acct.PasswordHash != "hash-1" {
			t.Errorf("account hash = %q, %v; want hash-1", acct.PasswordHash, err)
		}
		if got := mustGet(t, env, "t1", u.ID); got.TokenVersion != 1 || got.Version != 2 {
			t.Errorf("user tokenVersion %d v%d, want 1 v2", got.TokenVersion, got.Version)
		}
	})
}

func TestDeleteUsersFreesMarkersAndMembership(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		env.Tenant(t, "t1")
		a, b := newUser("t1", "ada"), newUser("t1", "bob")
		b.Email = ""
		mustCreate(t, env, a)
		mustCreate(t, env, b)
		stale, err := env.Table.DeleteUsers(ctx, []*user.User{a, b})
		if err != nil || len(stale) != 0 {
			t.Fatalf("DeleteUsers = %v, %v", stale, err)
		}
		if got := partition(t, env, "t1"); !reflect.DeepEqual(got, map[string]int{"TENANT": 1}) {
			t.Errorf("tenant partition holds %v, want the tenant alone", got)
		}
		for _, u := range []*user.User{a, b} {
			if memberOf(t, env, u.AccountID, "t1") {
				t.Errorf("membership of %s survives", u.Username)
			}
		}
		again := newUser("t1", "ada")
		again.Number = a.Number
		mustCreate(t, env, again)
		if again.Number != a.Number {
			t.Errorf("number %d was not free again (got %d)", a.Number, again.Number)
		}
	})
}

func TestDeleteUsersReportsAChangedUserAsStaleAndTouchesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		env.Tenant(t, "t1")
		a, b := newUser("t1", "ada"), newUser("t1", "bob")
		mustCreate(t, env, a)
		mustCreate(t, env, b)
		if err := env.Table.UpdateUser(ctx, directory.UserUpdate{Old: a, New: changed(a, func(n *user.User) { n.FirstName = "x" })}); err != nil {
			t.Fatal(err)
		}
		items := env.Count(t)
		stale, err := env.Table.DeleteUsers(ctx, []*user.User{a, b})
		if err != nil {
			t.Fatal(err)
		}
		// Both shared one transaction, so neither went.
		if !slices.Equal(stale, []string{a.ID, b.ID}) {
			t.Errorf("stale = %v, want both", stale)
		}
		if after := env.Count(t); after != items {
			t.Errorf("items = %d, want %d", after, items)
		}
	})
}

func TestDeleteUsersPacksTwentyUsersIntoEachTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		env.Tenant(t, "t1")
		var users []*user.User
		for i := range 25 {
			u := newUser("t1", fmt.Sprintf("user%02d", i))
			mustCreate(t, env, u)
			users = append(users, u)
		}
		ctx, usage := store.WithUsage(context.Background())
		if stale, err := env.Table.DeleteUsers(ctx, users); err != nil || len(stale) != 0 {
			t.Fatalf("DeleteUsers = %v, %v", stale, err)
		}
		if got := usage.Calls("TransactWriteItems"); got != 2 {
			t.Errorf("TransactWriteItems = %d, want 2 (20 users of five items, then 5)", got)
		}
		if got := partition(t, env, "t1"); len(got) != 1 {
			t.Errorf("tenant partition holds %v, want the tenant alone", got)
		}
	})
}

func TestListUsersPagesOldestFirstWithAnExactMoreFlag(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		env.Tenant(t, "t1")
		env.Tenant(t, "t2")
		mustCreate(t, env, newUser("t2", "other"))
		var want []string
		for i := range 5 {
			u := newUser("t1", fmt.Sprintf("user%d", i))
			u.ID = fmt.Sprintf("id%d", i) // ids sort as they were made
			mustCreate(t, env, u)
			want = append(want, u.ID)
		}
		var got []string
		after := ""
		for page := 0; ; page++ {
			users, more, err := env.Table.ListUsers(ctx, "t1", 2, after)
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range users {
				got = append(got, u.ID)
			}
			if wantMore := page < 2; more != wantMore {
				t.Errorf("page %d: more = %v, want %v", page, more, wantMore)
			}
			if !more {
				break
			}
			after = users[len(users)-1].ID
		}
		if !slices.Equal(got, want) {
			t.Errorf("listed %v, want %v", got, want)
		}
	})
}

func TestGetUsersAndUserIDByNumberFindOnlyTheTenantsUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		env.Tenant(t, "t1")
		env.Tenant(t, "t2")
		a, foreign := newUser("t1", "ada"), newUser("t2", "bob")
		mustCreate(t, env, a)
		mustCreate(t, env, foreign)
		users, err := env.Table.GetUsers(ctx, "t1", []string{a.ID, foreign.ID, "unknown"})
		if err != nil || len(users) != 1 || users[0].ID != a.ID {
			t.Errorf("GetUsers = %v, %v; want only %s", users, err, a.ID)
		}
		if id, err := env.Table.UserIDByNumber(ctx, "t1", a.Number); err != nil || id != a.ID {
			t.Errorf("UserIDByNumber = %q, %v; want %q", id, err, a.ID)
		}
		_, err = env.Table.UserIDByNumber(ctx, "t1", foreign.Number)
		wantCode(t, err, fault.NotFound)
	})
}

func TestCreateGroupKeepsNamesUniqueCaseInsensitivelyAndListsByName(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		env.Tenant(t, "t1")
		env.Tenant(t, "t2")
		now := msNow().Add(-time.Minute)
		for _, name := range []string{"zeta", "Alpha", "mid"} {
			if err := env.Table.CreateGroup(ctx, "t1", directory.Group{ID: user.NewID(), Name: name, CreatedAt: now}); err != nil {
				t.Fatalf("CreateGroup %s: %v", name, err)
			}
		}
		items := env.Count(t)
		err := env.Table.CreateGroup(ctx, "t1", directory.Group{ID: user.NewID(), Name: " ALPHA ", CreatedAt: now})
		wantCode(t, err, fault.Conflict, "name")
		err = env.Table.CreateGroup(ctx, "missing", directory.Group{ID: user.NewID(), Name: "x", CreatedAt: now})
		wantCode(t, err, fault.NotFound)
		if after := env.Count(t); after != items {
			t.Errorf("items = %d, want %d", after, items)
		}
		// The same name in another tenant is another group.
		if err := env.Table.CreateGroup(ctx, "t2", directory.Group{ID: user.NewID(), Name: "alpha", CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
		groups, err := env.Table.ListGroups(ctx, "t1")
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, g := range groups {
			names = append(names, g.Name)
			if !g.CreatedAt.Equal(now) {
				t.Errorf("%s CreatedAt = %v, want %v", g.Name, g.CreatedAt, now)
			}
		}
		if !slices.Equal(names, []string{"Alpha", "mid", "zeta"}) {
			t.Errorf("groups = %v, want Alpha, mid, zeta", names)
		}
	})
}
