package directory_test

import (
	"context"
	"testing"
	"time"

	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/role"
	"roster/shared/user"
)

// admitting is a store that records the users it is asked to create
// with a record, and fails on anything else.
type admitting struct {
	directory.Store
	created []*user.User
}

func (a *admitting) CreateUserWith(_ context.Context, u *user.User, _ user.Also) error {
	a.created = append(a.created, u)
	return nil
}

// record is a user.Also of a tenant.
type record string

func (r record) Tenant() string { return string(r) }

func TestAdmitLetsInOnlyTheFeedAndAnInvitationsHolder(t *testing.T) {
	now := time.Now()
	owner := func(tenantID, accountID string) *user.User {
		return user.New(user.Fields{TenantID: tenantID, AccountID: accountID, Username: "olga", Active: true,
			Role: string(role.Owner)}, now, "test")
	}
	feed := auth.Principal{TenantID: "t1", Method: auth.ViaFeed}
	holder := auth.Principal{TenantID: "t1", AccountID: "acct1", Method: auth.ViaInvitation}
	for _, c := range []struct {
		name  string
		p     auth.Principal
		u     *user.User
		also  user.Also
		admit bool
	}{
		{"the feed, any role", feed, owner("t1", ""), record("t1"), true},
		{"the invitation's holder", holder, owner("t1", "acct1"), record("t1"), true},
		{"the feed, a user of another tenant", feed, owner("t2", ""), record("t1"), false},
		{"the feed, a record of another tenant", feed, owner("t1", ""), record("t2"), false},
		{"the feed, no record", feed, owner("t1", ""), nil, false},
		{"an invitation, another person", holder, owner("t1", "acct2"), record("t1"), false},
		{"an owner's API key", key("t1", role.Owner), owner("t1", ""), record("t1"), false},
		{"an owner's access token", auth.Principal{TenantID: "t1", UserID: "u1", Roles: []string{string(role.Owner)},
			Method: auth.ViaAccessToken}, owner("t1", ""), record("t1"), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := &admitting{}
			err := newService(t, st).Admit(context.Background(), c.p, c.u, c.also)
			switch {
			case c.admit && (err != nil || len(st.created) != 1):
				t.Fatalf("Admit = %v, %d stored; want the user stored", err, len(st.created))
			case !c.admit && (fault.CodeOf(err) != fault.Forbidden || len(st.created) != 0):
				t.Fatalf("Admit = %v, %d stored; want fault.Forbidden and nothing stored", err, len(st.created))
			}
		})
	}
}
