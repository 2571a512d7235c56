package provision

import (
	"context"
	"errors"
	"time"

	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/opaque"
	"roster/shared/role"
	"roster/shared/signin"
	"roster/shared/tenant"
	"roster/shared/user"
)

// Store is what provisioning needs from the table; *store.Table implements
// it. Reads are strongly consistent; errors carry fault codes.
type Store interface {
	// GetProvisionMark reads an applied event's record. fault.NotFound.
	GetProvisionMark(ctx context.Context, tenantID, eventID string) (*Mark, error)
	// GetExternalRef reads an external id's ref. fault.NotFound.
	GetExternalRef(ctx context.Context, tenantID, externalID string) (*ExternalRef, error)
	// GetTenant reads a tenant. fault.NotFound.
	GetTenant(ctx context.Context, id string) (*tenant.Tenant, error)
	// GetUser reads a user. fault.NotFound.
	GetUser(ctx context.Context, tenantID, id string) (*user.User, error)
	// ApplyProvisioning writes one event's change with its mark in one
	// transaction (ErrMarked when the mark exists).
	ApplyProvisioning(ctx context.Context, p Change) error
	// ApplyTenantState sets a tenant's active flag with the event's mark
	// in one transaction, provided the tenant's StateAt is still the one
	// read (ErrMarked when the mark exists, fault.Unavailable when
	// the tenant changed).
	ApplyTenantState(ctx context.Context, s TenantState) error

	// GetGroup reads a group. fault.NotFound.
	GetGroup(ctx context.Context, tenantID, id string) (*directory.Group, error)
	// GroupIDByName resolves a group name, case-insensitively. fault.NotFound.
	GroupIDByName(ctx context.Context, tenantID, name string) (string, error)
	// GetGroupRef reads a group's external id's ref. fault.NotFound.
	GetGroupRef(ctx context.Context, tenantID, externalID string) (*GroupRef, error)
	// GetMemberRef reads the last membership event applied for a user's
	// external id and a group. fault.NotFound.
	GetMemberRef(ctx context.Context, tenantID, externalID, groupID string) (*MemberRef, error)
	// ApplyGroupProvisioning writes one group event's change with its mark
	// in one transaction (ErrMarked when the mark exists,
	// ErrNoGroup when the group is missing, ErrGroupName when
	// the name is taken).
	ApplyGroupProvisioning(ctx context.Context, p GroupChange) error
}

// Users is the door the users a feed creates go through, the
// directory's: directory.Service implements it.
type Users interface {
	// Admit stores u with also in one transaction, for the feed's
	// principal (auth.ViaFeed): ErrMarked when the event's mark exists,
	// fault.Unavailable when the ref changed since read, fault.Conflict
	// naming email or username when taken, fault.NotFound when the tenant
	// is missing or inactive.
	Admit(ctx context.Context, p auth.Principal, u *user.User, also user.Also) error
}

// Outcome says what applying an event did.
type Outcome string

// The outcomes of Apply.
const (
	Applied   Outcome = "applied"   // the change was made and recorded
	Duplicate Outcome = "duplicate" // the event was applied before; nothing changed
	Stale     Outcome = "stale"     // a later event for the user (group, membership, tenant) was applied first; recorded, nothing changed
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
	// Notifier delivers new owners' invitations (required).
	Notifier Notifier
}

// Processor applies events to the table.
type Processor struct {
	st     Store
	users  Users
	pepper []byte
	now    func() time.Time
	notify Notifier
}

// New returns a processor. users (the directory) admits the users events
// create; pepper hashes the invitation tokens of new tenants' owners, as
// signin does.
func New(st Store, users Users, pepper []byte, opts Options) (*Processor, error) {
	if st == nil || users == nil || len(pepper) == 0 || opts.Notifier == nil {
		return nil, errors.New("new provision processor: store, users, pepper and notifier are required")
	}
	p := &Processor{st: st, users: users, pepper: pepper, now: opts.Now, notify: opts.Notifier}
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
// fault.Conflict; an event older than the last one applied to its user
// (group, membership for group.member.*, tenant for tenant.*) is Stale. An
// unknown tenant is fault.NotFound, and so is an inactive one for every
// event but tenant.deactivate and tenant.reactivate, as is a group named
// by id or name that does not exist; a user event for an external id
// never upserted (or a membership event naming a group's external id no
// group.upsert reached) is fault.Unavailable, since its upsert may still
// be on the queue.
//
// A tenant.create, Applied or Duplicate, then sends the owner's invitation
// to the Notifier. The token is derived from the pepper and the event, so
// every send carries the same token, the one whose hash the transaction
// stored; a failed send is fault.Unavailable, and the redelivery that
// follows is a Duplicate that sends it again. The mailer therefore sees an
// invitation at least once, keyed by its id.
func (p *Processor) Apply(ctx context.Context, e *Event) (Outcome, error) {
	out, appliedAt, err := p.applyOnce(ctx, e)
	if err != nil || e.Type != TenantCreate {
		return out, err
	}
	if err := p.sendInvite(ctx, e, appliedAt); err != nil {
		return "", err
	}
	return out, nil
}

// applyOnce applies e unless its mark exists; appliedAt is when it was
// applied, now or by an earlier delivery.
func (p *Processor) applyOnce(ctx context.Context, e *Event) (Outcome, time.Time, error) {
	if out, at, seen, err := p.seen(ctx, e); seen || err != nil {
		return out, at, err
	}
	now := p.now().UTC()
	out, err := p.apply(ctx, e, now)
	if fault.CodeOf(err) == fault.Conflict {
		// A concurrent delivery of the same event may have won the race (on
		// the mark, or on the tenant, user or markers it creates, which its
		// transaction wrote together with the mark): then this one is a
		// duplicate.
		if dout, at, seen, serr := p.seen(ctx, e); seen {
			return dout, at, serr
		}
	}
	return out, now, err
}

// seen reads e's mark: Duplicate when it records this payload, errKeyReused
// when another; seen is false when there is no mark.
func (p *Processor) seen(ctx context.Context, e *Event) (out Outcome, appliedAt time.Time, seen bool, err error) {
	m, err := p.st.GetProvisionMark(ctx, e.Tenant, e.ID)
	switch fault.CodeOf(err) {
	case "":
		if m.Hash != e.Hash() {
			return "", time.Time{}, true, errKeyReused
		}
		return Duplicate, m.AppliedAt, true, nil
	case fault.NotFound:
		return "", time.Time{}, false, nil
	}
	return "", time.Time{}, false, err
}

// inviteKey is the owner's invitation token of a tenant.create: derived,
// not random, so a resend after a failure carries the token whose hash
// was stored.
func (p *Processor) inviteKey(e *Event) opaque.Key {
	return opaque.Invite.Derive(p.pepper, "provision/tenant.create\x00"+e.Tenant+"\x00"+e.ID)
}

// inviteExpiry is when an invitation created at appliedAt lapses, as stored.
func inviteExpiry(appliedAt time.Time) time.Time {
	return appliedAt.UTC().Add(InviteTTL).Truncate(time.Second)
}

func (p *Processor) sendInvite(ctx context.Context, e *Event, appliedAt time.Time) error {
	k := p.inviteKey(e)
	return p.notify.Notify(ctx, Notification{
		Type: InvitationCreated, Version: 1, ID: k.ID, EventID: e.ID, Tenant: e.Tenant, TenantName: e.Name,
		Email: e.Owner.Email, FirstName: e.Owner.FirstName, LastName: e.Owner.LastName, Role: string(role.Owner),
		InviteToken: k.Token, ExpiresAt: inviteExpiry(appliedAt),
	})
}

func (p *Processor) apply(ctx context.Context, e *Event, now time.Time) (Outcome, error) {
	mark := Mark{TenantID: e.Tenant, EventID: e.ID, Hash: e.Hash(), AppliedAt: now,
		ExpiresAt: now.Add(MarkTTL).Truncate(time.Second)}
	if e.Type == TenantCreate {
		return p.createTenant(ctx, e, mark, now)
	}
	t, err := p.st.GetTenant(ctx, e.Tenant)
	if err != nil {
		return "", err
	}
	if e.Type == TenantDeactivate || e.Type == TenantReactivate {
		return p.setTenantState(ctx, e, t, mark)
	}
	if !t.Active {
		return "", fault.New(fault.NotFound, "The tenant does not exist or is inactive.")
	}
	switch e.Type {
	case GroupUpsert:
		return p.upsertGroup(ctx, e, mark, now)
	case GroupMemberAdd, GroupMemberRemove:
		return p.changeMembership(ctx, e, mark, now)
	}
	prev, err := p.st.GetExternalRef(ctx, e.Tenant, e.ExternalID)
	switch fault.CodeOf(err) {
	case "":
		if !e.OccurredAt.After(prev.OccurredAt) {
			return Stale, p.st.ApplyProvisioning(ctx, Change{Mark: mark})
		}
	case fault.NotFound:
		prev = nil
	default:
		return "", err
	}
	ref := &ExternalRef{TenantID: e.Tenant, ExternalID: e.ExternalID, OccurredAt: e.OccurredAt}
	w := Change{Mark: mark, Ref: ref, PrevRef: prev}
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
			return p.admit(ctx, e, user.New(user.Fields{
				TenantID: e.Tenant, Username: f.Username, Email: f.Email,
				FirstName: f.FirstName, LastName: f.LastName, Active: *f.Active, Role: r,
				EmailVerified: f.EmailVerified != nil && *f.EmailVerified,
				ExternalID:    e.ExternalID,
			}, now, Actor), Provisioned{Mark: mark, Ref: ref, PrevRef: prev})
		}
		next := *u
		next.Username, next.Email, next.FirstName, next.LastName, next.Role = f.Username, f.Email, f.FirstName, f.LastName, r
		if next.Reverify(u); f.EmailVerified != nil {
			next.EmailVerified = *f.EmailVerified
		}
		next.ExternalID = e.ExternalID // the ref names the user; the user names its ref (SCIM shows it)
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

// admit brings in u, the new user of a user.upsert, through the
// directory's door, in one transaction with the event's mark and ref.
func (p *Processor) admit(ctx context.Context, e *Event, u *user.User, rec Provisioned) (Outcome, error) {
	feed := auth.Principal{TenantID: e.Tenant, Method: auth.ViaFeed}
	if err := p.users.Admit(ctx, feed, u, rec); err != nil {
		return "", err
	}
	return Applied, nil
}

// setActive sets next's active flag with what it means for access
// (user.RevokeAccess, as for every change of a user).
func setActive(next, old *user.User, active bool, now time.Time) {
	next.Active = active
	next.RevokeAccess(old, now)
}

// changed returns the update pair when next differs from old, with the
// version and audit fields advanced, or none when nothing changed.
func changed(old, next *user.User, now time.Time) [2]*user.User {
	probe := *next
	probe.UpdatedAt, probe.UpdatedBy = old.UpdatedAt, old.UpdatedBy
	if same(old, &probe) {
		return [2]*user.User{}
	}
	next.Stamp(old, now, Actor)
	return [2]*user.User{old, next}
}

func same(a, b *user.User) bool {
	return a.Username == b.Username && a.Email == b.Email && a.FirstName == b.FirstName &&
		a.LastName == b.LastName && a.Active == b.Active && a.Role == b.Role && a.TokenVersion == b.TokenVersion
}

// createTenant creates the tenant and the invitation of its first owner in
// one transaction with the event's mark. Only the invitation token's hash
// is stored; Apply sends the token itself once the transaction committed.
// No password ever travels in an event.
func (p *Processor) createTenant(ctx context.Context, e *Event, mark Mark, now time.Time) (Outcome, error) {
	k := p.inviteKey(e)
	w := Change{
		Mark:   mark,
		Tenant: &tenant.Tenant{ID: e.Tenant, Organization: e.Organization, Name: e.Name, Active: true, CreatedAt: now, StateAt: e.OccurredAt},
		Invite: &signin.Invite{
			ID: k.ID, TenantID: e.Tenant, Email: e.Owner.Email, Role: string(role.Owner),
			FirstName: e.Owner.FirstName, LastName: e.Owner.LastName, Hash: opaque.Hash(p.pepper, k.Token),
			CreatedAt: now, CreatedBy: Actor, ExpiresAt: inviteExpiry(now),
		},
	}
	if err := p.st.ApplyProvisioning(ctx, w); err != nil {
		return "", err
	}
	return Applied, nil
}
