package store_test

import (
	"context"
	"testing"
	"time"

	"roster/shared/fault"
	"roster/shared/signin"
	"roster/shared/store"
	"roster/shared/store/storetest"
	"roster/shared/throttle"
)

// invitation is an invitation of tenantID to email, expiring in a day.
func invitation(id, tenantID, email string, now time.Time) *signin.Invite {
	return &signin.Invite{ID: id, TenantID: tenantID, Email: email, Role: "member", Hash: []byte{1}, CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour)}
}

// counters are small limits, per address and per tenant, to reach in a test.
func counters(tenantID, email string) []throttle.Counter {
	cs := throttle.Mail(tenantID, email)
	cs[0].Limit = throttle.Limit{Max: 2, Window: time.Hour}
	cs[1].Limit = throttle.Limit{Max: 3, Window: time.Hour}
	return cs
}

func TestCreateInviteCountsEachAddressAndTheTenantAndARefusalWritesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		env.Tenant(t, "t1")
		env.Tenant(t, "t2")
		// Half past an hour: the windows end in thirty minutes.
		now := time.Now().Truncate(time.Hour).Add(30 * time.Minute)
		create := func(id, tenantID, email string, at time.Time) error {
			return env.Table.CreateInvite(ctx, invitation(id, tenantID, email, at), counters(tenantID, email), at)
		}
		for i, id := range []string{"a1", "a2"} {
			if err := create(id, "t1", "grace@example.com", now.Add(time.Duration(i)*time.Second)); err != nil {
				t.Fatalf("invitation %d: %v", i+1, err)
			}
		}
		before := env.Count(t)
		err := create("a3", "t1", "Grace@Example.COM", now.Add(10*time.Minute))
		if e := wantCode(t, err, fault.TooManyRequests); e.RetryAfter != 20*time.Minute {
			t.Errorf("RetryAfter = %v, want 20m, the rest of the window", e.RetryAfter)
		}
		if after := env.Count(t); after != before {
			t.Errorf("refused: items %d -> %d", before, after)
		}
		if _, err := env.Table.GetInvite(ctx, "a3"); fault.CodeOf(err) != fault.NotFound {
			t.Errorf("refused invitation stored: %v", err)
		}

		// The tenant's count: a third address takes the last one.
		if err := create("b1", "t1", "alan@example.com", now); err != nil {
			t.Fatal(err)
		}
		wantCode(t, create("c1", "t1", "edsger@example.com", now), fault.TooManyRequests)
		// Another tenant counts apart.
		if err := create("d1", "t2", "grace@example.com", now); err != nil {
			t.Errorf("other tenant: %v", err)
		}
		// The next window counts afresh.
		if err := create("c2", "t1", "edsger@example.com", now.Add(30*time.Minute)); err != nil {
			t.Errorf("next window: %v", err)
		}
	})
}

func TestCreateInviteReplacesTheAddresssLiveInvitationInOneReadAndOneTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		env.Tenant(t, "t1")
		now := time.Now().Truncate(time.Second)
		if err := env.Table.CreateInvite(ctx, invitation("old", "t1", "grace@example.com", now), nil, now); err != nil {
			t.Fatal(err)
		}
		if err := env.Table.CreateInvite(ctx, invitation("other", "t1", "alan@example.com", now), nil, now); err != nil {
			t.Fatal(err)
		}
		uctx, usage := store.WithUsage(ctx)
		if err := env.Table.CreateInvite(uctx, invitation("new", "t1", "GRACE@example.com", now), throttle.Mail("t1", "grace@example.com"), now); err != nil {
			t.Fatal(err)
		}
		if usage.Calls("GetItem") != 1 || usage.Calls("TransactWriteItems") != 1 || usage.Calls() != 2 {
			t.Errorf("calls = %d, want 1 GetItem and 1 TransactWriteItems", usage.Calls())
		}
		if _, err := env.Table.GetInvite(ctx, "old"); fault.CodeOf(err) != fault.NotFound {
			t.Errorf("replaced invitation: %v, want not_found", err)
		}
		for _, id := range []string{"new", "other"} {
			if _, err := env.Table.GetInvite(ctx, id); err != nil {
				t.Errorf("invitation %s: %v", id, err)
			}
		}
	})
}

func TestCreateInviteRefusesAnAddressAUserHas(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		env.Tenant(t, "t1")
		mustCreate(t, env, newUser("t1", "bob"))
		now := time.Now().Truncate(time.Second)
		before := env.Count(t)
		err := env.Table.CreateInvite(ctx, invitation("i1", "t1", "BOB@example.com", now), throttle.Mail("t1", "bob@example.com"), now)
		wantCode(t, err, fault.Conflict, "email")
		if after := env.Count(t); after != before {
			t.Errorf("items %d -> %d", before, after)
		}
	})
}
