package store

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/role"
	"roster/shared/user"
)

// The tenant's count of active owners (TENANT#<t> / OWNERS, attribute
// owners) guards against a tenant losing its last owner. Every write that
// makes a user an active owner, or stops it being one, changes the count
// in the same transaction as the user; a decrement holds only while at
// least one owner remains, so of two owners demoting each other at once
// exactly one succeeds. Writes that leave every active owner as it is do
// not touch the item, so ordinary writes never queue on it.
//
// An increment creates the item. A decrement of a tenant whose item is
// missing fails its condition: such a tenant is refused rather than
// risked, and needs its count written once.
const ownersAttr = "owners"

// activeOwner reports whether u counts as one of the tenant's owners.
func activeOwner(u *user.User) bool {
	return u != nil && u.Active && u.Role == string(role.Owner)
}

// ownerDelta is how writing next in place of old changes the count of
// active owners: +1, -1 or 0. A nil old is a create, a nil next a delete.
func ownerDelta(old, next *user.User) int {
	d := 0
	if activeOwner(next) {
		d++
	}
	if activeOwner(old) {
		d--
	}
	return d
}

// ownersChange is the transaction item that adds delta (not 0) to the
// tenant's count of active owners. A decrement is conditional on the count
// staying at least 1.
func ownersChange(table *string, tenantID string, delta int) types.TransactWriteItem {
	up := &types.Update{
		TableName: table, Key: key(tenantPK(tenantID), ownersSK),
		UpdateExpression:         aws.String("SET #type = :type ADD #owners :delta"),
		ExpressionAttributeNames: map[string]string{"#type": "type", "#owners": ownersAttr},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":type": str("owners"), ":delta": num(int64(delta)),
		},
	}
	if delta < 0 {
		up.ConditionExpression = aws.String("#owners > :gone")
		up.ExpressionAttributeValues[":gone"] = num(int64(-delta))
	}
	return types.TransactWriteItem{Update: up}
}

// lastOwnerField is what a refused decrement says about each field.
const lastOwnerField = "would leave the tenant without an active owner"

// lastOwnerChange is the error of a change to old that would leave the
// tenant without an active owner: it names role, active or both.
func lastOwnerChange(old, next *user.User) error {
	var fields []fault.FieldError
	what := "deactivated"
	if next.Role != old.Role {
		fields = append(fields, fault.FieldError{Field: "role", Message: lastOwnerField})
		what = "demoted"
	}
	if !next.Active {
		fields = append(fields, fault.FieldError{Field: "active", Message: lastOwnerField})
		if len(fields) == 2 {
			what = "demoted or deactivated"
		}
	}
	return &fault.Error{Code: fault.Conflict, Fields: fields, Err: directory.ErrLastOwner,
		Message: "The user is the tenant's last active owner: make another owner before it is " + what + "."}
}

// lastOwnerDelete is the error of a delete that would leave the tenant
// without an active owner; bulk says whether several users were asked for.
func lastOwnerDelete(bulk bool) error {
	if bulk {
		return &fault.Error{Code: fault.Conflict, Err: directory.ErrLastOwner,
			Message: "The users include every active owner of the tenant: at least one must remain.",
			Fields:  []fault.FieldError{{Field: "userIds", Message: "would leave the tenant without an active owner"}}}
	}
	return &fault.Error{Code: fault.Conflict, Err: directory.ErrLastOwner,
		Message: "The user is the tenant's last active owner: make another owner before it is deleted.",
		Fields:  []fault.FieldError{{Field: "userId", Message: lastOwnerField}}}
}
