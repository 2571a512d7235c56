package signin_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/pquerna/otp/totp"

	"roster/shared/fault"
	"roster/shared/opaque"
	"roster/shared/password"
	"roster/shared/seal"
	"roster/shared/signin"
	"roster/shared/store/storetest"
	"roster/shared/user"
)

// factorsOf returns the second-factor service over the fixture's service.
func (f *fixture) factors(t testing.TB) signin.Factors {
	t.Helper()
	sealer, err := seal.New(keys.FieldKey)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := signin.NewFactors(f.svc, sealer)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

// code is the authenticator's code for secret at the fixture's time.
func (f *fixture) code(t testing.TB, secret string) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// enrolled gives u's account a confirmed TOTP and returns the secret and
// the recovery codes.
func (f *fixture) enrolled(t *testing.T, fs signin.Factors, u *user.User) (string, []string) {
	t.Helper()
	e, err := fs.StartTOTP(context.Background(), as(u))
	if err != nil {
		t.Fatalf("StartTOTP: %v", err)
	}
	codes, err := fs.ConfirmTOTP(context.Background(), as(u), f.code(t, e.Secret))
	if err != nil {
		t.Fatalf("ConfirmTOTP: %v", err)
	}
	// The confirming code's step is spent: move to the next one.
	f.clock.Advance(30 * time.Second)
	return e.Secret, codes
}

// challenge runs the password step of a login and returns the device and
// the challenge token.
func (f *fixture) challenge(t *testing.T, u *user.User) (string, string) {
	t.Helper()
	dev := f.device(t, u.TenantID)
	tok, err := f.svc.Login(context.Background(), dev, u.Username, goodPassword)
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	if tok.Challenge == nil || tok.AccessToken != "" || tok.AuthToken != "" {
		t.Fatalf("Login with TOTP = %+v, want a challenge and no tokens", tok)
	}
	return dev, tok.Challenge.Token
}

func TestTOTPCountsOnlyOnceConfirmedAndIsSealedWithHashedRecoveryCodes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		fs := f.factors(t)
		env.Tenant(t, "t1")
		u := f.person(t, "t1", "ada", "member", "", goodPassword)
		ctx := context.Background()

		e, err := fs.StartTOTP(ctx, as(u))
		if err != nil {
			t.Fatalf("StartTOTP: %v", err)
		}
		if !strings.HasPrefix(e.URI, "otpauth://totp/Roster:ada@example.com?") || !strings.Contains(e.URI, "secret="+e.Secret) ||
			len(e.QRCodePNG) < 100 || string(e.QRCodePNG[1:4]) != "PNG" {
			t.Errorf("enrolment = uri %q, %d PNG bytes", e.URI, len(e.QRCodePNG))
		}
		// Not confirmed: the login is still one step.
		if tok := f.login(t, u, goodPassword); tok.Challenge != nil || tok.AccessToken == "" {
			t.Errorf("login before confirmation = %+v, want tokens", tok)
		}
		// A wrong code is the field's 400 and changes nothing.
		for _, bad := range []string{"000000", "12345", "", "abcdef", "1234567"} {
			if _, err := fs.ConfirmTOTP(ctx, as(u), bad); !is(t, err, fault.Invalid, "code") {
				t.Errorf("ConfirmTOTP(%q): %v", bad, err)
			}
		}
		if a := f.account(t, u.AccountID); a.Factors.Enrolled() {
			t.Fatal("a wrong code enrolled the authenticator")
		}
		codes, err := fs.ConfirmTOTP(ctx, as(u), f.code(t, e.Secret))
		if err != nil {
			t.Fatalf("ConfirmTOTP: %v", err)
		}
		if len(codes) != signin.RecoveryCodes {
			t.Fatalf("%d recovery codes, want %d", len(codes), signin.RecoveryCodes)
		}
		a := f.account(t, u.AccountID)
		if !a.Factors.Enrolled() || a.Factors.TOTPSecret == "" || strings.Contains(a.Factors.TOTPSecret, e.Secret) {
			t.Errorf("stored factors = since %v, secret sealed %v", a.Factors.TOTPSince, !strings.Contains(a.Factors.TOTPSecret, e.Secret))
		}
		// The ordinary read does not carry the sealed secret.
		if plain, err := env.Table.GetAccount(ctx, u.AccountID); err != nil || plain.Factors.TOTPSecret != "" || !plain.Factors.Enrolled() {
			t.Errorf("GetAccount factors = %+v, %v", plain.Factors, err)
		}
		// A second confirmation or enrolment is refused.
		if _, err := fs.StartTOTP(ctx, as(u)); !is(t, err, fault.Conflict) {
			t.Errorf("StartTOTP when enrolled: %v", err)
		}
		if _, err := fs.ConfirmTOTP(ctx, as(u), f.code(t, e.Secret)); !is(t, err, fault.NotFound) {
			t.Errorf("ConfirmTOTP again: %v", err)
		}
		sum, err := fs.Summary(ctx, as(u))
		if err != nil || sum.RecoveryCodes != signin.RecoveryCodes || !sum.TOTPSince.Equal(a.Factors.TOTPSince) {
			t.Errorf("Summary = %+v, %v", sum, err)
		}
		// The table holds neither the secret nor a recovery code in clear.
		dump := tableText(t, env)
		for _, c := range append(codes, e.Secret) {
			if strings.Contains(dump, c) || strings.Contains(dump, strings.ReplaceAll(c, "-", "")) {
				t.Errorf("the table holds %q in clear", c)
			}
		}
	})
}

func TestLoginWithTOTPTakesTwoStepsAndTheCodeStepAddsOneReadAndOneWrite(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		fs := f.factors(t)
		env.Tenant(t, "t1")
		u := f.person(t, "t1", "ada", "admin", "", goodPassword)
		secret, _ := f.enrolled(t, fs, u)
		dev := f.device(t, "t1")

		ctx, use := usage()
		tok, err := f.svc.Login(ctx, dev, "ada", goodPassword)
		if err != nil || tok.Challenge == nil {
			t.Fatalf("Login = %+v, %v; want a challenge", tok, err)
		}
		// The password step costs what a login without TOTP does.
		if use.Calls("GetItem") != 2 || use.Calls("BatchGetItem") != 1 || use.Calls("PutItem") != 1 || use.Calls() != 4 {
			t.Errorf("password step calls = %v, want 2 GetItem, 1 BatchGetItem, 1 PutItem", use.Counts())
		}
		if !opaque.Verify(keys.Pepper, tok.Challenge.Token, mustChallenge(t, env, tok.Challenge.Token).Hash) {
			t.Error("the stored challenge is not the token's HMAC")
		}
		use.Reset()
		got, err := fs.Verify(ctx, dev, tok.Challenge.Token, signin.SecondFactor{Code: f.code(t, secret)})
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		if use.Calls("GetItem") != 1 || use.Calls("TransactWriteItems") != 1 || use.Calls() != 2 {
			t.Errorf("code step calls = %v, want 1 GetItem and 1 TransactWriteItems", use.Counts())
		}
		c, err := f.verifier.Verify(got.AccessToken)
		if err != nil || c.Subject != u.ID || c.Tenant != "t1" || c.Account != u.AccountID {
			t.Errorf("access token claims = %+v, %v", c, err)
		}
		// The auth token works like a one-step login's.
		if _, _, err := f.svc.Exchange(context.Background(), got.AuthToken, "t1"); err != nil {
			t.Errorf("Exchange after the second step: %v", err)
		}
		// The challenge is spent.
		if _, err := fs.Verify(context.Background(), dev, tok.Challenge.Token, signin.SecondFactor{Code: f.code(t, secret)}); !is(t, err, fault.Unauthorized) {
			t.Errorf("second Verify of one challenge: %v", err)
		}
	})
}

// tableText is every item of the table, printed, for tests that look for
// secrets in it.
func tableText(t *testing.T, env storetest.Env) string {
	t.Helper()
	out, err := env.DB.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(env.Table.Name())})
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%#v", out.Items)
}

func mustChallenge(t *testing.T, env storetest.Env, tok string) *signin.LoginChallenge {
	t.Helper()
	id, err := signin.Challenge.Parse(tok)
	if err != nil {
		t.Fatal(err)
	}
	c, err := env.Table.GetChallenge(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSecondStepRefusesAReplayedCodeAndSpendsRecoveryCodesOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		fs := f.factors(t)
		env.Tenant(t, "t1")
		u := f.person(t, "t1", "ada", "member", "", goodPassword)
		secret, recovery := f.enrolled(t, fs, u)
		ctx := context.Background()

		dev, ch := f.challenge(t, u)
		code := f.code(t, secret)
		if _, err := fs.Verify(ctx, dev, ch, signin.SecondFactor{Code: code}); err != nil {
			t.Fatalf("Verify: %v", err)
		}
		// The same code, within its window, on a fresh challenge.
		dev, ch = f.challenge(t, u)
		_, err := fs.Verify(ctx, dev, ch, signin.SecondFactor{Code: code})
		if !is(t, err, fault.Unauthorized) {
			t.Fatalf("replayed code: %v", err)
		}
		wrong := visible(err)
		// A wrong code gets the same answer.
		if _, err := fs.Verify(ctx, dev, ch, signin.SecondFactor{Code: "000000"}); visible(err) != wrong {
			t.Errorf("wrong code answer %+v, replay %+v", visible(err), wrong)
		}
		// A recovery code works once, whatever its case and dashes.
		spoken := strings.ToLower(strings.ReplaceAll(recovery[3], "-", " "))
		if _, err := fs.Verify(ctx, dev, ch, signin.SecondFactor{RecoveryCode: spoken}); err != nil {
			t.Fatalf("Verify with a recovery code: %v", err)
		}
		dev, ch = f.challenge(t, u)
		if _, err := fs.Verify(ctx, dev, ch, signin.SecondFactor{RecoveryCode: recovery[3]}); visible(err) != wrong {
			t.Errorf("spent recovery code: %+v", visible(err))
		}
		if sum, _ := fs.Summary(ctx, as(u)); sum.RecoveryCodes != signin.RecoveryCodes-1 {
			t.Errorf("%d recovery codes left, want %d", sum.RecoveryCodes, signin.RecoveryCodes-1)
		}
		// Both or neither of code and recovery code is the field's 400.
		for _, sf := range []signin.SecondFactor{{}, {Code: "123456", RecoveryCode: recovery[0]}} {
			if _, err := fs.Verify(ctx, dev, ch, sf); !is(t, err, fault.Invalid, "code") {
				t.Errorf("Verify(%+v): %v", sf, err)
			}
		}
	})
}

func TestFiveWrongCodesLockTheAccountLikeWrongPasswords(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		fs := f.factors(t)
		env.Tenant(t, "t1")
		u := f.person(t, "t1", "ada", "member", "", goodPassword)
		secret, recovery := f.enrolled(t, fs, u)
		ctx := context.Background()

		dev, ch := f.challenge(t, u)
		for i := 0; i < signin.MaxCodeFailures; i++ {
			if _, err := fs.Verify(ctx, dev, ch, signin.SecondFactor{Code: "000000"}); !is(t, err, fault.Unauthorized) {
				t.Fatalf("wrong code %d: %v", i+1, err)
			}
		}
		if a := f.account(t, u.AccountID); !a.LockedUntil.After(f.clock.Now()) {
			t.Fatalf("after %d wrong codes the account is not locked: %+v", signin.MaxCodeFailures, a)
		}
		// The right code and a recovery code are refused during the lock,
		// and so is the password step.
		if _, err := fs.Verify(ctx, dev, ch, signin.SecondFactor{Code: f.code(t, secret)}); !is(t, err, fault.Unauthorized) {
			t.Errorf("right code during the lock: %v", err)
		}
		if _, err := fs.Verify(ctx, dev, ch, signin.SecondFactor{RecoveryCode: recovery[0]}); !is(t, err, fault.Unauthorized) {
			t.Errorf("recovery code during the lock: %v", err)
		}
		if _, err := f.svc.Login(ctx, dev, "ada", goodPassword); !is(t, err, fault.Unauthorized) {
			t.Errorf("password step during the lock: %v", err)
		}
		if sum, _ := fs.Summary(ctx, as(u)); sum.RecoveryCodes != signin.RecoveryCodes {
			t.Errorf("a refused recovery code was spent: %d left", sum.RecoveryCodes)
		}
		// After the lock, the person gets in, and the count starts again.
		f.clock.Advance(signin.DefaultLockFor + time.Second)
		dev, ch = f.challenge(t, u)
		if _, err := fs.Verify(ctx, dev, ch, signin.SecondFactor{Code: f.code(t, secret)}); err != nil {
			t.Fatalf("Verify after the lock: %v", err)
		}
		if a := f.account(t, u.AccountID); a.Factors.FailedCodes != 0 || a.FailedLogins != 0 {
			t.Errorf("failures after a success = codes %d, passwords %d", a.Factors.FailedCodes, a.FailedLogins)
		}
	})
}

func TestUnknownUsedExpiredAndForeignChallengesGetTheSameAnswer(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		fs := f.factors(t)
		env.Tenant(t, "t1")
		u := f.person(t, "t1", "ada", "member", "", goodPassword)
		secret, _ := f.enrolled(t, fs, u)
		ctx := context.Background()

		used := func() (string, string) {
			dev, ch := f.challenge(t, u)
			if _, err := fs.Verify(ctx, dev, ch, signin.SecondFactor{Code: f.code(t, secret)}); err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(30 * time.Second)
			return dev, ch
		}
		usedDev, usedCh := used()
		otherDev := f.device(t, "t1")
		liveDev, liveCh := f.challenge(t, u)
		unknown, _ := signin.Challenge.Generate()
		expDev, expCh := f.challenge(t, u)
		cases := []struct{ name, dev, ch string }{
			{"unknown", liveDev, unknown.Token},
			{"used", usedDev, usedCh},
			{"another device", otherDev, liveCh},
			{"malformed", liveDev, "rmc_short"},
			{"an auth token", liveDev, strings.Replace(liveCh, "rmc_", "rat_", 1)},
			{"wrong secret", liveDev, liveCh[:len(liveCh)-2] + "AA"},
		}
		f.clock.Advance(signin.ChallengeTTL)
		cases = append(cases, struct{ name, dev, ch string }{"expired", expDev, expCh})
		var first *shown
		for _, tc := range cases {
			_, err := fs.Verify(ctx, tc.dev, tc.ch, signin.SecondFactor{Code: f.code(t, secret)})
			if !is(t, err, fault.Unauthorized) {
				t.Errorf("%s: %v", tc.name, err)
				continue
			}
			if v := visible(err); first == nil {
				first = &v
			} else if v != *first {
				t.Errorf("%s answers %+v, want %+v", tc.name, v, *first)
			}
		}
	})
}

func TestRemovingTOTPNeedsACurrentCode(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		fs := f.factors(t)
		env.Tenant(t, "t1")
		u := f.person(t, "t1", "ada", "member", "", goodPassword)
		secret, _ := f.enrolled(t, fs, u)
		ctx := context.Background()
		if err := fs.RemoveTOTP(ctx, as(u), "000000"); !is(t, err, fault.Invalid, "code") {
			t.Fatalf("RemoveTOTP with a wrong code: %v", err)
		}
		if a := f.account(t, u.AccountID); !a.Factors.Enrolled() || a.Factors.FailedCodes != 1 {
			t.Errorf("after a wrong code: enrolled %v, failed codes %d", a.Factors.Enrolled(), a.Factors.FailedCodes)
		}
		if err := fs.RemoveTOTP(ctx, as(u), f.code(t, secret)); err != nil {
			t.Fatalf("RemoveTOTP: %v", err)
		}
		if tok := f.login(t, u, goodPassword); tok.Challenge != nil {
			t.Error("login after removal still asks for a code")
		}
		if sum, _ := fs.Summary(ctx, as(u)); sum.RecoveryCodes != 0 || !sum.TOTPSince.IsZero() {
			t.Errorf("Summary after removal = %+v", sum)
		}
		if err := fs.RemoveTOTP(ctx, as(u), f.code(t, secret)); !is(t, err, fault.NotFound) {
			t.Errorf("RemoveTOTP without TOTP: %v", err)
		}
	})
}

// is is wantCode as a condition: it fails the test on another code, and
// otherwise holds.
func is(t testing.TB, err error, code fault.Code, fields ...string) bool {
	t.Helper()
	return wantCode(t, err, code, fields...) != nil
}

func TestThePasswordStepOfATOTPLoginRehashesAWeakerHash(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		stronger, err := password.New(keys.Pepper, password.Params{Memory: password.DefaultParams().Memory, Time: 3, Threads: 1})
		if err != nil {
			t.Fatal(err)
		}
		f := newFixture(t, env, signin.Options{}, stronger)
		fs := f.factors(t)
		env.Tenant(t, "t1")
		u := f.person(t, "t1", "ada", "member", "", goodPassword)
		secret, _ := f.enrolled(t, fs, u)
		old := f.account(t, u.AccountID).PasswordHash

		ctx, use := usage()
		dev := f.device(t, "t1")
		use.Reset()
		tok, err := f.svc.Login(ctx, dev, "ada", goodPassword)
		if err != nil || tok.Challenge == nil {
			t.Fatalf("Login = %+v, %v", tok, err)
		}
		if use.Calls("TransactWriteItems") != 1 || use.Writes() != 1 {
			t.Errorf("the rehashing password step wrote %v, want one transaction", use.Counts())
		}
		now := f.account(t, u.AccountID).PasswordHash
		if now == old || !strings.Contains(now, "t=3") {
			t.Fatalf("hash after the password step = %q, want a t=3 hash replacing %q", now, old)
		}
		if _, err := fs.Verify(context.Background(), dev, tok.Challenge.Token, signin.SecondFactor{Code: f.code(t, secret)}); err != nil {
			t.Errorf("Verify after a rehash: %v", err)
		}
	})
}
