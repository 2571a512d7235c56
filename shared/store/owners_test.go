package store_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/shared/directory"
	"roster/shared/emulator"
	"roster/shared/fault"
	"roster/shared/provision"
	"roster/shared/signin"
	"roster/shared/store"
	"roster/shared/store/storetest"
	"roster/shared/user"
)

// owners reads the tenant's count of active owners straight from the
// table; -1 when the count item does not exist.
func owners(t *testing.T, env storetest.Env, tenantID string) int {
	t.Helper()
	out, err := env.DB.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(env.Table.Name()), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: "TENANT#" + tenantID},
			"SK": &types.AttributeValueMemberS{Value: "OWNERS"},
		},
	})
	if err != nil {
		t.Fatalf("get owners count: %v", err)
	}
	if out.Item == nil {
		return -1
	}
	n, ok := out.Item["owners"].(*types.AttributeValueMemberN)
	if !ok {
		t.Fatalf("owners count item without a number: %v", out.Item)
	}
	v, err := strconv.Atoi(n.Value)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// newOwner returns an active owner of the tenant.
func newOwner(tenantID, name string) *user.User {
	u := newUser(tenantID, name)
	u.Role = "owner"
	return u
}

// wantLastOwner fails unless err is the last-owner refusal naming field.
func wantLastOwner(t *testing.T, err error, field string) {
	t.Helper()
	wantCode(t, err, fault.Conflict, field)
	if !directory.IsLastOwner(err) {
		t.Errorf("err = %v, want directory.ErrLastOwner in its chain", err)
	}
}

func TestLastOwnerCannotBeDemotedDeactivatedOrDeletedAndNothingIsWritten(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		env.Tenant(t, "t1")
		o := newOwner("t1", "olivia")
		mustCreate(t, env, o)
		mustCreate(t, env, newUser("t1", "mark"))
		if got := owners(t, env, "t1"); got != 1 {
			t.Fatalf("owners = %d after creating one owner, want 1", got)
		}
		items := env.Count(t)

		demote := changed(o, func(n *user.User) { n.Role = "admin" })
		wantLastOwner(t, env.Table.UpdateUser(ctx, directory.UserUpdate{Old: o, New: demote}), "role")
		deactivate := changed(o, func(n *user.User) { n.Active = false })
		wantLastOwner(t, env.Table.UpdateUser(ctx, directory.UserUpdate{Old: o, New: deactivate}), "active")
		both := changed(o, func(n *user.User) { n.Role, n.Active = "member", false })
		err := env.Table.UpdateUser(ctx, directory.UserUpdate{Old: o, New: both})
		wantLastOwner(t, err, "role")
		wantLastOwner(t, err, "active")
		_, err = env.Table.DeleteUsers(ctx, []*user.User{o})
		wantLastOwner(t, err, "userId")

		if got := mustGet(t, env, "t1", o.ID); got.Role != "owner" || !got.Active || got.Version != 1 {
			t.Errorf("stored owner = %s active=%v v%d, want untouched", got.Role, got.Active, got.Version)
		}
		if got := owners(t, env, "t1"); got != 1 {
			t.Errorf("owners = %d, want 1", got)
		}
		if n := env.Count(t); n != items {
			t.Errorf("items %d -> %d after refused writes", items, n)
		}
		// A change that keeps the owner an active owner goes through.
		renamed := changed(o, func(n *user.User) { n.FirstName = "Liv" })
		if err := env.Table.UpdateUser(ctx, directory.UserUpdate{Old: o, New: renamed}); err != nil {
			t.Fatalf("profile change of the last owner: %v", err)
		}
	})
}

func TestWithTwoOwnersOneCanBeDemotedDeactivatedOrDeleted(t *testing.T) {
	for _, tc := range []struct {
		name  string
		field string
		edit  func(*user.User)
	}{
		{"demote", "role", func(n *user.User) { n.Role = "admin" }},
		{"deactivate", "active", func(n *user.User) { n.Active = false }},
		{"delete", "userId", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, env storetest.Env) {
				ctx := context.Background()
				env.Tenant(t, "t1")
				a, b := newOwner("t1", "ada"), newOwner("t1", "bob")
				mustCreate(t, env, a)
				mustCreate(t, env, b)
				if got := owners(t, env, "t1"); got != 2 {
					t.Fatalf("owners = %d, want 2", got)
				}
				remove := func(u *user.User) error {
					if tc.edit == nil {
						_, err := env.Table.DeleteUsers(ctx, []*user.User{u})
						return err
					}
					return env.Table.UpdateUser(ctx, directory.UserUpdate{Old: u, New: changed(u, tc.edit)})
				}
				if err := remove(a); err != nil {
					t.Fatalf("%s one of two owners: %v", tc.name, err)
				}
				if got := owners(t, env, "t1"); got != 1 {
					t.Errorf("owners = %d, want 1", got)
				}
				wantLastOwner(t, remove(b), tc.field)
				if got := owners(t, env, "t1"); got != 1 {
					t.Errorf("owners = %d after the refusal, want 1", got)
				}
			})
		})
	}
}

func TestOwnerCountFollowsPromotionReactivationAndInactiveOwners(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		env.Tenant(t, "t1")
		dormant := newOwner("t1", "dora")
		dormant.Active = false
		mustCreate(t, env, dormant)
		if got := owners(t, env, "t1"); got != -1 {
			t.Errorf("owners = %d after creating an inactive owner, want no count item", got)
		}
		m := newUser("t1", "mia")
		mustCreate(t, env, m)
		promoted := changed(m, func(n *user.User) { n.Role = "owner" })
		if err := env.Table.UpdateUser(ctx, directory.UserUpdate{Old: m, New: promoted}); err != nil {
			t.Fatal(err)
		}
		if got := owners(t, env, "t1"); got != 1 {
			t.Errorf("owners = %d after a promotion, want 1", got)
		}
		back := changed(dormant, func(n *user.User) { n.Active = true })
		if err := env.Table.UpdateUser(ctx, directory.UserUpdate{Old: dormant, New: back}); err != nil {
			t.Fatal(err)
		}
		if got := owners(t, env, "t1"); got != 2 {
			t.Errorf("owners = %d after reactivating an owner, want 2", got)
		}
		// Deleting an inactive owner leaves the count alone.
		gone := newOwner("t1", "gil")
		gone.Active = false
		mustCreate(t, env, gone)
		if _, err := env.Table.DeleteUsers(ctx, []*user.User{gone}); err != nil {
			t.Fatal(err)
		}
		if got := owners(t, env, "t1"); got != 2 {
			t.Errorf("owners = %d after deleting an inactive owner, want 2", got)
		}
	})
}

func TestWritesThatTouchNoActiveOwnerLeaveTheCountItemAlone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		env.Tenant(t, "t1")
		o := newOwner("t1", "olivia")
		mustCreate(t, env, o)
		m := newUser("t1", "mark")
		cctx, usage := store.WithUsage(ctx)
		if err := env.Table.CreateUser(cctx, m); err != nil {
			t.Fatal(err)
		}
		next := changed(m, func(n *user.User) { n.Role, n.Active = "admin", false })
		if err := env.Table.UpdateUser(cctx, directory.UserUpdate{Old: m, New: next}); err != nil {
			t.Fatal(err)
		}
		profile := changed(o, func(n *user.User) { n.LastName = "Other" })
		if err := env.Table.UpdateUser(cctx, directory.UserUpdate{Old: o, New: profile}); err != nil {
			t.Fatal(err)
		}
		if _, err := env.Table.DeleteUsers(cctx, []*user.User{next}); err != nil {
			t.Fatal(err)
		}
		// A change of the user item alone stays a single UpdateItem.
		if got := usage.Calls("UpdateItem"); got != 2 {
			t.Errorf("UpdateItem calls = %d, want 2 (both changes were the user item alone)", got)
		}
		if got := usage.Calls("TransactWriteItems"); got != 2 {
			t.Errorf("TransactWriteItems calls = %d, want 2 (create and delete)", got)
		}
		if got := owners(t, env, "t1"); got != 1 {
			t.Errorf("owners = %d, want 1", got)
		}
	})
}

// DynamoDB Local runs the two transactions one after the other, so the
// second meets the count the first left. AWS may instead cancel the one
// that overlaps with TransactionConflict; UpdateUser retries it, and the
// retry meets the same condition.
func TestConcurrentDemotionsOfTwoOwnersLetExactlyOneWin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		if env.Emulator == emulator.NameMoto {
			t.Skip("moto's TransactWriteItems is not isolated under concurrency")
		}
		ctx := context.Background()
		for round := range 10 {
			tenantID := "t" + strconv.Itoa(round)
			env.Tenant(t, tenantID)
			pair := []*user.User{newOwner(tenantID, "ada"), newOwner(tenantID, "bob")}
			for _, u := range pair {
				mustCreate(t, env, u)
			}
			errs := make([]error, 2)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i, u := range pair {
				wg.Go(func() {
					<-start
					if round%2 == 0 {
						errs[i] = env.Table.UpdateUser(ctx, directory.UserUpdate{Old: u, New: changed(u, func(n *user.User) { n.Role = "member" })})
					} else {
						_, errs[i] = env.Table.DeleteUsers(ctx, []*user.User{u})
					}
				})
			}
			close(start)
			wg.Wait()
			wins := 0
			for _, err := range errs {
				if err == nil {
					wins++
				} else if !directory.IsLastOwner(err) {
					t.Errorf("round %d: loser's err = %v, want the last-owner conflict", round, err)
				}
			}
			if wins != 1 {
				t.Errorf("round %d: %d of 2 concurrent removals succeeded, want exactly 1 (errs %v)", round, wins, errs)
			}
			left := 0
			for _, u := range pair {
				got, err := env.Table.GetUser(ctx, tenantID, u.ID)
				if err == nil && got.Role == "owner" && got.Active {
					left++
				}
			}
			if left != 1 || owners(t, env, tenantID) != 1 {
				t.Errorf("round %d: %d active owners stored, count %d; want 1 and 1", round, left, owners(t, env, tenantID))
			}
		}
	})
}

func TestBulkDeleteIncludingTheLastOwnerIsRefusedAndDeletesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		env.Tenant(t, "t1")
		var all []*user.User
		for i := range 24 { // more than one transaction holds
			all = append(all, newUser("t1", "m"+strconv.Itoa(i)))
		}
		o := newOwner("t1", "olivia")
		all = append(all, o) // last, so only ordering puts it in the first transaction
		for _, u := range all {
			mustCreate(t, env, u)
		}
		items := env.Count(t)
		stale, err := env.Table.DeleteUsers(ctx, all)
		wantLastOwner(t, err, "userIds")
		if len(stale) != 0 {
			t.Errorf("stale = %v, want none", stale)
		}
		if n := env.Count(t); n != items {
			t.Errorf("items %d -> %d after the refused bulk delete", items, n)
		}

		// With a second owner kept, the same delete goes through.
		keep := newOwner("t1", "kate")
		mustCreate(t, env, keep)
		if stale, err := env.Table.DeleteUsers(ctx, all); err != nil || len(stale) != 0 {
			t.Fatalf("bulk delete keeping an owner: stale %v, err %v", stale, err)
		}
		if got := partition(t, env, "t1"); got["USER"] != 1 || owners(t, env, "t1") != 1 {
			t.Errorf("tenant partition holds %v with owners %d, want the kept owner alone", got, owners(t, env, "t1"))
		}
	})
}

func TestAcceptingAnOwnerInvitationCountsTheOwner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		env.Tenant(t, "t1")
		now := time.Now().Truncate(time.Second)
		inv := &signin.Invite{ID: "inv1", TenantID: "t1", Email: "o@example.com", Role: "owner", Hash: []byte{1}, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := env.Table.PutInvite(ctx, inv); err != nil {
			t.Fatal(err)
		}
		old := &signin.AuthToken{ID: "auth1", AccountID: "acct1", Hash: []byte{2}, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := env.Table.CompleteLogin(ctx, signin.LoginSuccess{Token: old}); err != nil {
			t.Fatal(err)
		}
		u := newOwner("t1", "olga")
		u.AccountID = "acct1"
		err := env.Table.CreateUserWith(ctx, u, signin.Acceptance{
			TenantID: "t1", InviteID: "inv1", AuthID: "auth1", Now: now,
			Fresh: &signin.AuthToken{ID: "auth2", AccountID: "acct1", Hash: []byte{3}, CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
		})
		if err != nil {
			t.Fatalf("CreateUserWith: %v", err)
		}
		if got := owners(t, env, "t1"); got != 1 {
			t.Errorf("owners = %d after accepting an owner invitation, want 1", got)
		}
		demote := changed(u, func(n *user.User) { n.Role = "member" })
		wantLastOwner(t, env.Table.UpdateUser(ctx, directory.UserUpdate{Old: u, New: demote}), "role")
	})
}

func TestProvisioningCannotRemoveTheLastOwner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		env.Tenant(t, "t1")
		now := msNow()
		mark := func(id string) provision.Mark {
			return provision.Mark{TenantID: "t1", EventID: id, Hash: "h", AppliedAt: now, ExpiresAt: now.Add(time.Hour)}
		}
		o := newOwner("t1", "olivia")
		if err := env.Table.CreateUserWith(ctx, o, provision.Provisioned{Mark: mark("e1")}); err != nil {
			t.Fatal(err)
		}
		if got := owners(t, env, "t1"); got != 1 {
			t.Fatalf("owners = %d after provisioning an owner, want 1", got)
		}
		items := env.Count(t)
		off := changed(o, func(n *user.User) { n.Active = false })
		wantLastOwner(t, env.Table.ApplyProvisioning(ctx, provision.Change{Mark: mark("e2"), Update: [2]*user.User{o, off}}), "active")
		wantLastOwner(t, env.Table.ApplyProvisioning(ctx, provision.Change{Mark: mark("e3"), Delete: o}), "userId")
		if n := env.Count(t); n != items {
			t.Errorf("items %d -> %d after refused events (their marks included)", items, n)
		}
	})
}
