package store_test

import (
	"context"
	"testing"
	"time"

	"roster/shared/fault"
	"roster/shared/signin"
	"roster/shared/store/storetest"
)

func TestAPasswordChangeRevokesTheSessionsThatBeganAtOrBeforeIt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		env.Tenant(t, "t1")
		env.Tenant(t, "t2")
		a := newUser("t1", "ada")
		mustCreate(t, env, a)
		if err := env.Table.SetAccountPassword(ctx, a.AccountID, "$argon2id$old"); err != nil {
			t.Fatal(err)
		}
		now := time.Now().Truncate(time.Second)
		revokedAt := msNow()
		next := *a
		next.Version, next.TokenVersion = 2, 1
		err := env.Table.UpdateSelf(ctx, signin.SelfUpdate{User: &next, PrevVersion: 1, OldEmail: a.Email, Password: &signin.PasswordChange{
			AccountID: a.AccountID, OldHash: "$argon2id$old", NewHash: "$argon2id$new",
			Others: []signin.Membership{{TenantID: "t1", UserID: a.ID}}, At: revokedAt,
		}})
		if err != nil {
			t.Fatalf("UpdateSelf: %v", err)
		}
		if acct, err := env.Table.GetAccount(ctx, a.AccountID); err != nil || !acct.SessionsRevokedAt.Equal(revokedAt) {
			t.Fatalf("account = %+v, %v; want sessions revoked at %v", acct, err, revokedAt)
		}

		token := func(id string, start time.Time) *signin.AuthToken {
			return &signin.AuthToken{ID: id, AccountID: a.AccountID, Hash: []byte(id), CreatedAt: now, ExpiresAt: now.Add(time.Hour), SessionStart: start}
		}
		for _, tok := range []*signin.AuthToken{token("at", revokedAt), token("after", revokedAt.Add(time.Millisecond))} {
			if err := env.Table.CompleteLogin(ctx, signin.LoginSuccess{Token: tok}); err != nil {
				t.Fatal(err)
			}
		}
		items := env.Count(t)
		// A session that began at the revocation (to the millisecond) is over.
		err = env.Table.RotateAuthToken(ctx, "at", now, token("at2", revokedAt))
		wantCode(t, err, fault.Unauthorized)
		inv := &signin.Invite{ID: "inv1", TenantID: "t2", Email: "a2@example.com", Role: "member", Hash: []byte{1}, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := env.Table.PutInvite(ctx, inv); err != nil {
			t.Fatal(err)
		}
		items++
		u := newUser("t2", "a2")
		u.AccountID = a.AccountID
		err = env.Table.CreateUserWith(ctx, u, signin.Acceptance{TenantID: "t2", InviteID: "inv1", AuthID: "at", Fresh: token("at3", revokedAt), Now: now})
		wantCode(t, err, fault.Unauthorized)
		if n := env.Count(t); n != items {
			t.Errorf("items %d -> %d after refusals", items, n)
		}
		// One that began after it goes on.
		if err := env.Table.RotateAuthToken(ctx, "after", now, token("after2", revokedAt.Add(time.Millisecond))); err != nil {
			t.Fatalf("rotate a later session: %v", err)
		}
		u = newUser("t2", "a2")
		u.AccountID = a.AccountID
		err = env.Table.CreateUserWith(ctx, u, signin.Acceptance{TenantID: "t2", InviteID: "inv1", AuthID: "after2", Fresh: token("after3", revokedAt.Add(time.Millisecond)), Now: now})
		if err != nil {
			t.Fatalf("accept by a later session: %v", err)
		}
		if got, err := env.Table.GetAuthToken(ctx, "after3"); err != nil || !got.SessionStart.Equal(revokedAt.Add(time.Millisecond)) {
			t.Errorf("fresh token = %+v, %v; want the session's start kept", got, err)
		}
	})
}

func TestAnAuthTokenWithoutASessionStartBeginsItsSessionAtItsCreation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		created := time.Now().Truncate(time.Second).Add(123456789 * time.Nanosecond)
		old := &signin.AuthToken{ID: "legacy", AccountID: "acct1", Hash: []byte{1}, CreatedAt: created, ExpiresAt: created.Add(time.Hour).Truncate(time.Second)}
		if err := env.Table.CompleteLogin(context.Background(), signin.LoginSuccess{Token: old}); err != nil {
			t.Fatal(err)
		}
		got, err := env.Table.GetAuthToken(context.Background(), "legacy")
		if err != nil {
			t.Fatal(err)
		}
		if want := created.Truncate(time.Millisecond); !got.SessionStart.Equal(want) {
			t.Errorf("session start = %v, want the creation %v", got.SessionStart, want)
		}
	})
}

func TestAUsersSessionRevocationRoundTrips(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		env.Tenant(t, "t1")
		u := newUser("t1", "ada")
		u.SessionsRevokedAt = msNow().UTC()
		mustCreate(t, env, u)
		if got := mustGet(t, env, "t1", u.ID); !got.SessionsRevokedAt.Equal(u.SessionsRevokedAt) {
			t.Errorf("sessions revoked at %v, want %v", got.SessionsRevokedAt, u.SessionsRevokedAt)
		}
		v := newUser("t1", "bob")
		mustCreate(t, env, v)
		if got := mustGet(t, env, "t1", v.ID); !got.SessionsRevokedAt.IsZero() {
			t.Errorf("a user never revoked reads %v", got.SessionsRevokedAt)
		}
	})
}
