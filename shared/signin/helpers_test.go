package signin_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/fault/faulttest"
	"roster/shared/password"
	"roster/shared/role"
	"roster/shared/seal"
	"roster/shared/secrets"
	"roster/shared/signin"
	"roster/shared/store"
	"roster/shared/store/storetest"
	"roster/shared/token"
	"roster/shared/user"
)

// The table must satisfy the contract the service defines.
var _ signin.Store = (*store.Table)(nil)

const (
	testIssuer   = "https://roster.test"
	testAudience = "roster-test"
	goodPassword = "correct horse battery staple"
	newPassword  = "a different long passphrase"
)

// clock is a settable time shared by the service, the token issuer and the
// verifier. It starts at the real time (whole seconds), so TTL attributes
// written in a test are never in the real past.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().Truncate(time.Second)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// keys are derived once: the derivation is cheap, but one set for the whole
// package keeps every fixture's tokens verifiable by every verifier.
var keys = func() secrets.Keys {
	k, err := secrets.Parse(secrets.SecretString(secrets.NewMasterKey()))
	if err != nil {
		panic(err)
	}
	return k
}()

// door returns the directory over st, the door through which the service
// admits the users of accepted invitations.
func door(tb testing.TB, st directory.Store, h *password.Hasher) directory.Service {
	tb.Helper()
	sealer, err := seal.New(keys.FieldKey)
	if err != nil {
		tb.Fatal(err)
	}
	dir, err := directory.New(st, h, sealer, directory.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return dir
}

// hashes memoises password hashes made with the default parameters, so a
// test that seeds many users pays for each password once.
var hashes sync.Map

// fixture is the service over a fresh table on one emulator.
type fixture struct {
	env      storetest.Env
	svc      signin.Service
	clock    *clock
	hasher   *password.Hasher
	verifier *token.Verifier
	authn    *auth.Authenticator
}

// newFixture builds the service with opts (Now is always the fixture's
// clock) and the default password parameters unless hasher is given.
func newFixture(t *testing.T, env storetest.Env, opts signin.Options, hasher ...*password.Hasher) *fixture {
	t.Helper()
	c := newClock()
	h := defaultHasher(t)
	if len(hasher) > 0 {
		h = hasher[0]
	}
	issuer, err := token.NewIssuer(keys.Signing, testIssuer, testAudience, 0, c.Now)
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := token.NewVerifier(keys.Signing, testIssuer, testAudience, c.Now, 0)
	if err != nil {
		t.Fatal(err)
	}
	opts.Now = c.Now
	svc, err := signin.New(env.Table, door(t, env.Table, h), h, issuer, keys.Pepper, opts)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{
		env: env, svc: svc, clock: c, hasher: h, verifier: verifier,
		authn: &auth.Authenticator{Keys: env.Table, Pepper: keys.Pepper, Tokens: verifier, Users: env.Table},
	}
}

func defaultHasher(t testing.TB) *password.Hasher {
	t.Helper()
	h, err := password.New(keys.Pepper, password.DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// hash returns a hash of pw under the default parameters.
func hash(t testing.TB, pw string) string {
	t.Helper()
	if h, ok := hashes.Load(pw); ok {
		return h.(string)
	}
	h, err := defaultHasher(t).Hash(pw)
	if err != nil {
		t.Fatal(err)
	}
	hashes.Store(pw, h)
	return h
}

// person seeds a user of the tenant for the account ("" for a new person)
// and, when pw is not empty, gives the account that password.
func (f *fixture) person(t *testing.T, tenantID, username, roleID, accountID, pw string) *user.User {
	t.Helper()
	now := f.clock.Now()
	u := &user.User{
		TenantID: tenantID, ID: user.NewID(), AccountID: accountID,
		Username: username, Email: username + "@example.com", FirstName: "First", LastName: "Last",
		Active: true, Role: roleID, CreatedAt: now, UpdatedAt: now, CreatedBy: "test", UpdatedBy: "test",
	}
	if err := f.env.Table.CreateUser(context.Background(), u); err != nil {
		t.Fatalf("create user %s: %v", username, err)
	}
	if pw != "" {
		if err := f.env.Table.SetAccountPassword(context.Background(), u.AccountID, hash(t, pw)); err != nil {
			t.Fatalf("set password: %v", err)
		}
	}
	return u
}

// admin is an API-key principal of the tenant with the admin role.
func admin(tenantID string) auth.Principal {
	return auth.Principal{TenantID: tenantID, KeyID: "adminkey", Roles: []string{string(role.Admin)}, Method: auth.ViaAPIKey}
}

// as is the access-token principal of u.
func as(u *user.User) auth.Principal {
	return auth.Principal{TenantID: u.TenantID, UserID: u.ID, AccountID: u.AccountID, Roles: []string{u.Role}, Method: auth.ViaAccessToken}
}

// device registers a device to the tenant and returns its token.
func (f *fixture) device(t *testing.T, tenantID string) string {
	t.Helper()
	d, err := f.svc.CreateDevice(context.Background(), admin(tenantID), "till 1")
	if err != nil {
		t.Fatalf("create device: %v", err)
	}
	return d.Token
}

// login logs u in with pw on a new device of u's tenant, or fails the test.
func (f *fixture) login(t *testing.T, u *user.User, pw string) signin.Tokens {
	t.Helper()
	tok, err := f.svc.Login(context.Background(), f.device(t, u.TenantID), u.Username, pw)
	if err != nil {
		t.Fatalf("login %s: %v", u.Username, err)
	}
	return tok
}

// account reads an account straight from the table, password hash
// included (the privileged read).
func (f *fixture) account(t *testing.T, id string) *signin.Account {
	t.Helper()
	a, _, err := f.env.Table.AccountCredentials(context.Background(), id)
	if err != nil {
		t.Fatalf("get account %s: %v", id, err)
	}
	return a
}

// wantCode fails the test unless err carries code; with fields, the error
// must name exactly those fields.
var wantCode = faulttest.WantExactly

// shown is the part of an error a caller sees.
type shown struct {
	Code    fault.Code
	Message string
	Fields  string
}

func visible(err error) shown {
	f := fault.As(err)
	s := shown{Code: f.Code, Message: f.Message}
	for _, fe := range f.Fields {
		s.Fields += fe.Field + ":" + fe.Message + ";"
	}
	return s
}

// usage returns a context that counts the table calls made under it.
func usage() (context.Context, *store.Usage) { return store.WithUsage(context.Background()) }

func ptr[T any](v T) *T { return &v }

// rawUpdate changes an item straight in the table, for states the store
// has no method to reach.
func rawUpdate(env storetest.Env, pk, sk, expr string, value types.AttributeValue) error {
	_, err := env.DB.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
		TableName: aws.String(env.Table.Name()),
		Key: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: pk}, "SK": &types.AttributeValueMemberS{Value: sk},
		},
		UpdateExpression:          aws.String(expr),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": value},
	})
	return err
}

func boolValue(b bool) types.AttributeValue { return &types.AttributeValueMemberBOOL{Value: b} }
