package auth_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/shared/auth"
	"roster/shared/fault"
	"roster/shared/platform"
	"roster/shared/secrets"
	"roster/shared/store/storetest"
	"roster/shared/tenant"
	"roster/shared/token"
	"roster/shared/user"
	"roster/shared/web"
)

// fixture is one tenant on a fresh table, with the Authenticator the
// Lambda authorizer builds (platform.Assemble) over fresh key material.
type fixture struct {
	env    storetest.Env
	keys   secrets.Keys
	authn  *auth.Authenticator
	issuer *token.Issuer
	tenant string
}

func newFixture(t *testing.T, env storetest.Env) *fixture {
	t.Helper()
	keys := newKeys(t, secrets.NewMasterKey(), "")
	authn, iss := authenticator(t, env, keys)
	f := &fixture{env: env, keys: keys, authn: authn, issuer: iss, tenant: "acme"}
	env.Tenant(t, f.tenant)
	return f
}

// authenticator returns what the authorizer runs over env's table and keys,
// and the issuer that signs with keys' active kid.
func authenticator(t testing.TB, env storetest.Env, keys secrets.Keys) (*auth.Authenticator, *token.Issuer) {
	t.Helper()
	p, err := platform.Assemble(platform.Config{}, nil, env.Table, keys)
	if err != nil {
		t.Fatal(err)
	}
	return p.Authenticator, p.Issuer
}

// newKeys derives key material from master as every function does; signing
// is the secret's optional signingKeys member ("" for the default single
// kid).
func newKeys(t testing.TB, master, signing string) secrets.Keys {
	t.Helper()
	s := secrets.SecretString(master)
	if signing != "" {
		s = strings.TrimSuffix(s, "}") + `,"signingKeys":` + signing + "}"
	}
	k, err := secrets.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// newUser stores an active admin of the fixture's tenant, after edit.
func (f *fixture) newUser(t *testing.T, edit func(*user.User)) *user.User {
	t.Helper()
	id := user.NewID()
	u := &user.User{
		TenantID: f.tenant, ID: id, Username: "u-" + id, Email: id + "@example.com",
		Active: true, Role: "admin", AccountID: "acct-" + id, TokenVersion: 1, CreatedAt: time.Now(),
	}
	if edit != nil {
		edit(u)
	}
	if err := f.env.Table.CreateUser(context.Background(), u); err != nil {
		t.Fatalf("create user: %v", err)
	}
	return u
}

// tokenFor issues an access token for u as the login flow would, carrying
// u's role and token version at the time of issue.
func (f *fixture) tokenFor(t *testing.T, iss *token.Issuer, u *user.User) string {
	t.Helper()
	tok, _, err := iss.Issue(token.Claims{
		Subject: u.ID, Tenant: u.TenantID, Account: u.AccountID, Roles: []string{u.Role}, Version: u.TokenVersion,
	})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// changeUser sets one attribute of a stored user in place, as an admin
// demoting or deactivating the user, or a password change, would. The
// store has no such write yet, so it goes through the raw client, on the
// key layout of shared/store; the condition makes a layout change fail here
// instead of writing a stray item.
func (f *fixture) changeUser(t *testing.T, u *user.User, attr string, v types.AttributeValue) {
	t.Helper()
	_, err := f.env.DB.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
		TableName: aws.String(f.env.Table.Name()),
		Key: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: "TENANT#" + u.TenantID},
			"SK": &types.AttributeValueMemberS{Value: "USER#" + u.ID},
		},
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		UpdateExpression:          aws.String("SET #a = :v"),
		ExpressionAttributeNames:  map[string]string{"#a": attr},
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": v},
	})
	if err != nil {
		t.Fatalf("set %s on user %s: %v", attr, u.ID, err)
	}
}

// fakeKeys is a KeyStore whose answers the test chooses; without tenant,
// every tenant exists and is active.
type fakeKeys struct {
	get    func(ctx context.Context, id string) (*auth.APIKey, error)
	tenant func(ctx context.Context, id string) (*tenant.Tenant, error)
}

func (f fakeKeys) GetAPIKey(ctx context.Context, id string) (*auth.APIKey, error) {
	return f.get(ctx, id)
}

func (f fakeKeys) GetTenant(ctx context.Context, id string) (*tenant.Tenant, error) {
	if f.tenant == nil {
		return &tenant.Tenant{ID: id, Active: true}, nil
	}
	return f.tenant(ctx, id)
}

// fakeUsers is a UserReader whose answer the test chooses; the user's
// tenant is active.
type fakeUsers struct {
	get func(ctx context.Context, tenantID, id string) (*user.User, error)
}

func (f fakeUsers) GetUserAndTenant(ctx context.Context, tenantID, id string) (*user.User, *tenant.Tenant, error) {
	u, err := f.get(ctx, tenantID, id)
	if err != nil {
		return nil, nil, err
	}
	return u, &tenant.Tenant{ID: tenantID, Active: true}, nil
}

// errStoreDown is what the store returns when DynamoDB throttles or fails.
var errStoreDown = fault.Wrap(context.DeadlineExceeded, fault.Unavailable, "The service is busy; try again.")

func unavailableKeys() fakeKeys {
	return fakeKeys{get: func(context.Context, string) (*auth.APIKey, error) { return nil, errStoreDown }}
}

// quietLog is a JSON logger into buf, as the functions log.
func quietLog(buf *bytes.Buffer) *slog.Logger { return web.NewLogger(buf, "debug") }

// checkNotLogged fails when any of the credentials reached the log.
func checkNotLogged(t *testing.T, logs *bytes.Buffer, creds ...string) {
	t.Helper()
	for _, c := range creds {
		if c != "" && strings.Contains(logs.String(), c) {
			t.Errorf("the log contains a credential %.12s…:\n%s", c, logs)
		}
	}
}
