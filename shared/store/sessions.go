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

// Session records (decision 024) live in the person's account partition,
// so listing them is one strongly consistent Query:
//
//	PK                  SK                  item
//	ACCOUNT#<a>         SESSION#<s>         a session: current auth token id, device, tenant, start, last use (expiresAt)
//
// A login writes the record with its first auth token; each exchange and
// invitation acceptance moves it to the fresh token in the transaction
// that consumes the old one, only while it names the old one; ending the
// session deletes it and its token together.
const sessionPrefix = "SESSION#"

func sessionSK(id string) string { return sessionPrefix + id }

// sessionItem is a session record as stored. startedAt is epoch
// milliseconds, as an auth token's sessionStart.
type sessionItem struct {
	PK         string    `dynamodbav:"PK"`
	SK         string    `dynamodbav:"SK"`
	Type       string    `dynamodbav:"type"`
	ID         string    `dynamodbav:"sessionId"`
	AccountID  string    `dynamodbav:"accountId"`
	DeviceID   string    `dynamodbav:"deviceId,omitempty"`
	TenantID   string    `dynamodbav:"tenantId,omitempty"`
	TokenID    string    `dynamodbav:"tokenId"`
	StartedAt  int64     `dynamodbav:"startedAt"`
	LastUsedAt time.Time `dynamodbav:"lastUsedAt"`
	ExpiresAt  int64     `dynamodbav:"expiresAt"`
}

func (it sessionItem) session() signin.Session {
	return signin.Session{
		ID: it.ID, AccountID: it.AccountID, DeviceID: it.DeviceID, TenantID: it.TenantID, TokenID: it.TokenID,
		StartedAt: millisTime(it.StartedAt), LastUsedAt: it.LastUsedAt, ExpiresAt: unixTime(it.ExpiresAt),
	}
}

// errSessionEnded is what a failed condition on a session record means to
// an exchange: the session was ended, or another exchange moved it on.
var errSessionEnded = fault.New(fault.Unauthorized, "The auth token is invalid or has expired.")

// sessionPut is the transaction item that stores the record of the
// session a login begins.
func (t *Table) sessionPut(x *signin.Session) (types.TransactWriteItem, error) {
	item, err := attributevalue.MarshalMap(sessionItem{
		PK: accountPK(x.AccountID), SK: sessionSK(x.ID), Type: "session", ID: x.ID, AccountID: x.AccountID,
		DeviceID: x.DeviceID, TenantID: x.TenantID, TokenID: x.TokenID, StartedAt: epochMillis(x.StartedAt),
		LastUsedAt: x.LastUsedAt.UTC(), ExpiresAt: x.ExpiresAt.Unix(),
	})
	if err != nil {
		return types.TransactWriteItem{}, fault.Wrap(fmt.Errorf("marshal session: %w", err), fault.Internal, errInternal)
	}
	return types.TransactWriteItem{Put: &types.Put{TableName: &t.name, Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)")}}, nil
}

// sessionMove is the transaction item that moves a session's record from
// the consumed auth token oldID to fresh, which continues it, stamping its
// last use: it holds only while the record names oldID.
func (t *Table) sessionMove(oldID string, fresh *signin.AuthToken) (types.TransactWriteItem, error) {
	last, err := attributevalue.Marshal(fresh.CreatedAt.UTC())
	if err != nil {
		return types.TransactWriteItem{}, fault.Wrap(err, fault.Internal, errInternal)
	}
	return types.TransactWriteItem{Update: &types.Update{
		TableName: &t.name, Key: key(accountPK(fresh.AccountID), sessionSK(fresh.SessionID)),
		UpdateExpression:          aws.String("SET tokenId = :new, lastUsedAt = :last"),
		ConditionExpression:       aws.String("tokenId = :old"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":new": str(fresh.ID), ":old": str(oldID), ":last": last},
	}}, nil
}

// ListSessions reads the account's session records, live or not, with one
// strongly consistent Query of its partition.
func (t *Table) ListSessions(ctx context.Context, accountID string) ([]signin.Session, error) {
	items, err := queryPrefix[sessionItem](ctx, t, accountPK(accountID), sessionPrefix, "sessions of "+accountID)
	if err != nil {
		return nil, err
	}
	out := make([]signin.Session, 0, len(items))
	for _, it := range items {
		out = append(out, it.session())
	}
	return out, nil
}

// GetSession reads one session record. fault.NotFound.
func (t *Table) GetSession(ctx context.Context, accountID, id string) (*signin.Session, error) {
	var it sessionItem
	if err := t.getOne(ctx, key(accountPK(accountID), sessionSK(id)), &it, "No such session.", "get session"); err != nil {
		return nil, err
	}
	x := it.session()
	return &x, nil
}

// EndSession deletes a session record and its current auth token in one
// transaction, conditional on the record naming tokenID. fault.NotFound
// when the record is gone, fault.Conflict when it names another token.
func (t *Table) EndSession(ctx context.Context, accountID, id, tokenID string) error {
	x := &txn{table: &t.name}
	x.add(types.TransactWriteItem{Delete: &types.Delete{
		TableName: &t.name, Key: key(accountPK(accountID), sessionSK(id)),
		ConditionExpression:       aws.String("tokenId = :tok"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":tok": str(tokenID)},
	}}, fault.New(fault.Conflict, "The session moved on meanwhile."))
	x.add(types.TransactWriteItem{Delete: &types.Delete{TableName: &t.name, Key: key(authPK(tokenID), authSK)}}, nil)
	err := x.run(ctx, t.db, "end session "+id)
	if fault.CodeOf(err) == fault.Conflict {
		// Gone, or moved on: a read tells which.
		if _, gerr := t.GetSession(ctx, accountID, id); fault.CodeOf(gerr) == fault.NotFound {
			return gerr
		}
	}
	return err
}

// EndAllSessions stamps the account's sessionsRevokedAt, which every
// later exchange checks, and gives each of the person's users a new token
// version, in one transaction. fault.NotFound when there is no account.
func (t *Table) EndAllSessions(ctx context.Context, accountID string, at time.Time, users []signin.Membership) error {
	x := &txn{table: &t.name}
	x.add(types.TransactWriteItem{Update: &types.Update{
		TableName: &t.name, Key: key(accountPK(accountID), accountSK),
		UpdateExpression:          aws.String("SET sessionsRevokedAt = :at ADD version :one"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":at": num(epochMillis(at)), ":one": num(1)},
	}}, fault.New(fault.NotFound, "The account does not exist."))
	for _, m := range users {
		x.add(types.TransactWriteItem{Update: &types.Update{
			TableName: &t.name, Key: key(tenantPK(m.TenantID), userSK(m.UserID)),
			UpdateExpression:          aws.String("ADD tokenVersion :one, version :one"),
			ConditionExpression:       aws.String("attribute_exists(PK)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1)},
		}}, fault.New(fault.Conflict, "The person's users have changed; retry."))
	}
	if len(x.items) > maxTransactItems {
		return fault.New(fault.Conflict, "The person holds users in too many tenants to end every session in one step.")
	}
	return x.run(ctx, t.db, "end all sessions of "+accountID)
}

// EndUserSessions stamps a tenant user's sessionsRevokedAt, which every
// later exchange into the tenant checks, and gives it a new token version
// (and record version), as a deactivation does. fault.NotFound.
func (t *Table) EndUserSessions(ctx context.Context, tenantID, userID string, at time.Time) error {
	_, err := t.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &t.name, Key: key(tenantPK(tenantID), userSK(userID)),
		UpdateExpression:          aws.String("SET sessionsRevokedAt = :at ADD tokenVersion :one, version :one"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":at": num(epochMillis(at)), ":one": num(1)},
	})
	if conditionFailed(err) {
		return fault.Wrap(err, fault.NotFound, "No such user.")
	}
	return translate(err, "end sessions of user "+userID)
}
