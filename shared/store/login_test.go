package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/signin"
	"roster/shared/store"
	"roster/shared/store/storetest"
	"roster/shared/user"
)

// loginUser reads a user and account by username and reports the calls
// it took, or fails the test; the tenant read with them must be tenantID's.
func loginUser(t *testing.T, env storetest.Env, tenantID, username string) (*user.User, *signin.Account, *store.Usage) {
	t.Helper()
	ctx, use := store.WithUsage(context.Background())
	u, acct, tn, err := env.Table.LoginUser(ctx, tenantID, username)
	if err != nil {
		t.Fatalf("LoginUser %s: %v", username, err)
	}
	if tn.ID != tenantID || !tn.Active {
		t.Errorf("LoginUser %s: tenant %+v, want active %s", username, tn, tenantID)
	}
	return u, acct, use
}

// batched reports whether use was one GetItem (the marker) and one
// BatchGetItem (user, account and tenant).
func batched(use *store.Usage) bool {
	return use.Calls("GetItem") == 1 && use.Calls("BatchGetItem") == 1 && use.Calls() == 2
}

func TestEveryUsernameMarkerNamesThePersonSoALoginReadsUserAndAccountTogether(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		env.Tenant(t, "t1")
		env.Tenant(t, "t2")
		u := newUser("t1", "ada")
		mustCreate(t, env, u)

		got, acct, use := loginUser(t, env, "t1", "ADA")
		if got.ID != u.ID || acct.ID != u.AccountID || !batched(use) {
			t.Errorf("created: user %s, account %s in %d calls (GetItem %d); want %s, %s in a GetItem and a BatchGetItem",
				got.ID, acct.ID, use.Calls(), use.Calls("GetItem"), u.ID, u.AccountID)
		}

		// A username change moves the marker with the person on it.
		next := changed(u, func(n *user.User) { n.Username = "ada-new" })
		if err := env.Table.UpdateUser(ctx, directory.UserUpdate{Old: u, New: next}); err != nil {
			t.Fatalf("UpdateUser: %v", err)
		}
		if got, acct, use := loginUser(t, env, "t1", "ada-new"); got.ID != u.ID || acct.ID != u.AccountID || !batched(use) {
			t.Errorf("renamed: user %s, account %s in %d calls", got.ID, acct.ID, use.Calls())
		}
		_, _, _, err := env.Table.LoginUser(ctx, "t1", "ada")
		wantCode(t, err, fault.NotFound)

		// So does accepting an invitation.
		now := time.Now().Truncate(time.Second)
		inv := &signin.Invite{ID: "inv1", TenantID: "t2", Email: "ada@t2.example", Role: "member", Hash: []byte{1}, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := env.Table.PutInvite(ctx, inv); err != nil {
			t.Fatal(err)
		}
		auth := &signin.AuthToken{ID: "auth1", AccountID: u.AccountID, Hash: []byte{2}, CreatedAt: now, ExpiresAt: now.Add(time.Hour), SessionStart: now}
		if err := env.Table.CompleteLogin(ctx, signin.LoginSuccess{Token: auth}); err != nil {
			t.Fatal(err)
		}
		joined := newUser("t2", "ada-t2")
		joined.AccountID = u.AccountID
		fresh := *auth
		fresh.ID = "auth2"
		if err := env.Table.CreateUserWith(ctx, joined, signin.Acceptance{TenantID: "t2", InviteID: "inv1", AuthID: "auth1", Fresh: &fresh, Now: now}); err != nil {
			t.Fatalf("CreateUserWith: %v", err)
		}
		if got, acct, use := loginUser(t, env, "t2", "ada-t2"); got.ID != joined.ID || acct.ID != u.AccountID || !batched(use) {
			t.Errorf("accepted: user %s, account %s in %d calls", got.ID, acct.ID, use.Calls())
		}
	})
}

func TestAUsernameMarkerThatDoesNotNameThePersonStillLogsIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		env.Tenant(t, "t1")
		u := newUser("t1", "ada")
		mustCreate(t, env, u)
		// As a marker written before markers named the person.
		_, err := env.DB.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
			TableName: aws.String(env.Table.Name()),
			Key: map[string]types.AttributeValue{
				"PK": &types.AttributeValueMemberS{Value: "TENANT#t1"}, "SK": &types.AttributeValueMemberS{Value: "USERNAME#ada"},
			},
			UpdateExpression: aws.String("REMOVE accountId"),
		})
		if err != nil {
			t.Fatal(err)
		}
		got, acct, use := loginUser(t, env, "t1", "ada")
		if got.ID != u.ID || acct.ID != u.AccountID || use.Calls("GetItem") != 2 || use.Calls("BatchGetItem") != 1 || use.Calls() != 3 {
			t.Errorf("user %s, account %s in %d calls (GetItem %d); want %s, %s in two GetItems (marker, account) and a BatchGetItem (user, tenant)",
				got.ID, acct.ID, use.Calls(), use.Calls("GetItem"), u.ID, u.AccountID)
		}
		_, _, _, err = env.Table.LoginUser(context.Background(), "t1", "nobody")
		wantCode(t, err, fault.NotFound)
	})
}

func TestLoginStandInReadsTheCodeCounterAndTheTenantInOneBatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		env.Tenant(t, "t1")
		const h = "00ff"
		read := func() *signin.Account {
			c, use := store.WithUsage(ctx)
			acct, tn, err := env.Table.LoginStandIn(c, "t1", h)
			if err != nil || tn.ID != "t1" {
				t.Fatalf("LoginStandIn: %+v, %v", tn, err)
			}
			if use.Calls("BatchGetItem") != 1 || use.Calls() != 1 {
				t.Errorf("calls = %v, want one BatchGetItem", use.Counts())
			}
			return acct
		}
		if acct := read(); acct.FailedLogins != 0 || !acct.LockedUntil.IsZero() || acct.ID != "" || acct.PasswordHash != "" {
			t.Errorf("no counter yet: %+v, want a zero account", acct)
		}
		now := time.Now().Truncate(time.Second)
		f := signin.LoginFailure{StandIn: h, Max: 2, Now: now, LockUntil: now.Add(time.Minute), Expires: now.Add(time.Hour)}
		for i, wantLocked := range []bool{false, true} {
			f.Seen = i
			if locked, err := env.Table.RecordLoginFailure(ctx, f); err != nil || locked != wantLocked {
				t.Fatalf("failure %d: locked %v, %v", i+1, locked, err)
			}
		}
		if acct := read(); !acct.LockedUntil.Equal(now.Add(time.Minute)) {
			t.Errorf("after two failures: %+v, want locked until %v", acct, now.Add(time.Minute))
		}
		_, _, err := env.Table.LoginStandIn(ctx, "missing", h)
		wantCode(t, err, fault.NotFound)
	})
}
