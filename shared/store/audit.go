package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/shared/events"
	"roster/shared/fault"
)

// The audit log (decision 026) lives outside the tenant's user partition:
// TENANT#<t> carries the five local indexes, so DynamoDB caps it at 10 GB
// and one partition's throughput, and a busy tenant's history must not
// eat its users' room. Records are bucketed by day:
//
//	PK                      SK                          item
//	AUDIT#<t>#<yyyymmdd>    <time, fixed width>#<id>    an event as published, its filter fields, expiresAt
//
// A day's bucket is its own partition key, so a tenant's history spreads
// over as many keys as it has days and no bucket grows past a day's
// records; the newest page is one Query of today's bucket, sorted by time.
// A page never spans two buckets: at a bucket's end the cursor names the
// previous day, so every page is exactly one Query.
const auditSKTime = "2006-01-02T15:04:05.000000000Z"

func auditPK(tenantID string, day time.Time) string {
	return "AUDIT#" + tenantID + "#" + day.UTC().Format("20060102")
}

func auditSK(at time.Time, eventID string) string {
	return at.UTC().Format(auditSKTime) + "#" + eventID
}

type auditItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Type      string `dynamodbav:"type"`
	TenantID  string `dynamodbav:"tenantId"`
	EventID   string `dynamodbav:"eventId"`
	EventType string `dynamodbav:"eventType"`
	At        string `dynamodbav:"at"`
	Actor     string `dynamodbav:"actor"`
	UserID    string `dynamodbav:"userId,omitempty"`
	Event     string `dynamodbav:"event"`
	ExpiresAt int64  `dynamodbav:"expiresAt"`
}

// maxBatchWrite is DynamoDB's limit on the items of one BatchWriteItem.
const maxBatchWrite = 25

// WriteAudit stores records with BatchWriteItem, 25 at a time, retrying
// what DynamoDB leaves unprocessed. A record's key is its event's time and
// id, both stable across redeliveries, so writing it again overwrites it
// with itself.
func (t *Table) WriteAudit(ctx context.Context, recs []events.Record) error {
	var reqs []types.WriteRequest
	for _, r := range recs {
		item, err := attributevalue.MarshalMap(auditItem{
			PK: auditPK(r.TenantID, r.Time), SK: auditSK(r.Time, r.EventID), Type: "audit",
			TenantID: r.TenantID, EventID: r.EventID, EventType: r.Type, At: r.Time.UTC().Format(auditSKTime),
			Actor: r.Actor, UserID: r.UserID, Event: string(r.Event), ExpiresAt: r.ExpiresAt.Unix(),
		})
		if err != nil {
			return fault.Wrap(fmt.Errorf("marshal audit record %s: %w", r.EventID, err), fault.Internal, errInternal)
		}
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
	}
	for len(reqs) > 0 {
		n := min(len(reqs), maxBatchWrite)
		batch := reqs[:n]
		reqs = reqs[n:]
		for try := 1; len(batch) > 0; try++ {
			out, err := t.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{t.name: batch}})
			if err != nil {
				return translate(err, "write audit records")
			}
			batch = out.UnprocessedItems[t.name]
			if len(batch) == 0 {
				break
			}
			if try == maxConflictTries {
				return fault.New(fault.Unavailable, "The service is busy; retry shortly.")
			}
			if err := backoff(ctx, try); err != nil {
				return translate(err, "write audit records")
			}
		}
	}
	return nil
}

// auditCursor continues a page: the bucket's day and the last key read
// in it ("" to start the day at its newest).
type auditCursor struct {
	Day   string `json:"d"`
	After string `json:"a,omitempty"`
}

// QueryAudit returns one page of a tenant's log, newest first, with one
// Query of one day's bucket. The filters are a FilterExpression, so they
// cost the read of what they drop, never another call.
func (t *Table) QueryAudit(ctx context.Context, q events.AuditQuery) (events.AuditPage, error) {
	day := q.To.Add(-time.Nanosecond).UTC().Truncate(24 * time.Hour)
	var after string
	if q.Cursor != "" {
		c, err := readAuditCursor(q.Cursor)
		if err != nil {
			return events.AuditPage{}, err
		}
		d, err := time.Parse("20060102", c.Day)
		if err != nil || d.After(day) || d.Before(q.From.UTC().Truncate(24*time.Hour)) {
			return events.AuditPage{}, fault.InvalidField("cursor", "is not a cursor of this query")
		}
		// A key outside the query's range is refused here: DynamoDB would
		// refuse it as a validation error, which is no 500 to give.
		if c.After != "" && (c.After < q.From.UTC().Format(auditSKTime) || c.After > q.To.UTC().Format(auditSKTime)) {
			return events.AuditPage{}, fault.InvalidField("cursor", "is not a cursor of this query")
		}
		day, after = d, c.After
	}
	pk := auditPK(q.TenantID, day)
	names := map[string]string{"#pk": attrPK, "#sk": attrSK}
	values := map[string]types.AttributeValue{
		":pk": str(pk), ":from": str(q.From.UTC().Format(auditSKTime)), ":to": str(q.To.UTC().Format(auditSKTime)),
	}
	var filters []string
	for _, f := range []struct{ attr, value string }{{"actor", q.Actor}, {"userId", q.UserID}, {"eventType", q.Type}} {
		if f.value != "" {
			names["#"+f.attr] = f.attr
			values[":"+f.attr] = str(f.value)
			filters = append(filters, "#"+f.attr+" = :"+f.attr)
		}
	}
	in := &dynamodb.QueryInput{
		TableName: &t.name, KeyConditionExpression: aws.String("#pk = :pk AND #sk BETWEEN :from AND :to"),
		ExpressionAttributeNames: names, ExpressionAttributeValues: values,
		ScanIndexForward: aws.Bool(false), Limit: aws.Int32(int32(q.Limit)), ConsistentRead: aws.Bool(true),
	}
	if len(filters) > 0 {
		in.FilterExpression = aws.String(strings.Join(filters, " AND "))
	}
	if after != "" {
		in.ExclusiveStartKey = key(pk, after)
	}
	out, err := t.db.Query(ctx, in)
	if err != nil {
		return events.AuditPage{}, translate(err, "query audit log")
	}
	var page events.AuditPage
	for _, raw := range out.Items {
		var it auditItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return events.AuditPage{}, fault.Wrap(fmt.Errorf("unmarshal audit record: %w", err), fault.Internal, errInternal)
		}
		at, _ := time.Parse(auditSKTime, it.At)
		page.Records = append(page.Records, events.Record{
			TenantID: it.TenantID, EventID: it.EventID, Type: it.EventType, Time: at, Actor: it.Actor,
			UserID: it.UserID, Event: json.RawMessage(it.Event), ExpiresAt: time.Unix(it.ExpiresAt, 0).UTC(),
		})
	}
	switch {
	case out.LastEvaluatedKey != nil:
		var sk string
		_ = attributevalue.Unmarshal(out.LastEvaluatedKey[attrSK], &sk)
		page.Next = writeAuditCursor(auditCursor{Day: day.Format("20060102"), After: sk})
	case day.After(q.From.UTC().Truncate(24 * time.Hour)):
		page.Next = writeAuditCursor(auditCursor{Day: day.Add(-24 * time.Hour).Format("20060102")})
	}
	return page, nil
}

func writeAuditCursor(c auditCursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func readAuditCursor(s string) (auditCursor, error) {
	var c auditCursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &c) != nil || c.Day == "" {
		return c, fault.InvalidField("cursor", "is not a cursor of this query")
	}
	return c, nil
}

// AuditRetention is how long the tenant keeps its audit records: its
// auditRetentionDays, or events.DefaultRetention.
func (t *Table) AuditRetention(ctx context.Context, tenantID string) (time.Duration, error) {
	var it struct {
		PK   string `dynamodbav:"PK"`
		Days int64  `dynamodbav:"auditRetentionDays"`
	}
	err := t.getProjected(ctx, key(tenantPK(tenantID), tenantSK), "PK, auditRetentionDays", &it, "The tenant does not exist.", "get audit retention")
	switch {
	case fault.CodeOf(err) == fault.NotFound:
		return events.DefaultRetention, nil
	case err != nil:
		return 0, err
	case it.Days <= 0:
		return events.DefaultRetention, nil
	}
	return time.Duration(it.Days) * 24 * time.Hour, nil
}

// SetAuditRetention sets how many days the tenant's new audit records are
// kept, on the tenant's record, conditional on the tenant existing.
// Records already written keep their expiry. fault.NotFound.
func (t *Table) SetAuditRetention(ctx context.Context, tenantID string, days int) error {
	_, err := t.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &t.name, Key: key(tenantPK(tenantID), tenantSK),
		UpdateExpression:          aws.String("SET auditRetentionDays = :days"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":days": num(int64(days))},
	})
	if conditionFailed(err) {
		return fault.Wrap(err, fault.NotFound, "The tenant does not exist.")
	}
	return translate(err, "set audit retention of "+tenantID)
}
