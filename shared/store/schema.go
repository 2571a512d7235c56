package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// CreateTable creates a table from its definition (template.yaml's, read by
// samtemplate), waits until it is active and turns on TTL for ttlAttr when
// it is not empty. Used by the local stack and the tests; in AWS the
// template creates the table.
func CreateTable(ctx context.Context, db *dynamodb.Client, in *dynamodb.CreateTableInput, ttlAttr string) error {
	name := aws.ToString(in.TableName)
	// A table that already exists is the one asked for when a retried
	// CreateTable follows one whose answer was lost; the waiter below
	// still checks that it is active.
	var inUse *types.ResourceInUseException
	if _, err := db.CreateTable(ctx, in); err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("create table %s: %w", name, err)
	}
	if err := dynamodb.NewTableExistsWaiter(db).Wait(ctx, &dynamodb.DescribeTableInput{TableName: &name}, time.Minute); err != nil {
		return fmt.Errorf("wait for table %s: %w", name, err)
	}
	if ttlAttr == "" {
		return nil
	}
	// A table that was already there (a kept local table, or a second
	// local server on the same emulator) may have TTL on already, which
	// UpdateTimeToLive refuses as a ValidationException.
	cur, err := db.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: &name})
	if err != nil {
		return fmt.Errorf("read ttl of %s: %w", name, err)
	}
	if d := cur.TimeToLiveDescription; d != nil && aws.ToString(d.AttributeName) == ttlAttr &&
		(d.TimeToLiveStatus == types.TimeToLiveStatusEnabled || d.TimeToLiveStatus == types.TimeToLiveStatusEnabling) {
		return nil
	}
	_, err = db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName:               &name,
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: &ttlAttr, Enabled: aws.Bool(true)},
	})
	if err != nil {
		return fmt.Errorf("enable ttl on %s: %w", name, err)
	}
	return nil
}
