// Package emulator owns how tests find the AWS emulators that stand in for
// DynamoDB and Secrets Manager: DynamoDB Local and moto_server, started by
// scripts/test.sh inside a private network namespace and named through
// environment variables. It also builds the aws.Config that points the real
// SDK clients at them, so store tests exercise the same code that runs in AWS.
package emulator

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// The environment variables scripts/test.sh exports for the emulators it runs.
const (
	// EnvDynamoDBLocal holds the URL of DynamoDB Local, e.g. http://127.0.0.1:8000.
	EnvDynamoDBLocal = "ROSTER_DDBLOCAL_ENDPOINT"
	// EnvMoto holds the URL of moto_server, e.g. http://127.0.0.1:5000.
	EnvMoto = "ROSTER_MOTO_ENDPOINT"
	// EnvRequire, when true ("1"), turns a missing emulator into a test
	// failure instead of a skip, so CI cannot pass by skipping store tests.
	EnvRequire = "ROSTER_REQUIRE_EMULATORS"
)

// Names of the emulators, as they appear in Endpoint.Name and subtest names.
const (
	// NameDynamoDBLocal is AWS's DynamoDB Local.
	NameDynamoDBLocal = "dynamodb-local"
	// NameMoto is moto_server.
	NameMoto = "moto"
)

// Region is the region every emulator client uses.
const Region = "us-east-1"

// Endpoint is a running DynamoDB-compatible emulator.
type Endpoint struct {
	// Name is NameDynamoDBLocal or NameMoto; use it to name subtests.
	Name string
	// URL is the emulator's base URL, e.g. http://127.0.0.1:8000.
	URL string
}

// DynamoDB returns the emulators named by ROSTER_DDBLOCAL_ENDPOINT
// ("dynamodb-local") and ROSTER_MOTO_ENDPOINT ("moto"), in that order, that
// are set. When none is set it calls t.Skip, unless ROSTER_REQUIRE_EMULATORS=1,
// in which case it calls t.Fatal.
//
// Store tests run their whole contract against each endpoint, because the two
// emulators differ in small ways and AWS is stricter than either.
func DynamoDB(t testing.TB) []Endpoint {
	t.Helper()
	var eps []Endpoint
	for _, c := range []struct{ name, env string }{
		{NameDynamoDBLocal, EnvDynamoDBLocal},
		{NameMoto, EnvMoto},
	} {
		if url := lookup(c.env); url != "" {
			eps = append(eps, Endpoint{Name: c.name, URL: url})
		}
	}
	if len(eps) == 0 {
		missing(t, fmt.Sprintf("no DynamoDB emulator: set %s and/or %s (scripts/test.sh does)", EnvDynamoDBLocal, EnvMoto))
		return nil
	}
	return eps
}

// Moto returns the moto endpoint (for Secrets Manager/SQS tests), with the
// same rule as DynamoDB: when ROSTER_MOTO_ENDPOINT is unset it calls t.Skip,
// or t.Fatal if ROSTER_REQUIRE_EMULATORS=1.
func Moto(t testing.TB) Endpoint {
	t.Helper()
	url := lookup(EnvMoto)
	if url == "" {
		missing(t, fmt.Sprintf("no moto emulator: set %s (scripts/test.sh does)", EnvMoto))
		return Endpoint{}
	}
	return Endpoint{Name: NameMoto, URL: url}
}

// AWSConfig returns an aws.Config for an emulator at url: region us-east-1,
// static dummy credentials, the base endpoint of every service set to url,
// and bounded retries and timeouts so a wedged emulator fails a test quickly
// instead of hanging it. Shared config files (~/.aws) are not read, so a
// developer's profile can never send test traffic to a real account.
//
// The dummy access key is letters and digits only: DynamoDB Local (2.0 and
// later) answers UnrecognizedClientException to any other key.
func AWSConfig(ctx context.Context, url string) (aws.Config, error) {
	if url == "" {
		return aws.Config{}, fmt.Errorf("emulator aws config: empty endpoint url")
	}
	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithRegion(Region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("rostertest", "rostertestsecret", "")),
		config.WithBaseEndpoint(url),
		config.WithSharedConfigFiles([]string{}),
		config.WithSharedCredentialsFiles([]string{}),
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = 3
				o.MaxBackoff = time.Second
			})
		}),
		// One connection per request: moto's development server closes
		// kept-alive connections under load, and a request lost on a
		// closing connection may already have been applied when the SDK
		// retries it (a retried CreateTable then fails as "already exists").
		config.WithHTTPClient(awshttp.NewBuildableClient().WithTimeout(30*time.Second).
			WithTransportOptions(func(tr *http.Transport) { tr.DisableKeepAlives = true })),
	)
	if err != nil {
		return aws.Config{}, fmt.Errorf("emulator aws config for %s: %w", url, err)
	}
	return cfg, nil
}

func lookup(env string) string {
	return strings.TrimSpace(os.Getenv(env))
}

// missing skips, or fails when emulators are required.
func missing(t testing.TB, msg string) {
	t.Helper()
	if required() {
		t.Fatal(msg + "; " + EnvRequire + " is set")
		return
	}
	t.Skip(msg)
}

func required() bool {
	v, err := strconv.ParseBool(strings.TrimSpace(os.Getenv(EnvRequire)))
	return err == nil && v
}
