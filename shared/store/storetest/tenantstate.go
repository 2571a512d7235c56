package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	"roster/shared/provision"
)

// SetTenantActive deactivates or reactivates a tenant as a tenant.deactivate
// or tenant.reactivate event does (store.ApplyTenantState, with an
// idempotency record of its own), later than any state the tenant had.
func (e Env) SetTenantActive(t testing.TB, id string, active bool) {
	t.Helper()
	ctx := context.Background()
	tn, err := e.Table.GetTenant(ctx, id)
	if err != nil {
		t.Fatalf("get tenant %s: %v", id, err)
	}
	at := time.Now().UTC()
	if !at.After(tn.StateAt) {
		at = tn.StateAt.Add(time.Millisecond)
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	err = e.Table.ApplyTenantState(ctx, provision.TenantState{
		Mark: provision.Mark{TenantID: id, EventID: "test-" + hex.EncodeToString(b[:]), Hash: "test",
			AppliedAt: at, ExpiresAt: at.Add(time.Hour).Truncate(time.Second)},
		TenantID: id, Active: active, OccurredAt: at, Prev: tn.StateAt,
	})
	if err != nil {
		t.Fatalf("set tenant %s active=%t: %v", id, active, err)
	}
}
