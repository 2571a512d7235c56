package directory

import (
	"context"
	"errors"
	"slices"
	"time"

	"roster/shared/auth"
	"roster/shared/fault"
	"roster/shared/password"
	"roster/shared/role"
	"roster/shared/seal"
	"roster/shared/signin"
	"roster/shared/user"
)

// Options tunes the service; the zero value of each field means its default.
type Options struct {
	Now func() time.Time // clock; time.Now
	// MaxFailures and LockFor are the lockout policy a wrong current
	// password counts against, as at login: signin.DefaultMaxFailures
	// and signin.DefaultLockFor.
	MaxFailures int
	LockFor     time.Duration
	// Welcome, when set, is told of each user a request or an invitation
	// creates (Create, Register, an invitation's Admit; not a provisioning
	// feed), after the write, to mail a link that proves the address
	// (decision 023). It never fails the write: it handles its own errors.
	Welcome func(ctx context.Context, u *user.User)
}

// service implements Service on a Store.
type service struct {
	st          Store
	hasher      *password.Hasher
	sealer      *seal.Sealer
	now         func() time.Time
	maxFailures int
	lockFor     time.Duration
	welcome     func(ctx context.Context, u *user.User)
}

// New returns the directory. hasher hashes passwords set through it (and
// checks a user's current one); sealer seals Azure application keys before
// they reach the store. It refuses a missing dependency and negative options.
func New(st Store, hasher *password.Hasher, sealer *seal.Sealer, opts Options) (Service, error) {
	switch {
	case st == nil || hasher == nil || sealer == nil:
		return nil, errors.New("new directory: store, hasher and sealer are required")
	case opts.MaxFailures < 0 || opts.LockFor < 0:
		return nil, errors.New("new directory: negative option")
	}
	s := &service{st: st, hasher: hasher, sealer: sealer, now: opts.Now, maxFailures: opts.MaxFailures, lockFor: opts.LockFor, welcome: opts.Welcome}
	if s.now == nil {
		s.now = time.Now
	}
	if s.maxFailures == 0 {
		s.maxFailures = signin.DefaultMaxFailures
	}
	if s.lockFor == 0 {
		s.lockFor = signin.DefaultLockFor
	}
	return s, nil
}

// welcomed tells Welcome of a new user whose address is not proved yet.
func (s *service) welcomed(ctx context.Context, u *user.User) {
	if s.welcome != nil && !u.EmailVerified && u.Email != "" {
		s.welcome(ctx, u)
	}
}

// forbid answers a caller who may not do something; the reason is only
// logged.
func forbid(reason string) error {
	return fault.Wrap(errors.New(reason), fault.Forbidden, "You are not allowed to do this.")
}

// noUser answers for a user that does not exist or is not the caller's to see.
func noUser() error { return fault.New(fault.NotFound, "The user does not exist.") }

// lostRace answers a write that lost a race with another change.
func lostRace() error {
	return fault.New(fault.Conflict, "The user has changed since it was read; read it again and retry.")
}

// staleVersion answers a write conditional on a version (If-Match) that
// is no longer the user's.
func staleVersion(cause error) error {
	return fault.Wrap(cause, fault.PreconditionFailed, "The user has changed since the version given.")
}

// require checks that p holds every permission.
func require(p auth.Principal, perms ...role.Permission) error {
	for _, perm := range perms {
		if !p.Can(perm) {
			return forbid("missing " + string(perm))
		}
	}
	return nil
}

// roleOf is the role a user acts with: a stored role the service does not
// know grants nothing, like a member's.
func roleOf(u *user.User) role.ID {
	if !role.Valid(u.Role) {
		return role.Member
	}
	return role.ID(u.Role)
}

// mayManage reports whether p may administer target (change, reset the
// password of, delete): only a caller who could give the target its role,
// or who holds that role too, so nobody takes over a user above them.
func mayManage(p auth.Principal, target *user.User) bool {
	r := roleOf(target)
	return role.CanAssign(r, p.Roles...) || slices.Contains(p.Roles, string(r))
}

// self reports whether p is the target user acting through their own
// access token.
func self(p auth.Principal, id string) bool {
	return p.Method == auth.ViaAccessToken && p.UserID != "" && p.UserID == id
}

// sealContext binds a sealed Azure application key to its user.
func sealContext(tenantID, userID string) string {
	return "directory/azure/" + tenantID + "/" + userID
}

// isStale reports a store Conflict that only says the user changed since
// it was read (a taken email or username names its field).
func isStale(err error) bool {
	f := fault.As(err)
	return f.Code == fault.Conflict && len(f.Fields) == 0
}
