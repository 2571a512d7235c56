package provision

import (
	"context"

	"roster/shared/tenant"
)

// setTenantState applies a tenant.deactivate or tenant.reactivate to t, the
// tenant as read. Events are ordered per tenant by occurredAt against
// every event that set its state (tenant.create included): one not later
// than the last is Stale, recorded with nothing changed, so a suspension
// and a reinstatement that arrive out of order end in the later one's
// state. A deactivation of an inactive tenant (or the reverse) is applied
// all the same: it moves the order forward.
//
// Deactivation closes the tenant to every credential at once (the
// authorizer, login and exchange read the tenant; see decision 014) but
// ends no session and revokes no token: a reactivated tenant works again
// for everyone who held a credential, as a billing reinstatement should.
func (p *Processor) setTenantState(ctx context.Context, e *Event, t *tenant.Tenant, mark Mark) (Outcome, error) {
	if !e.OccurredAt.After(t.StateAt) {
		return Stale, p.st.ApplyProvisioning(ctx, Change{Mark: mark})
	}
	err := p.st.ApplyTenantState(ctx, TenantState{
		Mark: mark, TenantID: e.Tenant, Active: e.Type == TenantReactivate,
		OccurredAt: e.OccurredAt, Prev: t.StateAt,
	})
	if err != nil {
		return "", err
	}
	return Applied, nil
}
