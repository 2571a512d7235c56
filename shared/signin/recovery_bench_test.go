package signin_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"roster/shared/emulator"
	"roster/shared/mail"
	"roster/shared/signin"
	"roster/shared/store"
	"roster/shared/user"
)

// BenchmarkRecoveryRequestCalls measures what a reset request costs in
// DynamoDB, for a person who exists and for an address nobody holds: the
// two must make the same calls (decision 021). Each request comes from a
// source of its own and for a fresh address, so no counter is spent; the
// mail is posted to a poster that keeps nothing (the SQS SendMessage is
// one call more in AWS, for both).
func BenchmarkRecoveryRequestCalls(b *testing.B) {
	for _, ep := range emulator.DynamoDB(b) {
		for _, who := range []string{"known", "unknown"} {
			b.Run(ep.Name+"/"+who, func(b *testing.B) {
				s := newBenchSetup(b, ep)
				hasher := defaultHasher(b)
				r, err := signin.NewRecovery(s.env.Table, hasher, keys.Pepper, mail.PosterFunc(func(context.Context, mail.Message) error { return nil }), signin.RecoveryOptions{})
				if err != nil {
					b.Fatal(err)
				}
				ctx, use := store.WithUsage(context.Background())
				n := 0
				for b.Loop() {
					email := fmt.Sprintf("nobody%d@example.com", n)
					if who == "known" {
						// A person of their own each time, so no address
						// reaches its limit of 5 an hour.
						b.StopTimer()
						email = fmt.Sprintf("p%d@example.com", n)
						now := time.Now()
						u := &user.User{TenantID: "t1", ID: user.NewID(), Username: fmt.Sprint("p", n), Email: email,
							FirstName: "P", LastName: "Q", Active: true, Role: "member", CreatedAt: now, UpdatedAt: now}
						if err := s.env.Table.CreateUser(context.Background(), u); err != nil {
							b.Fatal(err)
						}
						b.StartTimer()
					}
					if err := r.RequestReset(ctx, "t1", signin.ResetRequest{Email: email, Source: fmt.Sprint("src", n)}); err != nil {
						b.Fatalf("request: %v", err)
					}
					n++
				}
				reportUsage(b, use, n)
			})
		}
	}
}
