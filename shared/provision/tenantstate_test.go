package provision_test

import (
	"context"
	"fmt"
	"testing"

	"roster/shared/fault"
	"roster/shared/provision"
	"roster/shared/store/storetest"
)

func tenantState(typ, id, tenantID, occurred string) string {
	return fmt.Sprintf(`{"type":%q,"version":1,"id":%q,"occurredAt":%q,"tenant":%q}`, typ, id, occurred, tenantID)
}

// active reads whether the tenant is active, straight from the table.
func (f fixture) active(t *testing.T, tenantID string) bool {
	t.Helper()
	tn, err := f.env.Table.GetTenant(context.Background(), tenantID)
	if err != nil {
		t.Fatalf("get tenant %s: %v", tenantID, err)
	}
	return tn.Active
}

func TestTenantDeactivateAndReactivateSetTheTenantsState(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		f.mustApply(t, tenantCreate("t1", "acme", at(0)), provision.Applied)
		f.mustApply(t, tenantState(provision.TenantDeactivate, "s1", "acme", at(10)), provision.Applied)
		if f.active(t, "acme") {
			t.Fatal("active after tenant.deactivate")
		}
		// A deactivated tenant takes no other event, but is reactivated.
		_, err := f.apply(t, upsert("u1", "acme", "ext-1", at(11), "ada", "ada@example.com", true))
		if fault.CodeOf(err) != fault.NotFound || !provision.Permanent(err) {
			t.Errorf("user.upsert into an inactive tenant = %v, want a permanent NotFound", err)
		}
		f.mustApply(t, tenantState(provision.TenantReactivate, "s2", "acme", at(20)), provision.Applied)
		if !f.active(t, "acme") {
			t.Fatal("inactive after tenant.reactivate")
		}
		f.mustApply(t, upsert("u1", "acme", "ext-1", at(21), "ada", "ada@example.com", true), provision.Applied)
		// Deactivating an inactive tenant again is applied: it moves the order on.
		f.mustApply(t, tenantState(provision.TenantDeactivate, "s3", "acme", at(30)), provision.Applied)
		f.mustApply(t, tenantState(provision.TenantDeactivate, "s4", "acme", at(31)), provision.Applied)
		f.mustApply(t, tenantState(provision.TenantReactivate, "s5", "acme", at(30)), provision.Stale)
		if f.active(t, "acme") {
			t.Error("a reactivation older than the last deactivation reactivated the tenant")
		}
	})
}

func TestTenantEventsAreIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		f.mustApply(t, tenantCreate("t1", "acme", at(0)), provision.Applied)
		for _, body := range []string{
			tenantState(provision.TenantDeactivate, "s1", "acme", at(10)),
			tenantState(provision.TenantReactivate, "s2", "acme", at(20)),
		} {
			f.mustApply(t, body, provision.Applied)
			before, active := env.Count(t), f.active(t, "acme")
			f.mustApply(t, body, provision.Duplicate)
			if n := env.Count(t); n != before || f.active(t, "acme") != active {
				t.Errorf("redelivering %s: items %d -> %d, active %t -> %t", body, before, n, active, f.active(t, "acme"))
			}
		}
		// The same id with another payload is refused, and changes nothing.
		before := env.Count(t)
		_, err := f.apply(t, tenantState(provision.TenantDeactivate, "s2", "acme", at(30)))
		if fault.CodeOf(err) != fault.Conflict || !provision.Permanent(err) {
			t.Fatalf("Apply = %v, want a permanent Conflict", err)
		}
		if n := env.Count(t); n != before || !f.active(t, "acme") {
			t.Errorf("items %d -> %d, active %t", before, n, f.active(t, "acme"))
		}
	})
}

func TestOlderTenantEventIsStaleAndChangesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		f.mustApply(t, tenantCreate("t1", "acme", at(5)), provision.Applied)
		// Older than the tenant's creation.
		f.mustApply(t, tenantState(provision.TenantDeactivate, "s0", "acme", at(4)), provision.Stale)
		if !f.active(t, "acme") {
			t.Fatal("a deactivation older than the tenant's creation deactivated it")
		}
		// A suspension at 10:00 and a reinstatement at 09:00 delivered late:
		// the tenant stays suspended; equal times are stale too.
		f.mustApply(t, tenantState(provision.TenantDeactivate, "s1", "acme", at(10)), provision.Applied)
		f.mustApply(t, tenantState(provision.TenantReactivate, "s2", "acme", at(9)), provision.Stale)
		f.mustApply(t, tenantState(provision.TenantReactivate, "s3", "acme", at(10)), provision.Stale)
		if f.active(t, "acme") {
			t.Error("an older reactivation reactivated the tenant")
		}
		// A stale event is recorded: its redelivery is a duplicate.
		f.mustApply(t, tenantState(provision.TenantReactivate, "s2", "acme", at(9)), provision.Duplicate)
	})
}

func TestTenantEventsOfOneBatchApplyInOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		// One batch reads the tenant once; each tenant event must see the
		// state the one before it wrote.
		resp := f.proc.Handle(context.Background(), quiet, batch(
			tenantCreate("t1", "globex", at(0)),
			tenantState(provision.TenantDeactivate, "s1", "globex", at(1)),
			tenantState(provision.TenantReactivate, "s2", "globex", at(2)),
			tenantState(provision.TenantDeactivate, "s3", "globex", at(3)),
		))
		if len(resp.BatchItemFailures) != 0 {
			t.Fatalf("failures = %+v", resp.BatchItemFailures)
		}
		if f.active(t, "globex") {
			t.Error("active after the batch's last event deactivated it")
		}
	})
}

func TestTenantEventOfAnUnknownTenantIsPermanentAndWritesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		before := env.Count(t)
		for _, typ := range []string{provision.TenantDeactivate, provision.TenantReactivate} {
			_, err := f.apply(t, tenantState(typ, "s1", "nowhere", at(1)))
			if fault.CodeOf(err) != fault.NotFound || !provision.Permanent(err) {
				t.Errorf("%s = %v, want a permanent NotFound", typ, err)
			}
			resp := f.proc.Handle(context.Background(), quiet, batch(tenantState(typ, "s1", "nowhere", at(1))))
			if len(resp.BatchItemFailures) != 1 {
				t.Errorf("%s: failures = %+v, want m0", typ, resp.BatchItemFailures)
			}
		}
		if n := env.Count(t); n != before {
			t.Errorf("items %d -> %d", before, n)
		}
	})
}

func TestBadTenantEventIsRefusedNamingTheFieldAndWritesNothing(t *testing.T) {
	const env0 = `"version":1,"id":"s1","occurredAt":"2026-01-01T00:00:00Z","tenant":"acme"`
	cases := map[string]struct{ body, field string }{
		"external id":        {`{"type":"tenant.deactivate",` + env0 + `,"externalId":"x"}`, "externalId"},
		"reason":             {`{"type":"tenant.reactivate",` + env0 + `,"reason":"paid"}`, "reason"},
		"organization":       {`{"type":"tenant.deactivate",` + env0 + `,"organization":"A"}`, "organization"},
		"missing id":         {`{"type":"tenant.deactivate","version":1,"occurredAt":"2026-01-01T00:00:00Z","tenant":"acme"}`, "id"},
		"missing occurredAt": {`{"type":"tenant.reactivate","version":1,"id":"s1","tenant":"acme"}`, "occurredAt"},
		"bad occurredAt":     {`{"type":"tenant.reactivate","version":1,"id":"s1","occurredAt":"soon","tenant":"acme"}`, "occurredAt"},
		"missing tenant":     {`{"type":"tenant.deactivate","version":1,"id":"s1","occurredAt":"2026-01-01T00:00:00Z"}`, "tenant"},
		"bad tenant":         {`{"type":"tenant.deactivate","version":1,"id":"s1","occurredAt":"2026-01-01T00:00:00Z","tenant":"a#b"}`, "tenant"},
		"wrong type":         {`{"type":"tenant.deactivate","version":1,"id":7,"occurredAt":"2026-01-01T00:00:00Z","tenant":"acme"}`, "id"},
		"other version":      {`{"type":"tenant.deactivate","version":2,"id":"s1","occurredAt":"2026-01-01T00:00:00Z","tenant":"acme"}`, "version"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := provision.Decode([]byte(tc.body))
			fe := fault.As(err)
			if err == nil || fe.Code != fault.Invalid || !provision.Permanent(err) {
				t.Fatalf("Decode = %v, want a permanent fault.Invalid", err)
			}
			for _, x := range fe.Fields {
				if x.Field == tc.field {
					return
				}
			}
			t.Errorf("fields %v do not name %q", fe.Fields, tc.field)
		})
	}
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		f.mustApply(t, tenantCreate("t1", "acme", at(0)), provision.Applied)
		before := env.Count(t)
		var bodies []string
		for _, tc := range cases {
			bodies = append(bodies, tc.body)
		}
		resp := f.proc.Handle(context.Background(), quiet, batch(bodies...))
		if len(resp.BatchItemFailures) != len(bodies) {
			t.Errorf("failures = %d, want %d", len(resp.BatchItemFailures), len(bodies))
		}
		if n := env.Count(t); n != before || !f.active(t, "acme") {
			t.Errorf("items %d -> %d, active %t", before, n, f.active(t, "acme"))
		}
	})
}
