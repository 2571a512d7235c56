package userinfo_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"roster/shared/auth"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/shared/directory"
	"roster/shared/password"
	"roster/shared/seal"
	"roster/shared/store"
	"roster/shared/store/storetest"
	"roster/shared/userinfo"
	"roster/shared/web"
	"roster/shared/web/webtest"
)

// The UserInfo routes.
const (
	pathUserID   = "/UserInfo/UserId"
	pathRegister = "/UserInfo/RegisterNewUser"
	pathUpdate   = "/UserInfo/UpdateAccessToken"
)

// fixedNow is the handler's clock; createdAt is it truncated to milliseconds.
var fixedNow = time.Date(2025, 3, 10, 12, 0, 0, 123456789, time.UTC)

// requestID is sent with every request so that error bodies can be compared
// byte for byte.
const requestID = "userinfo-test"

// fixture is the UserInfo group on a fresh table, with one tenant ("acme")
// and its API key, a captured JSON log, and a record of every secret handed
// out and every response body, checked against each other when the test ends.
type fixture struct {
	env    storetest.Env
	h      http.Handler
	pepper []byte
	sealer *seal.Sealer
	logs   *bytes.Buffer
	tenant string
	key    string

	secrets []string // API key tokens and access tokens, in any form sent
	bodies  [][]byte // every response body
}

func newFixture(t *testing.T, env storetest.Env) *fixture {
	t.Helper()
	f := &fixture{env: env, pepper: randomBytes(32), logs: new(bytes.Buffer), tenant: "acme"}
	sealer, err := seal.New(randomBytes(seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	f.sealer = sealer
	f.h = userinfo.Handler(userinfo.Deps{
		Directory: newDirectory(t, env.Table, sealer, func() time.Time { return fixedNow }),
	}, web.NewLogger(f.logs, "debug"), auth.InProcess(&auth.Authenticator{Keys: env.Table, Pepper: f.pepper}, web.WriteProblem))
	env.Tenant(t, f.tenant)
	f.key = f.apiKey(t, f.tenant)
	t.Cleanup(func() { f.checkSecretsStayedSecret(t) })
	return f
}

// newDirectory is the directory the group runs on: over st, sealing
// access tokens with sealer, on the clock now.
func newDirectory(tb testing.TB, st directory.Store, sealer *seal.Sealer, now func() time.Time) directory.Service {
	tb.Helper()
	hasher, err := password.New(randomBytes(32), password.DefaultParams())
	if err != nil {
		tb.Fatal(err)
	}
	dir, err := directory.New(st, hasher, sealer, directory.Options{Now: now})
	if err != nil {
		tb.Fatal(err)
	}
	return dir
}

// apiKey creates a key for tenantID and remembers its token as a secret.
func (f *fixture) apiKey(t *testing.T, tenantID string) string {
	t.Helper()
	k := f.env.APIKey(t, tenantID, f.pepper)
	f.secrets = append(f.secrets, k)
	return k
}

// accessToken returns a fresh, recognisable third-party token and remembers
// it as a secret.
func (f *fixture) accessToken() string {
	tok := "eyJhbGciOi." + rand.Text() + "." + rand.Text()
	f.secrets = append(f.secrets, tok)
	return tok
}

// checkSecretsStayedSecret fails the test if any secret reached the log or
// a response body.
func (f *fixture) checkSecretsStayedSecret(t *testing.T) {
	t.Helper()
	for _, s := range f.secrets {
		if strings.Contains(f.logs.String(), s) {
			t.Errorf("the log contains the secret %.12s…", s)
		}
		for _, b := range f.bodies {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("a response body contains the secret %.12s…: %s", s, b)
			}
		}
	}
}

// request describes one call. Bodies are sent as application/json unless
// edit changes the headers.
type request struct {
	method, target string
	key            string // Authorization header; none when empty
	body           string
	edit           func(r *http.Request)
}

// response is what came back, with the DynamoDB calls made to answer it.
type response struct {
	webtest.Response
	usage *store.Usage
}

// do serves rq through the handler, counting DynamoDB calls. A 5xx always
// fails the test: no input may produce one.
func (f *fixture) do(t *testing.T, rq request) response {
	t.Helper()
	r := webtest.NewRequest(webtest.Request{
		Method: rq.method, Target: rq.target, Body: rq.body, Edit: rq.edit,
		Header: map[string]string{web.RequestIDHeader: requestID, "Authorization": rq.key},
	})
	ctx, usage := store.WithUsage(r.Context())
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r.WithContext(ctx))
	res := response{Response: webtest.Response{Code: w.Code, Header: w.Result().Header, Body: w.Body.Bytes()}, usage: usage}
	f.bodies = append(f.bodies, res.Body)
	if res.Code >= 500 {
		t.Errorf("%s %s: status %d, want no 5xx; body %s", rq.method, rq.target, res.Code, res.Body)
	}
	return res
}

// register creates a user through the API and returns its id.
func (f *fixture) register(t *testing.T, key, body string) string {
	t.Helper()
	res := f.do(t, request{method: http.MethodPost, target: pathRegister, key: key, body: body})
	if res.Code != http.StatusCreated {
		t.Fatalf("register %s: status %d, body %s", body, res.Code, res.Body)
	}
	var u struct{ UserID string }
	if err := json.Unmarshal(res.Body, &u); err != nil || u.UserID == "" {
		t.Fatalf("register: body %s: %v", res.Body, err)
	}
	return u.UserID
}

// rawUser reads a user's stored item directly from the table.
func (f *fixture) rawUser(t *testing.T, tenantID, userID string) map[string]types.AttributeValue {
	t.Helper()
	out, err := f.env.DB.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName:      aws.String(f.env.Table.Name()),
		Key:            map[string]types.AttributeValue{"PK": str("TENANT#" + tenantID), "SK": str("USER#" + userID)},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatalf("get user item: %v", err)
	}
	if out.Item == nil {
		t.Fatalf("no item for user %s in tenant %s", userID, tenantID)
	}
	return out.Item
}

// storedToken returns the accessToken attribute of a stored user, "" when
// there is none.
func (f *fixture) storedToken(t *testing.T, tenantID, userID string) string {
	t.Helper()
	v, ok := f.rawUser(t, tenantID, userID)["accessToken"]
	if !ok {
		return ""
	}
	s, ok := v.(*types.AttributeValueMemberS)
	if !ok {
		t.Fatalf("accessToken is stored as %T, want a string", v)
	}
	return s.Value
}

// assertProblem checks an RFC 9457 problem response with the given status
// whose errors list names exactly the given fields (webtest.AssertProblem).
func assertProblem(t *testing.T, res response, status int, fields ...string) web.Problem {
	t.Helper()
	return webtest.AssertProblem(t, res.Response, status, fields...)
}

// assertNoWrite checks that a rejected request changed nothing: no write
// call, no more than the API-key check (the key and its tenant, two
// GetItems), and the table as it was.
func assertNoWrite(t *testing.T, f *fixture, res response, itemsBefore int) {
	t.Helper()
	if n := res.usage.Writes(); n != 0 {
		t.Errorf("%d write calls for rejected input, want 0", n)
	}
	if all, gets := res.usage.Calls(), res.usage.Calls("GetItem"); all > 2 || all != gets {
		t.Errorf("%d DynamoDB calls (%d GetItem) for rejected input, want at most the key check", all, gets)
	}
	if n := f.env.Count(t); n != itemsBefore {
		t.Errorf("table holds %d items, want %d as before", n, itemsBefore)
	}
}

// assertCalls checks the exact DynamoDB calls an operation made.
func assertCalls(t *testing.T, u *store.Usage, want map[string]int) {
	t.Helper()
	total := 0
	for op, n := range want {
		total += n
		if got := u.Calls(op); got != n {
			t.Errorf("%d %s calls, want %d", got, op, n)
		}
	}
	if got := u.Calls(); got != total {
		t.Errorf("%d DynamoDB calls in all, want %d (%v)", got, total, want)
	}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

// withHeader returns an edit that sets (or, with an empty value, removes) a
// request header.
func withHeader(name, value string) func(*http.Request) {
	return func(r *http.Request) {
		if value == "" {
			r.Header.Del(name)
			return
		}
		r.Header.Set(name, value)
	}
}

// chunked makes the body's length unknown up front, as with chunked
// transfer encoding, so the size limit must trip while reading.
func chunked(r *http.Request) { r.ContentLength = -1 }

// withField returns the JSON object body with field set to rawValue, a
// JSON value, or without field when rawValue is empty.
func withField(body, field, rawValue string) string {
	m := map[string]json.RawMessage{}
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		panic(err)
	}
	if rawValue == "" {
		delete(m, field)
	} else {
		m[field] = json.RawMessage(rawValue)
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// jsonString returns s as a JSON string.
func jsonString(s string) string { b, _ := json.Marshal(s); return string(b) }
