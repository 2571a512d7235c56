// Package lambdahttp turns an endpoint group's http.Handler into a Lambda
// handler for API Gateway HTTP API (payload format 2.0) events, so the same
// handler serves Lambda, the local server and httptest.
package lambdahttp

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"roster/shared/fault"
	"roster/shared/web"
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

// errStarting is what a caller learns while the function cannot serve: a
// retryable 503, never the cause (which the start-up logs).
var errStarting = fault.New(fault.Unavailable, "The service is starting; retry shortly.")

// Serve returns the Lambda handler of a function whose group get returns:
// the handler built during init or, when that build failed, a retry of it
// (platform.Ready). While no build succeeds, each event is answered 503 in
// the group's own error shape (errw), with a request id and an access log
// line, so the caller gets a clean, retryable answer and the container
// lives to retry on the next event.
func Serve(get func(ctx context.Context) (Handler, error), errw web.ErrorWriter, log *slog.Logger) Handler {
	unavailable := New(web.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		errw(w, r, errStarting)
	}), log, errw))
	return func(ctx context.Context, event events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		h, err := get(ctx)
		if err != nil {
			return unavailable(ctx, event)
		}
		return h(ctx, event)
	}
}
