package directory

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"time"

	"roster/shared/auth"
	"roster/shared/fault"
	"roster/shared/password"
	"roster/shared/role"
	"roster/shared/signin"
	"roster/shared/user"
)

// maxTries bounds how often a delete reads a user again after a concurrent
// change got in between its read and its write.
const maxTries = 3

// Create makes a user in one TransactWriteItems: the user, its email,
// username and number markers, the new person's membership and account
// (with the initial password, hashed, when one is given) and a check per
// group that it exists.
func (s *service) Create(ctx context.Context, p auth.Principal, in NewUser) (*user.User, error) {
	if err := require(p, role.UsersWrite); err != nil {
		return nil, err
	}
	if err := checkNew(in); err != nil {
		return nil, err
	}
	email := strings.TrimSpace(in.Email)
	if in.Password != "" {
		if err := fault.InvalidFields(password.Check("password", in.Password, in.Username, email)); err != nil {
			return nil, err
		}
	}
	r := role.ID(in.Role)
	if r == "" {
		r = role.Member
	}
	if r != role.Member || in.LDAPUserName != "" {
		if err := require(p, role.UsersPrivileged); err != nil {
			return nil, err
		}
	}
	if !role.CanAssign(r, p.Roles...) {
		return nil, forbid("may not assign role " + string(r))
	}
	groups := sortedSet(in.Groups)
	if len(groups) > 0 {
		if err := require(p, role.GroupsWrite); err != nil {
			return nil, err
		}
	}
	var hash string
	if in.Password != "" {
		var err error
		if hash, err = s.hasher.Hash(in.Password); err != nil {
			return nil, err
		}
	}
	u := user.New(user.Fields{
		TenantID: p.TenantID, Username: in.Username, Email: email,
		FirstName: in.FirstName, LastName: in.LastName, Active: in.Active, Role: string(r),
		NotificationsOptIn: in.NotificationsOptIn, LDAPUserName: in.LDAPUserName,
		LoginProfileID: in.LoginProfileID, Groups: groups, EmailVerified: in.EmailVerified,
		DisplayName: in.DisplayName, ExternalID: in.ExternalID, Profile: in.Profile,
	}, s.now().UTC(), p.Actor())
	if err := s.st.CreateUserWithPassword(ctx, u, hash); err != nil {
		return nil, err
	}
	s.welcomed(ctx, u)
	return u, nil
}

// Get reads a user: one GetItem.
func (s *service) Get(ctx context.Context, p auth.Principal, id string) (*user.User, error) {
	if err := require(p, role.UsersRead); err != nil {
		return nil, err
	}
	return s.get(ctx, p, id)
}

// get reads a user of the principal's tenant. An id that cannot exist
// never reaches the table.
func (s *service) get(ctx context.Context, p auth.Principal, id string) (*user.User, error) {
	if !validID(id) {
		return nil, noUser()
	}
	return s.st.GetUser(ctx, p.TenantID, id)
}

// GetByNumber reads the number marker, then the user: two GetItems.
func (s *service) GetByNumber(ctx context.Context, p auth.Principal, n int64) (*user.User, error) {
	if err := require(p, role.UsersRead); err != nil {
		return nil, err
	}
	if n <= 0 {
		return nil, noUser()
	}
	id, err := s.st.UserIDByNumber(ctx, p.TenantID, n)
	if err != nil {
		return nil, err
	}
	return s.get(ctx, p, id)
}

// GetByUsername reads the username marker, then the user: two GetItems.
func (s *service) GetByUsername(ctx context.Context, p auth.Principal, username string) (*user.User, error) {
	if err := require(p, role.UsersRead); err != nil {
		return nil, err
	}
	if user.CheckUsername("username", username) != nil {
		return nil, noUser()
	}
	id, err := s.st.UserIDByUsername(ctx, p.TenantID, username)
	if err != nil {
		return nil, err
	}
	return s.get(ctx, p, id)
}

// GetByExternalID reads the external id's ref, then the user: two GetItems.
func (s *service) GetByExternalID(ctx context.Context, p auth.Principal, externalID string) (*user.User, error) {
	if err := require(p, role.UsersRead); err != nil {
		return nil, err
	}
	if externalID == "" || user.CheckExternalID("externalId", externalID) != nil {
		return nil, noUser()
	}
	id, err := s.st.UserIDByExternalID(ctx, p.TenantID, externalID)
	if err != nil {
		return nil, noUser()
	}
	u, err := s.get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if u.ExternalID == "" {
		u.ExternalID = externalID // provisioned before users held their external id
	}
	return u, nil
}

// GetByEmail reads the email marker, then the user: two GetItems.
func (s *service) GetByEmail(ctx context.Context, p auth.Principal, email string) (*user.User, error) {
	if err := require(p, role.UsersRead); err != nil {
		return nil, err
	}
	if user.CheckEmail("email", strings.TrimSpace(email)) != nil {
		return nil, noUser()
	}
	id, err := s.st.UserIDByEmail(ctx, p.TenantID, email)
	if err != nil {
		return nil, err
	}
	return s.get(ctx, p, id)
}

// List reads one page with one strongly consistent Query of the tenant's
// partition.
func (s *service) List(ctx context.Context, p auth.Principal, limit int, cursor string) (Page, error) {
	if err := require(p, role.UsersRead); err != nil {
		return Page{}, err
	}
	if limit < 1 || limit > MaxPageSize {
		return Page{}, fault.InvalidField("limit", "must be from 1 to 100")
	}
	var after string
	if cursor != "" {
		var err error
		if after, err = decodeCursor(cursor); err != nil {
			return Page{}, err
		}
	}
	users, more, err := s.st.ListUsers(ctx, p.TenantID, limit, after)
	if err != nil {
		return Page{}, err
	}
	page := Page{Users: users}
	if more && len(users) > 0 {
		page.Next = encodeCursor(users[len(users)-1].ID)
	}
	return page, nil
}

// Update reads the user (one GetItem), and for a password the account with
// its memberships (one Query), then writes the change in one transaction
// conditional on the version read. A change that changes nothing writes
// nothing.
func (s *service) Update(ctx context.Context, p auth.Principal, id string, c Change) (*user.User, error) {
	if err := require(p, role.UsersWrite); err != nil {
		return nil, err
	}
	if err := checkChange(c); err != nil {
		return nil, err
	}
	if len(c.GroupsToAdd) > 0 || len(c.GroupsToRemove) > 0 {
		if err := require(p, role.GroupsWrite); err != nil {
			return nil, err
		}
	}
	if c.Password != nil && self(p, id) {
		// The administrative path needs no current password; one's own
		// password changes only with it.
		return nil, fault.InvalidField("password", "is changed for yourself only with your current password")
	}
	u, err := s.get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if c.IfVersion > 0 && c.IfVersion != u.Version {
		return nil, staleVersion(nil)
	}
	if !mayManage(p, u) {
		return nil, forbid("may not manage a user with role " + u.Role)
	}
	next, joined, changed, err := s.apply(p, u, c)
	if err != nil {
		return nil, err
	}
	var pw *signin.PasswordChange
	if c.Password != nil {
		if err := fault.InvalidFields(password.Check("password", *c.Password, next.Username, next.Email, u.Username, u.Email)); err != nil {
			return nil, err
		}
		if pw, err = s.passwordChange(ctx, u, *c.Password, nil); err != nil {
			return nil, err
		}
		changed = true
	}
	if !changed {
		return u, nil
	}
	if err := s.write(ctx, p, u, next, joined, pw); err != nil {
		if c.IfVersion > 0 && isStale(err) {
			return nil, staleVersion(err)
		}
		return nil, err
	}
	return next, nil
}

// apply returns the user with the change applied, the groups it joins and
// whether anything changed. It enforces what depends on the stored user:
// privileged fields, assignable roles and the owner's hold on themselves.
func (s *service) apply(p auth.Principal, u *user.User, c Change) (next *user.User, joined []string, changed bool, err error) {
	n := *u
	next = &n
	privileged := false
	str := func(dst *string, v *string, priv bool) {
		if v != nil && *v != *dst {
			*dst, changed, privileged = *v, true, privileged || priv
		}
	}
	flag := func(dst *bool, v *bool, priv bool) {
		if v != nil && *v != *dst {
			*dst, changed, privileged = *v, true, privileged || priv
		}
	}
	var email *string
	if c.Email != nil {
		e := strings.TrimSpace(*c.Email)
		email = &e
	}
	str(&next.Username, c.Username, false)
	str(&next.Email, email, false)
	str(&next.FirstName, c.FirstName, false)
	str(&next.LastName, c.LastName, false)
	str(&next.DisplayName, c.DisplayName, false)
	str(&next.ExternalID, c.ExternalID, false)
	if c.Profile != nil && !reflect.DeepEqual(*c.Profile, u.Profile) {
		next.Profile, changed = *c.Profile, true
	}
	str(&next.LDAPUserName, c.LDAPUserName, true)
	str(&next.Role, c.Role, true)
	flag(&next.Active, c.Active, true)
	flag(&next.BypassBasicAuth, c.BypassBasicAuth, true)
	flag(&next.NotificationsOptIn, c.NotificationsOptIn, false)
	if c.EmailVerified == nil {
		next.Reverify(u) // a new address is not proved yet (decision 023)
	}
	flag(&next.EmailVerified, c.EmailVerified, false)
	flag(&next.InvitationAccepted, c.InvitationAccepted, false)
	if c.LoginProfileID != nil && *c.LoginProfileID != next.LoginProfileID {
		next.LoginProfileID, changed = *c.LoginProfileID, true
	}
	if c.WorkingEnvironments != nil && !slices.Equal(*c.WorkingEnvironments, u.WorkingEnvironments) {
		next.WorkingEnvironments = slices.Clip(slices.Clone(*c.WorkingEnvironments))
		if len(next.WorkingEnvironments) == 0 {
			next.WorkingEnvironments = nil
		}
		changed = true
	}
	if c.Azure != nil {
		az, err := s.azure(u, *c.Azure)
		if err != nil {
			return nil, nil, false, err
		}
		next.Azure, changed = az, true
	}
	if len(c.GroupsToAdd) > 0 || len(c.GroupsToRemove) > 0 {
		var moved bool
		next.Groups, joined, moved, err = regroup(u.Groups, c.GroupsToAdd, c.GroupsToRemove)
		if err != nil {
			return nil, nil, false, err
		}
		changed = changed || moved
	}

	if privileged {
		if err := require(p, role.UsersPrivileged); err != nil {
			return nil, nil, false, err
		}
	}
	if next.Role != u.Role && !role.CanAssign(role.ID(next.Role), p.Roles...) {
		return nil, nil, false, forbid("may not assign role " + next.Role)
	}
	if self(p, u.ID) && roleOf(u) == role.Owner && (next.Role != u.Role || !next.Active) {
		// So the tenant never loses its last owner by their own hand;
		// another owner can.
		return nil, nil, false, forbid("an owner may not demote or deactivate themselves")
	}
	next.RevokeAccess(u, s.now().UTC())
	return next, joined, changed, nil
}

// azure returns the credentials to store for a change: the application key
// sealed to this user, or the stored one kept when the change gives none
// (callers never see it, so they cannot send it back). All fields empty
// removes the credentials.
func (s *service) azure(u *user.User, in user.AzureCredentials) (*user.AzureCredentials, error) {
	if in == (user.AzureCredentials{}) {
		return nil, nil
	}
	out := in
	switch {
	case in.ApplicationKey != "":
		sealed, err := s.sealer.Seal([]byte(in.ApplicationKey), sealContext(u.TenantID, u.ID))
		if err != nil {
			return nil, fault.Wrap(err, fault.Internal, "An internal error occurred.")
		}
		out.ApplicationKey = sealed
	case u.Azure != nil:
		out.ApplicationKey = u.Azure.ApplicationKey
	}
	return &out, nil
}

// regroup applies group additions and removals to a user's groups: the
// new sorted set, the groups joined (whose existence the write checks) and
// whether the set changed. Removing a group the user is not in is fine.
func regroup(current, add, remove []string) (groups, joined []string, changed bool, err error) {
	groups = sortedSet(current)
	for _, g := range add {
		if !slices.Contains(groups, g) && !slices.Contains(joined, g) {
			joined = append(joined, g)
		}
	}
	groups = append(groups, joined...)
	groups = slices.DeleteFunc(groups, func(g string) bool { return slices.Contains(remove, g) })
	slices.Sort(groups)
	if len(groups) > MaxGroups {
		return nil, nil, false, fault.InvalidField("groupIDsToAdd", "would put the user in more than 100 groups")
	}
	if len(groups) == 0 {
		groups = nil
	}
	return groups, joined, !slices.Equal(groups, sortedSet(current)), nil
}

// sortedSet returns the distinct values, sorted; nil when there are none.
func sortedSet(v []string) []string {
	if len(v) == 0 {
		return nil
	}
	out := slices.Clone(v)
	slices.Sort(out)
	return slices.Compact(out)
}

// write stores next in place of u, stamped with the next version.
func (s *service) write(ctx context.Context, p auth.Principal, u, next *user.User, joined []string, pw *signin.PasswordChange) error {
	if pw != nil {
		next.TokenVersion = u.TokenVersion + 1
		pw.At = s.now().UTC().Truncate(time.Millisecond) // and every session of the person ends
	}
	next.Stamp(u, s.now().UTC(), p.Actor())
	return s.st.UpdateUser(ctx, UserUpdate{Old: u, New: next, CheckGroups: joined, Password: pw})
}

// Delete reads the user (one GetItem) and deletes it with its markers and
// membership in one transaction. Without ifVersion, a concurrent change in
// between makes it read again; with it, that is fault.PreconditionFailed.
func (s *service) Delete(ctx context.Context, p auth.Principal, id string, ifVersion int64) error {
	if err := require(p, role.UsersDelete); err != nil {
		return err
	}
	if ifVersion < 0 {
		return fault.InvalidField("ifVersion", "must not be negative")
	}
	for try := 1; ; try++ {
		u, err := s.get(ctx, p, id)
		if err != nil {
			return err
		}
		if ifVersion > 0 && u.Version != ifVersion {
			return staleVersion(nil)
		}
		if err := mayDelete(p, u); err != nil {
			return err
		}
		stale, err := s.st.DeleteUsers(ctx, []*user.User{u})
		switch {
		case err != nil:
			return err
		case len(stale) == 0:
			return nil
		case ifVersion > 0:
			return staleVersion(nil)
		case try == maxTries:
			return lostRace()
		}
	}
}

// mayDelete checks that p may delete u.
func mayDelete(p auth.Principal, u *user.User) error {
	switch {
	case !mayManage(p, u):
		return forbid("may not delete a user with role " + u.Role)
	case self(p, u.ID) && roleOf(u) == role.Owner:
		return forbid("an owner may not delete themselves")
	}
	return nil
}

// The statuses of a DeleteOutcome.
const (
	StatusDeleted  = "deleted"
	StatusNotFound = "not_found"
)

// DeleteMany reads the users with one BatchGetItem and deletes them with
// as few transactions as DynamoDB's 100 items allow (five items a user).
// Ids that cannot exist, and another tenant's (their keys are built under
// the caller's tenant, so they are never even read), are not_found. When
// one of the users may not be deleted by the caller, nothing is.
func (s *service) DeleteMany(ctx context.Context, p auth.Principal, ids []string) ([]DeleteOutcome, error) {
	if err := require(p, role.UsersDelete); err != nil {
		return nil, err
	}
	switch {
	case len(ids) == 0:
		return nil, fault.InvalidField("userIds", "must list at least one id")
	case len(ids) > MaxBulkDelete:
		return nil, fault.InvalidField("userIds", "must list at most 100 ids")
	}
	var unique, pending []string
	for _, id := range ids {
		if slices.Contains(unique, id) {
			continue
		}
		unique = append(unique, id)
		if validID(id) {
			pending = append(pending, id)
		}
	}
	deleted := map[string]bool{}
	for try := 1; len(pending) > 0; try++ {
		if try > maxTries {
			return nil, lostRace()
		}
		users, err := s.st.GetUsers(ctx, p.TenantID, pending)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			if err := mayDelete(p, u); err != nil {
				return nil, err
			}
		}
		stale, err := s.st.DeleteUsers(ctx, users)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			deleted[u.ID] = !slices.Contains(stale, u.ID)
		}
		pending = stale
	}
	out := make([]DeleteOutcome, len(unique))
	for i, id := range unique {
		out[i] = DeleteOutcome{ID: id, Status: StatusNotFound}
		if deleted[id] {
			out[i].Status = StatusDeleted
		}
	}
	return out, nil
}

// SetPassword sets the password of the person behind a user, in one
// transaction with the user's new token version (and, for one's own
// password, those of the person's users in other tenants). Reads: the
// user, and the account with its memberships (one Query).
func (s *service) SetPassword(ctx context.Context, p auth.Principal, id, newPassword string, currentPassword *string) error {
	me := self(p, id)
	perm := role.UsersWrite
	if me {
		perm = role.SelfWrite
	}
	if err := require(p, perm); err != nil {
		return err
	}
	var bad problems
	if len(newPassword) > password.MaxInputBytes {
		bad.add("password", "must be at most 1024 bytes")
	}
	if me && (currentPassword == nil || *currentPassword == "") {
		bad.add("currentPassword", "is required to change your own password")
	}
	if currentPassword != nil && len(*currentPassword) > password.MaxInputBytes {
		bad.add("currentPassword", "must be at most 1024 bytes")
	}
	if err := bad.err(); err != nil {
		return err
	}
	u, err := s.get(ctx, p, id)
	if err != nil {
		return err
	}
	if !me && !mayManage(p, u) {
		return forbid("may not set the password of a user with role " + u.Role)
	}
	if err := fault.InvalidFields(password.Check("password", newPassword, u.Username, u.Email)); err != nil {
		return err
	}
	if !me {
		currentPassword = nil // an administrator's reset needs none
	}
	pw, err := s.passwordChange(ctx, u, newPassword, currentPassword)
	if err != nil {
		return err
	}
	next := *u
	return s.write(ctx, p, u, &next, nil, pw)
}

// passwordChange hashes a new password for the person behind u. With
// current (one's own change) it must match the account's password, and a
// wrong one counts as a failed login; without it (an administrator's
// reset) the person must hold users in this tenant only, so no tenant's
// administrator can take over a person's access to another tenant.
func (s *service) passwordChange(ctx context.Context, u *user.User, next string, current *string) (*signin.PasswordChange, error) {
	noAccount := fault.New(fault.Conflict, "The user is not linked to a person, so it has no password to set.")
	if u.AccountID == "" {
		return nil, noAccount
	}
	acct, members, err := s.st.AccountCredentials(ctx, u.AccountID)
	if fault.CodeOf(err) == fault.NotFound {
		return nil, fault.Wrap(err, fault.Conflict, "%s", noAccount.Message)
	}
	if err != nil {
		return nil, err
	}
	if current != nil {
		if err := s.checkCurrent(ctx, acct, *current); err != nil {
			return nil, err
		}
	} else {
		for _, m := range members {
			if m.TenantID != u.TenantID {
				return nil, forbid("the person holds users in other tenants; only they can change their password")
			}
		}
	}
	hash, err := s.hasher.Hash(next)
	if err != nil {
		return nil, err
	}
	return &signin.PasswordChange{AccountID: acct.ID, OldHash: acct.PasswordHash, NewHash: hash, Others: members}, nil
}

// checkCurrent verifies one's current password as a login would: a locked
// account or one without a password refuses it in the time a check takes,
// and a wrong one counts towards the lock.
func (s *service) checkCurrent(ctx context.Context, acct *signin.Account, current string) error {
	wrong := fault.InvalidField("currentPassword", "is incorrect")
	now := s.now()
	if acct.PasswordHash == "" || acct.LockedUntil.After(now) {
		s.hasher.VerifyDummy(current)
		return wrong
	}
	ok, _, err := s.hasher.Verify(current, acct.PasswordHash)
	if err != nil {
		return fault.Wrap(err, fault.Internal, "An internal error occurred.")
	}
	if ok {
		return nil
	}
	_, err = s.st.RecordLoginFailure(ctx, signin.LoginFailure{
		AccountID: acct.ID, Seen: acct.FailedLogins, Max: s.maxFailures, Now: now, LockUntil: now.Add(s.lockFor),
	})
	if err != nil {
		return err
	}
	return wrong
}
