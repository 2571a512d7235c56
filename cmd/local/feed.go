package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"roster/cmd/internal/devstack"
	"roster/shared/events"
	"roster/shared/events/bus"
	"roster/shared/events/stream"
	"roster/shared/provision"
	"roster/shared/webhook"
)

// startFeed consumes the table's stream as EventsFunction does in AWS —
// the audit log, the local EventBridge bus in moto_server, the webhook
// queue, which it also delivers as WebhooksFunction does — and appends
// every event to watchPath (one CloudEvent per line), so a newcomer can
// watch them arrive with tail -f. It returns a stop that waits for the
// poller to end.
func startFeed(ctx context.Context, stack *devstack.Stack, tbl *table, watchPath string, log *slog.Logger) (func(), error) {
	var tableOpts []func(*dynamodb.Options)
	var streamOpts []func(*dynamodbstreams.Options)
	if tbl.opts != nil {
		tableOpts, streamOpts = append(tableOpts, tbl.opts), append(streamOpts, tbl.streams)
	}
	desc, err := dynamodb.NewFromConfig(stack.AWS, tableOpts...).DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &stack.Config.TableName})
	if err != nil {
		return nil, fmt.Errorf("describe table: %w", err)
	}
	if desc.Table.LatestStreamArn == nil {
		return nil, fmt.Errorf("table %s has no stream", stack.Config.TableName)
	}
	watch, err := openLog(watchPath)
	if err != nil {
		return nil, err
	}
	q := sqs.NewFromConfig(stack.AWS)
	hooks := stack.Platform.WebhookFanout(q, stack.WebhookQueueURL)
	proc := stack.Platform.Events(
		&events.DLQ{API: q, URL: stack.EventsDLQURL},
		&bus.EventBridge{API: eventbridge.NewFromConfig(stack.AWS), Name: stack.EventBusName},
		hooks,
		&watcher{out: watch, log: log},
	)
	proc.Requests = append(proc.Requests, stack.Platform.WebhookReplays(hooks))
	// Local receivers listen on loopback, so the local stack lets webhooks
	// reach it; AWS's never does (the guard refuses loopback there).
	deliverer := stack.Platform.Webhooks(q, &webhook.Sender{Guard: webhook.Guard{AllowLoopback: true}},
		stack.WebhookQueueURL, stack.WebhookParkedURL)
	poller := &stream.Poller{API: dynamodbstreams.NewFromConfig(stack.AWS, streamOpts...), StreamARN: *desc.Table.LatestStreamArn}
	polling, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	delivered := make(chan struct{})
	go func() {
		defer close(done)
		poller.Run(polling, proc.Handle, 300*time.Millisecond, log)
	}()
	go func() {
		defer close(delivered)
		_ = provision.Poll(polling, q, stack.WebhookQueueURL, log, deliverer.Handle)
	}()
	return func() { stop(); <-done; <-delivered; watch.Close() }, nil
}

// watcher is the local stack's window on the feed: each event as one JSON
// line in a file, and a log line naming it.
type watcher struct {
	mu  sync.Mutex
	out *os.File
	log *slog.Logger
}

func (w *watcher) Publish(ctx context.Context, evs []events.Event) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i, e := range evs {
		b, err := json.Marshal(e.Cloud())
		if err != nil {
			return i, err
		}
		if _, err := w.out.Write(append(b, '\n')); err != nil {
			return i, err
		}
		w.log.InfoContext(ctx, "event", slog.String("type", e.Type), slog.String("tenant", e.TenantID),
			slog.String("subject", e.Subject), slog.String("id", e.ID))
	}
	return len(evs), nil
}
