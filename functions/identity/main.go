// Command identity is the Lambda function of the Identity endpoint group.
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"roster/shared/auth"
	"roster/shared/identity"
	"roster/shared/lambdahttp"
	"roster/shared/platform"
)

func main() {
	if _, err := platform.ConfigFromEnv(os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "identity:", err)
		os.Exit(1)
	}
	// Clients and key material are built on the first event, once per
	// container, so process start makes no network calls.
	lambda.Start(lambdahttp.Lazy(func(ctx context.Context) (http.Handler, error) {
		p, err := platform.New(ctx, os.Getenv, os.Stdout)
		if err != nil {
			return nil, err
		}
		return identity.FromPlatform(p, auth.FromGateway)
	}))
}
