// Package lambdahttp turns an endpoint group's http.Handler into a Lambda
// handler for API Gateway HTTP API (payload format 2.0) events, so the same
// handler serves Lambda, the local server and httptest.
package lambdahttp

import (
	"context"
	"fmt"
	"net/http"
	"sync"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
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
