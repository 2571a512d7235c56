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
	"roster/shared/throttle"
	"roster/shared/user"
)

// An address's live invitation in a tenant: the invitation an administrator
// made last to it, the only one of theirs whose token still works.
//
//	TENANT#<t>  INVITEE#<normalised email>  inviteId, expiresAt
//
// Its TTL is MaxInviteTTL from its last write, past the expiry of every
// invitation it ever named, so it is never gone while one of them could
// still be accepted.
type inviteeItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Type      string `dynamodbav:"type"`
	InviteID  string `dynamodbav:"inviteId"`
	ExpiresAt int64  `dynamodbav:"expiresAt"` // epoch seconds; the table's TTL attribute
}

func inviteeSK(normalized string) string { return "INVITEE#" + normalized }

// inviteRaced is the message of a failed condition on the address's live
// invitation: another invitation to the address was made between the read
// and the write. CreateInvite reads again and retries.
const inviteRaced = "Another invitation to this address was made at the same time; try again."

// maxInviteRaces bounds CreateInvite's retries after a race.
const maxInviteRaces = 3

// CreateInvite stores a new invitation in place of the address's live
// invitation in the tenant (deleted, so its token stops working), provided
// no user of the tenant has the address, and takes one from each counter.
// Two calls: a read of the live invitation and one transaction, the same
// two a read of the email marker and a put made before; the marker is now
// a condition of the transaction, so an address taken in between is
// refused too, and a refused invitation writes nothing. fault.Conflict
// (field email) when a user has the address, fault.TooManyRequests
// (RetryAfter set) when a counter is spent, fault.Conflict when the id is
// taken.
func (t *Table) CreateInvite(ctx context.Context, in *signin.Invite, counters []throttle.Counter, now time.Time) error {
	item, err := attributevalue.MarshalMap(toInviteItem(in))
	if err != nil {
		return fault.Wrap(fmt.Errorf("create invite: marshal: %w", err), fault.Internal, errInternal)
	}
	addr := user.NormalizeEmail(in.Email)
	pk, sk := tenantPK(in.TenantID), inviteeSK(addr)
	for races := 1; ; races++ {
		old, err := t.liveInvite(ctx, pk, sk)
		if err != nil {
			return err
		}
		x := &txn{table: &t.name}
		x.add(types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
			TableName: &t.name, Key: key(pk, emailSK(addr)), ConditionExpression: aws.String("attribute_not_exists(PK)"),
		}}, &fault.Error{Code: fault.Conflict, Message: "A user with this email already exists.",
			Fields: []fault.FieldError{{Field: "email", Message: "is already taken"}}})
		x.add(types.TransactWriteItem{Put: &types.Put{TableName: &t.name, Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
			fault.New(fault.Conflict, "The invitation already exists."))
		x.add(t.setLiveInvite(pk, sk, old, in.ID, now), fault.New(fault.Conflict, inviteRaced))
		if old != "" {
			x.add(types.TransactWriteItem{Delete: &types.Delete{TableName: &t.name, Key: key(invitePK(old), inviteSK)}}, nil)
		}
		x.addTakes(t, counters, now)
		err = x.run(ctx, t.db, "create invite "+in.ID)
		if err == nil || fault.As(err).Message != inviteRaced || races == maxInviteRaces {
			return err
		}
	}
}

// liveInvite returns the id of the address's live invitation, "" when
// there is none.
func (t *Table) liveInvite(ctx context.Context, pk, sk string) (string, error) {
	out, err := t.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &t.name, Key: key(pk, sk), ConsistentRead: aws.Bool(true), ProjectionExpression: aws.String("inviteId"),
	})
	if err != nil {
		return "", translate(err, "get live invite")
	}
	var it inviteeItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return "", fault.Wrap(fmt.Errorf("unmarshal live invite: %w", err), fault.Internal, errInternal)
	}
	return it.InviteID, nil
}

// setLiveInvite makes id the address's live invitation, provided old
// still is ("" for none).
func (t *Table) setLiveInvite(pk, sk, old, id string, now time.Time) types.TransactWriteItem {
	put := &types.Put{TableName: &t.name, ConditionExpression: aws.String("attribute_not_exists(PK)")}
	if old != "" {
		put.ConditionExpression = aws.String("inviteId = :old")
		put.ExpressionAttributeValues = map[string]types.AttributeValue{":old": str(old)}
	}
	put.Item = map[string]types.AttributeValue{
		attrPK: str(pk), attrSK: str(sk), "type": str("invitee"), "inviteId": str(id),
		"expiresAt": num(now.Add(signin.MaxInviteTTL).Unix()),
	}
	return types.TransactWriteItem{Put: put}
}
