package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	awsevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/shared/fault"
	"roster/shared/webhook"
)

// A replay request (HOOK#<t> / REPLAY#<id>, kept a day) is how an
// administrator's replay reaches the webhook queue: the Account function
// writes it, the change feed sees it on the stream and queues the
// deliveries (webhook.Admin.Replay).
type replayItem struct {
	PK         string `dynamodbav:"PK"`
	SK         string `dynamodbav:"SK"`
	Type       string `dynamodbav:"type"`
	TenantID   string `dynamodbav:"tenantId"`
	EndpointID string `dynamodbav:"endpointId"`
	ID         string `dynamodbav:"replayId"`
	From       string `dynamodbav:"from"`
	To         string `dynamodbav:"to"`
	By         string `dynamodbav:"by,omitempty"`
	ExpiresAt  int64  `dynamodbav:"expiresAt"`
}

// PutReplay writes the request, conditional on the endpoint existing.
func (t *Table) PutReplay(ctx context.Context, r webhook.ReplayRequest) error {
	item, err := attributevalue.MarshalMap(replayItem{
		PK: hookPK(r.TenantID), SK: "REPLAY#" + r.ID, Type: "replay", TenantID: r.TenantID, EndpointID: r.EndpointID, ID: r.ID,
		From: r.From.UTC().Format(time.RFC3339Nano), To: r.To.UTC().Format(time.RFC3339Nano), By: r.By,
		ExpiresAt: time.Now().Add(24 * time.Hour).Unix(),
	})
	if err != nil {
		return fault.Wrap(fmt.Errorf("marshal replay %s: %w", r.ID, err), fault.Internal, errInternal)
	}
	x := &txn{table: &t.name}
	x.add(types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: &t.name, Key: key(hookPK(r.TenantID), endpointSK(r.EndpointID)),
		ConditionExpression: aws.String("attribute_exists(PK)")}}, fault.New(fault.NotFound, "The webhook does not exist."))
	x.add(types.TransactWriteItem{Put: &types.Put{TableName: &t.name, Item: item}}, nil)
	return x.run(ctx, t.db, "put replay "+r.ID)
}

// ReplayOf reads a replay request from a stream record: ok is false for
// any other record.
func ReplayOf(rec awsevents.DynamoDBEventRecord) (webhook.ReplayRequest, bool, error) {
	if rec.EventName != "INSERT" {
		return webhook.ReplayRequest{}, false, nil
	}
	pk, sk := rec.Change.Keys[attrPK], rec.Change.Keys[attrSK]
	if pk.DataType() != awsevents.DataTypeString || sk.DataType() != awsevents.DataTypeString ||
		!strings.HasPrefix(pk.String(), "HOOK#") || !strings.HasPrefix(sk.String(), "REPLAY#") {
		return webhook.ReplayRequest{}, false, nil
	}
	img, err := imageOf(rec.Change.NewImage)
	if err != nil {
		return webhook.ReplayRequest{}, false, err
	}
	var it replayItem
	if err := attributevalue.UnmarshalMap(img, &it); err != nil {
		return webhook.ReplayRequest{}, false, fmt.Errorf("replay request: %w", err)
	}
	from, err1 := time.Parse(time.RFC3339Nano, it.From)
	to, err2 := time.Parse(time.RFC3339Nano, it.To)
	if err1 != nil || err2 != nil {
		return webhook.ReplayRequest{}, false, fmt.Errorf("replay request %s: bad range", it.ID)
	}
	return webhook.ReplayRequest{TenantID: it.TenantID, EndpointID: it.EndpointID, ID: it.ID, From: from, To: to, By: it.By}, true, nil
}
