// Command authorizer is the HTTP API's Lambda authorizer: it verifies the
// API key or access token in a request and hands the tenant, user and roles
// to the function that serves the route.
package main

import (
	"context"
	"fmt"
	"os"
	"sync"

	"github.com/aws/aws-lambda-go/lambda"

	"roster/shared/auth"
	"roster/shared/platform"
	"roster/shared/web"
)

func main() {
	cfg, err := platform.ConfigFromEnv(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "authorizer:", err)
		os.Exit(1)
	}
	// Built on the first request, once per container, so process start
	// makes no network calls; a failed build is retried next time.
	var (
		mu    sync.Mutex
		authn *auth.Authenticator
	)
	get := func(ctx context.Context) (*auth.Authenticator, error) {
		mu.Lock()
		defer mu.Unlock()
		if authn != nil {
			return authn, nil
		}
		p, err := platform.New(ctx, os.Getenv, os.Stdout)
		if err != nil {
			return nil, err
		}
		if authn, err = p.Authenticator(); err != nil {
			return nil, err
		}
		return authn, nil
	}
	lambda.Start(auth.GatewayAuthorizer(get, web.NewLogger(os.Stdout, cfg.LogLevel)))
}
