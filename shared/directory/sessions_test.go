package directory_test

import (
	"context"
	"testing"
	"time"

	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/signin"
	"roster/shared/store/storetest"
)

// session stores an auth token of the account whose session began at start.
func (f *fixture) session(t testing.TB, id, accountID string, start time.Time) *signin.AuthToken {
	t.Helper()
	now := time.Now().Truncate(time.Second)
	tok := &signin.AuthToken{ID: id, AccountID: accountID, Hash: []byte(id), CreatedAt: now, ExpiresAt: now.Add(time.Hour), SessionStart: start}
	if err := f.env.Table.CompleteLogin(context.Background(), signin.LoginSuccess{Token: tok}); err != nil {
		t.Fatal(err)
	}
	return tok
}

// rotate exchanges the auth token for a fresh one of the same session, as
// the sign-in service's exchange writes it.
func (f *fixture) rotate(old *signin.AuthToken) error {
	now := time.Now()
	fresh := *old
	fresh.ID = old.ID + "-next"
	return f.env.Table.RotateAuthToken(context.Background(), old.ID, now, &fresh)
}

func TestAnAdministratorsPasswordResetEndsThePersonsSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		u := f.create(t, newUser("ada"))
		before := f.session(t, "before", u.AccountID, time.Now().Add(-time.Minute).Truncate(time.Millisecond))
		if err := f.svc.SetPassword(context.Background(), manager, u.ID, goodPassword, nil); err != nil {
			t.Fatalf("SetPassword: %v", err)
		}
		acct, err := env.Table.GetAccount(context.Background(), u.AccountID)
		if err != nil || !acct.SessionsRevokedAt.After(before.SessionStart) {
			t.Fatalf("account = %+v, %v; want its sessions revoked", acct, err)
		}
		wantCode(t, f.rotate(before), fault.Unauthorized)
		after := f.session(t, "after", u.AccountID, acct.SessionsRevokedAt.Add(time.Millisecond))
		if err := f.rotate(after); err != nil {
			t.Errorf("a session begun after the reset: %v", err)
		}
	})
}

func TestDeactivationClosesTheUserToEarlierSessionsForGood(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		u := f.create(t, newUser("ada"))
		start := time.Now().Truncate(time.Millisecond)
		off, err := f.svc.Update(context.Background(), admin, u.ID, directory.Change{Active: ptr(false)})
		if err != nil {
			t.Fatalf("deactivate: %v", err)
		}
		got := f.get(t, "t1", u.ID)
		if got.SessionsRevokedAt.Before(start) || !got.SessionsRevokedAt.Equal(off.SessionsRevokedAt) || got.TokenVersion != u.TokenVersion+1 {
			t.Errorf("deactivated user: sessions revoked at %v (started %v), token version %d", got.SessionsRevokedAt, start, got.TokenVersion)
		}
		if _, err := f.svc.Update(context.Background(), admin, u.ID, directory.Change{Active: ptr(true)}); err != nil {
			t.Fatalf("reactivate: %v", err)
		}
		if again := f.get(t, "t1", u.ID); !again.SessionsRevokedAt.Equal(got.SessionsRevokedAt) {
			t.Errorf("reactivation moved the revocation to %v from %v", again.SessionsRevokedAt, got.SessionsRevokedAt)
		}
		// Other changes leave it alone.
		if _, err := f.svc.Update(context.Background(), manager, u.ID, directory.Change{FirstName: ptr("Augusta")}); err != nil {
			t.Fatal(err)
		}
		if again := f.get(t, "t1", u.ID); !again.SessionsRevokedAt.Equal(got.SessionsRevokedAt) {
			t.Errorf("a name change moved the revocation to %v", again.SessionsRevokedAt)
		}
	})
}
