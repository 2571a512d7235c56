package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/shared/directory"
	"roster/shared/fault"
)

// groupItem is a tenant's group as stored. Users hold the ids of their
// groups (a string set on the user), so a group item is only read to list
// groups and checked to exist when a user joins it.
type groupItem struct {
	PK        string    `dynamodbav:"PK"`
	SK        string    `dynamodbav:"SK"`
	Type      string    `dynamodbav:"type"`
	ID        string    `dynamodbav:"groupId"`
	Name      string    `dynamodbav:"name"`
	CreatedAt time.Time `dynamodbav:"createdAt"`
	// ExternalID is an identity provider's id of the group (SCIM).
	ExternalID string `dynamodbav:"externalId,omitempty"`
}

func (it groupItem) group() directory.Group {
	return directory.Group{ID: it.ID, Name: it.Name, CreatedAt: it.CreatedAt, ExternalID: it.ExternalID}
}

// groupNameItem reserves a group name in a tenant.
type groupNameItem struct {
	PK      string `dynamodbav:"PK"`
	SK      string `dynamodbav:"SK"`
	Type    string `dynamodbav:"type"`
	GroupID string `dynamodbav:"groupId"`
}

// normalizeGroupName is the form under which group names are unique.
func normalizeGroupName(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// CreateGroup writes the group and its name marker in one transaction,
// conditional on the tenant being active and the id and name being free.
func (t *Table) CreateGroup(ctx context.Context, tenantID string, g directory.Group) error {
	pk := tenantPK(tenantID)
	item, err := attributevalue.MarshalMap(groupItem{
		PK: pk, SK: groupSK(g.ID), Type: "group", ID: g.ID, Name: g.Name, CreatedAt: g.CreatedAt.UTC(), ExternalID: g.ExternalID,
	})
	if err != nil {
		return fault.Wrap(fmt.Errorf("marshal group %s: %w", g.ID, err), fault.Internal, errInternal)
	}
	marker, err := attributevalue.MarshalMap(groupNameItem{
		PK: pk, SK: groupNameSK(normalizeGroupName(g.Name)), Type: "marker", GroupID: g.ID,
	})
	if err != nil {
		return fault.Wrap(fmt.Errorf("marshal group name %s: %w", g.ID, err), fault.Internal, errInternal)
	}
	free := aws.String("attribute_not_exists(PK)")
	x := &txn{table: &t.name}
	x.add(tenantActive(&t.name, pk), errTenantInactive)
	// The name before the group: a random id is never taken by chance.
	x.add(types.TransactWriteItem{Put: &types.Put{TableName: &t.name, Item: marker, ConditionExpression: free}},
		&fault.Error{Code: fault.Conflict, Message: "A group with this name already exists.",
			Fields: []fault.FieldError{{Field: "name", Message: "is already taken"}}})
	x.add(types.TransactWriteItem{Put: &types.Put{TableName: &t.name, Item: item, ConditionExpression: free}},
		fault.New(fault.Conflict, "The group already exists."))
	return x.run(ctx, t.db, "create group "+g.ID)
}

// ListGroups reads every group of the tenant with a strongly consistent
// Query (one call per MB of groups) and sorts them by name.
func (t *Table) ListGroups(ctx context.Context, tenantID string) ([]directory.Group, error) {
	p := dynamodb.NewQueryPaginator(t.db, &dynamodb.QueryInput{
		TableName:              &t.name,
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(tenantPK(tenantID)), ":prefix": str(groupSK("")),
		},
		ConsistentRead: aws.Bool(true),
	})
	var groups []directory.Group
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, translate(err, "list groups of "+tenantID)
		}
		for _, item := range out.Items {
			var it groupItem
			if err := attributevalue.UnmarshalMap(item, &it); err != nil {
				return nil, fault.Wrap(fmt.Errorf("unmarshal group: %w", err), fault.Internal, errInternal)
			}
			groups = append(groups, it.group())
		}
	}
	slices.SortFunc(groups, func(a, b directory.Group) int {
		return cmp.Or(cmp.Compare(normalizeGroupName(a.Name), normalizeGroupName(b.Name)), cmp.Compare(a.ID, b.ID))
	})
	return groups, nil
}

// UpdateGroup renames a group and sets its external id in one
// transaction: the group item conditional on its name as read, the old
// name marker deleted provided it is still the group's, the new one put
// provided it is free. fault.Conflict naming name when the name is taken;
// fault.Conflict when the group changed or vanished since it was read.
func (t *Table) UpdateGroup(ctx context.Context, tenantID string, old, next directory.Group) error {
	name := next.Name
	pk := tenantPK(tenantID)
	stale := fault.New(fault.Conflict, "The group has changed since it was read; read it again and retry.")
	x := &txn{table: &t.name}
	x.add(types.TransactWriteItem{Update: &types.Update{
		TableName: &t.name, Key: key(pk, groupSK(old.ID)),
		UpdateExpression:          aws.String("SET #name = :new, externalId = :ext"),
		ConditionExpression:       aws.String("#name = :old"),
		ExpressionAttributeNames:  map[string]string{"#name": "name"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":new": str(name), ":old": str(old.Name), ":ext": str(next.ExternalID)},
	}}, stale)
	if next.ExternalID == "" {
		upd := x.items[0].Update
		upd.UpdateExpression = aws.String("SET #name = :new REMOVE externalId")
		delete(upd.ExpressionAttributeValues, ":ext")
	}
	if normalizeGroupName(old.Name) != normalizeGroupName(name) {
		marker, err := attributevalue.MarshalMap(groupNameItem{PK: pk, SK: groupNameSK(normalizeGroupName(name)), Type: "marker", GroupID: old.ID})
		if err != nil {
			return fault.Wrap(fmt.Errorf("marshal group name %s: %w", old.ID, err), fault.Internal, errInternal)
		}
		x.add(types.TransactWriteItem{Delete: &types.Delete{
			TableName: &t.name, Key: key(pk, groupNameSK(normalizeGroupName(old.Name))),
			ConditionExpression:       aws.String("groupId = :id"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":id": str(old.ID)},
		}}, stale)
		x.add(types.TransactWriteItem{Put: &types.Put{TableName: &t.name, Item: marker, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
			&fault.Error{Code: fault.Conflict, Message: "A group with this name already exists.",
				Fields: []fault.FieldError{{Field: "name", Message: "is already taken"}}})
	}
	return x.run(ctx, t.db, "update group "+old.ID)
}

// DeleteGroup deletes a group and its name marker in one transaction,
// provided the name is still the one read. Users still holding the id
// are the caller's to change first (the directory does).
func (t *Table) DeleteGroup(ctx context.Context, tenantID string, g directory.Group) error {
	pk := tenantPK(tenantID)
	stale := fault.New(fault.Conflict, "The group has changed since it was read; read it again and retry.")
	x := &txn{table: &t.name}
	x.add(types.TransactWriteItem{Delete: &types.Delete{
		TableName: &t.name, Key: key(pk, groupSK(g.ID)),
		ConditionExpression:       aws.String("#name = :name"),
		ExpressionAttributeNames:  map[string]string{"#name": "name"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":name": str(g.Name)},
	}}, stale)
	x.add(types.TransactWriteItem{Delete: &types.Delete{
		TableName: &t.name, Key: key(pk, groupNameSK(normalizeGroupName(g.Name))),
		ConditionExpression:       aws.String("groupId = :id"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":id": str(g.ID)},
	}}, stale)
	return x.run(ctx, t.db, "delete group "+g.ID)
}
