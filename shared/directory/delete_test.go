package directory_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/role"
	"roster/shared/store"
	"roster/shared/store/storetest"
	"roster/shared/user"
)

func TestDeleteFreesEmailUsernameNumberAndMembership(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		u := f.create(t, newUser("ada"))
		keep := f.create(t, newUser("bob"))
		ctx, usage := store.WithUsage(context.Background())
		if err := f.svc.Delete(ctx, manager, u.ID, 0); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if usage.Calls("GetItem") != 1 || usage.Calls("TransactWriteItems") != 1 || usage.Calls() != 2 {
			t.Errorf("calls = %d, want one GetItem and one TransactWriteItems", usage.Calls())
		}
		want := map[string]int{"TENANT": 1, "USER": 1, "EMAIL": 1, "USERNAME": 1, "NUMBER": 1}
		if got := f.partition(t, "t1"); !reflect.DeepEqual(got, want) {
			t.Errorf("tenant partition holds %v, want only bob's items %v", got, want)
		}
		if f.item(t, "ACCOUNT#"+u.AccountID, "MEMBER#t1") != nil {
			t.Error("the membership survives the user")
		}
		if f.item(t, "ACCOUNT#"+keep.AccountID, "MEMBER#t1") == nil {
			t.Error("another user's membership went too")
		}
		_, err := f.svc.Get(context.Background(), admin, u.ID)
		wantCode(t, err, fault.NotFound)
		// Everything it held is free again.
		again := f.create(t, newUser("ada"))
		if _, err := f.svc.GetByUsername(context.Background(), admin, "ada"); err != nil {
			t.Errorf("recreated user: %v", err)
		}
		_ = again
		wantCode(t, f.svc.Delete(context.Background(), manager, u.ID, 0), fault.NotFound)
	})
}

func TestDeleteWithAStaleIfVersionIsPreconditionFailedAndKeepsTheUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		ctx := context.Background()
		u := f.create(t, newUser("ada"))
		if _, err := f.svc.Update(ctx, admin, u.ID, directory.Change{FirstName: ptr("x")}); err != nil {
			t.Fatal(err)
		}
		wantCode(t, f.svc.Delete(ctx, admin, u.ID, 1), fault.PreconditionFailed)
		f.get(t, "t1", u.ID)
		if err := f.svc.Delete(ctx, admin, u.ID, 2); err != nil {
			t.Errorf("Delete at the current version: %v", err)
		}
		wantCode(t, f.svc.Delete(ctx, member, u.ID, 0), fault.Forbidden)
	})
}

// staleOnce makes the first delete find the user changed since it was
// read, as a concurrent update would.
type staleOnce struct {
	directory.Store
	done bool
}

func (s *staleOnce) DeleteUsers(ctx context.Context, users []*user.User) ([]string, error) {
	if !s.done {
		s.done = true
		var ids []string
		for _, u := range users {
			ids = append(ids, u.ID)
		}
		return ids, nil
	}
	return s.Store.DeleteUsers(ctx, users)
}

func TestDeleteWithoutIfVersionReadsAgainAfterAConcurrentChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		u := f.create(t, newUser("ada"))
		svc := newService(t, &staleOnce{Store: env.Table})
		if err := svc.Delete(context.Background(), admin, u.ID, 0); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		_, err := env.Table.GetUser(context.Background(), "t1", u.ID)
		wantCode(t, err, fault.NotFound)
	})
}

func TestDeleteManyReportsEachIDAndNeverTouchesAnotherTenant(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		var own []string
		for i := range 10 {
			own = append(own, f.create(t, newUser(fmt.Sprintf("user%d", i))).ID)
		}
		foreign := f.create(t, newUser("foreign"), key("t2", role.Owner))
		unknown := user.NewID()
		ids := append([]string{foreign.ID, own[0], unknown, own[0], "not/an id"}, own[1:]...)

		ctx, usage := store.WithUsage(context.Background())
		out, err := f.svc.DeleteMany(ctx, manager, ids)
		if err != nil {
			t.Fatalf("DeleteMany: %v", err)
		}
		if usage.Calls("BatchGetItem") != 1 || usage.Calls("TransactWriteItems") != 1 || usage.Calls() != 2 {
			t.Errorf("calls = %d, want one BatchGetItem and one TransactWriteItems for 10 users", usage.Calls())
		}
		want := []directory.DeleteOutcome{
			{ID: foreign.ID, Status: "not_found"}, {ID: own[0], Status: "deleted"},
			{ID: unknown, Status: "not_found"}, {ID: "not/an id", Status: "not_found"},
		}
		for _, id := range own[1:] {
			want = append(want, directory.DeleteOutcome{ID: id, Status: "deleted"})
		}
		if !reflect.DeepEqual(out, want) {
			t.Errorf("outcomes =\n%v\nwant\n%v", out, want)
		}
		if got := f.partition(t, "t1"); !reflect.DeepEqual(got, map[string]int{"TENANT": 1}) {
			t.Errorf("t1 holds %v, want the tenant alone", got)
		}
		if got := f.get(t, "t2", foreign.ID); !reflect.DeepEqual(got, foreign) {
			t.Errorf("another tenant's user changed:\n%+v\nwas\n%+v", got, foreign)
		}
		if got := f.partition(t, "t2"); got["USER"] != 1 || got["EMAIL"] != 1 {
			t.Errorf("t2 holds %v", got)
		}
	})
}

func TestDeleteManyRefusesBadListsAndUsersAboveTheCaller(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		ctx := context.Background()
		_, err := f.svc.DeleteMany(ctx, admin, nil)
		wantCode(t, err, fault.Invalid, "userIds")
		_, err = f.svc.DeleteMany(ctx, admin, make([]string, directory.MaxBulkDelete+1))
		wantCode(t, err, fault.Invalid, "userIds")
		_, err = f.svc.DeleteMany(ctx, member, []string{"x"})
		wantCode(t, err, fault.Forbidden)

		u := f.create(t, newUser("ada"))
		in := newUser("boss")
		in.Role = "admin"
		boss := f.create(t, in)
		before := env.Count(t)
		_, err = f.svc.DeleteMany(ctx, manager, []string{u.ID, boss.ID})
		wantCode(t, err, fault.Forbidden)
		f.unchanged(t, before)
	})
}
