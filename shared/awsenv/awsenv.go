// Package awsenv builds the AWS SDK configuration a Lambda function runs
// with from the variables Lambda sets, for functions that need no more of
// the composition root (package platform) than that, such as the mailer.
package awsenv

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Config builds the SDK configuration from the variables Lambda sets
// (region and the execution role's credentials) and AWS_ENDPOINT_URL, which
// is how the local stack points functions at its emulators. The SDK's
// config.LoadDefaultConfig would also do this, but it links the SSO, STS
// and instance-metadata clients a Lambda function never uses, about 2 MB of
// the binary budget.
func Config(getenv func(string) string) aws.Config {
	region := getenv("AWS_REGION")
	if region == "" {
		region = getenv("AWS_DEFAULT_REGION")
	}
	cfg := aws.Config{
		Region: region,
		Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(
			getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"), getenv("AWS_SESSION_TOKEN"))),
		RetryMaxAttempts: 3,
	}
	if url := getenv("AWS_ENDPOINT_URL"); url != "" {
		cfg.BaseEndpoint = aws.String(url)
	}
	return cfg
}
