package auth

import (
	"context"
	"log/slog"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"roster/shared/fault"
)

// GatewayAuthorizer is the HTTP API Lambda authorizer (payload 2.0, simple
// responses) around an Authenticator.
//
// It lets every request through and says in the context who, if anyone,
// the credential proved. API Gateway would answer a denial itself, with its
// own body ({"message":"Forbidden"}), and HTTP APIs cannot reshape that; the
// functions refuse unauthenticated calls instead, in each API dialect's own
// error shape. A store failure is returned as an error, which API Gateway
// turns into a 500 rather than letting the request through unverified.
func GatewayAuthorizer(get func(ctx context.Context) (*Authenticator, error), log *slog.Logger) func(context.Context, events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
	return func(ctx context.Context, req events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
		a, err := get(ctx)
		if err != nil {
			return events.APIGatewayV2CustomAuthorizerSimpleResponse{}, err
		}
		header := ""
		for k, v := range req.Headers {
			if strings.EqualFold(k, "authorization") {
				header = v
			}
		}
		p, err := a.Authenticate(ctx, header)
		switch {
		case err == nil:
			return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: true, Context: p.Context()}, nil
		case fault.CodeOf(err) == fault.Unauthorized:
			if header != "" {
				log.InfoContext(ctx, "credential rejected", slog.String("route", req.RouteKey), slog.String("reason", err.Error()))
			}
			return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: true, Context: map[string]any{"method": ""}}, nil
		default:
			log.ErrorContext(ctx, "authorizer failed", slog.String("route", req.RouteKey), slog.String("error", err.Error()))
			return events.APIGatewayV2CustomAuthorizerSimpleResponse{}, err
		}
	}
}
