package store

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/shared/fault"
)

// retriedPutDB answers a conditional PutItem as DynamoDB answers the retry
// of a write whose first answer was lost: the condition fails, and the item
// read back is whatever stored holds.
type retriedPutDB struct {
	API
	stored map[string]types.AttributeValue
}

func (f *retriedPutDB) PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	return nil, &types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")}
}

func (f *retriedPutDB) GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	return &dynamodb.GetItemOutput{Item: f.stored}, nil
}

func TestPutIfAbsentTakesItsOwnEarlierWriteAsSuccessAndAnythingElseAsConflict(t *testing.T) {
	ours := map[string]types.AttributeValue{
		attrPK: str("AUTH#x"), attrSK: str("AUTH"), "hash": &types.AttributeValueMemberB{Value: []byte{1, 2, 3}}, "n": num(7),
	}
	theirs := map[string]types.AttributeValue{
		attrPK: str("AUTH#x"), attrSK: str("AUTH"), "hash": &types.AttributeValueMemberB{Value: []byte{9}}, "n": num(7),
	}
	tests := []struct {
		name   string
		stored map[string]types.AttributeValue
		want   fault.Code
	}{
		{"our own write, retried", ours, ""},
		{"someone else's item", theirs, fault.Conflict},
		{"gone by the time we look", nil, fault.Conflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := New(&retriedPutDB{stored: tt.stored}, "roster")
			err := tb.putIfAbsent(context.Background(), ours, "taken", "test put")
			if got := fault.CodeOf(err); got != tt.want {
				t.Fatalf("code = %q, want %q (err %v)", got, tt.want, err)
			}
		})
	}
}
