package signin_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"roster/shared/auth"
	"roster/shared/fault"
	"roster/shared/role"
	"roster/shared/signin"
	"roster/shared/store/storetest"
)

func TestATenantThatRequiresMFAOfARoleMakesItsUsersEnrolAtLogin(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		fs := f.factors(t)
		env.Tenant(t, "t1")
		boss := f.person(t, "t1", "boss", "admin", "", goodPassword)
		worker := f.person(t, "t1", "worker", "member", "", goodPassword)
		ctx := context.Background()

		// Off by default.
		if roles, err := fs.MFAPolicy(ctx, admin("t1")); err != nil || len(roles) != 0 {
			t.Fatalf("MFAPolicy = %v, %v; want none", roles, err)
		}
		early := f.login(t, boss, goodPassword) // a session from before the policy
		roles, err := fs.SetMFAPolicy(ctx, admin("t1"), []string{"owner", "admin", "admin"})
		if err != nil || !slices.Equal(roles, []string{"admin", "owner"}) {
			t.Fatalf("SetMFAPolicy = %v, %v", roles, err)
		}
		// A member logs in as before.
		if tok := f.login(t, worker, goodPassword); tok.Challenge != nil {
			t.Errorf("a member's login asks for a factor: %+v", tok.Challenge)
		}
		// The early session may no longer enter the tenant.
		if _, _, err := f.svc.Exchange(ctx, early.AuthToken, "t1"); !is(t, err, fault.Forbidden) {
			t.Errorf("exchange of a session without a factor: %v", err)
		}

		// The admin's login asks for an enrolment.
		dev := f.device(t, "t1")
		tok, err := f.svc.Login(ctx, dev, "boss", goodPassword)
		if err != nil || tok.Challenge == nil || !slices.Equal(tok.Challenge.Factors, []string{"totp_enrolment"}) || tok.AccessToken != "" {
			t.Fatalf("Login = %+v, %v; want an enrolment challenge", tok, err)
		}
		ch := tok.Challenge.Token
		if _, err := fs.Verify(ctx, dev, ch, signin.SecondFactor{Code: "123456"}); !is(t, err, fault.NotFound) {
			t.Errorf("Verify before the enrolment began: %v", err)
		}
		if _, err := fs.StartEnrolment(ctx, f.device(t, "t1"), ch); !is(t, err, fault.Unauthorized) {
			t.Errorf("StartEnrolment from another device: %v", err)
		}
		e, err := fs.StartEnrolment(ctx, dev, ch)
		if err != nil {
			t.Fatalf("StartEnrolment: %v", err)
		}
		if _, err := fs.Verify(ctx, dev, ch, signin.SecondFactor{Code: "000000"}); !is(t, err, fault.Unauthorized) {
			t.Errorf("a wrong enrolment code: %v", err)
		}
		got, err := fs.Verify(ctx, dev, ch, signin.SecondFactor{Code: f.code(t, e.Secret)})
		if err != nil {
			t.Fatalf("Verify of the enrolment: %v", err)
		}
		if len(got.RecoveryCodes) != signin.RecoveryCodes || got.AccessToken == "" {
			t.Errorf("enrolling login = %d recovery codes, access token %v", len(got.RecoveryCodes), got.AccessToken != "")
		}
		if a := f.account(t, boss.AccountID); !a.Factors.Enrolled() || a.Factors.FailedCodes != 0 {
			t.Errorf("after the enrolling login: %+v", a.Factors)
		}
		if _, _, err := f.svc.Exchange(ctx, got.AuthToken, "t1"); err != nil {
			t.Errorf("exchange of a session with a factor: %v", err)
		}
		// The next login asks for a code.
		f.clock.Advance(30 * time.Second)
		dev2, ch2 := f.challenge(t, boss)
		if _, err := fs.StartEnrolment(ctx, dev2, ch2); !is(t, err, fault.Unauthorized) {
			t.Errorf("StartEnrolment with a code challenge: %v", err)
		}
		if _, err := fs.Verify(ctx, dev2, ch2, signin.SecondFactor{Code: f.code(t, e.Secret)}); err != nil {
			t.Errorf("Verify: %v", err)
		}
	})
}

func TestMFAPolicyRefusesUnknownRolesAndCallersWithoutTenantAdmin(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		fs := f.factors(t)
		env.Tenant(t, "t1")
		ctx := context.Background()
		if _, err := fs.SetMFAPolicy(ctx, admin("t1"), []string{"admin", "superuser"}); !is(t, err, fault.Invalid, "requiredRoles") {
			t.Errorf("unknown role: %v", err)
		}
		mgr := auth.Principal{TenantID: "t1", KeyID: "k", Roles: []string{string(role.UserManager)}, Method: auth.ViaAPIKey}
		if _, err := fs.SetMFAPolicy(ctx, mgr, []string{"admin"}); !is(t, err, fault.Forbidden) {
			t.Errorf("user manager sets the policy: %v", err)
		}
		if _, err := fs.MFAPolicy(ctx, mgr); !is(t, err, fault.Forbidden) {
			t.Errorf("user manager reads the policy: %v", err)
		}
		if roles, _ := fs.MFAPolicy(ctx, admin("t1")); len(roles) != 0 {
			t.Errorf("refused changes wrote %v", roles)
		}
		if _, err := fs.SetMFAPolicy(ctx, admin("t1"), []string{"admin"}); err != nil {
			t.Fatal(err)
		}
		if roles, err := fs.SetMFAPolicy(ctx, admin("t1"), nil); err != nil || len(roles) != 0 {
			t.Errorf("clearing the policy = %v, %v", roles, err)
		}
	})
}

func TestAnAdministratorResetsAUsersFactors(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		fs := f.factors(t)
		env.Tenant(t, "t1")
		env.Tenant(t, "t2")
		u := f.person(t, "t1", "ada", "member", "", goodPassword)
		owner := f.person(t, "t1", "boss", "owner", "", goodPassword)
		stranger := f.person(t, "t2", "eve", "member", "", goodPassword)
		f.enrolled(t, fs, u)
		f.enrolled(t, fs, owner)
		f.enrolled(t, fs, stranger)
		ctx := context.Background()
		memberP := as(u)
		if err := fs.ResetFactors(ctx, memberP, u.ID); !is(t, err, fault.Forbidden) {
			t.Errorf("a member resets factors: %v", err)
		}
		if err := fs.ResetFactors(ctx, admin("t1"), owner.ID); !is(t, err, fault.Forbidden) {
			t.Errorf("an admin resets an owner's factors: %v", err)
		}
		if err := fs.ResetFactors(ctx, admin("t1"), stranger.ID); !is(t, err, fault.NotFound) {
			t.Errorf("another tenant's user: %v", err)
		}
		for _, who := range []string{u.AccountID, owner.AccountID, stranger.AccountID} {
			if !f.account(t, who).Factors.Enrolled() {
				t.Fatal("a refused reset removed a factor")
			}
		}
		if err := fs.ResetFactors(ctx, admin("t1"), u.ID); err != nil {
			t.Fatalf("ResetFactors: %v", err)
		}
		if a := f.account(t, u.AccountID); a.Factors.Enrolled() {
			t.Error("factors left after the reset")
		}
		if tok := f.login(t, u, goodPassword); tok.Challenge != nil {
			t.Error("a login after the reset asks for a code")
		}
		if sum, _ := fs.Summary(ctx, as(u)); sum.RecoveryCodes != 0 {
			t.Errorf("%d recovery codes after the reset", sum.RecoveryCodes)
		}
	})
}

func TestASessionWithoutAFactorMayNotJoinATenantThatRequiresOneOfTheRole(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		fs := f.factors(t)
		env.Tenant(t, "t1")
		env.Tenant(t, "t2")
		ada := f.person(t, "t1", "ada", "member", "", goodPassword)
		ctx := context.Background()
		if _, err := fs.SetMFAPolicy(ctx, admin("t2"), []string{"user_manager"}); err != nil {
			t.Fatal(err)
		}
		asAdmin := f.invite(t, "t2", "ada.admin@example.com", "user_manager")
		asMember := f.invite(t, "t2", "ada.member@example.com", "member")
		tok := f.login(t, ada, goodPassword)
		before := len(tableText(t, env))
		if _, _, err := f.svc.AcceptInvite(ctx, tok.AuthToken, asAdmin.Token); !is(t, err, fault.Forbidden) {
			t.Fatalf("joining as user manager without a factor: %v", err)
		}
		if after := len(tableText(t, env)); after != before {
			t.Errorf("a refused acceptance wrote (%d bytes of items, then %d)", before, after)
		}
		// The auth token was not consumed: it joins where no factor is required.
		if _, _, err := f.svc.AcceptInvite(ctx, tok.AuthToken, asMember.Token); err != nil {
			t.Fatalf("joining as member: %v", err)
		}
		// With a factor, the user manager invitation is accepted.
		secret, _ := f.enrolled(t, fs, ada)
		dev, ch := f.challenge(t, ada)
		strong, err := fs.Verify(ctx, dev, ch, signin.SecondFactor{Code: f.code(t, secret)})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.AcceptInvite(ctx, strong.AuthToken, asAdmin.Token); !is(t, err, fault.Conflict) {
			// ada is a member of t2 already: the person joins a tenant once.
			t.Errorf("accepting a second invitation to the tenant: %v", err)
		}
	})
}
