package contract_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"roster/shared/catalog"
	"roster/shared/contract"
	"roster/shared/emulator"
	"roster/shared/mail/mailtest"
	"roster/shared/opaque"
	"roster/shared/password"
	"roster/shared/platform"
	"roster/shared/role"
	"roster/shared/samtemplate"
	"roster/shared/secrets"
	"roster/shared/signin"
	"roster/shared/store/storetest"
	"roster/shared/user"
	"roster/shared/web"
)

// spec is the description every test holds answers to; covered records
// which documented statuses the tests have seen, so TestMain can fail when a
// documented status is never produced by any test.
var (
	spec    *contract.Spec
	covered = struct {
		sync.Mutex
		keys map[contract.Key]bool
	}{keys: map[contract.Key]bool{}}
)

func TestMain(m *testing.M) {
	var err error
	if spec, err = contract.Load(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	// Coverage is judged on a full, passing run against an emulator: a -run
	// filter or a skipped suite sees only part of the API. ROSTER_CONTRACT_TAGS
	// (comma-separated tags) judges only those groups' operations, even in a
	// filtered run, for work on one group.
	if code == 0 && ranLive && (!filtered() || os.Getenv("ROSTER_CONTRACT_TAGS") != "") {
		if missing := uncovered(); len(missing) > 0 {
			fmt.Fprintf(os.Stderr, "FAIL: documented statuses no contract test produced (%d):\n  %s\n",
				len(missing), strings.Join(missing, "\n  "))
			code = 1
		}
	}
	os.Exit(code)
}

// ranLive is set when a test reached a real emulator.
var ranLive bool

func filtered() bool {
	for _, a := range os.Args[1:] {
		if strings.HasPrefix(a, "-test.run") || strings.HasPrefix(a, "-test.skip") {
			return true
		}
	}
	return false
}

func uncovered() []string {
	covered.Lock()
	defer covered.Unlock()
	var missing []string
	var tags []string
	if v := os.Getenv("ROSTER_CONTRACT_TAGS"); v != "" {
		tags = strings.Split(v, ",")
	}
	for _, op := range spec.Operations() {
		if tags != nil && !slices.ContainsFunc(op.Tags, func(t string) bool { return slices.Contains(tags, t) }) {
			continue
		}
		for _, st := range op.Statuses {
			if k := (contract.Key{Method: op.Method, Path: op.Path, Status: st}); !covered.keys[k] {
				missing = append(missing, k.String())
			}
		}
	}
	sort.Strings(missing)
	return missing
}

// api is the whole Roster API in process over a fresh table on DynamoDB
// Local (moto when it is the only emulator), routed by template.yaml exactly
// as API Gateway routes it, with one active tenant "acme".
type api struct {
	h      http.Handler
	p      *platform.Platform // the graph behind h, as every function builds it
	env    storetest.Env
	keys   secrets.Keys
	hasher *password.Hasher
	logs   *bytes.Buffer

	Tenant       string        // "acme"
	Organization string        // "org-acme"
	TenantName   string        // "acme"
	APIKey       string        // an API key of acme with every admin permission
	Mail         *mailtest.Box // what the API posted to the notifications queue
}

func newAPI(t *testing.T) *api {
	t.Helper()
	return newAPIWith(t, platform.Config{PasskeyRPID: passkeyRPID, PasskeyOrigins: []string{passkeyOrigin}})
}

// The WebAuthn relying party the API is configured with.
const (
	passkeyRPID   = "localhost"
	passkeyOrigin = "http://localhost:3000"
)

// newAPIWith is newAPI with the configuration cfg.
func newAPIWith(t *testing.T, cfg platform.Config) *api {
	t.Helper()
	eps := emulator.DynamoDB(t)
	ranLive = true
	env := storetest.New(t, eps[0])
	keys, err := secrets.Parse(`{"version":1,"masterKey":"` + secrets.NewMasterKey() + `"}`)
	if err != nil {
		t.Fatal(err)
	}
	logs := &bytes.Buffer{}
	p, err := platform.Assemble(cfg, web.NewLogger(logs, "debug"), env.Table, keys)
	if err != nil {
		t.Fatal(err)
	}
	box := &mailtest.Box{}
	p.Mail = box
	tpl, err := samtemplate.Load(storetest.TemplatePath(t))
	if err != nil {
		t.Fatal(err)
	}
	h, err := catalog.Handler(tpl, p)
	if err != nil {
		t.Fatal(err)
	}
	tn := env.Tenant(t, "acme")
	return &api{h: h, p: p, env: env, keys: keys, hasher: p.Hasher, logs: logs,
		Tenant: tn.ID, Organization: tn.Organization, TenantName: tn.Name,
		APIKey: env.APIKey(t, tn.ID, keys.Pepper), Mail: box}
}

// Request is one call. Credential goes in Authorization as "Bearer <c>";
// Header adds or overrides headers; Body, when set, is sent as JSON unless
// Header sets another Content-Type.
type Request struct {
	Method, Path string
	Credential   string
	Header       map[string]string
	Body         string
}

// HTTP builds the request rq describes.
func (rq Request) HTTP() *http.Request {
	req := httptest.NewRequest(rq.Method, rq.Path, strings.NewReader(rq.Body))
	if rq.Body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if rq.Credential != "" {
		req.Header.Set("Authorization", "Bearer "+rq.Credential)
	}
	for k, v := range rq.Header {
		req.Header.Set(k, v)
	}
	return req
}

// Response is what came back.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test when it does not parse.
func (r Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("body %s: %v", r.Body, err)
	}
}

// Do sends rq, holds the answer to the description (an undocumented status
// or a body off its schema fails the test), records the status as covered,
// and fails the test unless the status is want.
func (a *api) Do(t testing.TB, rq Request, want int) Response {
	t.Helper()
	req := rq.HTTP()
	check := req.Clone(context.Background())
	w := httptest.NewRecorder()
	a.h.ServeHTTP(w, req)
	res := Response{Status: w.Code, Header: w.Header(), Body: w.Body.Bytes()}
	key, err := spec.Check(check, []byte(rq.Body), res.Status, res.Header, res.Body)
	if err != nil {
		t.Errorf("%s %s: %v", rq.Method, rq.Path, err)
	} else {
		covered.Lock()
		covered.keys[key] = true
		covered.Unlock()
	}
	if res.Status != want {
		t.Fatalf("%s %s = %d, want %d; body %s", rq.Method, rq.Path, res.Status, want, res.Body)
	}
	if res.Status >= 500 {
		t.Fatalf("%s %s answered a server error: %s", rq.Method, rq.Path, res.Body)
	}
	return res
}

// Unauthenticated sends rq, which carries no credential its route takes, and
// fails unless the answer is 401 with the Bearer challenge and nothing was
// written.
func (a *api) Unauthenticated(t testing.TB, rq Request) Response {
	t.Helper()
	before := a.Count(t)
	res := a.Do(t, rq, http.StatusUnauthorized)
	if got := res.Header.Get("WWW-Authenticate"); got != `Bearer realm="roster"` {
		t.Errorf("%s %s: WWW-Authenticate = %q", rq.Method, rq.Path, got)
	}
	if after := a.Count(t); after != before {
		t.Errorf("%s %s without a credential changed the table: %d items, then %d", rq.Method, rq.Path, before, after)
	}
	return res
}

// Valid checks that a request the test means to be valid matches the
// description, so the documented request schema accepts what the code does.
func (a *api) Valid(t testing.TB, rq Request) {
	t.Helper()
	req := rq.HTTP()
	if err := spec.CheckRequest(req, []byte(rq.Body)); err != nil {
		t.Errorf("%s %s: the description refuses a valid request: %v", rq.Method, rq.Path, err)
	}
}

// Person is a user of acme with a password and a device to log in on.
type Person struct {
	User        *user.User
	Password    string
	DeviceToken string
}

// Person creates a user of acme with role r and a password, directly in the
// table, with a device registered for acme.
func (a *api) Person(t testing.TB, username string, r role.ID) Person {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	u := &user.User{TenantID: a.Tenant, ID: user.NewID(), Username: username, Email: username + "@acme.example",
		FirstName: strings.ToUpper(username[:1]) + username[1:], LastName: "Tester", Active: true, Role: string(r),
		CreatedAt: now, UpdatedAt: now}
	if err := a.env.Table.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	const pw = "correct horse battery staple"
	phc, err := a.hasher.Hash(pw)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.env.Table.SetAccountPassword(ctx, u.AccountID, phc); err != nil {
		t.Fatal(err)
	}
	dev, err := opaque.Device.Generate()
	if err != nil {
		t.Fatal(err)
	}
	if err := a.env.Table.PutDevice(ctx, &signin.Device{ID: dev.ID, TenantID: a.Tenant, Name: "desk",
		Hash: opaque.Hash(a.keys.Pepper, dev.Token), CreatedAt: now, CreatedBy: "seed"}); err != nil {
		t.Fatal(err)
	}
	return Person{User: u, Password: pw, DeviceToken: dev.Token}
}

// Session is what a login answers.
type Session struct {
	AuthToken   string `json:"authToken"`
	AccessToken string `json:"accessToken"`
	TenantUID   string `json:"tenantUid"`
	UserUID     string `json:"userUid"`
	Role        string `json:"role"`
}

// Login logs p in through the Account API (the call is checked and counted
// like any other).
func (a *api) Login(t testing.TB, p Person) Session {
	t.Helper()
	var s Session
	a.Do(t, Request{Method: "POST", Path: "/account", Credential: p.DeviceToken,
		Body: fmt.Sprintf(`{"userCode":%q,"password":%q}`, p.User.Username, p.Password)}, http.StatusOK).JSON(t, &s)
	return s
}

// Owner is a person with the owner role, logged in.
func (a *api) Owner(t testing.TB) (Person, Session) {
	t.Helper()
	p := a.Person(t, "olivia", role.Owner)
	return p, a.Login(t, p)
}

// Count is how many items the table holds, to show a refused request wrote
// nothing.
func (a *api) Count(t testing.TB) int { return a.env.Count(t) }

// NoSecretsLogged fails when the logs carry any of the given secrets.
func (a *api) NoSecretsLogged(t testing.TB, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(a.logs.String(), s) {
			t.Errorf("logs carry a secret (%.12s…)", s)
		}
	}
}
