package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// queue is the provisioning queue, as the generator uses it.
type queue struct {
	send    func(ctx context.Context, body string) error
	backlog func(ctx context.Context) (int, error)
}

// newQueueSender returns the queue at queueURL: sending one message, and
// counting the messages not yet consumed (visible and in flight). local is for the local stack's queue (named by its demo file):
// the queue URL's own origin is the endpoint and the credentials are the
// stack's dummy ones. Otherwise the SDK's usual configuration applies (the
// environment, ~/.aws), with endpoint when it is set.
//
// Sends are not retried: a failed send is a failure to count, not to hide.
func newQueueSender(ctx context.Context, queueURL, endpoint string, local bool, timeout time.Duration) (queue, error) {
	u, err := url.Parse(queueURL)
	if err != nil || u.Host == "" {
		return queue{}, fmt.Errorf("queue URL %q: want https://sqs.<region>.amazonaws.com/<account>/<name> or the local stack's", queueURL)
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
		return queue{}, fmt.Errorf("aws configuration for the queue: %w", err)
	}
	client := sqs.NewFromConfig(cfg)
	send := func(ctx context.Context, body string) error {
		_, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(queueURL), MessageBody: aws.String(body)})
		return err
	}
	backlog := func(ctx context.Context) (int, error) {
		out, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(queueURL),
			AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages, sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
		if err != nil {
			return 0, err
		}
		n := 0
		for _, v := range out.Attributes {
			c, _ := strconv.Atoi(v)
			n += c
		}
		return n, nil
	}
	return queue{send: send, backlog: backlog}, nil
}

// regionOf reads the region from an SQS host, sqs.<region>.amazonaws.com.
func regionOf(host string) string {
	parts := strings.Split(host, ".")
	if len(parts) >= 4 && parts[0] == "sqs" {
		return parts[1]
	}
	return ""
}
