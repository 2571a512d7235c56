package emulator_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/shared/emulator"
)

// recorder stands in for *testing.T so the skip/fail rules can be observed
// without ending the calling test. Methods it does not override go to the
// embedded real T.
type recorder struct {
	testing.TB
	skipped, failed bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Skip(args ...any)      { r.skipped = true }
func (r *recorder) Fatal(args ...any)     { r.failed = true }
func (r *recorder) Skipf(string, ...any)  { r.skipped = true }
func (r *recorder) Fatalf(string, ...any) { r.failed = true }

func TestDynamoDBListsSetEmulatorsInOrderAndSkipsOrFailsWhenNone(t *testing.T) {
	tests := []struct {
		name         string
		ddb, moto    string
		require      string
		want         []emulator.Endpoint
		skip, failed bool
	}{
		{name: "both set", ddb: "http://127.0.0.1:8000", moto: "http://127.0.0.1:5000",
			want: []emulator.Endpoint{{Name: "dynamodb-local", URL: "http://127.0.0.1:8000"}, {Name: "moto", URL: "http://127.0.0.1:5000"}}},
		{name: "only moto", moto: "http://127.0.0.1:5000",
			want: []emulator.Endpoint{{Name: "moto", URL: "http://127.0.0.1:5000"}}},
		{name: "only dynamodb local, required", ddb: "http://127.0.0.1:8000", require: "1",
			want: []emulator.Endpoint{{Name: "dynamodb-local", URL: "http://127.0.0.1:8000"}}},
		{name: "none skips", skip: true},
		{name: "none with require=0 skips", require: "0", skip: true},
		{name: "none with require=1 fails", require: "1", failed: true},
		{name: "blank values count as unset", ddb: "  ", moto: " ", require: "1", failed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(emulator.EnvDynamoDBLocal, tt.ddb)
			t.Setenv(emulator.EnvMoto, tt.moto)
			t.Setenv(emulator.EnvRequire, tt.require)
			r := &recorder{TB: t}

			got := emulator.DynamoDB(r)

			if r.skipped != tt.skip || r.failed != tt.failed {
				t.Fatalf("skipped=%v failed=%v, want skipped=%v failed=%v", r.skipped, r.failed, tt.skip, tt.failed)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("endpoint %d = %v, want %v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestMotoSkipsOrFailsWhenUnset(t *testing.T) {
	tests := []struct {
		name         string
		moto         string
		require      string
		want         emulator.Endpoint
		skip, failed bool
	}{
		{name: "set", moto: "http://127.0.0.1:5000", want: emulator.Endpoint{Name: "moto", URL: "http://127.0.0.1:5000"}},
		{name: "unset skips", skip: true},
		{name: "unset with require=1 fails", require: "1", failed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(emulator.EnvDynamoDBLocal, "http://127.0.0.1:8000") // must not stand in for moto
			t.Setenv(emulator.EnvMoto, tt.moto)
			t.Setenv(emulator.EnvRequire, tt.require)
			r := &recorder{TB: t}

			got := emulator.Moto(r)

			if r.skipped != tt.skip || r.failed != tt.failed {
				t.Fatalf("skipped=%v failed=%v, want skipped=%v failed=%v", r.skipped, r.failed, tt.skip, tt.failed)
			}
			if got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAWSConfigRejectsEmptyURL(t *testing.T) {
	if _, err := emulator.AWSConfig(context.Background(), ""); err == nil {
		t.Fatal("AWSConfig(\"\") returned no error")
	}
}

func TestAWSConfigPointsAtEmulatorWithDummyCredentials(t *testing.T) {
	cfg, err := emulator.AWSConfig(context.Background(), "http://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Region != "us-east-1" {
		t.Errorf("region = %q, want us-east-1", cfg.Region)
	}
	if cfg.BaseEndpoint == nil || *cfg.BaseEndpoint != "http://127.0.0.1:1" {
		t.Errorf("base endpoint = %v, want http://127.0.0.1:1", cfg.BaseEndpoint)
	}
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if creds.AccessKeyID == "" || creds.SecretAccessKey == "" {
		t.Error("credentials are empty; the SDK would refuse to sign")
	}
	for _, r := range creds.AccessKeyID {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			t.Errorf("access key %q has %q; DynamoDB Local rejects keys that are not letters and digits", creds.AccessKeyID, r)
			break
		}
	}
	if got := cfg.Retryer().MaxAttempts(); got > 3 {
		t.Errorf("max attempts = %d, want at most 3", got)
	}
}

func TestEveryDynamoDBEmulatorAnswersListTables(t *testing.T) {
	for _, ep := range emulator.DynamoDB(t) {
		t.Run(ep.Name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cfg, err := emulator.AWSConfig(ctx, ep.URL)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := dynamodb.NewFromConfig(cfg).ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil {
				t.Fatalf("ListTables on %s (%s): %v", ep.Name, ep.URL, err)
			}
		})
	}
}

// Writing and reading an item goes through DynamoDB Local's native SQLite
// library, which ListTables alone never loads.
func TestEveryDynamoDBEmulatorStoresAndReturnsAnItem(t *testing.T) {
	for _, ep := range emulator.DynamoDB(t) {
		t.Run(ep.Name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cfg, err := emulator.AWSConfig(ctx, ep.URL)
			if err != nil {
				t.Fatal(err)
			}
			db := dynamodb.NewFromConfig(cfg)
			// Other packages' tests share the emulators; a unique name keeps
			// this table out of their way.
			table := fmt.Sprintf("emulator-test-%d", time.Now().UnixNano())
			if _, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
				TableName:            aws.String(table),
				AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
				KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
				BillingMode:          types.BillingModePayPerRequest,
			}); err != nil {
				t.Fatalf("CreateTable: %v", err)
			}
			t.Cleanup(func() {
				_, _ = db.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(table)})
			})
			key := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "k1"}}
			item := map[string]types.AttributeValue{
				"pk":   &types.AttributeValueMemberS{Value: "k1"},
				"name": &types.AttributeValueMemberS{Value: "Ada"},
			}
			if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
				t.Fatalf("PutItem: %v", err)
			}
			out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key, ConsistentRead: aws.Bool(true)})
			if err != nil {
				t.Fatalf("GetItem: %v", err)
			}
			name, ok := out.Item["name"].(*types.AttributeValueMemberS)
			if !ok || name.Value != "Ada" {
				t.Fatalf("GetItem returned %v, want name=Ada", out.Item)
			}
		})
	}
}
