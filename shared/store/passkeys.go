package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/shared/fault"
	"roster/shared/signin"
)

// Passkeys (decision 024) live in the account's partition, beside the
// account item that counts them (attribute passkeys):
//
//	PK                  SK                  item
//	ACCOUNT#<a>         PASSKEY#<id>        a passkey: name, the credential (public key, sign count) as JSON, created, last used
//	ACCOUNT#<a>         PASSKEYPENDING      a registration's ceremony state (expiresAt)
//
// A login ceremony's state is kept on its challenge (attribute ceremony).
const (
	passkeyPrefix    = "PASSKEY#"
	pendingPasskeySK = "PASSKEYPENDING"
)

func passkeySK(id string) string { return passkeyPrefix + id }

type passkeyItem struct {
	PK         string    `dynamodbav:"PK"`
	SK         string    `dynamodbav:"SK"`
	Type       string    `dynamodbav:"type"`
	ID         string    `dynamodbav:"passkeyId"`
	Name       string    `dynamodbav:"name"`
	Credential []byte    `dynamodbav:"credential"`
	CreatedAt  time.Time `dynamodbav:"createdAt"`
	LastUsedAt time.Time `dynamodbav:"lastUsedAt,omitempty"`
}

var errNoPendingPasskey = fault.New(fault.NotFound, "No passkey registration is pending; begin one first.")

// PutPendingPasskey stores (or replaces) a registration's ceremony state.
func (t *Table) PutPendingPasskey(ctx context.Context, accountID string, session []byte, expires time.Time) error {
	_, err := t.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &t.name, Item: map[string]types.AttributeValue{
		attrPK: str(accountPK(accountID)), attrSK: str(pendingPasskeySK), "type": str("passkeypending"),
		"ceremony": &types.AttributeValueMemberB{Value: session}, "expiresAt": num(expires.Unix()),
	}})
	return translate(err, "put pending passkey of "+accountID)
}

// PendingPasskey reads a registration's ceremony state. fault.NotFound
// when there is none or it expired at now.
func (t *Table) PendingPasskey(ctx context.Context, accountID string, now time.Time) ([]byte, error) {
	var it struct {
		Ceremony  []byte `dynamodbav:"ceremony"`
		ExpiresAt int64  `dynamodbav:"expiresAt"`
	}
	if err := t.getOne(ctx, key(accountPK(accountID), pendingPasskeySK), &it, errNoPendingPasskey.Message, "get pending passkey"); err != nil {
		return nil, err
	}
	if it.ExpiresAt <= now.Unix() {
		return nil, errNoPendingPasskey
	}
	return it.Ceremony, nil
}

// AddPasskey stores a passkey, consumes the pending ceremony and counts the
// passkey on the account, in one transaction.
func (t *Table) AddPasskey(ctx context.Context, accountID string, pk signin.Passkey, now time.Time) error {
	item, err := attributevalue.MarshalMap(passkeyItem{
		PK: accountPK(accountID), SK: passkeySK(pk.ID), Type: "passkey", ID: pk.ID, Name: pk.Name,
		Credential: pk.Credential, CreatedAt: pk.CreatedAt.UTC(),
	})
	if err != nil {
		return fault.Wrap(fmt.Errorf("marshal passkey: %w", err), fault.Internal, errInternal)
	}
	x := &txn{table: &t.name}
	x.add(types.TransactWriteItem{Delete: t.consume(accountPK(accountID), pendingPasskeySK, now)}, errNoPendingPasskey)
	x.add(types.TransactWriteItem{Put: &types.Put{TableName: &t.name, Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
		fault.New(fault.Conflict, "The passkey is registered already."))
	x.add(types.TransactWriteItem{Update: &types.Update{
		TableName: &t.name, Key: key(accountPK(accountID), accountSK),
		UpdateExpression:          aws.String("ADD passkeys :one, version :one"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1)},
	}}, fault.New(fault.NotFound, "The account does not exist."))
	return x.run(ctx, t.db, "add passkey of "+accountID)
}

// ListPasskeys reads the account's passkeys with one strongly consistent
// Query of its partition.
func (t *Table) ListPasskeys(ctx context.Context, accountID string) ([]signin.Passkey, error) {
	items, err := queryPrefix[passkeyItem](ctx, t, accountPK(accountID), passkeyPrefix, "passkeys of "+accountID)
	if err != nil {
		return nil, err
	}
	out := make([]signin.Passkey, 0, len(items))
	for _, it := range items {
		out = append(out, signin.Passkey{ID: it.ID, Name: it.Name, Credential: it.Credential, CreatedAt: it.CreatedAt, LastUsedAt: it.LastUsedAt})
	}
	return out, nil
}

// SetChallengeCeremony keeps a login ceremony's state on its challenge,
// while the challenge exists and has not expired. fault.Unauthorized
// otherwise.
func (t *Table) SetChallengeCeremony(ctx context.Context, challengeID string, session []byte, now time.Time) error {
	_, err := t.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &t.name, Key: key(challengePK(challengeID), challengeSK),
		UpdateExpression:    aws.String("SET ceremony = :c"),
		ConditionExpression: aws.String("attribute_exists(PK) AND expiresAt > :now"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":c": &types.AttributeValueMemberB{Value: session}, ":now": num(now.Unix()),
		},
	})
	if conditionFailed(err) {
		return fault.Wrap(err, fault.Unauthorized, "%s", errChallengeGone.Message)
	}
	return translate(err, "set ceremony of challenge "+challengeID)
}

// CompletePasskey finishes a login with a passkey in one transaction: the
// challenge consumed; the account's failures cleared, only while it is not
// locked and its sessions were not revoked since the login began; the
// passkey's new state stored; the auth token and the session's record
// stored.
func (t *Table) CompletePasskey(ctx context.Context, s signin.ChallengeSuccess, pk signin.Passkey) error {
	c := s.Challenge
	token, err := attributevalue.MarshalMap(toAuthItem(s.Token))
	if err != nil {
		return fault.Wrap(fmt.Errorf("marshal auth token: %w", err), fault.Internal, errInternal)
	}
	used, err := attributevalue.Marshal(pk.LastUsedAt.UTC())
	if err != nil {
		return fault.Wrap(err, fault.Internal, errInternal)
	}
	x := &txn{table: &t.name}
	x.add(types.TransactWriteItem{Delete: t.consume(challengePK(c.ID), challengeSK, s.Now)}, errChallengeGone)
	x.add(types.TransactWriteItem{Update: &types.Update{
		TableName: &t.name, Key: key(accountPK(c.AccountID), accountSK),
		UpdateExpression:    aws.String("SET failedLogins = :zero, failedCodes = :zero REMOVE lockedUntil"),
		ConditionExpression: aws.String("attribute_exists(PK) AND (attribute_not_exists(lockedUntil) OR lockedUntil <= :now) AND " + sessionLive),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":now": num(s.Now.Unix()), ":start": num(epochMillis(c.SessionStart)), ":zero": num(0),
		},
	}}, errCodeRefused)
	x.add(types.TransactWriteItem{Update: &types.Update{
		TableName: &t.name, Key: key(accountPK(c.AccountID), passkeySK(pk.ID)),
		UpdateExpression:    aws.String("SET credential = :cred, lastUsedAt = :used"),
		ConditionExpression: aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":cred": &types.AttributeValueMemberB{Value: pk.Credential}, ":used": used,
		},
	}}, errCodeRefused)
	x.add(types.TransactWriteItem{Put: &types.Put{TableName: &t.name, Item: token, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
		errAuthTaken)
	if s.Session != nil {
		session, err := t.sessionPut(s.Session)
		if err != nil {
			return err
		}
		x.add(session, errAuthTaken)
	}
	return x.run(ctx, t.db, "complete passkey login "+c.ID)
}

// RemovePasskeys deletes passkeys of the account and its count of them, in
// one transaction.
func (t *Table) RemovePasskeys(ctx context.Context, accountID string, ids []string) error {
	if len(ids) >= maxTransactItems {
		ids = ids[:maxTransactItems-1]
	}
	x := &txn{table: &t.name}
	x.add(types.TransactWriteItem{Update: &types.Update{
		TableName: &t.name, Key: key(accountPK(accountID), accountSK),
		UpdateExpression:          aws.String("REMOVE passkeys ADD version :one"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1)},
	}}, fault.New(fault.NotFound, "The account does not exist."))
	for _, id := range ids {
		x.add(types.TransactWriteItem{Delete: &types.Delete{TableName: &t.name, Key: key(accountPK(accountID), passkeySK(id))}}, nil)
	}
	return x.run(ctx, t.db, "remove passkeys of "+accountID)
}
