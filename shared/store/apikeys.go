package store

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/shared/auth"
	"roster/shared/fault"
)

type apiKeyItem struct {
	PK        string    `dynamodbav:"PK"`
	SK        string    `dynamodbav:"SK"`
	Type      string    `dynamodbav:"type"`
	ID        string    `dynamodbav:"keyId"`
	TenantID  string    `dynamodbav:"tenantId"`
	Name      string    `dynamodbav:"name,omitempty"`
	Roles     []string  `dynamodbav:"roles,omitempty"`
	Hash      []byte    `dynamodbav:"hash"`
	CreatedAt time.Time `dynamodbav:"createdAt"`
	CreatedBy string    `dynamodbav:"createdBy,omitempty"`
	Revoked   bool      `dynamodbav:"revoked"`
}

// PutAPIKey stores a new API key (its hash only). Returns fault.Conflict
// when the key id is taken.
func (t *Table) PutAPIKey(ctx context.Context, k *auth.APIKey) error {
	item, err := attributevalue.MarshalMap(apiKeyItem{
		PK: apiKeyPK(k.ID), SK: apiKeySK, Type: "apikey", ID: k.ID, TenantID: k.TenantID,
		Name: k.Name, Roles: k.Roles, Hash: k.Hash, CreatedAt: k.CreatedAt.UTC(), CreatedBy: k.CreatedBy, Revoked: k.Revoked,
	})
	if err != nil {
		return fault.Wrap(fmt.Errorf("marshal api key: %w", err), fault.Internal, "An internal error occurred.")
	}
	_, err = t.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &t.name, Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	if conditionFailed(err) {
		// A key's id is random, so the one item it can meet is itself: the
		// SDK retried a PutItem that was applied but answered too late. The
		// same hash proves it is this key (the secret is in no other hand).
		if got, gerr := t.GetAPIKey(ctx, k.ID); gerr == nil && bytes.Equal(got.Hash, k.Hash) && got.TenantID == k.TenantID {
			return nil
		}
		return fault.Wrap(err, fault.Conflict, "The API key already exists.")
	}
	return translate(err, "put api key")
}

// GetAPIKey reads an API key by id. Returns fault.NotFound.
func (t *Table) GetAPIKey(ctx context.Context, id string) (*auth.APIKey, error) {
	out, err := t.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &t.name, Key: key(apiKeyPK(id), apiKeySK), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, translate(err, "get api key")
	}
	if out.Item == nil {
		return nil, fault.New(fault.NotFound, "The API key does not exist.")
	}
	var it apiKeyItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return nil, fault.Wrap(fmt.Errorf("unmarshal api key: %w", err), fault.Internal, "An internal error occurred.")
	}
	return &auth.APIKey{
		ID: it.ID, TenantID: it.TenantID, Name: it.Name, Roles: it.Roles, Hash: it.Hash,
		CreatedAt: it.CreatedAt, CreatedBy: it.CreatedBy, Revoked: it.Revoked,
	}, nil
}

// RevokeAPIKey revokes a key of the tenant. A key of another tenant is
// indistinguishable from a missing one: fault.NotFound.
func (t *Table) RevokeAPIKey(ctx context.Context, tenantID, id string) error {
	return t.revoke(ctx, key(apiKeyPK(id), apiKeySK), tenantID, "The API key does not exist.", "revoke api key")
}

// revoke marks a tenant-owned credential item revoked, provided it exists
// and belongs to the tenant.
func (t *Table) revoke(ctx context.Context, k map[string]types.AttributeValue, tenantID, notFound, op string) error {
	_, err := t.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &t.name,
		Key:       k,
		// revokedBy tells the change feed who revoked it (stream.go).
		UpdateExpression:    aws.String("SET revoked = :true, revokedBy = :by, revokedAt = :at"),
		ConditionExpression: aws.String("attribute_exists(PK) AND tenantId = :tenant"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":true": &types.AttributeValueMemberBOOL{Value: true}, ":tenant": str(tenantID), ":by": str(actorOf(ctx)),
			":at": num(time.Now().UnixMilli()),
		},
	})
	if conditionFailed(err) {
		return fault.Wrap(err, fault.NotFound, "%s", notFound)
	}
	return translate(err, op)
}
