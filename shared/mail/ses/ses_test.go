package ses_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"roster/shared/emulator"
	"roster/shared/mail"
	"roster/shared/mail/ses"
)

// TestSenderSendsThroughSESv2AsAVerifiedIdentityOnly runs the real client
// against moto's SES v2: a mail from a verified domain goes, one from an
// address of no verified identity is refused (so the message is retried,
// then dead-lettered).
func TestSenderSendsThroughSESv2AsAVerifiedIdentityOnly(t *testing.T) {
	ep := emulator.Moto(t)
	cfg, err := emulator.AWSConfig(context.Background(), ep.URL)
	if err != nil {
		t.Fatal(err)
	}
	client := sesv2.NewFromConfig(cfg)
	if _, err := client.CreateEmailIdentity(context.Background(), &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String("verified-roster.example")}); err != nil {
		t.Fatal(err)
	}
	m := mail.Mail{ID: "rrt.id/1", To: "ada@acme.example", Subject: "Set a new password", Text: "text", HTML: "<p>html</p>"}
	if err := ses.New(client, "no-reply@verified-roster.example", "").Send(context.Background(), m); err != nil {
		t.Errorf("from a verified identity: %v", err)
	}
	if err := ses.New(client, "no-reply@unverified-roster.example", "").Send(context.Background(), m); err == nil {
		t.Error("from an unverified identity: sent")
	}
}
