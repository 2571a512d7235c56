package signin_test

import (
	"context"
	"testing"
	"time"

	"roster/shared/auth"
	"roster/shared/fault"
	"roster/shared/opaque"
	"roster/shared/role"
	"roster/shared/signin"
	"roster/shared/store/storetest"
)

func sessionsOf(t *testing.T, f *fixture) signin.Sessions {
	t.Helper()
	s, err := signin.NewSessions(f.svc)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAPersonListsLiveSessionsWithDeviceAndLastUseAndEndsOne(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		ss := sessionsOf(t, f)
		env.Tenant(t, "t1")
		u := f.person(t, "t1", "ada", "member", "", goodPassword)
		ctx := context.Background()

		devA, devB := f.device(t, "t1"), f.device(t, "t1")
		a, err := f.svc.Login(ctx, devA, "ada", goodPassword)
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Minute)
		b, err := f.svc.Login(ctx, devB, "ada", goodPassword)
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Minute)
		a2, _, err := f.svc.Exchange(ctx, a.AuthToken, "t1")
		if err != nil {
			t.Fatal(err)
		}
		list, err := ss.ListSessions(ctx, as(u))
		if err != nil {
			t.Fatalf("ListSessions: %v", err)
		}
		idA, _ := opaque.Auth.Parse(a.AuthToken)
		idB, _ := opaque.Auth.Parse(b.AuthToken)
		devIDA, _ := opaque.Device.Parse(devA)
		devIDB, _ := opaque.Device.Parse(devB)
		if len(list) != 2 || list[0].ID != idB || list[1].ID != idA {
			t.Fatalf("sessions = %+v, want b then a", list)
		}
		if list[0].DeviceID != devIDB || list[1].DeviceID != devIDA || list[0].TenantID != "t1" {
			t.Errorf("devices = %s, %s; want %s, %s", list[0].DeviceID, list[1].DeviceID, devIDB, devIDA)
		}
		// The exchange moved a's record on and stamped its use.
		if !list[1].LastUsedAt.Equal(f.clock.Now()) || !list[0].LastUsedAt.Equal(f.clock.Now().Add(-time.Minute)) {
			t.Errorf("last use = %v, %v", list[1].LastUsedAt, list[0].LastUsedAt)
		}

		// Ending a stops its current auth token; b goes on.
		if err := ss.EndSession(ctx, as(u), idA); err != nil {
			t.Fatalf("EndSession: %v", err)
		}
		if _, _, err := f.svc.Exchange(ctx, a2.AuthToken, "t1"); !is(t, err, fault.Unauthorized) {
			t.Errorf("exchange of an ended session: %v", err)
		}
		if _, _, err := f.svc.Exchange(ctx, b.AuthToken, "t1"); err != nil {
			t.Errorf("exchange of the other session: %v", err)
		}
		if list, _ := ss.ListSessions(ctx, as(u)); len(list) != 1 || list[0].ID != idB {
			t.Errorf("sessions after ending one = %+v", list)
		}
		// An ended, unknown or another person's session is the same 404.
		other := f.person(t, "t1", "grace", "member", "", goodPassword)
		for _, tc := range []struct {
			who auth.Principal
			id  string
		}{{as(u), idA}, {as(u), "nosuchsessionxxx"}, {as(other), idB}} {
			if err := ss.EndSession(ctx, tc.who, tc.id); !is(t, err, fault.NotFound) {
				t.Errorf("EndSession(%s): %v", tc.id, err)
			}
		}
	})
}

func TestEndingAllSessionsStopsEveryAuthAndAccessToken(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		ss := sessionsOf(t, f)
		env.Tenant(t, "t1")
		u := f.person(t, "t1", "ada", "member", "", goodPassword)
		ctx := context.Background()
		a, b := f.login(t, u, goodPassword), f.login(t, u, goodPassword)
		f.clock.Advance(time.Millisecond)
		if err := ss.EndAllSessions(ctx, as(u)); err != nil {
			t.Fatalf("EndAllSessions: %v", err)
		}
		for _, tok := range []signin.Tokens{a, b} {
			if _, _, err := f.svc.Exchange(ctx, tok.AuthToken, "t1"); !is(t, err, fault.Unauthorized) {
				t.Errorf("exchange after ending all: %v", err)
			}
			if _, err := f.authn.Authenticate(ctx, "Bearer "+tok.AccessToken); err == nil {
				t.Error("an access token works after ending all sessions")
			}
		}
		if list, err := ss.ListSessions(ctx, as(u)); err != nil || len(list) != 0 {
			t.Errorf("sessions after ending all = %+v, %v", list, err)
		}
		// A new login opens a new session.
		f.clock.Advance(time.Millisecond)
		c := f.login(t, u, goodPassword)
		if _, _, err := f.svc.Exchange(ctx, c.AuthToken, "t1"); err != nil {
			t.Errorf("exchange of a later session: %v", err)
		}
	})
}

func TestAnAdministratorEndsAUsersSessionsInTheTenant(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		ss := sessionsOf(t, f)
		env.Tenant(t, "t1")
		env.Tenant(t, "t2")
		u := f.person(t, "t1", "ada", "member", "", goodPassword)
		owner := f.person(t, "t1", "boss", "owner", "", goodPassword)
		stranger := f.person(t, "t2", "eve", "member", "", goodPassword)
		ctx := context.Background()
		tok := f.login(t, u, goodPassword)
		f.clock.Advance(time.Millisecond)

		memberP := auth.Principal{TenantID: "t1", UserID: "x", AccountID: "y", Roles: []string{string(role.Member)}, Method: auth.ViaAccessToken}
		if err := ss.EndUserSessions(ctx, memberP, u.ID); !is(t, err, fault.Forbidden) {
			t.Errorf("a member ends sessions: %v", err)
		}
		adminKey := admin("t1")
		if err := ss.EndUserSessions(ctx, adminKey, owner.ID); !is(t, err, fault.Forbidden) {
			t.Errorf("an admin ends an owner's sessions: %v", err)
		}
		if err := ss.EndUserSessions(ctx, adminKey, stranger.ID); !is(t, err, fault.NotFound) {
			t.Errorf("another tenant's user: %v", err)
		}
		if err := ss.EndUserSessions(ctx, adminKey, "nosuchuser"); !is(t, err, fault.NotFound) {
			t.Errorf("an unknown user: %v", err)
		}
		if _, _, err := f.svc.Exchange(ctx, tok.AuthToken, "t1"); err != nil {
			t.Fatalf("refusals ended the session: %v", err)
		}
		tok = f.login(t, u, goodPassword)
		f.clock.Advance(time.Millisecond)
		if err := ss.EndUserSessions(ctx, adminKey, u.ID); err != nil {
			t.Fatalf("EndUserSessions: %v", err)
		}
		if _, _, err := f.svc.Exchange(ctx, tok.AuthToken, "t1"); !is(t, err, fault.Unauthorized) {
			t.Errorf("exchange after the administrator ended the sessions: %v", err)
		}
		if _, err := f.authn.Authenticate(ctx, "Bearer "+tok.AccessToken); err == nil {
			t.Error("the user's access token works after the administrator ended the sessions")
		}
		// The user may log in again.
		f.clock.Advance(time.Millisecond)
		if _, _, err := f.svc.Exchange(ctx, f.login(t, u, goodPassword).AuthToken, "t1"); err != nil {
			t.Errorf("a later login: %v", err)
		}
	})
}

func TestALoginWithTOTPBeginsASessionToo(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		fs, ss := f.factors(t), sessionsOf(t, f)
		env.Tenant(t, "t1")
		u := f.person(t, "t1", "ada", "member", "", goodPassword)
		secret, _ := f.enrolled(t, fs, u)
		dev, ch := f.challenge(t, u)
		if list, _ := ss.ListSessions(context.Background(), as(u)); len(list) != 0 {
			t.Errorf("a challenge is a session: %+v", list)
		}
		tok, err := fs.Verify(context.Background(), dev, ch, signin.SecondFactor{Code: f.code(t, secret)})
		if err != nil {
			t.Fatal(err)
		}
		id, _ := opaque.Auth.Parse(tok.AuthToken)
		if list, _ := ss.ListSessions(context.Background(), as(u)); len(list) != 1 || list[0].ID != id {
			t.Errorf("sessions = %+v, want the one the second step began", list)
		}
	})
}
