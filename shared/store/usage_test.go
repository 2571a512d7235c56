package store_test

import (
	"context"
	"testing"
	"time"

	"roster/shared/auth"
	"roster/shared/emulator"
	"roster/shared/fault"
	"roster/shared/store"
	"roster/shared/store/storetest"
	"roster/shared/tenant"
	"roster/shared/user"
)

// reportsCapacity says whether an emulator returns ConsumedCapacity for a
// successful operation, as measured:
//   - DynamoDB Local reports it for every operation, though not at AWS's
//     rates: a TransactWriteItems counts 2 units however many items it
//     writes (AWS charges 2 per item per KB).
//   - moto reports it for GetItem (0.5 units, even for a strongly consistent
//     read, where AWS charges 1), PutItem and UpdateItem, and returns none
//     for TransactWriteItems.
//
// No emulator, and not AWS, reports capacity for a failed operation: the
// error responses have no field for it.
func reportsCapacity(emu, op string) bool {
	return !(emu == emulator.NameMoto && op == "TransactWriteItems")
}

func TestEachOperationMakesTheMinimumDynamoDBCalls(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		env.Tenant(t, "t1")
		ada := newUser("t1", "ada")
		mustCreate(t, env, ada)
		if err := env.Table.PutAPIKey(context.Background(), &auth.APIKey{ID: "key1", TenantID: "t1", Hash: []byte{1}, CreatedAt: msNow()}); err != nil {
			t.Fatal(err)
		}
		tb := env.Table
		tests := []struct {
			name  string
			run   func(ctx context.Context) error
			op    string     // the one DynamoDB operation expected
			code  fault.Code // expected outcome; "" is success
			write bool       // whether the operation consumes write (not read) capacity
		}{
			{"GetUser", func(ctx context.Context) error {
				_, err := tb.GetUser(ctx, "t1", ada.ID)
				return err
			}, "GetItem", "", false},
			{"GetUser of an unknown user", func(ctx context.Context) error {
				_, err := tb.GetUser(ctx, "t1", "nobody")
				return err
			}, "GetItem", fault.NotFound, false},
			{"UserIDByEmail", func(ctx context.Context) error {
				_, err := tb.UserIDByEmail(ctx, "t1", "ADA@example.com")
				return err
			}, "GetItem", "", false},
			{"CreateUser", func(ctx context.Context) error {
				return tb.CreateUser(ctx, newUser("t1", "bob"))
			}, "TransactWriteItems", "", true},
			{"CreateUser with a taken email", func(ctx context.Context) error {
				u := newUser("t1", "carol")
				u.Email = ada.Email
				return tb.CreateUser(ctx, u)
			}, "TransactWriteItems", fault.Conflict, true},
			{"CreateUser in a missing tenant", func(ctx context.Context) error {
				return tb.CreateUser(ctx, newUser("nope", "dave"))
			}, "TransactWriteItems", fault.NotFound, true},
			{"SetAccessToken", func(ctx context.Context) error {
				return tb.SetAccessToken(ctx, user.AccessTokenChange{TenantID: "t1", UserID: ada.ID, Email: ada.Email, Sealed: "sealed", By: "test", At: time.Now()})
			}, "UpdateItem", "", true},
			{"SetAccessToken with a stale email", func(ctx context.Context) error {
				return tb.SetAccessToken(ctx, user.AccessTokenChange{TenantID: "t1", UserID: ada.ID, Email: "old@example.com", Sealed: "sealed", By: "test", At: time.Now()})
			}, "UpdateItem", fault.NotFound, true},
			{"CreateTenant", func(ctx context.Context) error {
				return tb.CreateTenant(ctx, &tenant.Tenant{ID: "t2", Name: "t2", Active: true, CreatedAt: msNow()})
			}, "PutItem", "", true},
			{"GetTenant", func(ctx context.Context) error {
				_, err := tb.GetTenant(ctx, "t1")
				return err
			}, "GetItem", "", false},
			{"PutAPIKey", func(ctx context.Context) error {
				return tb.PutAPIKey(ctx, &auth.APIKey{ID: "key2", TenantID: "t1", Hash: []byte{2}, CreatedAt: msNow()})
			}, "PutItem", "", true},
			{"GetAPIKey", func(ctx context.Context) error {
				_, err := tb.GetAPIKey(ctx, "key1")
				return err
			}, "GetItem", "", false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ctx, usage := store.WithUsage(context.Background())
				if err := tt.run(ctx); fault.CodeOf(err) != tt.code {
					t.Fatalf("error = %v, want code %q", err, tt.code)
				}
				if all, op := usage.Calls(), usage.Calls(tt.op); all != 1 || op != 1 {
					t.Errorf("calls = %d (%s: %d), want exactly one %s", all, tt.op, op, tt.op)
				}
				wantWrites := 0
				if tt.write {
					wantWrites = 1
				}
				if w := usage.Writes(); w != wantWrites {
					t.Errorf("Writes() = %d, want %d", w, wantWrites)
				}

				// A read that finds nothing is still a successful call, with
				// capacity; a write whose condition fails is an error response.
				rejected := tt.write && tt.code != ""
				read, write := usage.Capacity()
				switch {
				case rejected || !reportsCapacity(env.Emulator, tt.op):
					if read != 0 || write != 0 {
						t.Errorf("capacity = %v read, %v write; want none reported", read, write)
					}
				case tt.write:
					if read != 0 || write <= 0 {
						t.Errorf("capacity = %v read, %v write; want write capacity only", read, write)
					}
				default:
					if read <= 0 || write != 0 {
						t.Errorf("capacity = %v read, %v write; want read capacity only", read, write)
					}
				}
			})
		}
	})
}

func TestUsageIsNotCountedWithoutWithUsage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		if u := store.UsageFrom(context.Background()); u != nil {
			t.Fatalf("UsageFrom(Background) = %v, want nil", u)
		}
		ctx, usage := store.WithUsage(context.Background())
		if got := store.UsageFrom(ctx); got != usage {
			t.Fatal("UsageFrom does not return the Usage WithUsage attached")
		}
		env.Tenant(t, "t1") // made without the counting context
		if _, err := env.Table.GetTenant(ctx, "t1"); err != nil {
			t.Fatal(err)
		}
		if got := usage.Calls(); got != 1 {
			t.Errorf("calls = %d, want 1 (only the call made under the counting context)", got)
		}
		usage.Reset()
		if r, w := usage.Capacity(); usage.Calls() != 0 || r != 0 || w != 0 {
			t.Errorf("after Reset: calls %d, capacity %v/%v; want all zero", usage.Calls(), r, w)
		}
	})
}
