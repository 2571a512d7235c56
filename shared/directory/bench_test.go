package directory_test

import (
	"context"
	"fmt"
	"testing"

	"roster/shared/directory"
	"roster/shared/emulator"
	"roster/shared/store"
	"roster/shared/store/storetest"
	"roster/shared/user"
)

// BenchmarkDirectoryCalls runs each directory operation against a real
// table and reports what one costs in DynamoDB: calls in total and by API,
// and the capacity consumed (left at zero by emulators that do not report
// it). The users an operation needs are made outside the counted context.
// Emulator latency makes ns/op meaningless here.
func BenchmarkDirectoryCalls(b *testing.B) {
	for _, ep := range emulator.DynamoDB(b) {
		b.Run(ep.Name, func(b *testing.B) {
			f := newFixture(b, storetest.New(b, ep))
			seq := 0
			mint := func(b *testing.B) *user.User {
				seq++
				return f.create(b, newUser(fmt.Sprintf("bench%06d", seq)))
			}
			target := mint(b)
			ops := []struct {
				name  string
				setup func(b *testing.B) []string // ids the operation works on, made uncounted
				op    func(ctx context.Context, ids []string, i int) error
			}{
				{"get", nil, func(ctx context.Context, _ []string, _ int) error {
					_, err := f.svc.Get(ctx, admin, target.ID)
					return err
				}},
				{"create", nil, func(ctx context.Context, _ []string, i int) error {
					_, err := f.svc.Create(ctx, admin, newUser(fmt.Sprintf("created%06d", i)))
					return err
				}},
				{"update", nil, func(ctx context.Context, _ []string, i int) error {
					_, err := f.svc.Update(ctx, admin, target.ID, directory.Change{FirstName: ptr(fmt.Sprint("name ", i))})
					return err
				}},
				{"update-email", nil, func(ctx context.Context, _ []string, i int) error {
					_, err := f.svc.Update(ctx, admin, target.ID, directory.Change{Email: ptr(fmt.Sprintf("moved%06d@example.com", i))})
					return err
				}},
				{"delete", func(b *testing.B) []string { return []string{mint(b).ID} }, func(ctx context.Context, ids []string, _ int) error {
					return f.svc.Delete(ctx, admin, ids[0], 0)
				}},
				{"bulk-delete-10", func(b *testing.B) []string {
					var ids []string
					for range 10 {
						ids = append(ids, mint(b).ID)
					}
					return ids
				}, func(ctx context.Context, ids []string, _ int) error {
					_, err := f.svc.DeleteMany(ctx, admin, ids)
					return err
				}},
			}
			for _, o := range ops {
				b.Run(o.name, func(b *testing.B) {
					ctx, usage := store.WithUsage(context.Background())
					n := 0
					for b.Loop() {
						var ids []string
						if o.setup != nil {
							b.StopTimer()
							ids = o.setup(b)
							b.StartTimer()
						}
						if err := o.op(ctx, ids, n); err != nil {
							b.Fatalf("%s: %v", o.name, err)
						}
						n++
					}
					per := func(v float64) float64 { return v / float64(n) }
					b.ReportMetric(per(float64(usage.Calls())), "ddb-calls/op")
					for _, api := range []string{"GetItem", "Query", "BatchGetItem", "TransactWriteItems", "UpdateItem"} {
						if c := usage.Calls(api); c > 0 {
							b.ReportMetric(per(float64(c)), api+"/op")
						}
					}
					read, write := usage.Capacity()
					b.ReportMetric(per(read), "RCU/op")
					b.ReportMetric(per(write), "WCU/op")
				})
			}
		})
	}
}
