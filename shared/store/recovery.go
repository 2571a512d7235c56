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
	"roster/shared/tenant"
	"roster/shared/throttle"
	"roster/shared/user"
)

// Password recovery (decision 021) keeps one item per reset token,
//
//	RESET#<id>  RESET  tenant, user, account, HMAC of the token, expiresAt
//
// and names the live one on the account (resetId): a newer request
// overwrites it, so an older token stops working at once, and a reset
// removes it in the transaction that deletes the token and sets the
// password, so a token is spent by its first use.
const resetSK = "RESET"

func resetPK(id string) string { return "RESET#" + id }

type resetItem struct {
	PK        string    `dynamodbav:"PK"`
	SK        string    `dynamodbav:"SK"`
	Type      string    `dynamodbav:"type"`
	ID        string    `dynamodbav:"tokenId"`
	TenantID  string    `dynamodbav:"tenantId"`
	UserID    string    `dynamodbav:"userId"`
	AccountID string    `dynamodbav:"accountId"`
	Hash      []byte    `dynamodbav:"hash"`
	CreatedAt time.Time `dynamodbav:"createdAt"`
	ExpiresAt int64     `dynamodbav:"expiresAt"` // epoch seconds; the table's TTL attribute
}

// errResetGone is what a reset whose token was spent, superseded or
// expired meanwhile means.
var errResetGone = fault.New(fault.NotFound, "The reset token is spent, superseded or expired.")

// RecoveryTarget reads who a recovery request names: the email or
// username marker (one GetItem), then the user it points at, or standIn's
// user key, which no user has, and the tenant (one BatchGetItem), so an
// unknown name costs the calls a known one does.
func (t *Table) RecoveryTarget(ctx context.Context, tenantID string, byEmail bool, value, standIn string) (*user.User, *tenant.Tenant, error) {
	pk := tenantPK(tenantID)
	sk := usernameSK(user.NormalizeUsername(value))
	if byEmail {
		sk = emailMarker(value)
	}
	out, err := t.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &t.name, Key: key(pk, sk), ConsistentRead: aws.Bool(true), ProjectionExpression: aws.String("userId"),
	})
	if err != nil {
		return nil, nil, translate(err, "get recovery marker")
	}
	var m markerItem
	if out.Item != nil {
		if err := attributevalue.UnmarshalMap(out.Item, &m); err != nil {
			return nil, nil, fault.Wrap(fmt.Errorf("unmarshal recovery marker: %w", err), fault.Internal, errInternal)
		}
	}
	userKey := userSK(standIn)
	if m.UserID != "" {
		userKey = userSK(m.UserID)
	}
	items, err := t.batchGet(ctx, []map[string]types.AttributeValue{key(pk, userKey), key(pk, tenantSK)}, "", nil)
	if err != nil {
		return nil, nil, err
	}
	u, tn, err := userAndTenant(items)
	switch {
	case err != nil:
		return nil, nil, err
	case tn == nil:
		return nil, nil, fault.New(fault.NotFound, "The tenant does not exist.")
	}
	return u, tn, nil
}

// StartReset writes a recovery request in one transaction: the takes from
// the source's and the address's counters and, when the request names a
// person, the token and the account's pointer to it (replacing any earlier
// one). A spent source counter is its throttle.Refused; a spent address
// counter is that too, or, for a quiet request, an error that
// signin.ErrAddressSpent is in.
func (t *Table) StartReset(ctx context.Context, s signin.ResetStart) error {
	x := &txn{table: &t.name}
	if s.Source != nil {
		x.add(t.take(*s.Source, s.Now), throttle.Refused(*s.Source, s.Now))
	}
	for _, c := range s.Address {
		fail := throttle.Refused(c, s.Now)
		if s.Quiet {
			fail = &fault.Error{Code: fault.TooManyRequests, Message: fail.Message, Err: signin.ErrAddressSpent}
		}
		x.add(t.take(c, s.Now), fail)
	}
	if rt := s.Token; rt != nil {
		item, err := attributevalue.MarshalMap(resetItem{
			PK: resetPK(rt.ID), SK: resetSK, Type: "reset", ID: rt.ID, TenantID: rt.TenantID, UserID: rt.UserID,
			AccountID: rt.AccountID, Hash: rt.Hash, CreatedAt: rt.CreatedAt.UTC(), ExpiresAt: rt.ExpiresAt.Unix(),
		})
		if err != nil {
			return fault.Wrap(fmt.Errorf("marshal reset token: %w", err), fault.Internal, errInternal)
		}
		x.add(types.TransactWriteItem{Put: &types.Put{
			TableName: &t.name, Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)"),
		}}, fault.New(fault.Conflict, "The reset token id is taken; retry."))
		x.add(types.TransactWriteItem{Update: &types.Update{
			TableName: &t.name, Key: key(accountPK(rt.AccountID), accountSK),
			UpdateExpression:          aws.String("SET resetId = :id"),
			ConditionExpression:       aws.String("attribute_exists(PK)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":id": str(rt.ID)},
		}}, fault.New(fault.Conflict, "The person's account is missing."))
	}
	if s.Token == nil && s.StandIn != "" {
		// Decoys of the token's put and the account's update, under the
		// stand-in's key (64 hex digits, which no reset token's id can
		// be, so no token ever reads them), living as long as a token
		// would: the same writes as a real request, never a usable item.
		exp := num(s.Now.Add(signin.DefaultResetTTL).Unix())
		x.add(types.TransactWriteItem{Put: &types.Put{TableName: &t.name, Item: map[string]types.AttributeValue{
			attrPK: str(resetPK(s.StandIn)), attrSK: str(resetSK), "type": str("resetdecoy"), "expiresAt": exp,
		}}}, nil)
		x.add(types.TransactWriteItem{Update: &types.Update{
			TableName: &t.name, Key: key(resetPK(s.StandIn), accountSK),
			UpdateExpression:          aws.String("SET #type = :type, expiresAt = :exp"),
			ExpressionAttributeNames:  map[string]string{"#type": "type"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":type": str("resetdecoy"), ":exp": exp},
		}}, nil)
	}
	if len(x.items) == 0 {
		return nil
	}
	return x.run(ctx, t.db, "start reset")
}

// GetResetToken reads a reset token, expired or not. fault.NotFound.
func (t *Table) GetResetToken(ctx context.Context, id string) (*signin.ResetToken, error) {
	var it resetItem
	if err := t.getOne(ctx, key(resetPK(id), resetSK), &it, "The reset token does not exist.", "get reset token"); err != nil {
		return nil, err
	}
	return &signin.ResetToken{
		ID: it.ID, TenantID: it.TenantID, UserID: it.UserID, AccountID: it.AccountID, Hash: it.Hash,
		CreatedAt: it.CreatedAt, ExpiresAt: unixTime(it.ExpiresAt),
	}, nil
}

// CompleteReset spends a token and sets the password in one transaction:
// the token deleted provided it has not expired, the account's hash
// replaced, failures and lock cleared, sessions revoked as of At and the
// live reset removed, provided the token is still the live one, and every
// user of the person given a new token version. errResetGone when the
// token is gone, expired or superseded.
func (t *Table) CompleteReset(ctx context.Context, d signin.ResetDone) error {
	pw := d.Password
	x := &txn{table: &t.name}
	x.add(types.TransactWriteItem{Delete: t.consume(resetPK(d.Token.ID), resetSK, d.Now)}, errResetGone)
	x.add(types.TransactWriteItem{Update: &types.Update{
		TableName: &t.name, Key: key(accountPK(pw.AccountID), accountSK),
		UpdateExpression: aws.String("SET passwordHash = :new, failedLogins = :zero, sessionsRevokedAt = :revoked " +
			"REMOVE lockedUntil, resetId ADD version :one"),
		ConditionExpression: aws.String("resetId = :id"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":new": str(pw.NewHash), ":zero": num(0), ":one": num(1), ":revoked": num(epochMillis(pw.At)), ":id": str(d.Token.ID),
		},
	}}, errResetGone)
	x.bumpTokenVersions(pw.Others, "", "")
	if len(x.items) > maxTransactItems {
		return fault.New(fault.Conflict, "The person holds users in too many tenants to reset the password in one step.")
	}
	return x.run(ctx, t.db, "complete reset "+d.Token.ID)
}
