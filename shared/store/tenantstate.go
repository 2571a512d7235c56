package store

import (
	"context"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/shared/fault"
	"roster/shared/provision"
	"roster/shared/tenant"
	"roster/shared/user"
)

// A tenant's state (decision 014): the tenant record's active flag, and
// stateAt, the occurredAt of the last provisioning event that set it
// (epoch nanoseconds; absent on tenants no event has touched since
// creation outside provisioning). Every credential check reads the
// tenant beside what it reads already, in the same call: the user of an
// access token (GetUserAndTenant) or a login (LoginUser). An API key names
// its tenant only once read, so its tenant is one GetItem more.

// ApplyTenantState sets the tenant's active flag and StateAt provided
// StateAt is still Prev, with the event's mark, in one TransactWriteItems.
// A lost race (the tenant changed since read, or is gone) is
// fault.Unavailable, for a retry that reads again; an existing mark is
// ErrMarked.
func (t *Table) ApplyTenantState(ctx context.Context, s provision.TenantState) error {
	x := &txn{table: &t.name}
	values := map[string]types.AttributeValue{
		":active": &types.AttributeValueMemberBOOL{Value: s.Active},
		":at":     &types.AttributeValueMemberN{Value: strconv.FormatInt(s.OccurredAt.UnixNano(), 10)},
	}
	cond := "attribute_exists(PK) AND attribute_not_exists(stateAt)"
	if !s.Prev.IsZero() {
		cond = "attribute_exists(PK) AND stateAt = :prev"
		values[":prev"] = &types.AttributeValueMemberN{Value: strconv.FormatInt(s.Prev.UnixNano(), 10)}
	}
	x.add(types.TransactWriteItem{Update: &types.Update{
		TableName: &t.name, Key: key(tenantPK(s.TenantID), tenantSK),
		UpdateExpression:          aws.String("SET active = :active, stateAt = :at"),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeValues: values,
	}}, fault.New(fault.Unavailable, "The tenant changed while the event was applied; retry."))
	m := s.Mark
	if err := t.addMark(x, m); err != nil {
		return err
	}
	return x.run(ctx, t.db, "provision "+m.TenantID+"/"+m.EventID)
}

// GetUserAndTenant reads a user and its tenant together, in one strongly
// consistent BatchGetItem: what an access token or an exchange checks.
// fault.NotFound when either is missing.
func (t *Table) GetUserAndTenant(ctx context.Context, tenantID, id string) (*user.User, *tenant.Tenant, error) {
	pk := tenantPK(tenantID)
	items, err := t.batchGet(ctx, []map[string]types.AttributeValue{key(pk, userSK(id)), key(pk, tenantSK)}, "", nil)
	if err != nil {
		return nil, nil, err
	}
	u, tn, err := userAndTenant(items)
	switch {
	case err != nil:
		return nil, nil, err
	case u == nil:
		return nil, nil, fault.New(fault.NotFound, "The user does not exist.")
	case tn == nil:
		return nil, nil, fault.New(fault.NotFound, "The tenant does not exist.")
	}
	return u, tn, nil
}

// userAndTenant picks the user and the tenant record out of a batch read
// of one tenant's partition; either is nil when absent.
func userAndTenant(items []map[string]types.AttributeValue) (*user.User, *tenant.Tenant, error) {
	var (
		u  *user.User
		tn *tenant.Tenant
	)
	for _, item := range items {
		if sk, _ := item[attrSK].(*types.AttributeValueMemberS); sk != nil && sk.Value == tenantSK {
			var it tenantItem
			if err := attributevalue.UnmarshalMap(item, &it); err != nil {
				return nil, nil, fault.Wrap(fmt.Errorf("unmarshal tenant: %w", err), fault.Internal, errInternal)
			}
			tn = it.tenant()
			continue
		}
		var it userItem
		if err := attributevalue.UnmarshalMap(item, &it); err != nil {
			return nil, nil, fault.Wrap(fmt.Errorf("unmarshal user: %w", err), fault.Internal, errInternal)
		}
		u = it.user()
	}
	return u, tn, nil
}
