package signin_test

import (
	"context"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"roster/shared/emulator"
	"roster/shared/password"
	"roster/shared/seal"
	"roster/shared/signin"
	"roster/shared/store"
	"roster/shared/store/storetest"
	"roster/shared/token"
	"roster/shared/user"
)

// BenchmarkLoginTOTPCalls measures a login of a person with TOTP, one
// step at a time: "password" is the first step (the same reads as a login
// without TOTP, and a challenge written in place of the auth token),
// "code" the second (the challenge read, one transaction). Set beside
// BenchmarkLoginCalls, the code step is what TOTP adds: one read and one
// write. Each iteration moves the clock a TOTP step on, since a step's
// code is accepted once.
func BenchmarkLoginTOTPCalls(b *testing.B) {
	for _, ep := range emulator.DynamoDB(b) {
		for _, step := range []string{"password", "code"} {
			b.Run(ep.Name+"/"+step, func(b *testing.B) {
				s := newTOTPBench(b, ep)
				ctx, use := store.WithUsage(context.Background())
				n := 0
				for b.Loop() {
					s.clock.Advance(30 * time.Second)
					loginCtx, verifyCtx := ctx, context.Background()
					if step == "code" {
						loginCtx, verifyCtx = context.Background(), ctx
						b.StopTimer()
					}
					tok, err := s.svc.Login(loginCtx, s.device, benchUserCode, goodPassword)
					if err != nil || tok.Challenge == nil {
						b.Fatalf("login = %+v, %v", tok, err)
					}
					code, err := totp.GenerateCode(s.secret, s.clock.Now())
					if err != nil {
						b.Fatal(err)
					}
					if step == "code" {
						b.StartTimer()
					} else {
						b.StopTimer()
					}
					if _, err := s.factors.Verify(verifyCtx, s.device, tok.Challenge.Token, signin.SecondFactor{Code: code}); err != nil {
						b.Fatalf("verify: %v", err)
					}
					if step != "code" {
						b.StartTimer()
					}
					n++
				}
				reportUsage(b, use, n)
			})
		}
	}
}

// totpBench is a person with a password and a confirmed TOTP.
type totpBench struct {
	svc     signin.Service
	factors signin.Factors
	clock   *clock
	device  string
	secret  string
}

func newTOTPBench(b *testing.B, ep emulator.Endpoint) *totpBench {
	b.Helper()
	env := storetest.New(b, ep)
	env.Tenant(b, "t1")
	c := newClock()
	hasher, err := password.New(keys.Pepper, password.DefaultParams())
	if err != nil {
		b.Fatal(err)
	}
	issuer, err := token.NewIssuer(keys.Signing, testIssuer, testAudience, 0, c.Now)
	if err != nil {
		b.Fatal(err)
	}
	svc, err := signin.New(env.Table, door(b, env.Table, hasher), hasher, issuer, keys.Pepper, signin.Options{Now: c.Now})
	if err != nil {
		b.Fatal(err)
	}
	sealer, err := seal.New(keys.FieldKey)
	if err != nil {
		b.Fatal(err)
	}
	fs, err := signin.NewFactors(svc, sealer)
	if err != nil {
		b.Fatal(err)
	}
	now := c.Now()
	u := &user.User{
		TenantID: "t1", ID: user.NewID(), Username: benchUserCode, Email: benchUserCode + "@example.com",
		FirstName: "Ada", LastName: "Lovelace", Active: true, Role: "owner",
		CreatedAt: now, UpdatedAt: now, CreatedBy: "bench", UpdatedBy: "bench",
	}
	ctx := context.Background()
	if err := env.Table.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	if err := env.Table.SetAccountPassword(ctx, u.AccountID, hash(b, goodPassword)); err != nil {
		b.Fatal(err)
	}
	e, err := fs.StartTOTP(ctx, as(u))
	if err != nil {
		b.Fatal(err)
	}
	code, err := totp.GenerateCode(e.Secret, c.Now())
	if err != nil {
		b.Fatal(err)
	}
	if _, err := fs.ConfirmTOTP(ctx, as(u), code); err != nil {
		b.Fatal(err)
	}
	d, err := svc.CreateDevice(ctx, admin("t1"), "till 1")
	if err != nil {
		b.Fatal(err)
	}
	return &totpBench{svc: svc, factors: fs, clock: c, device: d.Token, secret: e.Secret}
}
