package store_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/shared/emulator"
	"roster/shared/store"
)

// A second local server on the same emulator finds the table, with TTL on,
// already there: creating it again must succeed, not fail on the TTL.
func TestCreatingAnExistingTableWithTTLSucceeds(t *testing.T) {
	for _, e := range emulator.DynamoDB(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			cfg, err := emulator.AWSConfig(ctx, e.URL)
			if err != nil {
				t.Fatal(err)
			}
			db := dynamodb.NewFromConfig(cfg)
			name := "schema-twice-" + e.Name
			in := &dynamodb.CreateTableInput{
				TableName:            aws.String(name),
				BillingMode:          types.BillingModePayPerRequest,
				AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("PK"), AttributeType: types.ScalarAttributeTypeS}},
				KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("PK"), KeyType: types.KeyTypeHash}},
			}
			t.Cleanup(func() { _, _ = db.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(name)}) })
			for i := range 2 {
				if err := store.CreateTable(ctx, db, in, "expiresAt"); err != nil {
					t.Fatalf("create %d: %v", i+1, err)
				}
			}
		})
	}
}
