package signin_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"roster/shared/emulator"
	"roster/shared/password"
	"roster/shared/signin"
	"roster/shared/store"
	"roster/shared/store/storetest"
	"roster/shared/token"
	"roster/shared/user"
)

// The sign-in benchmarks run each operation against a real table on every
// emulator and report what one operation costs in DynamoDB: calls in total,
// reads and writes, calls by API, and the capacity consumed (left at zero by
// an emulator that does not report it). ns/op includes the emulator's
// latency and, for Login, one argon2id verification at the default
// parameters; BenchmarkHash in shared/password measures the hash alone.
//
// Capacity is as the emulator reports it, which is not always what AWS
// charges: for a transaction DynamoDB Local reports 2 WCU for the table
// whatever the number of items (AWS charges 2 WCU per item of up to 1 KB,
// plus index writes) and moto reports nothing; moto also counts a strongly
// consistent read as 0.5 RCU (AWS: 1).

// benchUserCode is the user code of the person every benchmark logs in as.
const benchUserCode = "ada"

// benchSetup is a service over a fresh table with tenant t1, a person with a
// password and a device there.
type benchSetup struct {
	env    storetest.Env
	svc    signin.Service
	device string // device token of t1
}

func newBenchSetup(b *testing.B, ep emulator.Endpoint) *benchSetup {
	b.Helper()
	env := storetest.New(b, ep)
	env.Tenant(b, "t1")
	hasher, err := password.New(keys.Pepper, password.DefaultParams())
	if err != nil {
		b.Fatal(err)
	}
	issuer, err := token.NewIssuer(keys.Signing, testIssuer, testAudience, 0, time.Now)
	if err != nil {
		b.Fatal(err)
	}
	svc, err := signin.New(env.Table, door(b, env.Table, hasher), hasher, issuer, keys.Pepper, signin.Options{})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	u := &user.User{
		TenantID: "t1", ID: user.NewID(), Username: benchUserCode, Email: benchUserCode + "@example.com",
		FirstName: "Ada", LastName: "Lovelace", Active: true, Role: "owner",
		CreatedAt: now, UpdatedAt: now, CreatedBy: "bench", UpdatedBy: "bench",
	}
	if err := env.Table.CreateUser(context.Background(), u); err != nil {
		b.Fatalf("create user: %v", err)
	}
	if err := env.Table.SetAccountPassword(context.Background(), u.AccountID, hash(b, goodPassword)); err != nil {
		b.Fatalf("set password: %v", err)
	}
	d, err := svc.CreateDevice(context.Background(), admin("t1"), "till 1")
	if err != nil {
		b.Fatalf("create device: %v", err)
	}
	return &benchSetup{env: env, svc: svc, device: d.Token}
}

// login logs the person in outside any measurement.
func (s *benchSetup) login(b *testing.B) signin.Tokens {
	b.Helper()
	t, err := s.svc.Login(context.Background(), s.device, benchUserCode, goodPassword)
	if err != nil {
		b.Fatalf("login: %v", err)
	}
	return t
}

// reportUsage reports what the n operations counted in u cost each.
func reportUsage(b *testing.B, u *store.Usage, n int) {
	b.Helper()
	if n == 0 {
		return
	}
	per := func(v float64) float64 { return v / float64(n) }
	calls, writes := u.Calls(), u.Writes()
	b.ReportMetric(per(float64(calls)), "ddb-calls/op")
	b.ReportMetric(per(float64(calls-writes)), "reads/op")
	b.ReportMetric(per(float64(writes)), "writes/op")
	for _, api := range []string{"GetItem", "Query", "BatchGetItem", "PutItem", "UpdateItem", "TransactWriteItems"} {
		if c := u.Calls(api); c > 0 {
			b.ReportMetric(per(float64(c)), api+"/op")
		}
	}
	read, write := u.Capacity()
	b.ReportMetric(per(read), "RCU/op")
	b.ReportMetric(per(write), "WCU/op")
}

// BenchmarkLoginCalls measures a successful login: device, user code and
// password checked, a fresh auth token written.
func BenchmarkLoginCalls(b *testing.B) {
	for _, ep := range emulator.DynamoDB(b) {
		b.Run(ep.Name, func(b *testing.B) {
			s := newBenchSetup(b, ep)
			ctx, use := store.WithUsage(context.Background())
			n := 0
			for b.Loop() {
				if _, err := s.svc.Login(ctx, s.device, benchUserCode, goodPassword); err != nil {
					b.Fatalf("login: %v", err)
				}
				n++
			}
			reportUsage(b, use, n)
		})
	}
}

// BenchmarkExchangeCalls measures an exchange of an auth token for an
// access token to the person's tenant; each exchange spends the auth token
// the previous one returned.
func BenchmarkExchangeCalls(b *testing.B) {
	for _, ep := range emulator.DynamoDB(b) {
		b.Run(ep.Name, func(b *testing.B) {
			s := newBenchSetup(b, ep)
			authToken := s.login(b).AuthToken
			ctx, use := store.WithUsage(context.Background())
			n := 0
			for b.Loop() {
				t, _, err := s.svc.Exchange(ctx, authToken, "t1")
				if err != nil {
					b.Fatalf("exchange: %v", err)
				}
				authToken = t.AuthToken
				n++
			}
			reportUsage(b, use, n)
		})
	}
}

// BenchmarkAcceptInviteCalls measures accepting an invitation. A person
// joins a tenant once, so each operation is an invitation into a tenant of
// its own, made with the timer stopped and counted apart; each acceptance
// spends the auth token the previous one returned.
func BenchmarkAcceptInviteCalls(b *testing.B) {
	for _, ep := range emulator.DynamoDB(b) {
		b.Run(ep.Name, func(b *testing.B) {
			s := newBenchSetup(b, ep)
			authToken := s.login(b).AuthToken
			ctx, use := store.WithUsage(context.Background())
			n := 0
			for b.Loop() {
				b.StopTimer()
				tenantID := fmt.Sprintf("inv%d", n)
				s.env.Tenant(b, tenantID)
				in, err := s.svc.CreateInvite(context.Background(), admin(tenantID), signin.NewInvite{
					Email: "grace@example.com", Role: "member", FirstName: "Grace", LastName: "Hopper",
				})
				if err != nil {
					b.Fatalf("create invite: %v", err)
				}
				b.StartTimer()

				t, _, err := s.svc.AcceptInvite(ctx, authToken, in.Token)
				if err != nil {
					b.Fatalf("accept invite: %v", err)
				}
				authToken = t.AuthToken
				n++
			}
			reportUsage(b, use, n)
		})
	}
}
