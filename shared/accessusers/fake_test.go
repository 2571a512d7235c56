package accessusers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"roster/shared/accessusers"
	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/loginprofile"
	"roster/shared/store"
	"roster/shared/user"
	"roster/shared/web"
)

// fixedNow is the handlers' clock.
var fixedNow = time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)

// fixedStamp is fixedNow as the envelope shows it.
const fixedStamp = "2025-03-10T12:00:00.000Z"

// The callers tests act as.
var (
	member   = auth.Principal{TenantID: "acme", UserID: "usr1", AccountID: "acc1", Roles: []string{"member"}, Method: auth.ViaAccessToken}
	manager  = auth.Principal{TenantID: "acme", UserID: "usr5", AccountID: "acc5", Roles: []string{"user_manager"}, Method: auth.ViaAccessToken}
	owner    = auth.Principal{TenantID: "acme", UserID: "usr9", AccountID: "acc9", Roles: []string{"owner"}, Method: auth.ViaAccessToken}
	adminKey = auth.Principal{TenantID: "acme", KeyID: "key1", Roles: []string{"admin"}, Method: auth.ViaAPIKey}
)

// grace is the user the fake directory knows: number 42, profile 2 (LDAP
// in the fake's profiles) unless a test changes it.
func grace() *user.User {
	return &user.User{
		TenantID: "acme", ID: "usr1", Number: 42, Username: "grace", Email: "grace@example.com",
		FirstName: "Grace", LastName: "Hopper", Active: true, Role: "member",
		CreatedAt: time.Date(2025, 1, 2, 3, 4, 5, 6_000_000, time.UTC), UpdatedAt: time.Date(2025, 2, 3, 4, 5, 6, 0, time.UTC),
		CreatedBy: "user:usr9", UpdatedBy: "apikey:key1", Version: 7, AccountID: "acc1",
	}
}

// The tenant's login profiles in the fake: the default, an LDAP one and a
// second local one.
func profiles() []loginprofile.Profile {
	return []loginprofile.Profile{
		loginprofile.Default(),
		{ID: 2, Name: "Corporate LDAP", AuthType: loginprofile.LDAP, CreatedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), CreatedBy: "user:usr9"},
		{ID: 3, Name: "Contractors", AuthType: loginprofile.Local, CreatedAt: time.Date(2025, 1, 5, 0, 0, 0, 0, time.UTC), CreatedBy: "apikey:key1"},
	}
}

// fake stands in for the directory, the store's search, user lookups and
// login profiles. Each method records its name and calls its function
// field; a nil field is a call the test did not expect.
type fake struct {
	t     *testing.T
	calls []string

	create        func(p auth.Principal, in directory.NewUser) (*user.User, error)
	getByNumber   func(p auth.Principal, n int64) (*user.User, error)
	getByUsername func(p auth.Principal, username string) (*user.User, error)
	update        func(p auth.Principal, id string, c directory.Change) (*user.User, error)
	deleteUser    func(p auth.Principal, id string, ifVersion int64) error
	setPassword   func(p auth.Principal, id, pw string, current *string) error
	search        func(q store.UserSearch) (store.UserPage, error)
	idByUsername  func(tenantID, username string) (string, error)
	getUser       func(tenantID, id string) (*user.User, error)
	listProfiles  func(tenantID string) ([]loginprofile.Profile, error)
	addProfile    func(tenantID string, p loginprofile.Profile) (loginprofile.Profile, error)
}

// happy returns a fake whose every method succeeds with the fixtures.
func happy(t *testing.T) *fake {
	return &fake{
		t: t,
		create: func(p auth.Principal, in directory.NewUser) (*user.User, error) {
			u := grace()
			u.Username, u.Number = in.Username, 43
			return u, nil
		},
		getByNumber: func(p auth.Principal, n int64) (*user.User, error) {
			if n != 42 {
				return nil, fault.New(fault.NotFound, "The user does not exist.")
			}
			return grace(), nil
		},
		getByUsername: func(p auth.Principal, username string) (*user.User, error) {
			if !strings.EqualFold(username, "grace") {
				return nil, fault.New(fault.NotFound, "The user does not exist.")
			}
			return grace(), nil
		},
		update:      func(p auth.Principal, id string, c directory.Change) (*user.User, error) { return grace(), nil },
		deleteUser:  func(p auth.Principal, id string, ifVersion int64) error { return nil },
		setPassword: func(p auth.Principal, id, pw string, current *string) error { return nil },
		search: func(q store.UserSearch) (store.UserPage, error) {
			return store.UserPage{Users: []*user.User{grace()}, Indexed: true}, nil
		},
		idByUsername: func(tenantID, username string) (string, error) {
			if !strings.EqualFold(username, "grace") {
				return "", fault.New(fault.NotFound, "No user has this username.")
			}
			return "usr1", nil
		},
		getUser: func(tenantID, id string) (*user.User, error) { return grace(), nil },
		listProfiles: func(tenantID string) ([]loginprofile.Profile, error) {
			return profiles(), nil
		},
		addProfile: func(tenantID string, p loginprofile.Profile) (loginprofile.Profile, error) {
			p.ID = 4
			return p, nil
		},
	}
}

// called records a call; set says whether the test gave the method an
// answer.
func (f *fake) called(name string, set bool) {
	f.t.Helper()
	f.calls = append(f.calls, name)
	if !set {
		f.t.Fatalf("unexpected call to %s", name)
	}
}

func (f *fake) Create(_ context.Context, p auth.Principal, in directory.NewUser) (*user.User, error) {
	f.called("Create", f.create != nil)
	return f.create(p, in)
}

func (f *fake) GetByNumber(_ context.Context, p auth.Principal, n int64) (*user.User, error) {
	f.called("GetByNumber", f.getByNumber != nil)
	return f.getByNumber(p, n)
}

func (f *fake) GetByUsername(_ context.Context, p auth.Principal, username string) (*user.User, error) {
	f.called("GetByUsername", f.getByUsername != nil)
	return f.getByUsername(p, username)
}

func (f *fake) Update(_ context.Context, p auth.Principal, id string, c directory.Change) (*user.User, error) {
	f.called("Update", f.update != nil)
	return f.update(p, id, c)
}

func (f *fake) Delete(_ context.Context, p auth.Principal, id string, ifVersion int64) error {
	f.called("Delete", f.deleteUser != nil)
	return f.deleteUser(p, id, ifVersion)
}

func (f *fake) SetPassword(_ context.Context, p auth.Principal, id, pw string, current *string) error {
	f.called("SetPassword", f.setPassword != nil)
	return f.setPassword(p, id, pw, current)
}

func (f *fake) SearchUsers(_ context.Context, q store.UserSearch) (store.UserPage, error) {
	f.called("SearchUsers", f.search != nil)
	return f.search(q)
}

func (f *fake) UserIDByUsername(_ context.Context, tenantID, username string) (string, error) {
	f.called("UserIDByUsername", f.idByUsername != nil)
	return f.idByUsername(tenantID, username)
}

func (f *fake) GetUser(_ context.Context, tenantID, id string) (*user.User, error) {
	f.called("GetUser", f.getUser != nil)
	return f.getUser(tenantID, id)
}

func (f *fake) ListLoginProfiles(_ context.Context, tenantID string) ([]loginprofile.Profile, error) {
	f.called("ListLoginProfiles", f.listProfiles != nil)
	return f.listProfiles(tenantID)
}

func (f *fake) AddLoginProfile(_ context.Context, tenantID string, p loginprofile.Profile) (loginprofile.Profile, error) {
	f.called("AddLoginProfile", f.addProfile != nil)
	return f.addProfile(tenantID, p)
}

// The directory methods the group never calls.

func (f *fake) Get(context.Context, auth.Principal, string) (*user.User, error) {
	f.called("Get", false)
	return nil, nil
}

func (f *fake) List(context.Context, auth.Principal, int, string) (directory.Page, error) {
	f.called("List", false)
	return directory.Page{}, nil
}

func (f *fake) DeleteMany(context.Context, auth.Principal, []string) ([]directory.DeleteOutcome, error) {
	f.called("DeleteMany", false)
	return nil, nil
}

func (f *fake) CreateGroup(context.Context, auth.Principal, string) (directory.Group, error) {
	f.called("CreateGroup", false)
	return directory.Group{}, nil
}

func (f *fake) ListGroups(context.Context, auth.Principal) ([]directory.Group, error) {
	f.called("ListGroups", false)
	return nil, nil
}

// deps are the group's dependencies, all backed by f.
func deps(f *fake) accessusers.Deps {
	return accessusers.Deps{Directory: f, Search: f, Users: f, Profiles: f, Now: func() time.Time { return fixedNow }}
}

// request is one request to the group.
type request struct {
	method, target string
	body           string
	as             *auth.Principal   // the verified caller; nil: none
	header         map[string]string // added; Content-Type is application/json when there is a body unless set here ("" removes)
}

// response is what the group answered.
type response struct {
	code   int
	header http.Header
	body   []byte
	logs   string
}

// withPrincipal stands in for the authorizer.
func withPrincipal(p *auth.Principal) auth.Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if p != nil {
				r = r.WithContext(auth.WithPrincipal(r.Context(), *p))
			}
			next.ServeHTTP(w, r)
		})
	}
}

// do sends rq to a new handler backed by f.
func do(t *testing.T, f *fake, rq request) response {
	t.Helper()
	return doDeps(t, deps(f), rq)
}

// doDeps sends rq to a new handler with the given dependencies.
func doDeps(t *testing.T, d accessusers.Deps, rq request) response {
	t.Helper()
	var logs bytes.Buffer
	return serve(t, accessusers.Handler(d, web.NewLogger(&logs, "debug"), withPrincipal(rq.as)), rq, &logs)
}

func serve(t *testing.T, h http.Handler, rq request, logs *bytes.Buffer) response {
	t.Helper()
	var body io.Reader
	if rq.body != "" {
		body = strings.NewReader(rq.body)
	}
	r := httptest.NewRequest(rq.method, rq.target, body)
	if rq.body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	for k, v := range rq.header {
		if v == "" {
			r.Header.Del(k)
		} else {
			r.Header.Set(k, v)
		}
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return response{code: w.Code, header: w.Header(), body: w.Body.Bytes(), logs: logs.String()}
}

// envelopeBody is the envelope as a client decodes it.
type envelopeBody struct {
	Timestamp string `json:"timestamp"`
	Status    int    `json:"status"`
	MessageID int    `json:"messageId"`
	Message   string `json:"message"`
}

// decodeEnvelope decodes exactly the four members of the envelope.
func decodeEnvelope(t *testing.T, res response) envelopeBody {
	t.Helper()
	if ct := res.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var e envelopeBody
	dec := json.NewDecoder(bytes.NewReader(res.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("envelope %s: %v", res.body, err)
	}
	if e.Timestamp != fixedStamp {
		t.Errorf("timestamp %q, want %q", e.Timestamp, fixedStamp)
	}
	return e
}

// assertOK checks a success envelope whose message contains each of want.
func assertOK(t *testing.T, res response, want ...string) {
	t.Helper()
	if res.code != http.StatusOK {
		t.Fatalf("status %d, want 200; body %s", res.code, res.body)
	}
	e := decodeEnvelope(t, res)
	if e.Status != 0 || e.MessageID != 0 || e.Message == "" {
		t.Errorf("success envelope %+v", e)
	}
	for _, w := range want {
		if !strings.Contains(e.Message, w) {
			t.Errorf("message %q does not contain %q", e.Message, w)
		}
	}
}

// assertFailure checks a failure envelope: the HTTP status repeated in
// status, the messageId, and a message naming each of want (fields, or
// words a person needs). Every 401 carries the Bearer challenge.
func assertFailure(t *testing.T, res response, status, messageID int, want ...string) {
	t.Helper()
	if res.code != status {
		t.Fatalf("status %d, want %d; body %s", res.code, status, res.body)
	}
	e := decodeEnvelope(t, res)
	if e.Status != status || e.MessageID != messageID {
		t.Errorf("envelope status %d messageId %d, want %d and %d: %s", e.Status, e.MessageID, status, messageID, e.Message)
	}
	for _, w := range want {
		if !strings.Contains(e.Message, w) {
			t.Errorf("message %q does not name %q", e.Message, w)
		}
	}
	challenge := ""
	if status == http.StatusUnauthorized {
		challenge = `Bearer realm="roster"`
	}
	if got := res.header.Get("WWW-Authenticate"); got != challenge {
		t.Errorf("WWW-Authenticate %q, want %q", got, challenge)
	}
	if strings.Contains(string(res.body), "cause that must stay internal") {
		t.Errorf("body leaks the internal cause: %s", res.body)
	}
}

// assertCalls checks the methods called, in order.
func assertCalls(t *testing.T, f *fake, want ...string) {
	t.Helper()
	got := f.calls
	if got == nil {
		got = []string{}
	}
	if want == nil {
		want = []string{}
	}
	if !slices.Equal(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}
}

// codeErr is a domain fault of the given code, as the directory returns it.
func codeErr(code fault.Code) error {
	return fault.Wrap(errors.New("cause that must stay internal"), code, "The service said %s.", code)
}

func fieldErr(code fault.Code, field string) error {
	return &fault.Error{Code: code, Message: "The service refused it.", Fields: []fault.FieldError{{Field: field, Message: "is wrong somehow"}},
		Err: errors.New("cause that must stay internal")}
}

func ptr[T any](v T) *T { return &v }

// newHandlerFor returns a function that sends requests to one handler
// backed by f, as one container serves them all.
func newHandlerFor(t *testing.T, f *fake) func(request) response {
	t.Helper()
	var (
		as   *auth.Principal
		logs bytes.Buffer
	)
	authn := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { withPrincipal(as)(next).ServeHTTP(w, r) })
	}
	h := accessusers.Handler(deps(f), web.NewLogger(&logs, "debug"), authn)
	return func(rq request) response {
		t.Helper()
		as = rq.as
		return serve(t, h, rq, &logs)
	}
}
