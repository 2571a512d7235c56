package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/shared/fault"
	"roster/shared/provision"
	"roster/shared/tenant"
	"roster/shared/user"
)

// Items of event-driven provisioning (package provision):
//
//	PK                          SK                    item
//	IDEMPOTENCY#<t>#<eventId>   IDEMPOTENCY           an applied event: payload hash, expiresAt (TTL)
//	TENANT#<t>                  EXTERNAL#<extId>      external id -> userId, occurredAt of the last event applied
//
// The idempotency record is written in the same transaction as the change
// it records, so an event is either applied and recorded or neither.
const idempotencySK = "IDEMPOTENCY"

func idempotencyPK(tenantID, eventID string) string { return "IDEMPOTENCY#" + tenantID + "#" + eventID }
func externalSK(externalID string) string           { return "EXTERNAL#" + externalID }

type markItem struct {
	PK        string    `dynamodbav:"PK"`
	SK        string    `dynamodbav:"SK"`
	Type      string    `dynamodbav:"type"`
	TenantID  string    `dynamodbav:"tenantId"`
	EventID   string    `dynamodbav:"eventId"`
	Hash      string    `dynamodbav:"hash"`
	AppliedAt time.Time `dynamodbav:"appliedAt"`
	ExpiresAt int64     `dynamodbav:"expiresAt"` // epoch seconds; the table's TTL attribute
}

type externalItem struct {
	PK         string `dynamodbav:"PK"`
	SK         string `dynamodbav:"SK"`
	Type       string `dynamodbav:"type"`
	ExternalID string `dynamodbav:"externalId"`
	UserID     string `dynamodbav:"userId,omitempty"`
	OccurredAt int64  `dynamodbav:"occurredAt"` // epoch nanoseconds, so conditions compare numbers
}

// GetProvisionMark reads the record of an applied event, expired or not
// (an expired one still proves the event was applied). fault.NotFound.
func (t *Table) GetProvisionMark(ctx context.Context, tenantID, eventID string) (*provision.Mark, error) {
	var it markItem
	if err := t.getOne(ctx, key(idempotencyPK(tenantID, eventID), idempotencySK), &it,
		"The event has not been applied.", "get provision mark"); err != nil {
		return nil, err
	}
	return &provision.Mark{TenantID: it.TenantID, EventID: it.EventID, Hash: it.Hash,
		AppliedAt: it.AppliedAt, ExpiresAt: unixTime(it.ExpiresAt)}, nil
}

// GetExternalRef reads the ref of an external id. fault.NotFound.
func (t *Table) GetExternalRef(ctx context.Context, tenantID, externalID string) (*provision.ExternalRef, error) {
	var it externalItem
	if err := t.getOne(ctx, key(tenantPK(tenantID), externalSK(externalID)), &it,
		"The external id is unknown.", "get external ref"); err != nil {
		return nil, err
	}
	return &provision.ExternalRef{TenantID: tenantID, ExternalID: it.ExternalID, UserID: it.UserID,
		OccurredAt: time.Unix(0, it.OccurredAt).UTC()}, nil
}

// errRaced answers an ApplyProvisioning that lost a race.
var errRaced = fault.New(fault.Unavailable, "The user changed while the event was applied; retry.")

// ApplyProvisioning writes p in one TransactWriteItems. A lost race (the
// user or its ref changed since read) is fault.Unavailable, for a retry
// that reads again; an existing mark is ErrMarked; an existing tenant is
// fault.Conflict. Changing or deleting an active owner changes the
// tenant's count of them, and removing the last is fault.Conflict
// (directory.ErrLastOwner).
func (t *Table) ApplyProvisioning(ctx context.Context, p provision.Change) error {
	return t.applyProvisioning(ctx, p, nil)
}

// createProvisioned writes u, a user the directory admitted, with its
// event's mark and ref (CreateUserWith): the ref points at u. The create
// block's failures keep their codes (fault.Conflict naming email or
// username, fault.NotFound for a missing or inactive tenant); a drawn
// number that is taken is drawn again; creating an active owner raises
// the tenant's count of them.
func (t *Table) createProvisioned(ctx context.Context, u *user.User, r provision.Provisioned) error {
	prepareUser(u)
	p := provision.Change{Mark: r.Mark, PrevRef: r.PrevRef}
	if r.Ref != nil {
		ref := *r.Ref
		ref.UserID = u.ID
		p.Ref = &ref
	}
	return retryCreate(ctx, u, func() error { return t.applyProvisioning(ctx, p, u) })
}

// applyProvisioning writes p, with create when it is set.
func (t *Table) applyProvisioning(ctx context.Context, p provision.Change, create *user.User) error {
	x := &txn{table: &t.name}
	switch {
	case p.Tenant != nil:
		tn := p.Tenant
		item, err := attributevalue.MarshalMap(newTenantItem(tn))
		if err != nil {
			return fault.Wrap(fmt.Errorf("marshal tenant %s: %w", tn.ID, err), fault.Internal, errInternal)
		}
		x.add(types.TransactWriteItem{Put: &types.Put{TableName: &t.name, Item: item,
			ConditionExpression: aws.String("attribute_not_exists(PK)")}},
			fault.New(fault.Conflict, "The tenant already exists."))
		if in := p.Invite; in != nil {
			inv, err := attributevalue.MarshalMap(inviteItem{
				PK: invitePK(in.ID), SK: inviteSK, Type: "invite", ID: in.ID, TenantID: in.TenantID,
				Email: in.Email, Role: in.Role, FirstName: in.FirstName, LastName: in.LastName, Hash: in.Hash,
				CreatedAt: in.CreatedAt.UTC(), CreatedBy: in.CreatedBy, ExpiresAt: in.ExpiresAt.Unix(),
			})
			if err != nil {
				return fault.Wrap(fmt.Errorf("marshal invite: %w", err), fault.Internal, errInternal)
			}
			x.add(types.TransactWriteItem{Put: &types.Put{TableName: &t.name, Item: inv,
				ConditionExpression: aws.String("attribute_not_exists(PK)")}}, errRaced)
		}
	case create != nil:
		items, err := t.createItems(create, "")
		if err != nil {
			return err
		}
		x.addCreate(create, items)
	case p.Update[0] != nil:
		old, next := p.Update[0], p.Update[1]
		stampRequest(ctx, next, p.Mark.EventID)
		upd, err := t.userUpdate(old, next)
		if err != nil {
			return err
		}
		x.add(types.TransactWriteItem{Update: upd}, errRaced)
		pk := tenantPK(next.TenantID)
		if err := x.moveMarker(pk, next, emailMarker(old.Email), emailMarker(next.Email), errEmail); err != nil {
			return err
		}
		oldName, newName := usernameSK(user.NormalizeUsername(old.Username)), usernameSK(user.NormalizeUsername(next.Username))
		if err := x.moveMarker(pk, next, oldName, newName, errUsername); err != nil {
			return err
		}
		if d := ownerDelta(old, next); d != 0 {
			x.add(ownersChange(&t.name, next.TenantID, d), lastOwnerChange(old, next))
		}
	case p.Delete != nil:
		for _, it := range deleteItems(&t.name, p.Delete) {
			x.add(it, errRaced)
		}
		note, err := t.deletionPut(ctx, p.Delete.TenantID, p.Delete.ID, provision.Actor, p.Mark.EventID)
		if err != nil {
			return err
		}
		x.add(note, nil)
		if activeOwner(p.Delete) {
			x.add(ownersChange(&t.name, p.Delete.TenantID, -1), lastOwnerDelete(false))
		}
	}
	for i := range x.fails {
		if x.fails[i] == errStaleUser {
			x.fails[i] = errRaced // a marker moved by a concurrent change
		}
	}
	if p.Ref != nil {
		put, err := t.refPut(*p.Ref, p.PrevRef)
		if err != nil {
			return err
		}
		x.add(types.TransactWriteItem{Put: put}, errRaced)
	}
	m := p.Mark
	if err := t.addMark(x, m); err != nil {
		return err
	}

	op := "provision " + m.TenantID + "/" + m.EventID
	if len(x.items) == 1 {
		// Nothing to change: the mark alone, half the cost of a transaction.
		put := x.items[0].Put
		_, err := t.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: put.TableName, Item: put.Item,
			ConditionExpression: put.ConditionExpression})
		if conditionFailed(err) {
			return fault.Wrap(err, fault.Conflict, "%s", provision.ErrMarked.Message)
		}
		return translate(err, op)
	}
	return x.run(ctx, t.db, op)
}

// refPut writes ref provided the stored ref is still prev (absent when
// prev is nil), so two events for one external id never both apply on the
// same state.
func (t *Table) refPut(ref provision.ExternalRef, prev *provision.ExternalRef) (*types.Put, error) {
	item, err := attributevalue.MarshalMap(externalItem{
		PK: tenantPK(ref.TenantID), SK: externalSK(ref.ExternalID), Type: "external",
		ExternalID: ref.ExternalID, UserID: ref.UserID, OccurredAt: ref.OccurredAt.UnixNano(),
	})
	if err != nil {
		return nil, fault.Wrap(fmt.Errorf("marshal external ref: %w", err), fault.Internal, errInternal)
	}
	put := &types.Put{TableName: &t.name, Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)")}
	if prev != nil {
		put.ConditionExpression = aws.String("occurredAt = :prev")
		put.ExpressionAttributeValues = map[string]types.AttributeValue{
			":prev": &types.AttributeValueMemberN{Value: strconv.FormatInt(prev.OccurredAt.UnixNano(), 10)},
		}
	}
	return put, nil
}

// ReadProvisioning reads everything a batch of events reads first, in as
// few calls as DynamoDB allows: one strongly consistent BatchGetItem for
// the marks, tenants and refs (per 100 keys), then one for the users the
// refs name. Unprocessed keys are asked for again with backoff (batchGet),
// so no key is silently left out; fault.Unavailable when DynamoDB keeps
// leaving some.
func (t *Table) ReadProvisioning(ctx context.Context, k provision.Keys) (*provision.Snapshot, error) {
	s := &provision.Snapshot{Marks: map[[2]string]*provision.Mark{}, Tenants: map[string]*tenant.Tenant{},
		Refs: map[[2]string]*provision.ExternalRef{}, Users: map[[2]string]*user.User{}}
	seen := map[string]bool{}
	var keys []map[string]types.AttributeValue
	want := func(pk, sk string) {
		if !seen[pk+"\x00"+sk] {
			seen[pk+"\x00"+sk] = true
			keys = append(keys, key(pk, sk))
		}
	}
	for _, m := range k.Marks {
		s.Marks[m] = nil
		want(idempotencyPK(m[0], m[1]), idempotencySK)
	}
	for _, id := range k.Tenants {
		s.Tenants[id] = nil
		want(tenantPK(id), tenantSK)
	}
	for _, r := range k.Refs {
		s.Refs[r] = nil
		want(tenantPK(r[0]), externalSK(r[1]))
	}
	items, err := t.batchGet(ctx, keys, "", nil)
	if err != nil {
		return nil, err
	}
	var users []map[string]types.AttributeValue
	for _, item := range items {
		var head struct {
			PK   string `dynamodbav:"PK"`
			Type string `dynamodbav:"type"`
		}
		if err := attributevalue.UnmarshalMap(item, &head); err != nil {
			return nil, fault.Wrap(fmt.Errorf("unmarshal provisioning read: %w", err), fault.Internal, errInternal)
		}
		switch head.Type {
		case "idempotency":
			var it markItem
			if err := attributevalue.UnmarshalMap(item, &it); err != nil {
				return nil, fault.Wrap(fmt.Errorf("unmarshal provision mark: %w", err), fault.Internal, errInternal)
			}
			s.Marks[[2]string{it.TenantID, it.EventID}] = &provision.Mark{TenantID: it.TenantID, EventID: it.EventID,
				Hash: it.Hash, AppliedAt: it.AppliedAt, ExpiresAt: unixTime(it.ExpiresAt)}
		case "tenant":
			var it tenantItem
			if err := attributevalue.UnmarshalMap(item, &it); err != nil {
				return nil, fault.Wrap(fmt.Errorf("unmarshal tenant: %w", err), fault.Internal, errInternal)
			}
			s.Tenants[it.ID] = it.tenant()
		case "external":
			var it externalItem
			if err := attributevalue.UnmarshalMap(item, &it); err != nil {
				return nil, fault.Wrap(fmt.Errorf("unmarshal external ref: %w", err), fault.Internal, errInternal)
			}
			tenantID := strings.TrimPrefix(head.PK, "TENANT#")
			s.Refs[[2]string{tenantID, it.ExternalID}] = &provision.ExternalRef{TenantID: tenantID, ExternalID: it.ExternalID,
				UserID: it.UserID, OccurredAt: time.Unix(0, it.OccurredAt).UTC()}
			if it.UserID != "" {
				s.Users[[2]string{tenantID, it.UserID}] = nil
				users = append(users, key(tenantPK(tenantID), userSK(it.UserID)))
			}
		}
	}
	if len(users) == 0 {
		return s, nil
	}
	items, err = t.batchGet(ctx, users, "", nil)
	if err != nil {
		return nil, err
	}
	found, err := unmarshalUsers(items)
	if err != nil {
		return nil, err
	}
	for _, u := range found {
		s.Users[[2]string{u.TenantID, u.ID}] = u
	}
	return s, nil
}

// addMark adds the put of an event's idempotency record to x, on the
// condition that no record of that event exists: a redelivered event fails
// with ErrMarked and writes nothing.
func (t *Table) addMark(x *txn, m provision.Mark) error {
	mark, err := attributevalue.MarshalMap(markItem{
		PK: idempotencyPK(m.TenantID, m.EventID), SK: idempotencySK, Type: "idempotency",
		TenantID: m.TenantID, EventID: m.EventID, Hash: m.Hash, AppliedAt: m.AppliedAt.UTC(), ExpiresAt: m.ExpiresAt.Unix(),
	})
	if err != nil {
		return fault.Wrap(fmt.Errorf("marshal provision mark: %w", err), fault.Internal, errInternal)
	}
	x.add(types.TransactWriteItem{Put: &types.Put{TableName: &t.name, Item: mark,
		ConditionExpression: aws.String("attribute_not_exists(PK)")}}, provision.ErrMarked)
	return nil
}
