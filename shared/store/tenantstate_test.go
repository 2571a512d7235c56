package store_test

import (
	"context"
	"testing"
	"time"

	"roster/shared/fault"
	"roster/shared/provision"
	"roster/shared/store"
	"roster/shared/store/storetest"
)

func TestGetUserAndTenantReadsBothInOneCall(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		env.Tenant(t, "t1")
		u := newUser("t1", "ada")
		mustCreate(t, env, u)

		ctx, use := store.WithUsage(context.Background())
		got, tn, err := env.Table.GetUserAndTenant(ctx, "t1", u.ID)
		if err != nil || got.ID != u.ID || tn.ID != "t1" || !tn.Active {
			t.Fatalf("GetUserAndTenant = %+v, %+v, %v", got, tn, err)
		}
		if use.Calls("BatchGetItem") != 1 || use.Calls() != 1 {
			t.Errorf("%d calls (BatchGetItem %d), want one BatchGetItem", use.Calls(), use.Calls("BatchGetItem"))
		}
		_, _, err = env.Table.GetUserAndTenant(context.Background(), "t1", "nobody")
		wantCode(t, err, fault.NotFound)
		_, _, err = env.Table.GetUserAndTenant(context.Background(), "missing", u.ID)
		wantCode(t, err, fault.NotFound)
	})
}

func TestApplyTenantStateWritesOnlyOnTheStateItRead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		env.Tenant(t, "t1")
		at := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
		mark := func(id string) provision.Mark {
			return provision.Mark{TenantID: "t1", EventID: id, Hash: "h-" + id, AppliedAt: at, ExpiresAt: at.Add(time.Hour)}
		}
		if err := env.Table.ApplyTenantState(ctx, provision.TenantState{Mark: mark("e1"), TenantID: "t1", OccurredAt: at}); err != nil {
			t.Fatalf("deactivate: %v", err)
		}
		tn, err := env.Table.GetTenant(ctx, "t1")
		if err != nil || tn.Active || !tn.StateAt.Equal(at) {
			t.Fatalf("tenant = %+v, %v; want inactive at %v", tn, err, at)
		}

		// A writer that read the tenant before e1 lost the race: retried, not applied.
		before := env.Count(t)
		err = env.Table.ApplyTenantState(ctx, provision.TenantState{Mark: mark("e2"), TenantID: "t1", Active: true, OccurredAt: at.Add(time.Hour)})
		wantCode(t, err, fault.Unavailable)
		// The same mark again is ErrMarked, whatever the state.
		err = env.Table.ApplyTenantState(ctx, provision.TenantState{Mark: mark("e1"), TenantID: "t1", Active: true, OccurredAt: at.Add(time.Hour), Prev: at})
		wantCode(t, err, fault.Conflict)
		// An unknown tenant is not created.
		err = env.Table.ApplyTenantState(ctx, provision.TenantState{Mark: mark("e3"), TenantID: "nowhere", OccurredAt: at})
		wantCode(t, err, fault.Unavailable)
		if n := env.Count(t); n != before {
			t.Errorf("items %d -> %d", before, n)
		}
		if tn, _ := env.Table.GetTenant(ctx, "t1"); tn.Active {
			t.Error("a refused write reactivated the tenant")
		}
	})
}
