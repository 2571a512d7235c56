// Command accessusers is the Lambda function of the Access User endpoint
// group.
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"roster/shared/accessusers"
	"roster/shared/auth"
	"roster/shared/lambdahttp"
	"roster/shared/platform"
)

func main() {
	if _, err := platform.ConfigFromEnv(os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "accessusers:", err)
		os.Exit(1)
	}
	// Clients and key material are built on the first event, once per
	// container, so process start makes no network calls.
	lambda.Start(lambdahttp.Lazy(func(ctx context.Context) (http.Handler, error) {
		p, err := platform.New(ctx, os.Getenv, os.Stdout)
		if err != nil {
			return nil, err
		}
		return accessusers.FromPlatform(p, auth.FromGateway)
	}))
}
