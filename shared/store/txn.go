package store

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/shared/fault"
)

// txn is a transaction being built: its items and, for each, the error a
// failed condition on it means. Every TransactWriteItems of the store goes
// through one, so what a cancellation means is said once, next to the item
// whose condition failed, instead of by index after the call.
type txn struct {
	table *string
	items []types.TransactWriteItem
	fails []error
}

// add appends item; fail is what its failed condition means (a coded
// fault.Error without cause; the cancellation becomes its cause), or nil
// for an item whose failure explains nothing by itself.
func (x *txn) add(item types.TransactWriteItem, fail error) {
	x.items = append(x.items, item)
	x.fails = append(x.fails, fail)
}

// send makes the one TransactWriteItems call and returns DynamoDB's error
// as it is, for a caller that reads the cancellation itself (DeleteUsers
// tells a stale batch from a refused one).
func (x *txn) send(ctx context.Context, db API) error {
	_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: x.items})
	return err
}

// run sends the transaction. When conditions cancel it, the error is the
// meaning of the first failed item that has one, so callers add items in
// the order their failures should explain: the items of a user change go
// from the user's own version outwards, and a stale read explains every
// later failure. Anything else is translated (throttling and conflicts
// with other transactions become fault.Unavailable).
func (x *txn) run(ctx context.Context, db API, op string) error {
	err := x.send(ctx, db)
	if codes, ok := cancellation(err); ok {
		for _, i := range failedItems(codes) {
			if i < len(x.fails) && x.fails[i] != nil {
				return x.failure(i, err)
			}
		}
	}
	return translate(err, op)
}

// failure is the error a failed condition on item i means, with the
// transaction's error as its cause (next to a sentinel the meaning carries,
// such as directory.ErrLastOwner).
func (x *txn) failure(i int, err error) error {
	f := *fault.As(x.fails[i])
	if f.Err != nil {
		err = errors.Join(f.Err, err)
	}
	f.Err = err
	return &f
}

// tenantActive is a transaction item that holds only while the tenant
// (partition pk) exists and is active: what every write that adds to a
// tenant checks.
func tenantActive(table *string, pk string) types.TransactWriteItem {
	return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
		TableName: table, Key: key(pk, tenantSK),
		ConditionExpression:       aws.String("attribute_exists(PK) AND active = :true"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":true": &types.AttributeValueMemberBOOL{Value: true}},
	}}
}

// errTenantInactive is what a failed tenantActive means.
var errTenantInactive = fault.New(fault.NotFound, "The tenant does not exist or is inactive.")

// cancellation returns, for a cancelled transaction, the reason code of each
// item in request order ("None" when the item was fine). DynamoDB and the
// emulators fill CancellationReasons; the message form is the fallback.
func cancellation(err error) ([]string, bool) {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return nil, false
	}
	if len(tce.CancellationReasons) > 0 {
		codes := make([]string, len(tce.CancellationReasons))
		for i, r := range tce.CancellationReasons {
			codes[i] = "None"
			if r.Code != nil {
				codes[i] = *r.Code
			}
		}
		return codes, true
	}
	msg := tce.ErrorMessage()
	if i, j := strings.LastIndex(msg, "["), strings.LastIndex(msg, "]"); i >= 0 && j > i {
		parts := strings.Split(msg[i+1:j], ",")
		for k := range parts {
			parts[k] = strings.TrimSpace(parts[k])
		}
		return parts, true
	}
	return nil, true
}

// failedItems returns the indexes of transaction items whose condition failed.
func failedItems(codes []string) []int {
	var idx []int
	for i, c := range codes {
		if c == "ConditionalCheckFailed" {
			idx = append(idx, i)
		}
	}
	return idx
}

// transient reports whether a transaction cancelled for these reasons may
// succeed when retried. A ValidationError or an unhandled condition failure
// would fail again, so it is not.
func transient(codes []string) bool {
	for _, c := range codes {
		switch c {
		case "None", "TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded":
		default:
			return false
		}
	}
	return true
}
