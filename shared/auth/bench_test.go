package auth_test

import (
	"context"
	"testing"

	"roster/shared/emulator"
	"roster/shared/secrets"
	"roster/shared/store"
	"roster/shared/store/storetest"
	"roster/shared/token"
	"roster/shared/user"
)

// BenchmarkAuthenticateCalls measures what the authorizer costs in
// DynamoDB per request, for each credential it accepts: the calls in
// total and by API, and the capacity they consumed (left at zero by
// emulators that do not report it).
func BenchmarkAuthenticateCalls(b *testing.B) {
	for _, ep := range emulator.DynamoDB(b) {
		b.Run(ep.Name, func(b *testing.B) {
			env := storetest.New(b, ep)
			keys := newKeys(b, secrets.NewMasterKey(), "")
			authn, iss := authenticator(b, env, keys)
			env.Tenant(b, "acme")
			u := &user.User{TenantID: "acme", ID: user.NewID(), Username: "ada", Email: "ada@example.com",
				Active: true, Role: "admin", AccountID: user.NewID(), TokenVersion: 1}
			if err := env.Table.CreateUser(context.Background(), u); err != nil {
				b.Fatal(err)
			}
			access, _, err := iss.Issue(token.Claims{
				Subject: u.ID, Tenant: u.TenantID, Account: u.AccountID, Roles: []string{u.Role}, Version: u.TokenVersion,
			})
			if err != nil {
				b.Fatal(err)
			}
			for _, c := range []struct{ name, header string }{
				{"api_key", env.APIKey(b, "acme", keys.Pepper)},
				{"access_token", "Bearer " + access},
			} {
				b.Run(c.name, func(b *testing.B) {
					ctx, use := store.WithUsage(context.Background())
					n := 0
					for b.Loop() {
						if _, err := authn.Authenticate(ctx, c.header); err != nil {
							b.Fatalf("authenticate: %v", err)
						}
						n++
					}
					per := func(v float64) float64 { return v / float64(n) }
					b.ReportMetric(per(float64(use.Calls())), "ddb-calls/op")
					for _, api := range []string{"GetItem", "BatchGetItem", "Query"} {
						if c := use.Calls(api); c > 0 {
							b.ReportMetric(per(float64(c)), api+"/op")
						}
					}
					read, _ := use.Capacity()
					b.ReportMetric(per(read), "RCU/op")
				})
			}
		})
	}
}
