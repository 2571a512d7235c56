// Package lambdahttp turns an endpoint group's http.Handler into a Lambda
// handler for API Gateway HTTP API (payload format 2.0) events, so the same
// handler serves Lambda, the local server and httptest. It also owns what
// every such function's main does ([Main]).
package lambdahttp

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"roster/shared/auth"
	"roster/shared/platform"
)

// Handler is the Lambda entry point type for HTTP API events.
type Handler func(ctx context.Context, event events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// New adapts h. API Gateway's request id becomes the X-Request-Id the
// handler logs and echoes, so a log line can be found from a response.
func New(h http.Handler) Handler {
	adapter := httpadapter.NewV2(h)
	return func(ctx context.Context, event events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		if id := event.RequestContext.RequestID; id != "" {
			if event.Headers == nil {
				event.Headers = map[string]string{}
			}
			event.Headers["x-request-id"] = id
		}
		return adapter.ProxyWithContext(ctx, event)
	}
}

// Lazy returns a handler that builds the real one on the first event and
// keeps it for the container's life. Building may fetch secrets; doing it
// on first use keeps process start free of network calls, and a failed
// build is retried on the next event instead of killing the container.
func Lazy(build func(ctx context.Context) (http.Handler, error)) Handler {
	var (
		mu sync.Mutex
		h  Handler
	)
	return func(ctx context.Context, event events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		mu.Lock()
		if h == nil {
			built, err := build(ctx)
			if err != nil {
				mu.Unlock()
				return events.APIGatewayV2HTTPResponse{}, fmt.Errorf("init: %w", err)
			}
			h = New(built)
		}
		ready := h
		mu.Unlock()
		return ready(ctx, event)
	}
}

// Build builds an endpoint group from a function's platform; authn
// establishes the caller. Each group's FromPlatform is one.
type Build func(p *platform.Platform, authn auth.Middleware) (http.Handler, error)

// FromEnv returns the Lambda handler of a function that serves an endpoint
// group. The configuration in getenv is checked now, so a function that
// cannot run fails at start. The platform (clients, key material) and the
// group are built on the first event ([Lazy]), with auth.FromGateway: the
// caller is the principal the Lambda authorizer verified.
func FromEnv(getenv func(string) string, logOut io.Writer, build Build) (Handler, error) {
	if _, err := platform.ConfigFromEnv(getenv); err != nil {
		return nil, err
	}
	return Lazy(func(ctx context.Context) (http.Handler, error) {
		p, err := platform.New(ctx, getenv, logOut)
		if err != nil {
			return nil, err
		}
		return build(p, auth.FromGateway)
	}), nil
}

// Main is the main of a function that serves an endpoint group named name
// ("users"): [FromEnv] over the process environment, logging to stdout,
// then lambda.Start. A configuration error ends the process with status 1
// before it polls for an event.
func Main(name string, build Build) {
	h, err := FromEnv(os.Getenv, os.Stdout, build)
	if err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(1)
	}
	lambda.Start(h)
}
