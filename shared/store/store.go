// Package store owns Roster's single DynamoDB table: key design, item
// marshalling, conditional writes and transactions, and the translation of
// DynamoDB failures into coded errors. Every access is a GetItem, a Query on
// a key, or a transaction; nothing in a request path scans.
package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"roster/shared/fault"
)

// API is the part of the DynamoDB client the store uses; *dynamodb.Client
// satisfies it.
type API interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
}

// Table is the Roster table. It implements the storage contracts of the
// domain packages (directory.Store, signin.Store, provision.Store and the
// tenant and API-key lookups) and speaks in their types: the store depends
// on the domain, never the reverse (decision 016).
type Table struct {
	db   API
	name string
}

// New returns the store for the named table.
func New(db API, tableName string) *Table {
	return &Table{db: db, name: tableName}
}

// Name returns the table name.
func (t *Table) Name() string { return t.name }

// conditionFailed reports whether err is a failed condition expression on a
// single-item write.
func conditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// unreachable reports a failure that says nothing about the request: the
// table answered 5xx without an error code DynamoDB documents (an HTML
// error page, say), the connection failed or timed out, or the SDK ran out
// of retries or time. A retry may succeed, so the caller hears 503.
func unreachable(err error) bool {
	var resp *awshttp.ResponseError
	if errors.As(err, &resp) && resp.HTTPStatusCode() >= 500 {
		return true
	}
	var netErr net.Error
	var maxAttempts *retry.MaxAttemptsError
	return errors.As(err, &netErr) || errors.As(err, &maxAttempts) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.ErrUnexpectedEOF)
}

// translate gives an uncoded DynamoDB error its code: throttling and
// transaction conflicts become Unavailable (the caller may retry), anything
// else Internal. op names the operation for the logs.
func translate(err error, op string) error {
	if err == nil {
		return nil
	}
	var f *fault.Error
	if errors.As(err, &f) {
		return err
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode() {
		case "ProvisionedThroughputExceededException", "ThrottlingException",
			"RequestLimitExceeded", "TransactionConflictException", "TransactionInProgressException",
			"InternalServerError", "ServiceUnavailable":
			return fault.Wrap(fmt.Errorf("%s: %w", op, err), fault.Unavailable, "The service is busy; retry shortly.")
		}
	}
	if codes, ok := cancellation(err); ok && transient(codes) {
		// Cancelled only by a concurrent transaction or throttling: the
		// same request may succeed when retried.
		return fault.Wrap(fmt.Errorf("%s: %w", op, err), fault.Unavailable, "The service is busy; retry shortly.")
	}
	if unreachable(err) {
		return fault.Wrap(fmt.Errorf("%s: %w", op, err), fault.Unavailable, "The service is busy; retry shortly.")
	}
	return fault.Wrap(fmt.Errorf("%s: %w", op, err), fault.Internal, "An internal error occurred.")
}
