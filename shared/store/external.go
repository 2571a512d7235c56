package store

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/shared/fault"
	"roster/shared/user"
)

// A user's external id (user.User.ExternalID) is held by the same ref item
// provisioning keys its users by (TENANT#<t> / EXTERNAL#<id>, provision.go),
// so SCIM's externalId and the events' externalId are one value: a user
// created through SCIM is the user a later user.upsert with that id
// updates, and a provisioned user is the one a SCIM filter on externalId
// finds. A claim sets the ref's user and leaves its occurredAt (the time
// of the last event applied, which orders events) as it was, or 0 for a
// new ref, so any event is newer than a SCIM write; a release removes the
// user and keeps the ref, as provisioning's own delete does.

// errExternalID is what a failed claim means: another user holds the id.
var errExternalID = &fault.Error{Code: fault.Conflict, Message: "A user with this external id already exists.",
	Fields: []fault.FieldError{{Field: "externalId", Message: "is already taken"}}}

// claimRef is the write that points the ref of u's external id at u,
// provided no user holds it, or, when stale is set, only the user stale
// (which no longer exists: its ref outlived it).
func claimRef(table *string, u *user.User, stale string) types.TransactWriteItem {
	cond := "attribute_not_exists(userId) OR userId = :user"
	values := map[string]types.AttributeValue{
		":type": str("external"), ":ext": str(u.ExternalID), ":user": str(u.ID), ":zero": num(0),
	}
	if stale != "" {
		cond += " OR userId = :stale"
		values[":stale"] = str(stale)
	}
	return types.TransactWriteItem{Update: &types.Update{
		TableName: table, Key: key(tenantPK(u.TenantID), externalSK(u.ExternalID)),
		UpdateExpression:          aws.String("SET #type = :type, externalId = :ext, userId = :user, occurredAt = if_not_exists(occurredAt, :zero)"),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  map[string]string{"#type": "type"},
		ExpressionAttributeValues: values,
	}}
}

// releaseRef is the write that frees the ref of u's external id, provided
// it is u's (or holds no user): the ref stays, without a user, so the
// order of the events applied to it is kept.
func releaseRef(table *string, u *user.User, externalID string) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{
		TableName: table, Key: key(tenantPK(u.TenantID), externalSK(externalID)),
		UpdateExpression:         aws.String("SET #type = :type, externalId = :ext, occurredAt = if_not_exists(occurredAt, :zero) REMOVE userId"),
		ConditionExpression:      aws.String("attribute_not_exists(userId) OR userId = :user"),
		ExpressionAttributeNames: map[string]string{"#type": "type"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":type": str("external"), ":ext": str(externalID), ":user": str(u.ID), ":zero": num(0),
		},
	}}
}

// staleRef returns the user a ref names when that user no longer exists
// (a user deleted before users held their external id), so a claim may
// take the ref over; "" when the ref is free or its user exists.
func (t *Table) staleRef(ctx context.Context, tenantID, externalID string) (string, error) {
	ref, err := t.GetExternalRef(ctx, tenantID, externalID)
	switch {
	case fault.CodeOf(err) == fault.NotFound:
		return "", nil
	case err != nil:
		return "", err
	case ref.UserID == "":
		return "", nil
	}
	if _, err := t.GetUser(ctx, tenantID, ref.UserID); fault.CodeOf(err) == fault.NotFound {
		return ref.UserID, nil
	} else if err != nil {
		return "", err
	}
	return "", nil
}

// UserIDByExternalID finds the user an external id names: one strongly
// consistent GetItem of its ref. fault.NotFound when the id is unknown or
// its user was deleted.
func (t *Table) UserIDByExternalID(ctx context.Context, tenantID, externalID string) (string, error) {
	ref, err := t.GetExternalRef(ctx, tenantID, externalID)
	if err != nil {
		return "", err
	}
	if ref.UserID == "" {
		return "", fault.New(fault.NotFound, "The external id is unknown.")
	}
	return ref.UserID, nil
}
