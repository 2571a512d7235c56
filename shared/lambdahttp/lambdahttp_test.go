package lambdahttp_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"roster/shared/lambdahttp"
	"roster/shared/web"
)

// TestServeAnswersUnavailableWhileGetFails: an event that finds no
// handler (the start failed, and so did this event's retry) is answered 503
// through the group's error writer, without the cause; once get succeeds,
// its handler serves.
func TestServeAnswersUnavailableWhileGetFails(t *testing.T) {
	built := false
	get := func(context.Context) (lambdahttp.Handler, error) {
		if !built {
			return nil, errors.New("secrets unavailable")
		}
		return lambdahttp.New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })), nil
	}
	h := lambdahttp.Serve(get, web.WriteProblem, web.NewLogger(io.Discard, "info"))
	ev := events.APIGatewayV2HTTPRequest{RawPath: "/", RequestContext: events.APIGatewayV2HTTPRequestContext{
		HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: "/"},
	}}
	res, err := h(context.Background(), ev)
	if err != nil || res.StatusCode != http.StatusServiceUnavailable || res.Headers["Content-Type"] != web.ProblemContentType ||
		strings.Contains(res.Body, "secrets unavailable") {
		t.Fatalf("status %d, headers %v, body %s, error %v; want a 503 problem without the cause", res.StatusCode, res.Headers, res.Body, err)
	}
	built = true
	if res, err := h(context.Background(), ev); err != nil || res.StatusCode != http.StatusNoContent {
		t.Fatalf("status %d, error %v", res.StatusCode, err)
	}
}

func TestNewHandsAPIGatewaysRequestIDToTheHandler(t *testing.T) {
	var got string
	h := lambdahttp.New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Get("X-Request-Id")
		w.WriteHeader(http.StatusNoContent)
	}))
	ev := events.APIGatewayV2HTTPRequest{RawPath: "/", RequestContext: events.APIGatewayV2HTTPRequestContext{
		RequestID: "HJ2mKhVaIAMEbZQ=",
		HTTP:      events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: "/"},
	}}
	if _, err := h(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	if got != "HJ2mKhVaIAMEbZQ=" {
		t.Errorf("X-Request-Id %q, want API Gateway's request id", got)
	}
}
