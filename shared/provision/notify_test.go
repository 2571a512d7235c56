package provision_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"roster/shared/emulator"
	"roster/shared/fault"
	"roster/shared/opaque"
	"roster/shared/provision"
	"roster/shared/store/storetest"
)

// storedInviteHash is the hash of the tenant's one stored invitation.
func (f fixture) storedInviteHash(t *testing.T, tenantID string) []byte {
	t.Helper()
	inv := f.invites(t, tenantID)
	if len(inv) != 1 {
		t.Fatalf("invitations of %s = %d, want 1", tenantID, len(inv))
	}
	h, ok := inv[0]["hash"].([]byte)
	if !ok {
		t.Fatalf("invitation hash is %T", inv[0]["hash"])
	}
	return h
}

func TestOwnerInvitationIsSentToTheNotificationsQueue(t *testing.T) {
	ep := emulator.Moto(t)
	ctx := context.Background()
	cfg, err := emulator.AWSConfig(ctx, ep.URL)
	if err != nil {
		t.Fatal(err)
	}
	client := sqs.NewFromConfig(cfg)
	q, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: ptr(fmt.Sprintf("roster-notify-%d", time.Now().UnixNano()))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = client.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: q.QueueUrl}) })

	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		proc, err := provision.New(env.Table, f.dir, pepper, provision.Options{Notifier: provision.NewQueue(client, *q.QueueUrl)})
		if err != nil {
			t.Fatal(err)
		}
		e, err := provision.Decode([]byte(tenantCreate("t1", "acme", at(0))))
		if err != nil {
			t.Fatal(err)
		}
		if out, err := proc.Apply(ctx, e); err != nil || out != provision.Applied {
			t.Fatalf("Apply = %q, %v", out, err)
		}
		got, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil || len(got.Messages) != 1 {
			t.Fatalf("receive = %d messages, %v; want 1", len(got.Messages), err)
		}
		_, _ = client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: q.QueueUrl, ReceiptHandle: got.Messages[0].ReceiptHandle})
		var n provision.Notification
		if err := json.Unmarshal([]byte(*got.Messages[0].Body), &n); err != nil {
			t.Fatal(err)
		}
		if n.Type != provision.InvitationCreated || n.Tenant != "acme" || n.Email != "owner@acme.example.com" ||
			n.Role != "owner" || n.EventID != "t1" || n.ExpiresAt.IsZero() {
			t.Fatalf("notification = %+v", n)
		}
		if !opaque.Verify(pepper, n.InviteToken, f.storedInviteHash(t, "acme")) {
			t.Fatal("the sent token does not match the stored invitation")
		}
	})
}

func TestFailedInvitationSendIsRetriedWithTheSameToken(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		failing := true
		var sent []provision.Notification
		proc, err := provision.New(env.Table, f.dir, pepper, provision.Options{Notifier: provision.NotifierFunc(
			func(_ context.Context, n provision.Notification) error {
				if failing {
					return fault.Wrap(errors.New("queue down"), fault.Unavailable, "retry")
				}
				sent = append(sent, n)
				return nil
			})})
		if err != nil {
			t.Fatal(err)
		}
		// The transaction commits, the send fails: the message is retried.
		resp := proc.Handle(context.Background(), quiet, batch(tenantCreate("t1", "acme", at(0))))
		if len(resp.BatchItemFailures) != 1 {
			t.Fatalf("failures = %v, want the message back on the queue", resp.BatchItemFailures)
		}
		if _, err := env.Table.GetTenant(context.Background(), "acme"); err != nil {
			t.Fatalf("tenant after a failed send: %v", err)
		}
		// The redelivery is a duplicate that sends the stored invitation's token.
		failing = false
		resp = proc.Handle(context.Background(), quiet, batch(tenantCreate("t1", "acme", at(0))))
		if len(resp.BatchItemFailures) != 0 || len(sent) != 1 {
			t.Fatalf("failures = %v, sent = %d; want none and one", resp.BatchItemFailures, len(sent))
		}
		if !opaque.Verify(pepper, sent[0].InviteToken, f.storedInviteHash(t, "acme")) {
			t.Fatal("the resent token does not match the stored invitation")
		}
		if want := f.invites(t, "acme")[0]["expiresAt"]; float64(sent[0].ExpiresAt.Unix()) != want {
			t.Errorf("notification expiresAt = %v, stored %v", sent[0].ExpiresAt.Unix(), want)
		}
	})
}
