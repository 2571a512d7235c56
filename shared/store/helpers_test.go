package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/shared/fault/faulttest"
	"roster/shared/store/storetest"
	"roster/shared/user"
)

// msNow is the current time at the millisecond precision callers keep.
func msNow() time.Time { return time.Now().Truncate(time.Millisecond) }

// newUser returns a user of the tenant whose id, username and email derive
// from name, so a test can make clashing users by reusing a name.
func newUser(tenantID, name string) *user.User {
	now := msNow()
	return &user.User{
		TenantID:  tenantID,
		ID:        user.NewID(),
		Username:  name,
		Email:     name + "@example.com",
		FirstName: "First " + name,
		LastName:  "Last " + name,
		Active:    true,
		Role:      "member",
		CreatedAt: now,
		UpdatedAt: now,
		CreatedBy: "test",
		UpdatedBy: "test",
	}
}

// mustCreate creates u or fails the test.
func mustCreate(t *testing.T, env storetest.Env, u *user.User) {
	t.Helper()
	if err := env.Table.CreateUser(context.Background(), u); err != nil {
		t.Fatalf("create user %s (%s): %v", u.ID, u.Email, err)
	}
}

// mustGet reads a user or fails the test.
func mustGet(t *testing.T, env storetest.Env, tenantID, id string) *user.User {
	t.Helper()
	u, err := env.Table.GetUser(context.Background(), tenantID, id)
	if err != nil {
		t.Fatalf("get user %s: %v", id, err)
	}
	return u
}

// mustSecrets reads a user's sealed secrets (the privileged read) or fails
// the test.
func mustSecrets(t *testing.T, env storetest.Env, tenantID, id string) *user.Secrets {
	t.Helper()
	s, err := env.Table.UserSecrets(context.Background(), tenantID, id)
	if err != nil {
		t.Fatalf("get secrets of user %s: %v", id, err)
	}
	return s
}

// wantCode fails the test unless err carries code and names each field.
var wantCode = faulttest.Want

// partition counts the items of a tenant's partition by sort-key prefix
// ("USER", "EMAIL", ...), read straight from the table.
func partition(t *testing.T, env storetest.Env, tenantID string) map[string]int {
	t.Helper()
	counts := map[string]int{}
	p := dynamodb.NewQueryPaginator(env.DB, &dynamodb.QueryInput{
		TableName:                 aws.String(env.Table.Name()),
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
			sk, _ := it["SK"].(*types.AttributeValueMemberS)
			if sk == nil {
				t.Fatalf("item without a string SK: %v", it)
			}
			prefix, _, _ := strings.Cut(sk.Value, "#")
			counts[prefix]++
		}
	}
	return counts
}
