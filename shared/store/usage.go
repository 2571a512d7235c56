package store

import (
	"context"
	"maps"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
)

// Usage counts the DynamoDB operations made under one context and the
// capacity they consumed, so tests and benchmarks can assert what an
// operation costs. It is safe for concurrent use.
type Usage struct {
	mu    sync.Mutex
	calls map[string]int
	read  float64
	write float64
}

// Calls returns how many operations of the given name (e.g. "GetItem") were
// made; with no name, the total.
func (u *Usage) Calls(op ...string) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(op) == 0 {
		n := 0
		for _, c := range u.calls {
			n += c
		}
		return n
	}
	n := 0
	for _, o := range op {
		n += u.calls[o]
	}
	return n
}

// Counts returns a copy of the counters: operation name to calls, for
// comparing the calls of two operations as a whole.
func (u *Usage) Counts() map[string]int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return maps.Clone(u.calls)
}

// Writes returns the number of operations that can change the table.
func (u *Usage) Writes() int {
	return u.Calls("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem")
}

// Capacity returns the read and write capacity units reported by DynamoDB.
// Emulators that do not report capacity leave both at zero.
func (u *Usage) Capacity() (read, write float64) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.read, u.write
}

// Reset clears the counters, for benchmarks that reuse one context.
func (u *Usage) Reset() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.calls, u.read, u.write = nil, 0, 0
}

func (u *Usage) add(op string, cc []types.ConsumedCapacity) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.calls == nil {
		u.calls = map[string]int{}
	}
	u.calls[op]++
	for _, c := range cc {
		if c.ReadCapacityUnits != nil || c.WriteCapacityUnits != nil {
			u.read += deref(c.ReadCapacityUnits)
			u.write += deref(c.WriteCapacityUnits)
			continue
		}
		// Some responses only carry the total; attribute it by operation kind.
		if isRead(op) {
			u.read += deref(c.CapacityUnits)
		} else {
			u.write += deref(c.CapacityUnits)
		}
	}
}

type usageKey struct{}

// WithUsage returns a context whose DynamoDB operations are counted into the
// returned Usage (when the client was built with CountUsage).
func WithUsage(ctx context.Context) (context.Context, *Usage) {
	u := &Usage{}
	return context.WithValue(ctx, usageKey{}, u), u
}

// UsageFrom returns the Usage attached to ctx, or nil.
func UsageFrom(ctx context.Context) *Usage {
	u, _ := ctx.Value(usageKey{}).(*Usage)
	return u
}

// CountUsage is a dynamodb client option that asks DynamoDB for consumed
// capacity on every operation and records calls and capacity into the
// context's Usage. It costs nothing when the context carries no Usage.
func CountUsage(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("RosterUsage",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				u := UsageFrom(ctx)
				if u == nil {
					return next.HandleInitialize(ctx, in)
				}
				requestCapacity(in.Parameters)
				out, md, err := next.HandleInitialize(ctx, in)
				u.add(middleware.GetOperationName(ctx), consumed(out.Result))
				return out, md, err
			}), middleware.After)
	})
}

func requestCapacity(params any) {
	const total = types.ReturnConsumedCapacityTotal
	switch in := params.(type) {
	case *dynamodb.GetItemInput:
		in.ReturnConsumedCapacity = total
	case *dynamodb.PutItemInput:
		in.ReturnConsumedCapacity = total
	case *dynamodb.UpdateItemInput:
		in.ReturnConsumedCapacity = total
	case *dynamodb.DeleteItemInput:
		in.ReturnConsumedCapacity = total
	case *dynamodb.QueryInput:
		in.ReturnConsumedCapacity = total
	case *dynamodb.TransactWriteItemsInput:
		in.ReturnConsumedCapacity = total
	case *dynamodb.TransactGetItemsInput:
		in.ReturnConsumedCapacity = total
	case *dynamodb.BatchWriteItemInput:
		in.ReturnConsumedCapacity = total
	case *dynamodb.BatchGetItemInput:
		in.ReturnConsumedCapacity = total
	}
}

func consumed(result any) []types.ConsumedCapacity {
	one := func(c *types.ConsumedCapacity) []types.ConsumedCapacity {
		if c == nil {
			return nil
		}
		return []types.ConsumedCapacity{*c}
	}
	switch out := result.(type) {
	case *dynamodb.GetItemOutput:
		return one(out.ConsumedCapacity)
	case *dynamodb.PutItemOutput:
		return one(out.ConsumedCapacity)
	case *dynamodb.UpdateItemOutput:
		return one(out.ConsumedCapacity)
	case *dynamodb.DeleteItemOutput:
		return one(out.ConsumedCapacity)
	case *dynamodb.QueryOutput:
		return one(out.ConsumedCapacity)
	case *dynamodb.TransactWriteItemsOutput:
		return out.ConsumedCapacity
	case *dynamodb.TransactGetItemsOutput:
		return out.ConsumedCapacity
	case *dynamodb.BatchWriteItemOutput:
		return out.ConsumedCapacity
	case *dynamodb.BatchGetItemOutput:
		return out.ConsumedCapacity
	}
	return nil
}

func isRead(op string) bool {
	switch op {
	case "GetItem", "Query", "Scan", "TransactGetItems", "BatchGetItem":
		return true
	}
	return false
}

func deref(f *float64) float64 {
	if f == nil {
		return 0
	}
	return *f
}
