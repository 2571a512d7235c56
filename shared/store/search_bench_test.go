package store_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"roster/shared/directory"
	"roster/shared/emulator"
	"roster/shared/samtemplate"
	"roster/shared/store"
	"roster/shared/store/storetest"
)

// benchSizesEnv names the tenant sizes BenchmarkSearchTenantSizes seeds:
// `make bench` sets 100,10000,100000; a quick run might set 100,1000.
// Unset, the benchmark is skipped, so `go test -bench .` stays quick.
const benchSizesEnv = "ROSTER_SEARCH_BENCH_SIZES"

func benchSizes(b *testing.B) []int {
	v := os.Getenv(benchSizesEnv)
	if v == "" {
		b.Skip(benchSizesEnv + " is not set (make bench sets it)")
	}
	var sizes []int
	for _, s := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 100 {
			b.Fatalf("%s=%q: want sizes of at least 100, comma-separated", benchSizesEnv, v)
		}
		sizes = append(sizes, n)
	}
	return sizes
}

// BenchmarkSearchTenantSizes measures what a search page costs in tenants
// of 100, 10,000 and 100,000 users on DynamoDB Local (which reports
// consumed capacity): calls/page and RCU/page per search, and ns/op, the
// time per page. The indexed searches must cost the same at every size.
//
// It also measures the layout DESIGN.md §3 weighs against the tenant
// partition (each user in a partition of its own, global indexes per
// tenant) on the same users and the same first pages, and logs what
// seeding each cost in write capacity per user.
//
// Seeding takes minutes; `make bench` runs it, `make test` never does.
func BenchmarkSearchTenantSizes(b *testing.B) {
	var ep emulator.Endpoint
	for _, e := range emulator.DynamoDB(b) {
		if e.Name == emulator.NameDynamoDBLocal {
			ep = e
		}
	}
	if ep.URL == "" {
		b.Skip("needs DynamoDB Local, which reports consumed capacity")
	}
	sizes := benchSizes(b)
	ctx := context.Background()
	env := storetest.New(b, ep)
	alt := userPartitionTable(b, env)
	for _, n := range sizes {
		users := uniformTenant(tenantOfSize(n), n)
		for _, layout := range []struct {
			name string
			seed func(context.Context) error
		}{
			{"tenant partition, 5 local indexes", func(ctx context.Context) error { return env.Table.SeedUsers(ctx, users) }},
			{"user partitions, 6 global indexes", func(ctx context.Context) error { return alt.SeedUsersUserPartition(ctx, users) }},
		} {
			sctx, usage := store.WithUsage(ctx)
			start := time.Now()
			if err := layout.seed(sctx); err != nil {
				b.Fatal(err)
			}
			_, w := usage.Capacity()
			// Printed, not logged: benchmark logs show only with -v.
			fmt.Printf("seeded %d users (%s) in %s: %.1f WCU per user\n", n, layout.name, time.Since(start).Round(time.Millisecond), w/float64(n))
		}
	}

	const pageSize = 20
	for _, n := range sizes {
		tenant := tenantOfSize(n)
		for _, c := range costCases(tenant, pageSize) {
			b.Run(fmt.Sprintf("tenant-partition/users=%d/%s", n, c.name), func(b *testing.B) {
				benchPages(b, func(ctx context.Context) error { _, err := env.Table.SearchUsers(ctx, c.q); return err })
			})
		}
		// The page after the first, from its cursor: the same cost.
		next := directory.UserSearch{TenantID: tenant, Order: directory.ByUsername, Word: "al", Limit: pageSize}
		first, err := env.Table.SearchUsers(ctx, next)
		if err != nil {
			b.Fatal(err)
		}
		next.Cursor = first.Next
		b.Run(fmt.Sprintf("tenant-partition/users=%d/prefix-username-next-page", n), func(b *testing.B) {
			benchPages(b, func(ctx context.Context) error { _, err := env.Table.SearchUsers(ctx, next); return err })
		})
		// startIndex costs what it passes over, whatever the tenant's size.
		if n >= 2_000 {
			deep := directory.UserSearch{TenantID: tenant, Order: directory.ByUsername, Skip: 1_000, Limit: pageSize}
			b.Run(fmt.Sprintf("tenant-partition/users=%d/sort-username-startIndex-1000", n), func(b *testing.B) {
				benchPages(b, func(ctx context.Context) error { _, err := env.Table.SearchUsers(ctx, deep); return err })
			})
		}
		// A condition no index serves reads at most MaxDiscarded users.
		filtered := directory.UserSearch{TenantID: tenant, Word: "00001", Contains: true, Limit: pageSize}
		b.Run(fmt.Sprintf("tenant-partition/users=%d/contains-word-bounded", n), func(b *testing.B) {
			benchPages(b, func(ctx context.Context) error { _, err := env.Table.SearchUsers(ctx, filtered); return err })
		})
		for _, c := range costCases(tenant, pageSize) {
			if _, ok := store.UserPartitionIndexes[c.q.Order]; !ok || !strings.HasPrefix(c.name, "prefix-username") &&
				!strings.HasPrefix(c.name, "sort-username") && !strings.HasPrefix(c.name, "range-") && !strings.HasPrefix(c.name, "sort-id") {
				continue
			}
			b.Run(fmt.Sprintf("user-partitions/users=%d/%s", n, c.name), func(b *testing.B) {
				benchPages(b, func(ctx context.Context) error { _, err := alt.SearchUserPartition(ctx, c.q); return err })
			})
		}
	}
}

func tenantOfSize(n int) string { return "size" + strconv.Itoa(n) }

// benchPages runs page b.N times and reports its calls and read capacity
// per page.
func benchPages(b *testing.B, page func(context.Context) error) {
	ctx, usage := store.WithUsage(context.Background())
	for b.Loop() {
		if err := page(ctx); err != nil {
			b.Fatal(err)
		}
	}
	read, _ := usage.Capacity()
	b.ReportMetric(float64(usage.Calls())/float64(b.N), "calls/page")
	b.ReportMetric(read/float64(b.N), "RCU/page")
}

// userPartitionTable creates a table of the other layout next to env's.
func userPartitionTable(b *testing.B, env storetest.Env) *store.Table {
	tpl, err := samtemplate.Load(storetest.TemplatePath(b))
	if err != nil {
		b.Fatal(err)
	}
	in, err := tpl.TableInput("Table", env.Table.Name()+"-users")
	if err != nil {
		b.Fatal(err)
	}
	alt := store.UserPartitionTable(*in.TableName, store.SearchProjection(in))
	ctx := context.Background()
	if err := store.CreateTable(ctx, env.DB, alt, ""); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_, _ = env.DB.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: alt.TableName})
	})
	return store.New(env.DB, *alt.TableName)
}
