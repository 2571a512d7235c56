// Package storetest gives tests a fresh Roster table on a real emulator,
// created from template.yaml's own definition, so store and handler tests
// run the same SDK calls that run in AWS.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	"roster/shared/auth"
	"roster/shared/emulator"
	"roster/shared/opaque"
	"roster/shared/samtemplate"
	"roster/shared/store"
	"roster/shared/tenant"
)

// Env is a fresh table on one emulator.
type Env struct {
	Emulator string           // emulator name, for subtest names
	DB       *dynamodb.Client // raw client, for assertions on stored items
	Table    *store.Table     // the store under test, counting usage
	// Streams reads the table's stream (template.yaml turns it on), for
	// the change feed's tests.
	Streams *dynamodbstreams.Client
}

// Each runs fn as a subtest against a fresh table on every available
// DynamoDB emulator (skipping, or failing in CI, when there is none).
func Each(t *testing.T, fn func(t *testing.T, env Env)) {
	t.Helper()
	for _, ep := range emulator.DynamoDB(t) {
		t.Run(ep.Name, func(t *testing.T) {
			fn(t, New(t, ep))
		})
	}
}

// New creates a uniquely named table on the emulator and deletes it when the
// test ends.
func New(t testing.TB, ep emulator.Endpoint) Env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cfg, err := emulator.AWSConfig(ctx, ep.URL)
	if err != nil {
		t.Fatalf("aws config for %s: %v", ep.Name, err)
	}
	// DynamoDB Local sends error responses without the CRC32 header, and
	// the SDK then logs a spurious checksum warning for each; AWS sends it.
	db := dynamodb.NewFromConfig(cfg, store.CountUsage, func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true })
	tpl, err := samtemplate.Load(TemplatePath(t))
	if err != nil {
		t.Fatalf("load template: %v", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "roster-test-" + hex.EncodeToString(b[:])
	in, err := tpl.TableInput("Table", name)
	if err != nil {
		t.Fatalf("table input: %v", err)
	}
	if err := store.CreateTable(ctx, db, in, tpl.TTLAttribute("Table")); err != nil {
		t.Fatalf("create table on %s: %v", ep.Name, err)
	}
	t.Cleanup(func() {
		_, _ = db.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: &name})
	})
	return Env{Emulator: ep.Name, DB: db, Table: store.New(db, name), Streams: dynamodbstreams.NewFromConfig(cfg)}
}

// TemplatePath finds template.yaml at the module root.
func TemplatePath(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "template.yaml")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("template.yaml: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Tenant creates an active tenant and returns it.
func (e Env) Tenant(t testing.TB, id string) *tenant.Tenant {
	t.Helper()
	tn := &tenant.Tenant{ID: id, Organization: "org-" + id, Name: id, Active: true, CreatedAt: time.Now()}
	if err := e.Table.CreateTenant(context.Background(), tn); err != nil {
		t.Fatalf("create tenant %s: %v", id, err)
	}
	return tn
}

// APIKey creates an API key for the tenant, stored as its HMAC under pepper,
// and returns the token a caller would send.
func (e Env) APIKey(t testing.TB, tenantID string, pepper []byte) string {
	t.Helper()
	k, err := opaque.APIKey.Generate()
	if err != nil {
		t.Fatal(err)
	}
	err = e.Table.PutAPIKey(context.Background(), &auth.APIKey{
		ID: k.ID, TenantID: tenantID, Name: "test", Hash: opaque.Hash(pepper, k.Token), CreatedAt: time.Now(),
	})
	if err != nil {
		t.Fatalf("put api key: %v", err)
	}
	return k.Token
}

// Count returns how many items the table holds: tests use it to show that
// rejected input wrote nothing. A scan is fine here; it is never used in a
// request path.
func (e Env) Count(t testing.TB) int {
	t.Helper()
	out, err := e.DB.Scan(context.Background(), &dynamodb.ScanInput{TableName: stringPtr(e.Table.Name()), Select: "COUNT"})
	if err != nil {
		t.Fatalf("count items: %v", err)
	}
	return int(out.Count)
}

func stringPtr(s string) *string { return &s }

// StreamARN returns the ARN of the table's stream.
func (e Env) StreamARN(t testing.TB) string {
	t.Helper()
	out, err := e.DB.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(e.Table.Name())})
	if err != nil {
		t.Fatalf("describe table: %v", err)
	}
	if out.Table.LatestStreamArn == nil {
		t.Fatal("the table has no stream")
	}
	return *out.Table.LatestStreamArn
}
