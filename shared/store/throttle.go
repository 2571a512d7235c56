package store

import (
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/shared/throttle"
)

// The send counters of package throttle: one item per counter and window
// in the tenant's partition,
//
//	TENANT#<t>  THROTTLE#<key>#<window start, epoch seconds>  sent, expiresAt
//
// created by the first send of the window and left to the table's TTL at
// its end. A window's start is in the key, so a counter never needs
// resetting (which an update could not do without reading it first) and
// a late TTL deletion never leaks an old count into a new window. A take
// is one conditional update added to the transaction of the write it
// limits: no call of its own, and a refused take cancels the write.

// throttleSK is the sort key of counter key's window starting at start.
func throttleSK(key string, start time.Time) string {
	return "THROTTLE#" + key + "#" + strconv.FormatInt(start.Unix(), 10)
}

// take is the transaction item that takes one from c at now, provided c
// has not reached its maximum in now's window.
func (t *Table) take(c throttle.Counter, now time.Time) types.TransactWriteItem {
	start, end := c.Limit.Span(now)
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                &t.name,
		Key:                      key(tenantPK(c.TenantID), throttleSK(c.Key, start)),
		UpdateExpression:         aws.String("SET #type = :type, expiresAt = :end ADD sent :one"),
		ConditionExpression:      aws.String("attribute_not_exists(sent) OR sent < :max"),
		ExpressionAttributeNames: map[string]string{"#type": "type"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":type": str("throttle"), ":end": num(end.Unix()), ":one": num(1), ":max": num(c.Limit.Max),
		},
	}}
}

// addTakes adds to x a take from each counter at now, each refused with
// the time until its window ends.
func (x *txn) addTakes(t *Table, counters []throttle.Counter, now time.Time) {
	for _, c := range counters {
		x.add(t.take(c, now), throttle.Refused(c, now))
	}
}
