package lambdahttp_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"roster/shared/auth"
	"roster/shared/lambdahttp"
	"roster/shared/platform"
)

// env is a getenv over m.
func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestFromEnvRefusesAFunctionThatCannotRunAtStart(t *testing.T) {
	build := func(*platform.Platform, auth.Middleware) (http.Handler, error) {
		t.Error("built the group at start")
		return nil, nil
	}
	_, err := lambdahttp.FromEnv(env(map[string]string{"LOG_LEVEL": "debug"}), io.Discard, build)
	if err == nil || !strings.Contains(err.Error(), "TABLE_NAME") || !strings.Contains(err.Error(), "SECRET_ID") {
		t.Errorf("error %v; want one naming TABLE_NAME and SECRET_ID", err)
	}
}

// TestFromEnvBuildsNothingBeforeTheFirstEvent holds the start-up budget:
// with a valid configuration nothing is built, so nothing is fetched,
// until an event arrives.
func TestFromEnvBuildsNothingBeforeTheFirstEvent(t *testing.T) {
	build := func(*platform.Platform, auth.Middleware) (http.Handler, error) {
		t.Error("built the group at start")
		return nil, nil
	}
	h, err := lambdahttp.FromEnv(env(map[string]string{"TABLE_NAME": "roster", "SECRET_ID": "roster-keys"}), io.Discard, build)
	if err != nil || h == nil {
		t.Fatalf("handler %v, error %v", h != nil, err)
	}
}

func TestLazyBuildsOnceAndRetriesAFailedBuild(t *testing.T) {
	builds := 0
	h := lambdahttp.Lazy(func(context.Context) (http.Handler, error) {
		builds++
		if builds == 1 {
			return nil, errors.New("secrets unavailable")
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }), nil
	})
	ev := events.APIGatewayV2HTTPRequest{RawPath: "/", RequestContext: events.APIGatewayV2HTTPRequestContext{
		HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: "/"},
	}}
	if _, err := h(context.Background(), ev); err == nil || !strings.Contains(err.Error(), "secrets unavailable") {
		t.Fatalf("first event: %v; want the build error", err)
	}
	for range 2 {
		res, err := h(context.Background(), ev)
		if err != nil || res.StatusCode != http.StatusNoContent {
			t.Fatalf("status %d, error %v", res.StatusCode, err)
		}
	}
	if builds != 2 {
		t.Errorf("%d builds, want 2: one failed, one kept", builds)
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
