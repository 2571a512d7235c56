package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/shared/fault"
	"roster/shared/signin"
	"roster/shared/throttle"
)

// Email verification (decision 023) keeps one item per token,
//
//	VERIFY#<id>  VERIFY  tenant, user, the normalised address, HMAC, expiresAt
//
// spent in the transaction that marks the user's address verified, which
// holds only while the user still has that address.
const verifySK = "VERIFY"

func verifyPK(id string) string { return "VERIFY#" + id }

type verifyItem struct {
	PK        string    `dynamodbav:"PK"`
	SK        string    `dynamodbav:"SK"`
	Type      string    `dynamodbav:"type"`
	ID        string    `dynamodbav:"tokenId"`
	TenantID  string    `dynamodbav:"tenantId"`
	UserID    string    `dynamodbav:"userId"`
	Email     string    `dynamodbav:"email"`
	Address   string    `dynamodbav:"address,omitempty"` // a change's new address, as typed
	From      string    `dynamodbav:"from,omitempty"`    // a change's old address, normalised
	Hash      []byte    `dynamodbav:"hash"`
	CreatedAt time.Time `dynamodbav:"createdAt"`
	ExpiresAt int64     `dynamodbav:"expiresAt"`
}

var errVerifyGone = fault.New(fault.NotFound, "The verification token is spent or expired, or the address changed.")

// PutVerifyToken stores a token with a take from each counter, in one
// transaction.
func (t *Table) PutVerifyToken(ctx context.Context, v *signin.VerifyToken, counters []throttle.Counter, now time.Time) error {
	x := &txn{table: &t.name}
	x.addTakes(t, counters, now)
	if err := x.addVerifyToken(v); err != nil {
		return err
	}
	return x.run(ctx, t.db, "put verification token")
}

// addVerifyToken adds the put of a new token.
func (x *txn) addVerifyToken(v *signin.VerifyToken) error {
	item, err := attributevalue.MarshalMap(verifyItem{
		PK: verifyPK(v.ID), SK: verifySK, Type: "verify", ID: v.ID, TenantID: v.TenantID, UserID: v.UserID,
		Email: v.Email, Address: v.Address, From: v.From, Hash: v.Hash, CreatedAt: v.CreatedAt.UTC(), ExpiresAt: v.ExpiresAt.Unix(),
	})
	if err != nil {
		return fault.Wrap(fmt.Errorf("marshal verification token: %w", err), fault.Internal, errInternal)
	}
	x.add(types.TransactWriteItem{Put: &types.Put{
		TableName: x.table, Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)"),
	}}, fault.New(fault.Conflict, "The verification token id is taken; retry."))
	return nil
}

// GetVerifyToken reads a token, expired or not. fault.NotFound.
func (t *Table) GetVerifyToken(ctx context.Context, id string) (*signin.VerifyToken, error) {
	var it verifyItem
	if err := t.getOne(ctx, key(verifyPK(id), verifySK), &it, "The verification token does not exist.", "get verification token"); err != nil {
		return nil, err
	}
	return &signin.VerifyToken{
		ID: it.ID, TenantID: it.TenantID, UserID: it.UserID, Email: it.Email, Address: it.Address, From: it.From, Hash: it.Hash,
		CreatedAt: it.CreatedAt, ExpiresAt: unixTime(it.ExpiresAt),
	}, nil
}

// ConfirmEmail spends the token (provided it has not expired at now) and
// marks the user's address verified (provided it is still the token's),
// with a new version (ETags change), in one transaction. errVerifyGone otherwise.
func (t *Table) ConfirmEmail(ctx context.Context, v *signin.VerifyToken, now time.Time) error {
	// updatedAt stays: it is also a search index's sort key (search.go),
	// and a proof is not an edit of the profile.
	x := &txn{table: &t.name}
	x.add(types.TransactWriteItem{Delete: t.consume(verifyPK(v.ID), verifySK, now)}, errVerifyGone)
	x.add(types.TransactWriteItem{Update: &types.Update{
		TableName: &t.name, Key: key(tenantPK(v.TenantID), userSK(v.UserID)),
		UpdateExpression:          aws.String("SET emailVerified = :true ADD version :one"),
		ConditionExpression:       aws.String("attribute_exists(PK) AND emailLower = :email"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":true": &types.AttributeValueMemberBOOL{Value: true}, ":one": num(1), ":email": str(v.Email)},
	}}, errVerifyGone)
	return x.run(ctx, t.db, "confirm email "+v.ID)
}

// ConfirmEmailChange spends a change's token (provided it has not expired
// at now) and stores c, the user at the token's address and verified,
// moving the email marker, in one transaction: errVerifyGone when the
// token is gone, errStaleUser when the user changed since c was read,
// errEmail when another user has the address.
func (t *Table) ConfirmEmailChange(ctx context.Context, v *signin.VerifyToken, c signin.SelfUpdate, now time.Time) error {
	x, err := t.selfUpdate(ctx, c)
	if err != nil {
		return err
	}
	x.add(types.TransactWriteItem{Delete: t.consume(verifyPK(v.ID), verifySK, now)}, errVerifyGone)
	return x.run(ctx, t.db, "confirm email change "+v.ID)
}
