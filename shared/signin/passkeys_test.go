package signin_test

import (
	"context"
	"slices"
	"testing"

	"roster/shared/fault"
	"roster/shared/passkey"
	"roster/shared/signin"
	"roster/shared/signin/passkeytest"
	"roster/shared/store/storetest"
	"roster/shared/user"
)

const (
	testRPID   = "localhost"
	testOrigin = "http://localhost:3000"
)

// passkeysOf returns the passkey service over the fixture's factors.
func (f *fixture) passkeys(t testing.TB, fs signin.Factors) signin.Passkeys {
	t.Helper()
	pk, err := passkey.New(fs, passkey.Config{RPID: testRPID, Origins: []string{testOrigin}})
	if err != nil {
		t.Fatal(err)
	}
	return pk
}

// registered gives u's account a passkey held by a fresh software
// authenticator, and returns the authenticator.
func registered(t *testing.T, pks signin.Passkeys, u *user.User) *passkeytest.Authenticator {
	t.Helper()
	ctx := context.Background()
	a := passkeytest.New(testRPID, testOrigin)
	opts, err := pks.BeginPasskeyRegistration(ctx, as(u))
	if err != nil {
		t.Fatalf("BeginPasskeyRegistration: %v", err)
	}
	answer, err := a.Create(opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pks.FinishPasskeyRegistration(ctx, as(u), "laptop", answer); err != nil {
		t.Fatalf("FinishPasskeyRegistration: %v", err)
	}
	return a
}

func TestAPasskeyIsASecondFactorAndAPasswordlessLogin(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		fs := f.factors(t)
		pks := f.passkeys(t, fs)
		env.Tenant(t, "t1")
		u := f.person(t, "t1", "ada", "member", "", goodPassword)
		ctx := context.Background()

		// A forged or replayed registration answer is the field's 400.
		if _, err := pks.FinishPasskeyRegistration(ctx, as(u), "x", []byte(`{}`)); !is(t, err, fault.NotFound) {
			t.Errorf("finish without a ceremony: %v", err)
		}
		opts, err := pks.BeginPasskeyRegistration(ctx, as(u))
		if err != nil {
			t.Fatal(err)
		}
		other := passkeytest.New("evil.example", "https://evil.example")
		forged, _ := other.Create(opts)
		if _, err := pks.FinishPasskeyRegistration(ctx, as(u), "x", forged); !is(t, err, fault.Invalid, "credential") {
			t.Errorf("an answer for another relying party: %v", err)
		}
		a := registered(t, pks, u)
		if acct := f.account(t, u.AccountID); acct.Factors.Passkeys != 1 || !acct.Factors.Enrolled() || acct.Factors.HasTOTP() {
			t.Errorf("factors after registration = %+v", acct.Factors)
		}

		// Second factor: the login asks for the passkey.
		dev := f.device(t, "t1")
		tok, err := f.svc.Login(ctx, dev, "ada", goodPassword)
		if err != nil || tok.Challenge == nil || !slices.Equal(tok.Challenge.Factors, []string{"passkey"}) {
			t.Fatalf("Login = %+v, %v; want a passkey challenge", tok.Challenge, err)
		}
		ch := tok.Challenge.Token
		if _, err := pks.VerifyPasskey(ctx, dev, ch, []byte(`{}`)); !is(t, err, fault.Unauthorized) {
			t.Errorf("a passkey answer before the options: %v", err)
		}
		same, reqOpts, err := pks.BeginPasskeyLogin(ctx, dev, ch)
		if err != nil || same != ch {
			t.Fatalf("BeginPasskeyLogin = %q, %v", same, err)
		}
		if _, _, err := pks.BeginPasskeyLogin(ctx, f.device(t, "t1"), ch); !is(t, err, fault.Unauthorized) {
			t.Errorf("options for another device's challenge: %v", err)
		}
		assertion, err := a.Get(reqOpts)
		if err != nil {
			t.Fatal(err)
		}
		got, err := pks.VerifyPasskey(ctx, dev, ch, assertion)
		if err != nil {
			t.Fatalf("VerifyPasskey: %v", err)
		}
		if c, err := f.verifier.Verify(got.AccessToken); err != nil || c.Subject != u.ID {
			t.Errorf("access token = %+v, %v", c, err)
		}
		// The challenge is spent, and the same assertion is refused.
		if _, err := pks.VerifyPasskey(ctx, dev, ch, assertion); !is(t, err, fault.Unauthorized) {
			t.Errorf("a replayed assertion: %v", err)
		}

		// Passwordless: options with a challenge of their own.
		pch, popts, err := pks.BeginPasskeyLogin(ctx, dev, "")
		if err != nil || pch == "" {
			t.Fatalf("BeginPasskeyLogin (passwordless) = %q, %v", pch, err)
		}
		if _, err := fs.Verify(ctx, dev, pch, signin.SecondFactor{Code: "123456"}); !is(t, err, fault.Unauthorized) {
			t.Errorf("a TOTP code for a passwordless challenge: %v", err)
		}
		// An assertion of another authenticator's credential is refused.
		stranger := passkeytest.New(testRPID, testOrigin)
		if _, err := stranger.Create([]byte(`{"publicKey":{"challenge":"AAAA","user":{"id":"` + "c29tZW9uZQ" + `"}}}`)); err != nil {
			t.Fatal(err)
		}
		bad, _ := stranger.Get(popts)
		if _, err := pks.VerifyPasskey(ctx, dev, pch, bad); !is(t, err, fault.Unauthorized) {
			t.Errorf("an unknown credential: %v", err)
		}
		pch, popts, err = pks.BeginPasskeyLogin(ctx, dev, "")
		if err != nil {
			t.Fatal(err)
		}
		assertion, err = a.Get(popts)
		if err != nil {
			t.Fatal(err)
		}
		got, err = pks.VerifyPasskey(ctx, dev, pch, assertion)
		if err != nil {
			t.Fatalf("passwordless VerifyPasskey: %v", err)
		}
		if got.UserID != u.ID || got.TenantID != "t1" || got.AccessToken == "" {
			t.Errorf("passwordless tokens = %+v", got)
		}
		if _, _, err := f.svc.Exchange(ctx, got.AuthToken, "t1"); err != nil {
			t.Errorf("exchange after a passwordless login: %v", err)
		}
		// The administrator's reset removes the passkeys too.
		if err := fs.ResetFactors(ctx, admin("t1"), u.ID); err != nil {
			t.Fatal(err)
		}
		if acct := f.account(t, u.AccountID); acct.Factors.Enrolled() {
			t.Errorf("factors after the reset = %+v", acct.Factors)
		}
		pch, popts, _ = pks.BeginPasskeyLogin(ctx, dev, "")
		assertion, _ = a.Get(popts)
		if _, err := pks.VerifyPasskey(ctx, dev, pch, assertion); !is(t, err, fault.Unauthorized) {
			t.Errorf("a reset passkey logs in: %v", err)
		}
	})
}

func TestPasskeysAreUnavailableWithoutARelyingParty(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		pks, err := passkey.New(f.factors(t), passkey.Config{})
		if err != nil {
			t.Fatal(err)
		}
		env.Tenant(t, "t1")
		u := f.person(t, "t1", "ada", "member", "", goodPassword)
		if _, err := pks.BeginPasskeyRegistration(context.Background(), as(u)); !is(t, err, fault.NotFound) {
			t.Errorf("registration without a relying party: %v", err)
		}
	})
}
