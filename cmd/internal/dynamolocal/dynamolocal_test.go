package dynamolocal_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/cmd/internal/dynamolocal"
	"roster/shared/emulator"
)

// The test binary is also the forwarder Start runs in the namespace.
func TestMain(m *testing.M) {
	dynamolocal.RunIfNamespaced()
	os.Exit(m.Run())
}

func command(t *testing.T) []string {
	t.Helper()
	argv, err := dynamolocal.CommandFromEnv(os.Getenv)
	if err != nil {
		if os.Getenv(emulator.EnvRequire) == "1" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	return argv
}

func start(t *testing.T, o dynamolocal.Options) *dynamolocal.Server {
	t.Helper()
	s, err := dynamolocal.Start(context.Background(), o)
	if errors.Is(err, dynamolocal.ErrNoNamespace) && os.Getenv(emulator.EnvRequire) != "1" {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func client(s *dynamolocal.Server) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: aws.String(dynamolocal.Endpoint),
		HTTPClient:   s.Client(),
	})
}

func createTable(t *testing.T, db *dynamodb.Client) {
	t.Helper()
	_, err := db.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:            aws.String(table),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("PK"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("PK"), KeyType: types.KeyTypeHash}},
	})
	if err != nil {
		t.Fatalf("create table: %v", err)
	}
}

// table is the name the tests create through the socket.
const table = "roster-dynamolocal-probe"

func TestServerIsReachableThroughItsSocketOnlyAndStopsWithClose(t *testing.T) {
	s := start(t, dynamolocal.Options{Command: command(t), Dir: t.TempDir()})
	db := client(s)
	createTable(t, db)
	ctx := context.Background()
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table),
		Item: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "a"}}}); err != nil {
		t.Fatalf("put: %v", err)
	}
	got, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "a"}}})
	if err != nil || got.Item == nil {
		t.Fatalf("get: %v, item %v", err, got)
	}

	// Its tables are not those of the DynamoDB Local beside the tests (on
	// the same port, in the tests' own namespace).
	if outer := os.Getenv(emulator.EnvDynamoDBLocal); outer != "" {
		cfg, err := emulator.AWSConfig(ctx, outer)
		if err != nil {
			t.Fatal(err)
		}
		list, err := dynamodb.NewFromConfig(cfg).ListTables(ctx, &dynamodb.ListTablesInput{})
		if err != nil {
			t.Fatalf("list the outer emulator's tables: %v", err)
		}
		for _, n := range list.TableNames {
			if n == table {
				t.Fatalf("table %s, made through the socket, is in the emulator on %s", table, outer)
			}
		}
	}
	for path, want := range map[string]os.FileMode{filepath.Dir(s.Socket): 0o700, s.Socket: 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s mode %v, want %v", path, fi.Mode().Perm(), want)
		}
	}

	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if _, err := os.Stat(s.Socket); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket still there after Close: %v", err)
	}
	if _, err := client(s).ListTables(context.Background(), &dynamodb.ListTablesInput{}); err == nil {
		t.Error("DynamoDB Local still answers after Close")
	}
}

func TestPersistKeepsTheTableAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	s := start(t, dynamolocal.Options{Command: command(t), Dir: dir, Persist: true})
	createTable(t, client(s))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = start(t, dynamolocal.Options{Command: command(t), Dir: dir, Persist: true})
	defer s.Close()
	if _, err := client(s).DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(table)}); err != nil {
		t.Fatalf("table gone after restart with Persist: %v", err)
	}
}

func TestFreshByDefault(t *testing.T) {
	dir := t.TempDir()
	s := start(t, dynamolocal.Options{Command: command(t), Dir: dir})
	createTable(t, client(s))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = start(t, dynamolocal.Options{Command: command(t), Dir: dir})
	defer s.Close()
	out, err := client(s).ListTables(context.Background(), &dynamodb.ListTablesInput{})
	if err != nil || len(out.TableNames) != 0 {
		t.Fatalf("a fresh start lists %v (%v), want no table", out, err)
	}
}

func TestStartSaysWhyWhenDynamoDBLocalCannotRun(t *testing.T) {
	_, err := dynamolocal.Start(context.Background(), dynamolocal.Options{Command: []string{"false"}, Dir: t.TempDir(), StartTimeout: 20 * time.Second})
	if errors.Is(err, dynamolocal.ErrNoNamespace) {
		t.Skip(err)
	}
	if err == nil || !strings.Contains(err.Error(), "exited") {
		t.Fatalf("err = %v, want one saying DynamoDB Local exited", err)
	}
}

func TestCommandFromEnvNamesTheFix(t *testing.T) {
	_, err := dynamolocal.CommandFromEnv(func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "make tools") {
		t.Fatalf("err = %v", err)
	}
	got, err := dynamolocal.CommandFromEnv(func(string) string { return "java\n-jar\nx.jar\n" })
	if err != nil || strings.Join(got, " ") != "java -jar x.jar" {
		t.Fatalf("got %q, %v", got, err)
	}
}

// TestAnEarlierInstanceEndingLateLeavesTheNextAlone: a server killed just
// before the next one starts in the same folder (as a restart or a test
// script does) must not take the new one's socket or data with it.
func TestAnEarlierInstanceEndingLateLeavesTheNextAlone(t *testing.T) {
	dir := t.TempDir()
	first := start(t, dynamolocal.Options{Command: command(t), Dir: dir})
	createTable(t, client(first))
	second := start(t, dynamolocal.Options{Command: command(t), Dir: dir})
	defer second.Close()
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	out, err := client(second).ListTables(context.Background(), &dynamodb.ListTablesInput{})
	if err != nil {
		t.Fatalf("the second instance stopped answering when the first ended: %v", err)
	}
	if len(out.TableNames) != 0 {
		t.Fatalf("the second instance sees the first one's tables: %v", out.TableNames)
	}
}

// TestInstancesStartedTogetherInOneFolderEachKeepTheirOwn: test scripts
// start several servers side by side with one state folder; neither may
// clean the other's files away, while a folder nobody holds goes.
func TestInstancesStartedTogetherInOneFolderEachKeepTheirOwn(t *testing.T) {
	dir := t.TempDir()
	abandoned := filepath.Join(dir, "run-abandoned")
	if err := os.MkdirAll(abandoned, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(abandoned, "lock"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	servers := make([]*dynamolocal.Server, 2)
	errs := make(chan error, len(servers))
	for i := range servers {
		go func() {
			s, err := dynamolocal.Start(context.Background(), dynamolocal.Options{Command: command(t), Dir: dir})
			servers[i] = s
			errs <- err
		}()
	}
	for range servers {
		if err := <-errs; errors.Is(err, dynamolocal.ErrNoNamespace) {
			t.Skip(err)
		} else if err != nil {
			t.Fatal(err)
		}
	}
	for i, s := range servers {
		defer s.Close()
		if _, err := client(s).ListTables(context.Background(), &dynamodb.ListTablesInput{}); err != nil {
			t.Errorf("server %d: %v", i, err)
		}
	}
	if _, err := os.Stat(abandoned); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a folder whose lock nobody holds is still there: %v", err)
	}
}
