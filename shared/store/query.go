package store

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/shared/fault"
)

// queryPrefix reads every item of partition pk whose sort key starts with
// prefix, with strongly consistent Query pages, as T. what names the
// items in errors ("sessions of <account>").
func queryPrefix[T any](ctx context.Context, t *Table, pk, prefix, what string) ([]T, error) {
	var out []T
	p := dynamodb.NewQueryPaginator(t.db, &dynamodb.QueryInput{
		TableName:                 &t.name,
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk), ":prefix": str(prefix)},
		ConsistentRead:            aws.Bool(true),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, translate(err, "list "+what)
		}
		for _, item := range page.Items {
			var it T
			if err := attributevalue.UnmarshalMap(item, &it); err != nil {
				return nil, fault.Wrap(fmt.Errorf("unmarshal %s: %w", what, err), fault.Internal, errInternal)
			}
			out = append(out, it)
		}
	}
	return out, nil
}
