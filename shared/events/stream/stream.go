// Package stream reads a table's DynamoDB stream through the Streams API,
// as Lambda's event source mapping does in AWS. Only the local stack and
// the tests use it, so no function links the DynamoDB Streams client.
package stream

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	awsevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// API is the part of the DynamoDB Streams client the poller uses.
type API interface {
	DescribeStream(ctx context.Context, in *dynamodbstreams.DescribeStreamInput, opts ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error)
	GetShardIterator(ctx context.Context, in *dynamodbstreams.GetShardIteratorInput, opts ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error)
	GetRecords(ctx context.Context, in *dynamodbstreams.GetRecordsInput, opts ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error)
}

// Poller reads a table's stream through the DynamoDB Streams API, as
// Lambda's event source mapping does in AWS: the local stack (make run)
// and the tests consume it with it. Each shard is read from its start
// (TRIM_HORIZON) and each batch goes to a handler; a batch the handler
// reports failed is read again from the failed record, as Lambda does.
type Poller struct {
	API       API
	StreamARN string
	Batch     int32 // records per batch; 100 unless set
	iters     map[string]*string
	done      map[string]bool
}

// Handler is what a batch goes to: events.Processor.Handle.
type Handler func(ctx context.Context, batch awsevents.DynamoDBEvent) (awsevents.DynamoDBEventResponse, error)

// Poll reads every shard once, as far as it has records, handing batches
// to h. It returns the number of records h accepted.
func (s *Poller) Poll(ctx context.Context, h Handler) (int, error) {
	if s.iters == nil {
		s.iters, s.done = map[string]*string{}, map[string]bool{}
	}
	desc, err := s.API.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: &s.StreamARN})
	if err != nil {
		return 0, fmt.Errorf("describe stream: %w", err)
	}
	total := 0
	for _, sh := range desc.StreamDescription.Shards {
		id := aws.ToString(sh.ShardId)
		if s.done[id] {
			continue
		}
		if s.iters[id] == nil {
			it, err := s.API.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
				StreamArn: &s.StreamARN, ShardId: sh.ShardId, ShardIteratorType: types.ShardIteratorTypeTrimHorizon,
			})
			if err != nil {
				return total, fmt.Errorf("shard iterator %s: %w", id, err)
			}
			s.iters[id] = it.ShardIterator
		}
		n, err := s.pollShard(ctx, id, h)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

func (s *Poller) pollShard(ctx context.Context, id string, h Handler) (int, error) {
	total := 0
	for s.iters[id] != nil {
		limit := s.Batch
		if limit == 0 {
			limit = 100
		}
		out, err := s.API.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: s.iters[id], Limit: &limit})
		if err != nil {
			return total, fmt.Errorf("get records of %s: %w", id, err)
		}
		if out.NextShardIterator == nil {
			s.done[id] = true // a closed shard, read to its end
		}
		if len(out.Records) == 0 {
			s.iters[id] = out.NextShardIterator
			if out.NextShardIterator == nil {
				s.iters[id] = nil
			}
			return total, nil
		}
		batch := awsevents.DynamoDBEvent{Records: make([]awsevents.DynamoDBEventRecord, len(out.Records))}
		for i, r := range out.Records {
			batch.Records[i] = LambdaRecord(r, s.StreamARN)
		}
		resp, err := h(ctx, batch)
		if err != nil {
			return total, err
		}
		if len(resp.BatchItemFailures) > 0 {
			// Read again from the failed record, as Lambda does.
			seq := resp.BatchItemFailures[0].ItemIdentifier
			for _, r := range batch.Records {
				if r.Change.SequenceNumber == seq {
					break
				}
				total++
			}
			it, err := s.API.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
				StreamArn: &s.StreamARN, ShardId: &id, ShardIteratorType: types.ShardIteratorTypeAtSequenceNumber, SequenceNumber: &seq,
			})
			if err != nil {
				return total, fmt.Errorf("shard iterator %s at %s: %w", id, seq, err)
			}
			s.done[id] = false
			s.iters[id] = it.ShardIterator
			return total, fmt.Errorf("batch failed at record %s", seq)
		}
		total += len(batch.Records)
		s.iters[id] = out.NextShardIterator
	}
	return total, nil
}

// Run polls until ctx ends, pausing between polls that found nothing. A
// failed poll is logged and retried after the pause.
func (s *Poller) Run(ctx context.Context, h Handler, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := s.Poll(ctx, h); err != nil && ctx.Err() == nil {
			log.WarnContext(ctx, "stream poll failed; retrying", slog.String("error", err.Error()))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// LambdaRecord is r as Lambda hands it to the function.
func LambdaRecord(r types.Record, arn string) awsevents.DynamoDBEventRecord {
	out := awsevents.DynamoDBEventRecord{
		AWSRegion: aws.ToString(r.AwsRegion), EventID: aws.ToString(r.EventID), EventName: string(r.EventName),
		EventSource: aws.ToString(r.EventSource), EventVersion: aws.ToString(r.EventVersion), EventSourceArn: arn,
	}
	if d := r.Dynamodb; d != nil {
		out.Change = awsevents.DynamoDBStreamRecord{
			Keys: image(d.Keys), NewImage: image(d.NewImage), OldImage: image(d.OldImage),
			SequenceNumber: aws.ToString(d.SequenceNumber), SizeBytes: aws.ToInt64(d.SizeBytes),
			StreamViewType: string(d.StreamViewType),
		}
		if d.ApproximateCreationDateTime != nil {
			out.Change.ApproximateCreationDateTime = awsevents.SecondsEpochTime{Time: *d.ApproximateCreationDateTime}
		}
	}
	return out
}

func image(m map[string]types.AttributeValue) map[string]awsevents.DynamoDBAttributeValue {
	if m == nil {
		return nil
	}
	out := make(map[string]awsevents.DynamoDBAttributeValue, len(m))
	for k, v := range m {
		out[k] = attr(v)
	}
	return out
}

func attr(v types.AttributeValue) awsevents.DynamoDBAttributeValue {
	switch a := v.(type) {
	case *types.AttributeValueMemberS:
		return awsevents.NewStringAttribute(a.Value)
	case *types.AttributeValueMemberN:
		return awsevents.NewNumberAttribute(a.Value)
	case *types.AttributeValueMemberB:
		return awsevents.NewBinaryAttribute(a.Value)
	case *types.AttributeValueMemberBOOL:
		return awsevents.NewBooleanAttribute(a.Value)
	case *types.AttributeValueMemberSS:
		return awsevents.NewStringSetAttribute(a.Value)
	case *types.AttributeValueMemberNS:
		return awsevents.NewNumberSetAttribute(a.Value)
	case *types.AttributeValueMemberBS:
		return awsevents.NewBinarySetAttribute(a.Value)
	case *types.AttributeValueMemberL:
		l := make([]awsevents.DynamoDBAttributeValue, len(a.Value))
		for i, e := range a.Value {
			l[i] = attr(e)
		}
		return awsevents.NewListAttribute(l)
	case *types.AttributeValueMemberM:
		return awsevents.NewMapAttribute(image(a.Value))
	}
	return awsevents.NewNullAttribute()
}
