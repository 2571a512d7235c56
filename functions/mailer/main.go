// Command mailer is the Lambda function that sends Roster's mail: it
// consumes the notifications queue, renders each message with the
// tenant's templates in the person's language, and sends it through
// Amazon SES v2.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"roster/shared/awsenv"
	"roster/shared/mail"
	"roster/shared/mail/ses"
	"roster/shared/web"
)

// Everything is built before the first poll; it reads no secret and no
// table. A configuration error exits 1, so a deployment fails visibly.
func main() {
	cfg, err := mail.ConfigFromEnv(os.Getenv, ses.EnvFrom)
	var r *mail.Renderer
	if err == nil {
		r, err = cfg.Renderer()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "mailer:", err)
		os.Exit(1)
	}
	log := web.NewLogger(os.Stdout, cfg.LogLevel)
	client := sesv2.NewFromConfig(awsenv.Config(os.Getenv))
	p := mail.NewProcessor(r, ses.New(client, os.Getenv(ses.EnvFrom), os.Getenv(ses.EnvConfigurationSet)))
	lambda.Start(func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		return p.Handle(ctx, log, ev), nil
	})
}
