package store

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/shared/fault"
	"roster/shared/user"
)

// fakeDB answers TransactWriteItems with a function; any other call panics
// on the nil embedded API.
type fakeDB struct {
	API
	transact func(in *dynamodb.TransactWriteItemsInput) error
}

func (f *fakeDB) TransactWriteItems(_ context.Context, in *dynamodb.TransactWriteItemsInput, _ ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	return &dynamodb.TransactWriteItemsOutput{}, f.transact(in)
}

// cancelled returns the cancellation DynamoDB sends for reasons given per
// item of the create transaction (tenant check, user, email, username,
// number, membership, account), either as CancellationReasons or only in
// the message.
func cancelled(inMessage bool, codes ...string) error {
	if inMessage {
		return &types.TransactionCanceledException{Message: aws.String(
			"Transaction cancelled, please refer cancellation reasons for specific reasons [" + strings.Join(codes, ", ") + "]")}
	}
	reasons := make([]types.CancellationReason, len(codes))
	for i, c := range codes {
		reasons[i] = types.CancellationReason{Code: aws.String(c)}
	}
	return &types.TransactionCanceledException{Message: aws.String("Transaction cancelled"), CancellationReasons: reasons}
}

// Emulators always send CancellationReasons, so the message form of each
// outcome is only reachable here.
func TestCreateUserMapsEachCancelledItemToItsCode(t *testing.T) {
	const (
		none = "None"
		ccf  = "ConditionalCheckFailed"
	)
	tests := []struct {
		name  string
		codes []string
		want  fault.Code
		field string
		calls int // a cancellation by a concurrent transaction is retried
	}{
		{"tenant missing or inactive", []string{ccf, none, none, none, none, none, none}, fault.NotFound, "", 1},
		{"user id taken", []string{none, ccf, none, none, none, none, none}, fault.Conflict, "", 1},
		{"email taken", []string{none, none, ccf, none, none, none, none}, fault.Conflict, "email", 1},
		{"username taken", []string{none, none, none, ccf, none, none, none}, fault.Conflict, "username", 1},
		{"email and username taken", []string{none, none, ccf, ccf, none, none, none}, fault.Conflict, "email", 1},
		{"person already a member", []string{none, none, none, none, none, ccf, none}, fault.Conflict, "", 1},
		{"concurrent transaction", []string{none, none, "TransactionConflict", none, none, none, none}, fault.Unavailable, "", maxConflictTries},
		{"invalid item", []string{none, "ValidationError", none, none, none, none, none}, fault.Internal, "", 1},
	}
	for _, form := range []struct {
		name      string
		inMessage bool
	}{{"reasons", false}, {"message", true}} {
		for _, tt := range tests {
			t.Run(form.name+"/"+tt.name, func(t *testing.T) {
				calls := 0
				tb := New(&fakeDB{transact: func(*dynamodb.TransactWriteItemsInput) error {
					calls++
					return cancelled(form.inMessage, tt.codes...)
				}}, "roster")
				err := tb.CreateUser(context.Background(), &user.User{TenantID: "t1", ID: "u1", Username: "ada", Email: "ada@example.com", CreatedAt: time.Now()})
				f := fault.As(err)
				if f.Code != tt.want {
					t.Fatalf("code = %q, want %q (err: %v)", f.Code, tt.want, err)
				}
				var fields []string
				for _, fe := range f.Fields {
					fields = append(fields, fe.Field)
				}
				if tt.field == "" && len(fields) != 0 || tt.field != "" && (len(fields) != 1 || fields[0] != tt.field) {
					t.Errorf("fields = %v, want %q", fields, tt.field)
				}
				if calls != tt.calls {
					t.Errorf("TransactWriteItems calls = %d, want %d", calls, tt.calls)
				}
				var tce *types.TransactionCanceledException
				if !errors.As(err, &tce) {
					t.Errorf("error %v does not keep the cancellation as its cause", err)
				}
			})
		}
	}
}

func TestCreateUserGivesUpAfterMaxNumberDraws(t *testing.T) {
	var numbers []int64
	tb := New(&fakeDB{transact: func(in *dynamodb.TransactWriteItemsInput) error {
		// The number marker is the last item; record the number it reserves.
		sk := in.TransactItems[createNumber].Put.Item[attrSK].(*types.AttributeValueMemberS).Value
		n, err := strconv.ParseInt(strings.TrimPrefix(sk, "NUMBER#"), 10, 64)
		if err != nil {
			t.Fatalf("number marker %q: %v", sk, err)
		}
		numbers = append(numbers, n)
		return cancelled(false, "None", "None", "None", "None", "ConditionalCheckFailed", "None", "None")
	}}, "roster")
	u := &user.User{TenantID: "t1", ID: "u1", Username: "ada", Email: "ada@example.com", Number: 42, CreatedAt: time.Now()}
	err := tb.CreateUser(context.Background(), u)
	if fault.CodeOf(err) != fault.Conflict {
		t.Fatalf("error = %v, want conflict", err)
	}
	if len(numbers) != maxNumberDraws {
		t.Fatalf("draws = %d, want %d", len(numbers), maxNumberDraws)
	}
	seen := map[int64]bool{}
	for _, n := range numbers {
		seen[n] = true
	}
	if numbers[0] != 42 || len(seen) != maxNumberDraws {
		t.Errorf("numbers tried = %v, want 42 first, then fresh numbers each time", numbers)
	}
}
