package provision

import (
	"context"
	"errors"
	"time"

	"roster/shared/fault"
	"roster/shared/opaque"
	"roster/shared/role"
	"roster/shared/signin"
	"roster/shared/store"
	"roster/shared/tenant"
	"roster/shared/user"
)

// Store is what provisioning needs from the table; *store.Table implements
// it. Reads are strongly consistent; errors carry fault codes.
type Store interface {
	// GetProvisionMark reads an applied event's record. fault.NotFound.
	GetProvisionMark(ctx context.Context, tenantID, eventID string) (*store.ProvisionMark, error)
	// GetExternalRef reads an external id's ref. fault.NotFound.
	GetExternalRef(ctx context.Context, tenantID, externalID string) (*store.ExternalRef, error)
	// GetTenant reads a tenant. fault.NotFound.
	GetTenant(ctx context.Context, id string) (*tenant.Tenant, error)
	// GetUser reads a user. fault.NotFound.
	GetUser(ctx context.Context, tenantID, id string) (*user.User, error)
	// ApplyProvisioning writes one event's change with its mark in one
	// transaction (store.ErrMarked when the mark exists).
	ApplyProvisioning(ctx context.Context, p store.Provisioning) error
}

// Outcome says what applying an event did.
type Outcome string

// The outcomes of Apply.
const (
	Applied   Outcome = "applied"   // the change was made and recorded
	Duplicate Outcome = "duplicate" // the event was applied before; nothing changed
	Stale     Outcome = "stale"     // a later event for the user was applied first; recorded, nothing changed
)

// Retention of idempotency records: a redelivery within it changes
// nothing. SQS keeps a message at most 14 days, but a feed re-sending an
// event after a week is sending a new one.
const (
	MarkTTL   = 7 * 24 * time.Hour
	InviteTTL = signin.DefaultInviteTTL
	// Actor names provisioning in the users' createdBy and updatedBy.
	Actor = "provisioning"
)

// Options tunes the processor; zero values mean the defaults.
type Options struct {
	Now func() time.Time // clock; time.Now
}

// Processor applies events to the table.
type Processor struct {
	st     Store
	pepper []byte
	now    func() time.Time
}

// New returns a processor. pepper hashes the invitation tokens of new
// tenants' owners, as signin does.
func New(st Store, pepper []byte, opts Options) (*Processor, error) {
	if st == nil || len(pepper) == 0 {
		return nil, errors.New("new provision processor: store and pepper are required")
	}
	p := &Processor{st: st, pepper: pepper, now: opts.Now}
	if p.now == nil {
		p.now = time.Now
	}
	return p, nil
}

// Permanent reports whether err can never succeed however often the event
// is retried: bad input, an unknown or inactive tenant, an idempotency key
// reused with another payload, a username or email taken by another user.
// Everything else (fault.Unavailable, lost races, unexpected failures) may
// succeed on a retry.
func Permanent(err error) bool {
	switch fault.CodeOf(err) {
	case fault.Invalid, fault.NotFound, fault.Conflict, fault.Forbidden:
		return true
	}
	return false
}

// errKeyReused refuses an idempotency key seen with another payload.
var errKeyReused = fault.New(fault.Conflict, "The event id was already used for an event with another payload.")

// Apply applies one event, at most once per (tenant, id): a redelivery of
// an applied event is Duplicate; the same id with another payload is
// fault.Conflict; an event older than the last one applied to its user is
// Stale. An unknown or inactive tenant is fault.NotFound; a user event for
// an external id never upserted is fault.Unavailable, since its upsert may
// still be on the queue.
func (p *Processor) Apply(ctx context.Context, e *Event) (Outcome, error) {
	if out, seen, err := p.seen(ctx, e); seen || err != nil {
		return out, err
	}
	out, err := p.apply(ctx, e)
	if fault.CodeOf(err) == fault.Conflict {
		// A concurrent delivery of the same event may have won the race (on
		// the mark, or on the tenant, user or markers it creates, which its
		// transaction wrote together with the mark): then this one is a
		// duplicate.
		if dout, seen, serr := p.seen(ctx, e); seen {
			return dout, serr
		}
	}
	return out, err
}

// seen reads e's mark: Duplicate when it records this payload, errKeyReused
// when another; seen is false when there is no mark.
func (p *Processor) seen(ctx context.Context, e *Event) (out Outcome, seen bool, err error) {
	m, err := p.st.GetProvisionMark(ctx, e.Tenant, e.ID)
	switch fault.CodeOf(err) {
	case "":
		if m.Hash != e.Hash() {
			return "", true, errKeyReused
		}
		return Duplicate, true, nil
	case fault.NotFound:
		return "", false, nil
	}
	return "", false, err
}

func (p *Processor) apply(ctx context.Context, e *Event) (Outcome, error) {
	now := p.now().UTC()
	mark := store.ProvisionMark{TenantID: e.Tenant, EventID: e.ID, Hash: e.Hash(), AppliedAt: now,
		ExpiresAt: now.Add(MarkTTL).Truncate(time.Second)}
	if e.Type == TenantCreate {
		return p.createTenant(ctx, e, mark, now)
	}
	t, err := p.st.GetTenant(ctx, e.Tenant)
	if err != nil {
		return "", err
	}
	if !t.Active {
		return "", fault.New(fault.NotFound, "The tenant does not exist or is inactive.")
	}
	prev, err := p.st.GetExternalRef(ctx, e.Tenant, e.ExternalID)
	switch fault.CodeOf(err) {
	case "":
		if !e.OccurredAt.After(prev.OccurredAt) {
			return Stale, p.st.ApplyProvisioning(ctx, store.Provisioning{Mark: mark})
		}
	case fault.NotFound:
		prev = nil
	default:
		return "", err
	}
	ref := &store.ExternalRef{TenantID: e.Tenant, ExternalID: e.ExternalID, OccurredAt: e.OccurredAt}
	w := store.Provisioning{Mark: mark, Ref: ref, PrevRef: prev}
	var u *user.User
	if prev != nil && prev.UserID != "" {
		ref.UserID = prev.UserID
		switch u, err = p.st.GetUser(ctx, e.Tenant, prev.UserID); fault.CodeOf(err) {
		case "":
		case fault.NotFound:
			u, ref.UserID = nil, "" // deleted through an API since
		default:
			return "", err
		}
	}
	switch e.Type {
	case UserUpsert:
		f := e.User
		r := f.Role
		if r == "" {
			r = string(role.Member)
		}
		if u == nil {
			w.Create = &user.User{
				TenantID: e.Tenant, ID: user.NewID(), Username: f.Username, Email: f.Email,
				FirstName: f.FirstName, LastName: f.LastName, Active: *f.Active, Role: r,
				CreatedAt: now, UpdatedAt: now, CreatedBy: Actor, UpdatedBy: Actor,
			}
			break
		}
		next := *u
		next.Username, next.Email, next.FirstName, next.LastName, next.Role = f.Username, f.Email, f.FirstName, f.LastName, r
		setActive(&next, u, *f.Active, now)
		w.Update = changed(u, &next, now)
	case UserDeactivate, UserReactivate:
		if u == nil {
			return "", fault.New(fault.Unavailable, "No user has this external id yet; its upsert may not have been applied.")
		}
		next := *u
		setActive(&next, u, e.Type == UserReactivate, now)
		w.Update = changed(u, &next, now)
	case UserDelete:
		w.Delete = u // nil: already gone; the ref still records the delete
		ref.UserID = ""
	}
	if err := p.st.ApplyProvisioning(ctx, w); err != nil {
		return "", err
	}
	return Applied, nil
}

// setActive sets next's active flag and role effects as the directory
// does: a deactivated or demoted user's tokens stop working now and its
// sessions end.
func setActive(next, old *user.User, active bool, now time.Time) {
	next.Active = active
	if next.Role != old.Role || old.Active && !active {
		next.TokenVersion++
	}
	if old.Active && !active {
		next.SessionsRevokedAt = now.Truncate(time.Millisecond)
	}
}

// changed returns the update pair when next differs from old, with the
// version and audit fields advanced, or none when nothing changed.
func changed(old, next *user.User, now time.Time) [2]*user.User {
	probe := *next
	probe.UpdatedAt, probe.UpdatedBy = old.UpdatedAt, old.UpdatedBy
	if same(old, &probe) {
		return [2]*user.User{}
	}
	next.Version = old.Version + 1
	next.UpdatedAt, next.UpdatedBy = now, Actor
	return [2]*user.User{old, next}
}

func same(a, b *user.User) bool {
	return a.Username == b.Username && a.Email == b.Email && a.FirstName == b.FirstName &&
		a.LastName == b.LastName && a.Active == b.Active && a.Role == b.Role && a.TokenVersion == b.TokenVersion
}

// createTenant creates the tenant and the invitation of its first owner in
// one transaction with the event's mark. The invitation token is generated
// here and only its hash is stored; no password ever travels in an event.
func (p *Processor) createTenant(ctx context.Context, e *Event, mark store.ProvisionMark, now time.Time) (Outcome, error) {
	k, err := opaque.Invite.Generate()
	if err != nil {
		return "", fault.Wrap(err, fault.Internal, "An internal error occurred.")
	}
	w := store.Provisioning{
		Mark:   mark,
		Tenant: &tenant.Tenant{ID: e.Tenant, Organization: e.Organization, Name: e.Name, Active: true, CreatedAt: now},
		Invite: &signin.Invite{
			ID: k.ID, TenantID: e.Tenant, Email: e.Owner.Email, Role: string(role.Owner),
			FirstName: e.Owner.FirstName, LastName: e.Owner.LastName, Hash: opaque.Hash(p.pepper, k.Token),
			CreatedAt: now, CreatedBy: Actor, ExpiresAt: now.Add(InviteTTL).Truncate(time.Second),
		},
	}
	if err := p.st.ApplyProvisioning(ctx, w); err != nil {
		return "", err
	}
	return Applied, nil
}
