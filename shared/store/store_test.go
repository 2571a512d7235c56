package store

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"roster/shared/fault"
)

func TestCancellationReadsReasonsOrFallsBackToTheMessage(t *testing.T) {
	reason := func(code string) types.CancellationReason { return types.CancellationReason{Code: aws.String(code)} }
	tests := []struct {
		name   string
		err    error
		want   []string
		wantOK bool
	}{
		{
			name: "cancellation reasons",
			err: &types.TransactionCanceledException{CancellationReasons: []types.CancellationReason{
				reason("None"), reason("ConditionalCheckFailed"), {}, reason("TransactionConflict"),
			}},
			want:   []string{"None", "ConditionalCheckFailed", "None", "TransactionConflict"},
			wantOK: true,
		},
		{
			name: "reasons win over the message",
			err: &types.TransactionCanceledException{
				Message:             aws.String("Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed]"),
				CancellationReasons: []types.CancellationReason{reason("None")},
			},
			want:   []string{"None"},
			wantOK: true,
		},
		{
			name: "message only",
			err: &types.TransactionCanceledException{Message: aws.String(
				"Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]")},
			want:   []string{"None", "ConditionalCheckFailed"},
			wantOK: true,
		},
		{
			name: "wrapped, message only",
			err: fmt.Errorf("create user u1: %w", &types.TransactionCanceledException{Message: aws.String(
				"Transaction cancelled, please refer cancellation reasons for specific reasons [None,ConditionalCheckFailed, None]")}),
			want:   []string{"None", "ConditionalCheckFailed", "None"},
			wantOK: true,
		},
		{
			name:   "no reasons at all",
			err:    &types.TransactionCanceledException{Message: aws.String("Transaction cancelled")},
			wantOK: true,
		},
		{name: "another error", err: &types.ConditionalCheckFailedException{}},
		{name: "plain error", err: errors.New("boom")},
		{name: "nil", err: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := cancellation(tt.err)
			if ok != tt.wantOK || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("cancellation = %q, %v; want %q, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestFailedItemsListsOnlyConditionFailures(t *testing.T) {
	got := failedItems([]string{"None", "ConditionalCheckFailed", "TransactionConflict", "ConditionalCheckFailed"})
	if want := []int{1, 3}; !reflect.DeepEqual(got, want) {
		t.Errorf("failedItems = %v, want %v", got, want)
	}
	if got := failedItems([]string{"None", "TransactionConflict"}); len(got) != 0 {
		t.Errorf("failedItems without condition failures = %v, want none", got)
	}
}

// TestATableAnsweringAnHTMLErrorPageIsUnavailableNotInternal drives the
// real SDK client against an endpoint that answers as a crashed emulator
// or a broken proxy does: a 500 with an HTML page and no error code.
func TestATableAnsweringAnHTMLErrorPageIsUnavailableNotInternal(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte("<html><body>RuntimeError: dictionary changed size during iteration</body></html>"))
	}))
	defer srv.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close() // nothing listens there any more
	for name, url := range map[string]string{"html 500": srv.URL, "connection refused": closed.URL} {
		t.Run(name, func(t *testing.T) {
			db := dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), RetryMaxAttempts: 1,
				Credentials: aws.AnonymousCredentials{}})
			_, err := New(db, "roster").GetUser(context.Background(), "t1", "u1")
			if code := fault.CodeOf(err); code != fault.Unavailable {
				t.Fatalf("code %s, want unavailable (err: %v)", code, err)
			}
		})
	}
}

func TestTranslateCodesRetryableFailuresUnavailableAndTheRestInternal(t *testing.T) {
	secret := "dial tcp 10.0.0.7:443: arn:aws:dynamodb:us-east-1:123456789012:table/roster"
	api := func(code string) error { return &smithy.GenericAPIError{Code: code, Message: secret} }
	tests := []struct {
		name string
		err  error
		want fault.Code
	}{
		{"throttling", api("ThrottlingException"), fault.Unavailable},
		{"throughput exceeded", &types.ProvisionedThroughputExceededException{Message: aws.String(secret)}, fault.Unavailable},
		{"request limit", api("RequestLimitExceeded"), fault.Unavailable},
		{"transaction conflict", &types.TransactionConflictException{Message: aws.String(secret)}, fault.Unavailable},
		{"transaction in progress", api("TransactionInProgressException"), fault.Unavailable},
		{"internal server error", &types.InternalServerError{Message: aws.String(secret)}, fault.Unavailable},
		{"wrapped throttling", fmt.Errorf("op: %w", api("ThrottlingException")), fault.Unavailable},
		{"cancellation without a condition failure", &types.TransactionCanceledException{
			Message:             aws.String(secret),
			CancellationReasons: []types.CancellationReason{{Code: aws.String("TransactionConflict")}},
		}, fault.Unavailable},
		{"cancellation by throttling, reasons in the message only", &types.TransactionCanceledException{Message: aws.String(
			"Transaction cancelled, please refer cancellation reasons for specific reasons [None, ThrottlingError]")}, fault.Unavailable},
		{"cancellation by a validation error", &types.TransactionCanceledException{
			Message:             aws.String(secret),
			CancellationReasons: []types.CancellationReason{{Code: aws.String("None")}, {Code: aws.String("ValidationError")}},
		}, fault.Internal},
		{"cancellation by a condition the caller did not handle", &types.TransactionCanceledException{
			Message:             aws.String(secret),
			CancellationReasons: []types.CancellationReason{{Code: aws.String("ConditionalCheckFailed")}},
		}, fault.Internal},
		{"validation", api("ValidationException"), fault.Internal},
		{"missing table", &types.ResourceNotFoundException{Message: aws.String(secret)}, fault.Internal},
		{"arbitrary error", errors.New(secret), fault.Internal},
		{"a 5xx without a code", &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 500}}, Err: errors.New(secret)}}, fault.Unavailable},
		{"a 4xx without a code", &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 400}}, Err: errors.New(secret)}}, fault.Internal},
		{"connection refused", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New(secret)}, fault.Unavailable},
		{"retries spent", &retry.MaxAttemptsError{Attempt: 3, Err: errors.New(secret)}, fault.Unavailable},
		{"out of time", fmt.Errorf("%s: %w", secret, context.DeadlineExceeded), fault.Unavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := translate(tt.err, "get user u1")
			f := fault.As(err)
			if f.Code != tt.want {
				t.Fatalf("code = %q, want %q (err: %v)", f.Code, tt.want, err)
			}
			if strings.Contains(f.Message, "10.0.0.7") || strings.Contains(f.Message, "arn:") || f.Message == "" {
				t.Errorf("Message = %q: want a caller-safe message without internal detail", f.Message)
			}
			if len(f.Fields) != 0 {
				t.Errorf("Fields = %v, want none", f.Fields)
			}
			// The cause and the operation stay available to the logs.
			if !errors.Is(err, tt.err) {
				t.Errorf("translated error %v lost its cause", err)
			}
			if !strings.Contains(err.Error(), "get user u1") {
				t.Errorf("translated error %q does not name the operation", err)
			}
		})
	}
}

func TestTranslateKeepsCodedErrorsAndNil(t *testing.T) {
	if err := translate(nil, "op"); err != nil {
		t.Errorf("translate(nil) = %v, want nil", err)
	}
	coded := fault.New(fault.Conflict, "The user already exists.")
	if err := translate(coded, "op"); err != coded {
		t.Errorf("translate(coded) = %v, want the same error", err)
	}
	wrapped := fmt.Errorf("ctx: %w", coded)
	if err := translate(wrapped, "op"); err != wrapped {
		t.Errorf("translate(wrapped coded) = %v, want the same error", err)
	}
}
