package directory_test

import (
	"context"
	"testing"

	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/store/storetest"
)

func TestDeletingTheLastOwnerAloneOrInBulkIsAConflictAndDeletesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		ctx := context.Background()
		in := newUser("root")
		in.Role = "owner"
		root := f.create(t, in)
		ada, bob := f.create(t, newUser("ada")), f.create(t, newUser("bob"))
		before := env.Count(t)

		err := f.svc.Delete(ctx, owner, root.ID, 0)
		wantCode(t, err, fault.Conflict, "userId")
		if !directory.IsLastOwner(err) {
			t.Errorf("err = %v, want ErrLastOwner in its chain", err)
		}
		_, err = f.svc.DeleteMany(ctx, owner, []string{ada.ID, root.ID, bob.ID})
		wantCode(t, err, fault.Conflict, "userIds")
		f.unchanged(t, before)

		out, err := f.svc.DeleteMany(ctx, owner, []string{ada.ID, bob.ID})
		if err != nil || len(out) != 2 || out[0].Status != directory.StatusDeleted || out[1].Status != directory.StatusDeleted {
			t.Errorf("bulk delete of members: %+v, %v", out, err)
		}
	})
}
