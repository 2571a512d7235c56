package provision_test

import (
	"context"
	"fmt"
	"testing"

	"roster/shared/provision"
	"roster/shared/store"
	"roster/shared/store/storetest"
)

func TestBatchOfIndependentUpsertsReadsOnceAndWritesOneTransactionEach(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		env.Tenant(t, "acme")
		// One existing user, so the batch also reads a user.
		f.mustApply(t, upsert("u0", "acme", "ext-0", at(0), "user0", "user0@example.com", true), provision.Applied)

		var bodies []string
		for i := range 10 {
			bodies = append(bodies, upsert(fmt.Sprintf("b%d", i), "acme", fmt.Sprintf("ext-%d", i), at(1),
				fmt.Sprintf("user%d", i), fmt.Sprintf("user%d@example.com", i), true))
		}
		ctx, use := store.WithUsage(context.Background())
		if resp := f.proc.Handle(ctx, quiet, batch(bodies...)); len(resp.BatchItemFailures) != 0 {
			t.Fatalf("failures = %v", resp.BatchItemFailures)
		}
		// Reads: the marks, the tenant and the refs in one BatchGetItem,
		// the one existing user in another. Writes: one transaction each.
		if got := use.Calls("BatchGetItem"); got != 2 {
			t.Errorf("BatchGetItem calls = %d, want 2", got)
		}
		if got := use.Calls("GetItem"); got != 0 {
			t.Errorf("GetItem calls = %d, want 0", got)
		}
		if got := use.Calls("TransactWriteItems"); got != 10 {
			t.Errorf("TransactWriteItems calls = %d, want 10", got)
		}
		for i := range 10 {
			if u, err := f.userOf(t, "acme", fmt.Sprintf("ext-%d", i)); err != nil || u.Username != fmt.Sprintf("user%d", i) {
				t.Errorf("ext-%d = %+v, %v", i, u, err)
			}
		}
	})
}

func TestEventsOfOneBatchSeeEarlierEventsWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		// The tenant, a user, its rename, a redelivery of the rename and a
		// deactivation: each event reads what the one before it wrote.
		resp := f.proc.Handle(context.Background(), quiet, batch(
			tenantCreate("t1", "acme", at(0)),
			upsert("u1", "acme", "ext-1", at(1), "ada", "ada@example.com", true),
			upsert("u2", "acme", "ext-1", at(2), "ada.l", "ada@example.com", true),
			upsert("u2", "acme", "ext-1", at(2), "ada.l", "ada@example.com", true),
			state("user.deactivate", "u3", "acme", "ext-1", at(3)),
		))
		if len(resp.BatchItemFailures) != 0 {
			t.Fatalf("failures = %v", resp.BatchItemFailures)
		}
		u, err := f.userOf(t, "acme", "ext-1")
		if err != nil || u.Username != "ada.l" || u.Active {
			t.Fatalf("user = %+v, %v; want ada.l, inactive", u, err)
		}
	})
}
