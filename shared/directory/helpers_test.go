package directory_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/fault/faulttest"
	"roster/shared/password"
	"roster/shared/role"
	"roster/shared/seal"
	"roster/shared/store"
	"roster/shared/store/storetest"
	"roster/shared/user"
)

// The table must satisfy the contract the directory defines.
var _ directory.Store = (*store.Table)(nil)

const goodPassword = "correct horse battery staple"

// hasher is built once: every test hashes under the same pepper.
var hasher = sync.OnceValue(func() *password.Hasher {
	h, err := password.New(bytes.Repeat([]byte{7}, password.MinPepperBytes), password.DefaultParams())
	if err != nil {
		panic(err)
	}
	return h
})

// fixture is the directory over a fresh table with two active tenants,
// t1 (the callers') and t2 (another tenant).
type fixture struct {
	env    storetest.Env
	svc    directory.Service
	sealer *seal.Sealer
}

func newFixture(t testing.TB, env storetest.Env) *fixture {
	t.Helper()
	env.Tenant(t, "t1")
	env.Tenant(t, "t2")
	return &fixture{env: env, svc: newService(t, env.Table), sealer: testSealer(t)}
}

func newService(t testing.TB, st directory.Store) directory.Service {
	t.Helper()
	svc, err := directory.New(st, hasher(), testSealer(t), directory.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func testSealer(t testing.TB) *seal.Sealer {
	t.Helper()
	s, err := seal.New(bytes.Repeat([]byte{9}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// key is a principal acting through an API key of the tenant with roles.
func key(tenantID string, roles ...role.ID) auth.Principal {
	p := auth.Principal{TenantID: tenantID, KeyID: "key-" + tenantID, Method: auth.ViaAPIKey}
	for _, r := range roles {
		p.Roles = append(p.Roles, string(r))
	}
	return p
}

// Callers of tenant t1.
var (
	owner   = key("t1", role.Owner)
	admin   = key("t1", role.Admin)
	manager = key("t1", role.UserManager)
	member  = key("t1", role.Member)
)

// as is the principal of u's own access token.
func as(u *user.User) auth.Principal {
	return auth.Principal{TenantID: u.TenantID, UserID: u.ID, AccountID: u.AccountID, Roles: []string{u.Role}, Method: auth.ViaAccessToken}
}

// create makes a user through the directory as owner (or the principal
// given) or fails the test.
func (f *fixture) create(t testing.TB, in directory.NewUser, by ...auth.Principal) *user.User {
	t.Helper()
	p := owner
	if len(by) > 0 {
		p = by[0]
	}
	u, err := f.svc.Create(context.Background(), p, in)
	if err != nil {
		t.Fatalf("create %s: %v", in.Username, err)
	}
	return u
}

// newUser is the input for an active member whose username and email
// derive from name.
func newUser(name string) directory.NewUser {
	return directory.NewUser{Username: name, Email: name + "@example.com", FirstName: "First " + name, LastName: "Last " + name, Active: true}
}

// get reads a user as stored, bypassing the service.
func (f *fixture) get(t testing.TB, tenantID, id string) *user.User {
	t.Helper()
	u, err := f.env.Table.GetUser(context.Background(), tenantID, id)
	if err != nil {
		t.Fatalf("get user %s: %v", id, err)
	}
	return u
}

// item reads a raw item.
func (f *fixture) item(t testing.TB, pk, sk string) map[string]types.AttributeValue {
	t.Helper()
	out, err := f.env.DB.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(f.env.Table.Name()), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: pk}, "SK": &types.AttributeValueMemberS{Value: sk}},
	})
	if err != nil {
		t.Fatalf("get item %s %s: %v", pk, sk, err)
	}
	return out.Item
}

// partition counts the items of a tenant's partition by sort-key prefix.
func (f *fixture) partition(t testing.TB, tenantID string) map[string]int {
	t.Helper()
	counts := map[string]int{}
	p := dynamodb.NewQueryPaginator(f.env.DB, &dynamodb.QueryInput{
		TableName:                 aws.String(f.env.Table.Name()),
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: "TENANT#" + tenantID}},
		ConsistentRead:            aws.Bool(true),
	})
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("query tenant %s: %v", tenantID, err)
		}
		for _, it := range out.Items {
			var k struct{ SK string }
			if err := attributevalue.UnmarshalMap(it, &k); err != nil {
				t.Fatal(err)
			}
			prefix, _, _ := strings.Cut(k.SK, "#")
			counts[prefix]++
		}
	}
	return counts
}

// wantCode fails the test unless err carries code and names each field.
var wantCode = faulttest.Want

// unchanged fails the test when the table's item count moved, for
// operations that must write nothing.
func (f *fixture) unchanged(t testing.TB, before int) {
	t.Helper()
	if after := f.env.Count(t); after != before {
		t.Errorf("items = %d, want %d (nothing written)", after, before)
	}
}

func ptr[T any](v T) *T { return &v }

// fmtItem renders a raw item as text, for searching it.
func fmtItem(item map[string]types.AttributeValue) string {
	var m map[string]any
	if err := attributevalue.UnmarshalMap(item, &m); err != nil {
		return err.Error()
	}
	return fmt.Sprint(m)
}
