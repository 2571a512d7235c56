package signin_test

import (
	"context"
	"testing"

	"roster/shared/fault"
	"roster/shared/signin"
	"roster/shared/store/storetest"
)

func TestLoginIntoAnInactiveTenantGetsTheWrongPasswordAnswerUntilReactivated(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		env.Tenant(t, "t1")
		ada := f.person(t, "t1", "ada", "member", "", goodPassword)
		bob := f.person(t, "t1", "bob", "member", "", goodPassword)
		dev := f.device(t, "t1")
		_, err := f.svc.Login(context.Background(), dev, bob.Username, "not the password")
		wrong := visible(wantCode(t, err, fault.Unauthorized))

		env.SetTenantActive(t, "t1", false)
		for _, pw := range []string{goodPassword, "not the password"} {
			items := env.Count(t)
			ctx, use := usage()
			_, err := f.svc.Login(ctx, dev, ada.Username, pw)
			if got := visible(wantCode(t, err, fault.Unauthorized)); got != wrong {
				t.Errorf("login into an inactive tenant answers %+v, want %+v as for a wrong password", got, wrong)
			}
			// The tenant came with user and account: no extra read, and
			// nothing written (no failure counted against the person).
			if use.Calls("GetItem") != 2 || use.Calls("BatchGetItem") != 1 || use.Calls() != 3 {
				t.Errorf("%d calls (GetItem %d, BatchGetItem %d), want 2 GetItem and 1 BatchGetItem",
					use.Calls(), use.Calls("GetItem"), use.Calls("BatchGetItem"))
			}
			if n := env.Count(t); n != items {
				t.Errorf("items %d -> %d", items, n)
			}
		}
		if a := f.account(t, ada.AccountID); a.FailedLogins != 0 {
			t.Errorf("failed logins = %d, want 0: a closed tenant is not the person's failure", a.FailedLogins)
		}

		env.SetTenantActive(t, "t1", true)
		if _, err := f.svc.Login(context.Background(), dev, ada.Username, goodPassword); err != nil {
			t.Errorf("login after reactivation: %v", err)
		}
	})
}

func TestExchangeIntoAnInactiveTenantAnswersAsNoUserThereAndConsumesNothing(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		for _, id := range []string{"t1", "t2", "t3"} {
			env.Tenant(t, id)
		}
		ada := f.person(t, "t1", "ada", "member", "", goodPassword)
		f.person(t, "t2", "ada", "admin", ada.AccountID, "")
		tok := f.login(t, ada, goodPassword)
		_, _, err := f.svc.Exchange(context.Background(), tok.AuthToken, "t3")
		notMember := visible(wantCode(t, err, fault.NotFound))

		env.SetTenantActive(t, "t2", false)
		items := env.Count(t)
		ctx, use := usage()
		_, _, err = f.svc.Exchange(ctx, tok.AuthToken, "t2")
		if got := visible(wantCode(t, err, fault.NotFound)); got != notMember {
			t.Errorf("exchange into an inactive tenant answers %+v, want %+v as for a tenant the person is not in", got, notMember)
		}
		if use.Calls("GetItem") != 2 || use.Calls("BatchGetItem") != 1 || use.Calls() != 3 {
			t.Errorf("%d calls (GetItem %d, BatchGetItem %d), want 2 GetItem (auth token, membership) and 1 BatchGetItem (user, tenant)",
				use.Calls(), use.Calls("GetItem"), use.Calls("BatchGetItem"))
		}
		if n := env.Count(t); n != items {
			t.Errorf("items %d -> %d", items, n)
		}

		// The auth token was not consumed: it still enters the active tenant,
		// and the inactive one once it is reactivated.
		next, _, err := f.svc.Exchange(context.Background(), tok.AuthToken, "t1")
		if err != nil {
			t.Fatalf("exchange into an active tenant after the refusal: %v", err)
		}
		env.SetTenantActive(t, "t2", true)
		if _, u, err := f.svc.Exchange(context.Background(), next.AuthToken, "t2"); err != nil || u.TenantID != "t2" {
			t.Errorf("exchange after reactivation: %+v, %v", u, err)
		}
	})
}

func TestAcceptingAnInvitationIntoAnInactiveTenantIsAnUnknownInvitationUntilReactivated(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		env.Tenant(t, "t1")
		env.Tenant(t, "t2")
		ada := f.person(t, "t1", "ada", "member", "", goodPassword)
		in := f.invite(t, "t2", "ada.t2@example.com", "member")
		tok := f.login(t, ada, goodPassword)
		_, _, err := f.svc.AcceptInvite(context.Background(), tok.AuthToken, "rit_nope")
		unknown := visible(wantCode(t, err, fault.NotFound))

		env.SetTenantActive(t, "t2", false)
		items := env.Count(t)
		_, err = f.svc.DescribeInvite(context.Background(), in.Token)
		if got := visible(wantCode(t, err, fault.NotFound)); got != unknown {
			t.Errorf("describing answers %+v, want %+v as for an unknown invitation", got, unknown)
		}
		_, _, err = f.svc.AcceptInvite(context.Background(), tok.AuthToken, in.Token)
		if got := visible(wantCode(t, err, fault.NotFound)); got != unknown {
			t.Errorf("accepting answers %+v, want %+v as for an unknown invitation", got, unknown)
		}
		if n := env.Count(t); n != items {
			t.Errorf("items %d -> %d", items, n)
		}

		// Neither the invitation nor the auth token was consumed.
		env.SetTenantActive(t, "t2", true)
		if _, u, err := f.svc.AcceptInvite(context.Background(), tok.AuthToken, in.Token); err != nil || u.TenantID != "t2" {
			t.Errorf("accept after reactivation: %+v, %v", u, err)
		}
	})
}
