package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/shared/fault"
	"roster/shared/webhook"
)

// A tenant's webhooks live outside its user partition (decision 027):
//
//	PK          SK                item
//	HOOK#<t>    ENDPOINT#<id>     endpoint: url, event types, sealed secret, state, failures
//	HOOK#<t>    COUNT             how many endpoints the tenant has (a bound)
//
// One Query lists a tenant's endpoints, which the change feed does once
// per tenant and batch.
func hookPK(tenantID string) string { return "HOOK#" + tenantID }
func endpointSK(id string) string   { return "ENDPOINT#" + id }

const hookCountSK = "COUNT"

type endpointItem struct {
	PK             string    `dynamodbav:"PK"`
	SK             string    `dynamodbav:"SK"`
	Type           string    `dynamodbav:"type"`
	TenantID       string    `dynamodbav:"tenantId"`
	ID             string    `dynamodbav:"endpointId"`
	URL            string    `dynamodbav:"url"`
	Types          []string  `dynamodbav:"eventTypes,stringset"`
	Secret         string    `dynamodbav:"secret"`
	Enabled        bool      `dynamodbav:"enabled"`
	DisabledReason string    `dynamodbav:"disabledReason,omitempty"`
	Failures       int       `dynamodbav:"failures"`
	LastError      string    `dynamodbav:"lastError,omitempty"`
	CreatedAt      time.Time `dynamodbav:"createdAt"`
	CreatedBy      string    `dynamodbav:"createdBy,omitempty"`
}

func (it endpointItem) endpoint() *webhook.Endpoint {
	ts := slices.Clone(it.Types)
	slices.Sort(ts)
	return &webhook.Endpoint{TenantID: it.TenantID, ID: it.ID, URL: it.URL, Types: ts, Secret: it.Secret, Enabled: it.Enabled,
		DisabledReason: it.DisabledReason, Failures: it.Failures, LastError: it.LastError, CreatedAt: it.CreatedAt, CreatedBy: it.CreatedBy}
}

// PutEndpoint writes the endpoint and raises the tenant's count, in one
// transaction, conditional on the count staying within max and the
// tenant being active.
func (t *Table) PutEndpoint(ctx context.Context, e *webhook.Endpoint, max int) error {
	item, err := attributevalue.MarshalMap(endpointItem{
		PK: hookPK(e.TenantID), SK: endpointSK(e.ID), Type: "webhook", TenantID: e.TenantID, ID: e.ID, URL: e.URL,
		Types: e.Types, Secret: e.Secret, Enabled: true, CreatedAt: e.CreatedAt.UTC(), CreatedBy: e.CreatedBy,
	})
	if err != nil {
		return fault.Wrap(fmt.Errorf("marshal endpoint %s: %w", e.ID, err), fault.Internal, errInternal)
	}
	x := &txn{table: &t.name}
	x.add(tenantActive(&t.name, tenantPK(e.TenantID)), errTenantInactive)
	x.add(types.TransactWriteItem{Update: &types.Update{
		TableName: &t.name, Key: key(hookPK(e.TenantID), hookCountSK),
		UpdateExpression:          aws.String("ADD endpoints :one"),
		ConditionExpression:       aws.String("attribute_not_exists(endpoints) OR endpoints < :max"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1), ":max": num(int64(max))},
	}}, fault.New(fault.Conflict, "The tenant has %d webhooks, the most it may; delete one first.", max))
	x.add(types.TransactWriteItem{Put: &types.Put{TableName: &t.name, Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
		fault.New(fault.Conflict, "The webhook id is taken."))
	return x.run(ctx, t.db, "put endpoint "+e.ID)
}

// GetEndpoint reads one endpoint of the tenant. fault.NotFound.
func (t *Table) GetEndpoint(ctx context.Context, tenantID, id string) (*webhook.Endpoint, error) {
	var it endpointItem
	if err := t.getOne(ctx, key(hookPK(tenantID), endpointSK(id)), &it, "The webhook does not exist.", "get endpoint"); err != nil {
		return nil, err
	}
	return it.endpoint(), nil
}

// Endpoints lists the tenant's endpoints with one Query.
func (t *Table) Endpoints(ctx context.Context, tenantID string) ([]*webhook.Endpoint, error) {
	out, err := t.db.Query(ctx, &dynamodb.QueryInput{
		TableName: &t.name, KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :ep)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(hookPK(tenantID)), ":ep": str("ENDPOINT#")},
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		return nil, translate(err, "list endpoints")
	}
	eps := make([]*webhook.Endpoint, 0, len(out.Items))
	for _, raw := range out.Items {
		var it endpointItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return nil, fault.Wrap(fmt.Errorf("unmarshal endpoint: %w", err), fault.Internal, errInternal)
		}
		eps = append(eps, it.endpoint())
	}
	return eps, nil
}

// DeleteEndpoint removes the endpoint and lowers the count. fault.NotFound.
func (t *Table) DeleteEndpoint(ctx context.Context, tenantID, id string) error {
	x := &txn{table: &t.name}
	x.add(types.TransactWriteItem{Delete: &types.Delete{TableName: &t.name, Key: key(hookPK(tenantID), endpointSK(id)),
		ConditionExpression: aws.String("attribute_exists(PK)")}}, fault.New(fault.NotFound, "The webhook does not exist."))
	x.add(types.TransactWriteItem{Update: &types.Update{TableName: &t.name, Key: key(hookPK(tenantID), hookCountSK),
		UpdateExpression: aws.String("ADD endpoints :less"), ExpressionAttributeValues: map[string]types.AttributeValue{":less": num(-1)}}}, nil)
	return x.run(ctx, t.db, "delete endpoint "+id)
}

// RecordAttempt notes a delivery attempt on the endpoint: one UpdateItem,
// conditional on the endpoint existing (a deleted one records nothing).
func (t *Table) RecordAttempt(ctx context.Context, tenantID, id string, ok bool, reason, disable string) error {
	expr := "SET failures = :zero REMOVE lastError"
	values := map[string]types.AttributeValue{":zero": num(0)}
	if !ok {
		expr = "SET lastError = :reason ADD failures :one"
		values = map[string]types.AttributeValue{":reason": str(reason), ":one": num(1)}
		if disable != "" {
			expr = "SET lastError = :reason, enabled = :false, disabledReason = :why ADD failures :one"
			values[":false"], values[":why"] = &types.AttributeValueMemberBOOL{Value: false}, str(disable)
		}
	}
	_, err := t.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &t.name, Key: key(hookPK(tenantID), endpointSK(id)), UpdateExpression: &expr,
		ConditionExpression: aws.String("attribute_exists(PK)"), ExpressionAttributeValues: values,
	})
	if conditionFailed(err) {
		return nil
	}
	return translate(err, "record attempt on endpoint "+id)
}

// SetEnabled enables (clearing the reason and the failures) or disables
// an endpoint. fault.NotFound.
func (t *Table) SetEnabled(ctx context.Context, tenantID, id string, enabled bool) error {
	expr := "SET enabled = :on, failures = :zero REMOVE disabledReason, lastError"
	values := map[string]types.AttributeValue{":on": &types.AttributeValueMemberBOOL{Value: true}, ":zero": num(0)}
	if !enabled {
		expr = "SET enabled = :on, disabledReason = :why"
		values = map[string]types.AttributeValue{":on": &types.AttributeValueMemberBOOL{Value: false}, ":why": str("disabled by its owner")}
	}
	_, err := t.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &t.name, Key: key(hookPK(tenantID), endpointSK(id)), UpdateExpression: &expr,
		ConditionExpression: aws.String("attribute_exists(PK)"), ExpressionAttributeValues: values,
	})
	if conditionFailed(err) {
		return fault.Wrap(err, fault.NotFound, "The webhook does not exist.")
	}
	return translate(err, "set endpoint "+id)
}
