package store

import (
	"context"
	"reflect"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/shared/fault"
)

// putIfAbsent writes item unless an item with its key exists. The SDK
// retries a call whose answer was lost on the network, so a first attempt
// may already have written the item when a retry meets the condition: a
// conflict whose stored item is exactly ours is that retry, and succeeds.
// Anything else stored under the key is fault.Conflict with the message.
func (t *Table) putIfAbsent(ctx context.Context, item map[string]types.AttributeValue, conflict, op string) error {
	_, err := t.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &t.name, Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	if !conditionFailed(err) {
		return translate(err, op)
	}
	out, gerr := t.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &t.name, Key: map[string]types.AttributeValue{attrPK: item[attrPK], attrSK: item[attrSK]},
		ConsistentRead: aws.Bool(true),
	})
	if gerr == nil && reflect.DeepEqual(out.Item, item) {
		return nil
	}
	return fault.Wrap(err, fault.Conflict, "%s", conflict)
}
