package userinfo_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/emulator"
	"roster/shared/fault"
	"roster/shared/opaque"
	"roster/shared/seal"
	"roster/shared/store"
	"roster/shared/store/storetest"
	"roster/shared/tenant"
	"roster/shared/user"
	"roster/shared/userinfo"
	"roster/shared/web"
)

// benchOp is one UserInfo operation as a caller sends it.
type benchOp struct {
	name   string
	method string
	target string
	// body returns the i-th request body; nil for none. Bodies vary where
	// the operation must not repeat (a registration per new email).
	body func(i int) string
	want int
}

const benchEmail = "ada@example.com"

func benchOps() []benchOp {
	return []benchOp{
		{name: "UserId", method: http.MethodGet, target: "/UserInfo/UserId?userEmail=" + benchEmail, want: http.StatusOK},
		{name: "RegisterNewUser", method: http.MethodPost, target: "/UserInfo/RegisterNewUser", want: http.StatusCreated,
			body: func(i int) string {
				return fmt.Sprintf(`{"userEmail":"user%d@example.com","firstName":"Grace","lastName":"Hopper"}`, i)
			}},
		{name: "UpdateAccessToken", method: http.MethodPatch, target: "/UserInfo/UpdateAccessToken", want: http.StatusOK,
			body: func(int) string {
				return `{"accessToken":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJl","userEmail":"` + benchEmail + `"}`
			}},
	}
}

// benchUsers is the directory's store with the calls the group makes
// answered by function fields; a nil field answers success. Any other
// call panics on the nil embedded Store.
type benchUsers struct {
	directory.Store
	createUser     func(ctx context.Context, u *user.User) error
	userIDByEmail  func(ctx context.Context, tenantID, email string) (string, error)
	setAccessToken func(ctx context.Context, tenantID, id, email, sealed string) error
}

func (s benchUsers) CreateUserWithPassword(ctx context.Context, u *user.User, _ string) error {
	if s.createUser == nil {
		return nil
	}
	return s.createUser(ctx, u)
}

func (s benchUsers) GetUser(ctx context.Context, tenantID, id string) (*user.User, error) {
	return nil, fault.New(fault.NotFound, "no user")
}

func (s benchUsers) UserIDByEmail(ctx context.Context, tenantID, email string) (string, error) {
	if s.userIDByEmail == nil {
		return "", fault.New(fault.NotFound, "no user")
	}
	return s.userIDByEmail(ctx, tenantID, email)
}

func (s benchUsers) SetAccessToken(ctx context.Context, c user.AccessTokenChange) error {
	tenantID, id, email, sealed := c.TenantID, c.UserID, c.Email, c.Sealed
	if s.setAccessToken == nil {
		return nil
	}
	return s.setAccessToken(ctx, tenantID, id, email, sealed)
}

// benchKeys is an auth.KeyStore answering from function fields; without
// getTenant, every tenant is active.
type benchKeys struct {
	getAPIKey func(ctx context.Context, id string) (*auth.APIKey, error)
	getTenant func(ctx context.Context, id string) (*tenant.Tenant, error)
}

func (s benchKeys) GetAPIKey(ctx context.Context, id string) (*auth.APIKey, error) {
	return s.getAPIKey(ctx, id)
}

func (s benchKeys) GetTenant(ctx context.Context, id string) (*tenant.Tenant, error) {
	if s.getTenant == nil {
		return &tenant.Tenant{ID: id, Active: true}, nil
	}
	return s.getTenant(ctx, id)
}

// benchDiscard is a ResponseWriter that keeps nothing, so the benchmark
// measures the handler rather than a recorder.
type benchDiscard struct {
	h      http.Header
	status int
}

func (w *benchDiscard) Header() http.Header         { return w.h }
func (w *benchDiscard) Write(b []byte) (int, error) { return len(b), nil }
func (w *benchDiscard) WriteHeader(code int)        { w.status = code }

func benchSecret(b *testing.B, n int) []byte {
	b.Helper()
	k := make([]byte, n)
	_, _ = rand.Read(k)
	return k
}

// benchRequest builds the i-th request of op, authenticated with token.
func benchRequest(ctx context.Context, op benchOp, token string, i int) *http.Request {
	var body io.Reader
	if op.body != nil {
		body = strings.NewReader(op.body(i))
	}
	r := httptest.NewRequestWithContext(ctx, op.method, op.target, body)
	r.Header.Set("Authorization", token)
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	return r
}

// BenchmarkHandlerOverhead measures what the group adds to a request with
// the store taken out: routing, request id and access log, API-key check
// (HMAC), decoding and validation, sealing, encoding. Budget: 10 µs/op.
func BenchmarkHandlerOverhead(b *testing.B) {
	pepper := benchSecret(b, 32)
	sealer, err := seal.New(benchSecret(b, seal.KeySize))
	if err != nil {
		b.Fatal(err)
	}
	key, err := opaque.APIKey.Generate()
	if err != nil {
		b.Fatal(err)
	}
	stored := &auth.APIKey{ID: key.ID, TenantID: "t1", Name: "bench", Hash: opaque.Hash(pepper, key.Token)}
	keys := benchKeys{getAPIKey: func(_ context.Context, id string) (*auth.APIKey, error) {
		if id != stored.ID {
			return nil, fault.New(fault.NotFound, "no key")
		}
		return stored, nil
	}}
	users := benchUsers{userIDByEmail: func(context.Context, string, string) (string, error) {
		return "mtw7gl7khcz7edreftgxvekaka", nil
	}}
	h := userinfo.Handler(userinfo.Deps{Directory: newDirectory(b, users, sealer, time.Now)}, web.NewLogger(io.Discard, "info"),
		auth.InProcess(&auth.Authenticator{Keys: keys, Pepper: pepper}, web.WriteProblem))

	for _, op := range benchOps() {
		b.Run(op.name, func(b *testing.B) {
			// The same body every time, rewound, so building requests
			// costs nothing in the loop.
			var payload string
			if op.body != nil {
				payload = op.body(0)
			}
			r := benchRequest(context.Background(), op, key.Token, 0)
			sr := strings.NewReader(payload)
			w := &benchDiscard{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				if op.body != nil {
					sr.Reset(payload)
					r.Body = io.NopCloser(sr)
				}
				h.ServeHTTP(w, r)
			}
			if w.status != op.want {
				b.Fatalf("%s %s: status %d, want %d", op.method, op.target, w.status, op.want)
			}
		})
	}
}

// BenchmarkDynamoCallsPerOp sends each UserInfo operation through the group
// handler to a real table and reports what one request costs in DynamoDB:
// the operation's calls in total and by API, and the capacity they consumed
// (left at zero by emulators that do not report it). The API-key check that
// precedes every operation is counted apart, as key-calls/op, so the
// operation's own figures can be held to their budget. Emulator latency
// makes ns/op meaningless here.
func BenchmarkDynamoCallsPerOp(b *testing.B) {
	for _, ep := range emulator.DynamoDB(b) {
		b.Run(ep.Name, func(b *testing.B) {
			env := storetest.New(b, ep)
			env.Tenant(b, "t1")
			pepper := benchSecret(b, 32)
			token := env.APIKey(b, "t1", pepper)
			sealer, err := seal.New(benchSecret(b, seal.KeySize))
			if err != nil {
				b.Fatal(err)
			}
			now := time.Now().UTC()
			err = env.Table.CreateUser(context.Background(), &user.User{
				TenantID: "t1", ID: user.NewID(), Username: benchEmail, Email: benchEmail, FirstName: "Ada", LastName: "Lovelace",
				Active: true, Role: "member", CreatedAt: now, UpdatedAt: now,
			})
			if err != nil {
				b.Fatal(err)
			}

			for _, op := range benchOps() {
				b.Run(op.name, func(b *testing.B) {
					ctx, usage := store.WithUsage(context.Background())
					keyCtx, keyUsage := store.WithUsage(context.Background())
					keys := benchKeys{
						getAPIKey: func(_ context.Context, id string) (*auth.APIKey, error) {
							return env.Table.GetAPIKey(keyCtx, id)
						},
						getTenant: func(_ context.Context, id string) (*tenant.Tenant, error) {
							return env.Table.GetTenant(keyCtx, id)
						},
					}
					h := userinfo.Handler(userinfo.Deps{Directory: newDirectory(b, env.Table, sealer, time.Now)}, web.NewLogger(io.Discard, "error"),
						auth.InProcess(&auth.Authenticator{Keys: keys, Pepper: pepper}, web.WriteProblem))
					n := 0
					for b.Loop() {
						w := httptest.NewRecorder()
						h.ServeHTTP(w, benchRequest(ctx, op, token, n))
						if w.Code != op.want {
							b.Fatalf("%s %s: status %d, want %d: %s", op.method, op.target, w.Code, op.want, w.Body)
						}
						n++
					}
					per := func(v float64) float64 { return v / float64(n) }
					b.ReportMetric(per(float64(usage.Calls())), "ddb-calls/op")
					for _, api := range []string{"GetItem", "Query", "TransactWriteItems", "UpdateItem", "PutItem"} {
						if c := usage.Calls(api); c > 0 {
							b.ReportMetric(per(float64(c)), api+"/op")
						}
					}
					read, write := usage.Capacity()
					b.ReportMetric(per(read), "RCU/op")
					b.ReportMetric(per(write), "WCU/op")
					b.ReportMetric(per(float64(keyUsage.Calls())), "key-calls/op")
				})
			}
		})
	}
}
