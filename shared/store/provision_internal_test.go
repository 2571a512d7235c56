package store

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/shared/fault"
	"roster/shared/provision"
)

// batchDB answers BatchGetItem from items, leaving the first key of each
// of the first `unprocessed` calls unprocessed, as DynamoDB does under
// load; any other call panics on the nil embedded API.
type batchDB struct {
	API
	items       map[string]map[string]types.AttributeValue // by PK + "|" + SK
	unprocessed int
	calls       int
}

func (f *batchDB) BatchGetItem(_ context.Context, in *dynamodb.BatchGetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	f.calls++
	out := &dynamodb.BatchGetItemOutput{Responses: map[string][]map[string]types.AttributeValue{}, UnprocessedKeys: map[string]types.KeysAndAttributes{}}
	for name, ka := range in.RequestItems {
		keys := ka.Keys
		if f.unprocessed > 0 && len(keys) > 0 {
			f.unprocessed--
			out.UnprocessedKeys[name] = types.KeysAndAttributes{Keys: keys[:1]}
			keys = keys[1:]
		}
		for _, k := range keys {
			pk := k["PK"].(*types.AttributeValueMemberS).Value
			sk := k["SK"].(*types.AttributeValueMemberS).Value
			if it, ok := f.items[pk+"|"+sk]; ok {
				out.Responses[name] = append(out.Responses[name], it)
			}
		}
	}
	return out, nil
}

func TestReadProvisioningAsksAgainForUnprocessedKeys(t *testing.T) {
	marshal := func(v any) map[string]types.AttributeValue {
		m, err := attributevalue.MarshalMap(v)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	db := &batchDB{unprocessed: 3, items: map[string]map[string]types.AttributeValue{
		"TENANT#acme|TENANT": marshal(tenantItem{PK: "TENANT#acme", SK: tenantSK, Type: "tenant", ID: "acme", Active: true}),
		"TENANT#acme|EXTERNAL#e1": marshal(externalItem{PK: "TENANT#acme", SK: "EXTERNAL#e1", Type: "external",
			ExternalID: "e1", UserID: "u1", OccurredAt: 7}),
		"TENANT#acme|" + userSK("u1"): marshal(userItem{PK: "TENANT#acme", SK: userSK("u1"), Type: "user", TenantID: "acme", ID: "u1", Username: "ada"}),
		"IDEMPOTENCY#acme#m1|IDEMPOTENCY": marshal(markItem{PK: "IDEMPOTENCY#acme#m1", SK: idempotencySK, Type: "idempotency",
			TenantID: "acme", EventID: "m1", Hash: "h"}),
	}}
	tbl := New(db, "t")
	s, err := tbl.ReadProvisioning(context.Background(), provision.Keys{
		Marks: [][2]string{{"acme", "m1"}, {"acme", "m2"}}, Tenants: []string{"acme"},
		Refs: [][2]string{{"acme", "e1"}, {"acme", "e2"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if db.calls < 4 {
		t.Errorf("BatchGetItem calls = %d; the unprocessed keys were not asked for again", db.calls)
	}
	if m := s.Marks[[2]string{"acme", "m1"}]; m == nil || m.Hash != "h" {
		t.Errorf("mark m1 = %+v, want found", m)
	}
	if m, ok := s.Marks[[2]string{"acme", "m2"}]; !ok || m != nil {
		t.Errorf("mark m2 = %+v, %v; want asked for and absent", m, ok)
	}
	if tn := s.Tenants["acme"]; tn == nil || !tn.Active {
		t.Errorf("tenant = %+v, want found", tn)
	}
	if r := s.Refs[[2]string{"acme", "e1"}]; r == nil || r.UserID != "u1" {
		t.Errorf("ref e1 = %+v, want found", r)
	}
	if u := s.Users[[2]string{"acme", "u1"}]; u == nil || u.Username != "ada" {
		t.Errorf("user u1 = %+v, want found", u)
	}

	// DynamoDB that never processes a key: the read fails as retryable
	// rather than answering with the key missing.
	stuck := &batchDB{unprocessed: 1 << 30, items: db.items}
	_, err = New(stuck, "t").ReadProvisioning(context.Background(), provision.Keys{Tenants: []string{"acme"}})
	if fault.CodeOf(err) != fault.Unavailable {
		t.Errorf("never processed: err = %v, want unavailable", err)
	}
}
