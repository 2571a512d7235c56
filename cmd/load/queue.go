package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// newQueueSender returns a function that sends one message to the queue at
// queueURL. local is for the local stack's queue (named by its demo file):
// the queue URL's own origin is the endpoint and the credentials are the
// stack's dummy ones. Otherwise the SDK's usual configuration applies (the
// environment, ~/.aws), with endpoint when it is set.
//
// Sends are not retried: a failed send is a failure to count, not to hide.
func newQueueSender(ctx context.Context, queueURL, endpoint string, local bool, timeout time.Duration) (func(context.Context, string) error, error) {
	u, err := url.Parse(queueURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("queue URL %q: want https://sqs.<region>.amazonaws.com/<account>/<name> or the local stack's", queueURL)
	}
	opts := []func(*awsconfig.LoadOptions) error{
		awsconfig.WithRetryMaxAttempts(1),
		awsconfig.WithHTTPClient(awshttp.NewBuildableClient().WithTimeout(timeout)),
	}
	if local {
		if endpoint == "" {
			endpoint = u.Scheme + "://" + u.Host
		}
		opts = append(opts,
			awsconfig.WithRegion("us-east-1"),
			awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")),
			awsconfig.WithSharedConfigFiles([]string{}), awsconfig.WithSharedCredentialsFiles([]string{}),
			// moto's development server drops kept-alive connections
			// under load; a fresh one per send costs a loopback handshake.
			awsconfig.WithHTTPClient(awshttp.NewBuildableClient().WithTimeout(timeout).
				WithTransportOptions(func(tr *http.Transport) { tr.DisableKeepAlives = true })),
		)
	} else if region := regionOf(u.Host); region != "" && os.Getenv("AWS_REGION") == "" {
		opts = append(opts, awsconfig.WithRegion(region))
	}
	if endpoint != "" {
		opts = append(opts, awsconfig.WithBaseEndpoint(endpoint))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("aws configuration for the queue: %w", err)
	}
	client := sqs.NewFromConfig(cfg)
	return func(ctx context.Context, body string) error {
		_, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(queueURL), MessageBody: aws.String(body)})
		return err
	}, nil
}

// regionOf reads the region from an SQS host, sqs.<region>.amazonaws.com.
func regionOf(host string) string {
	parts := strings.Split(host, ".")
	if len(parts) >= 4 && parts[0] == "sqs" {
		return parts[1]
	}
	return ""
}
