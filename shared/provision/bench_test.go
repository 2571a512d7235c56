package provision_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"roster/shared/emulator"
	"roster/shared/provision"
	"roster/shared/store"
	"roster/shared/store/storetest"
)

// BenchmarkProvisioning provisions new users of one tenant through the
// queue handler, in batches of 1 and 10 messages, and reports users per
// second on this machine, DynamoDB calls and write capacity (WCU, as the
// emulator reports it) per provisioned user. An iteration is one batch.
// It runs on DynamoDB Local only: moto reports no capacity, and its
// transactions slow down as the table grows, which would measure moto.
func BenchmarkProvisioning(b *testing.B) {
	for _, ep := range emulator.DynamoDB(b) {
		if ep.Name != emulator.NameDynamoDBLocal {
			continue
		}
		env := storetest.New(b, ep)
		env.Tenant(b, "bench")
		proc, err := provision.New(env.Table, door(b, env), pepper, provision.Options{Notifier: &outbox{}})
		if err != nil {
			b.Fatal(err)
		}
		next := 0
		for _, size := range []int{1, 10} {
			b.Run(fmt.Sprintf("%s/batch=%d", ep.Name, size), func(b *testing.B) {
				ctx, usage := store.WithUsage(context.Background())
				users := 0
				start := time.Now()
				for b.Loop() {
					bodies := make([]string, size)
					for i := range bodies {
						next++
						bodies[i] = upsert(fmt.Sprintf("e%d", next), "bench", fmt.Sprintf("hr-%d", next), at(0),
							fmt.Sprintf("user%d", next), fmt.Sprintf("user%d@bench.example", next), true)
					}
					if resp := proc.Handle(ctx, quiet, batch(bodies...)); len(resp.BatchItemFailures) != 0 {
						b.Fatalf("failures = %v", resp.BatchItemFailures)
					}
					users += size
				}
				elapsed := time.Since(start)
				_, write := usage.Capacity()
				b.ReportMetric(float64(users)/elapsed.Seconds(), "users/s")
				b.ReportMetric(float64(usage.Calls())/float64(users), "calls/user")
				b.ReportMetric(write/float64(users), "WCU/user")
			})
		}
	}
}
