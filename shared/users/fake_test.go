package users_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/user"
	"roster/shared/users"
	"roster/shared/web"
)

// The Azure application key in clear, as a caller sends it, and sealed,
// as the directory stores it. Neither may appear in any response or log.
const (
	clearKey  = "Qx7~azure-app-key-in-clear.0123456789abcdef"
	sealedKey = "v1.c2VhbGVkLWF6dXJlLWFwcGxpY2F0aW9uLWtleQ"
)

// The callers tests act as.
var (
	owner      = auth.Principal{TenantID: "acme", UserID: "usr9", AccountID: "acc9", Roles: []string{"owner"}, Method: auth.ViaAccessToken}
	manager    = auth.Principal{TenantID: "acme", UserID: "usr5", AccountID: "acc5", Roles: []string{"user_manager"}, Method: auth.ViaAccessToken}
	member     = auth.Principal{TenantID: "acme", UserID: "usr1", AccountID: "acc1", Roles: []string{"member"}, Method: auth.ViaAccessToken}
	adminKey   = auth.Principal{TenantID: "acme", KeyID: "key1", Roles: []string{"admin"}, Method: auth.ViaAPIKey}
	managerKey = auth.Principal{TenantID: "acme", KeyID: "key3", Roles: []string{"user_manager"}, Method: auth.ViaAPIKey}
	memberKey  = auth.Principal{TenantID: "acme", KeyID: "key2", Roles: []string{"member"}, Method: auth.ViaAPIKey}
	otherOwner = auth.Principal{TenantID: "globex", UserID: "usr7", AccountID: "acc7", Roles: []string{"owner"}, Method: auth.ViaAccessToken}
)

// theUser is a user with every member set, as the fake returns it.
func theUser() *user.User {
	return &user.User{
		TenantID: "acme", ID: "usr1", Number: 42, Username: "grace", Email: "grace@example.com",
		FirstName: "Grace", LastName: "Hopper", Active: true, Role: "user_manager",
		CreatedAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), UpdatedAt: time.Date(2025, 2, 3, 4, 5, 6, 0, time.UTC),
		CreatedBy: "user:usr9", UpdatedBy: "user:usr9", Version: 7,
		AccountID: "acc1", TokenVersion: 3, AccessToken: "sealed-third-party-token",
		NotificationsOptIn: true, LDAPUserName: "ACME\\ghopper", InvitationAccepted: true,
		Groups:              []string{"grp1"},
		WorkingEnvironments: []string{"we-1", "we-2"},
		CreatedWorkingEnvironments: []user.WorkingEnvironment{
			{PublicID: "we-1", Name: "prod-east", Type: "ON_PREM"},
		},
		Azure: &user.AzureCredentials{
			SubscriptionID: "8f2e4c1a-0b6d-4e7f-9a3c-5d1e2f3a4b5c", TenantID: "1b2c3d4e-5f60-4718-9a0b-c1d2e3f4a5b6",
			ApplicationID: "0a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9", ApplicationKey: sealedKey,
		},
	}
}

// theUserJSON is theUser as the API shows it.
const theUserJSON = `{
	"publicId":"usr1","assignedWorkingEnvironments":["we-1","we-2"],"firstName":"Grace","lastName":"Hopper",
	"email":"grace@example.com","roleId":"user_manager","tenantId":"acme",
	"createdWorkingEnvironments":[{"publicId":"we-1","name":"prod-east","workingEnvironmentType":"ON_PREM"}],
	"azureCredentials":{"subscriptionId":"8f2e4c1a-0b6d-4e7f-9a3c-5d1e2f3a4b5c","tenantId":"1b2c3d4e-5f60-4718-9a0b-c1d2e3f4a5b6",
		"applicationId":"0a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9","applicationKey":"********"},
	"isLdap":true,"ldapUserName":"ACME\\ghopper","notificationsOptIn":true,
	"permissions":["groups:read","groups:write","invitations:write","self:read","self:write","users:delete","users:read","users:write"]}`

// bareUser is a user with nothing optional set.
func bareUser() *user.User {
	return &user.User{TenantID: "acme", ID: "usr2", Username: "ada@example.com", Email: "ada@example.com",
		FirstName: "Ada", LastName: "Lovelace", Active: true, Role: "member", Version: 1}
}

// bareUserJSON is bareUser as the API shows it: required members present,
// arrays empty rather than null, no azureCredentials.
const bareUserJSON = `{
	"publicId":"usr2","assignedWorkingEnvironments":[],"firstName":"Ada","lastName":"Lovelace",
	"email":"ada@example.com","roleId":"member","tenantId":"acme","createdWorkingEnvironments":[],
	"isLdap":false,"ldapUserName":"","notificationsOptIn":false,"permissions":["self:read","self:write"]}`

// fake is a directory.Service whose methods are fields. It records every
// call; a method whose field is nil fails the test.
type fake struct {
	t     *testing.T
	calls []string

	create        func(p auth.Principal, in directory.NewUser) (*user.User, error)
	get           func(p auth.Principal, id string) (*user.User, error)
	getByNumber   func(p auth.Principal, n int64) (*user.User, error)
	getByUsername func(p auth.Principal, name string) (*user.User, error)
	list          func(p auth.Principal, limit int, cursor string) (directory.Page, error)
	update        func(p auth.Principal, id string, c directory.Change) (*user.User, error)
	delete        func(p auth.Principal, id string, ifVersion int64) error
	deleteMany    func(p auth.Principal, ids []string) ([]directory.DeleteOutcome, error)
	setPassword   func(p auth.Principal, id, newPassword string, current *string) error
	createGroup   func(p auth.Principal, name string) (directory.Group, error)
	listGroups    func(p auth.Principal) ([]directory.Group, error)
}

var _ directory.Service = (*fake)(nil)

// happy returns a fake whose every route method succeeds with theUser.
func happy(t *testing.T) *fake {
	return &fake{
		t: t,
		create: func(auth.Principal, directory.NewUser) (*user.User, error) {
			u := theUser()
			u.Version = 1
			return u, nil
		},
		get: func(auth.Principal, string) (*user.User, error) { return theUser(), nil },
		list: func(auth.Principal, int, string) (directory.Page, error) {
			return directory.Page{Users: []*user.User{theUser(), bareUser()}, Next: "cursor-2"}, nil
		},
		update: func(auth.Principal, string, directory.Change) (*user.User, error) {
			u := theUser()
			u.Version = 8
			return u, nil
		},
		delete: func(auth.Principal, string, int64) error { return nil },
	}
}

// failing returns a fake whose every route method returns err.
func failing(t *testing.T, err error) *fake {
	return &fake{
		t:      t,
		create: func(auth.Principal, directory.NewUser) (*user.User, error) { return nil, err },
		get:    func(auth.Principal, string) (*user.User, error) { return nil, err },
		list:   func(auth.Principal, int, string) (directory.Page, error) { return directory.Page{}, err },
		update: func(auth.Principal, string, directory.Change) (*user.User, error) { return nil, err },
		delete: func(auth.Principal, string, int64) error { return err },
	}
}

func (f *fake) called(name string, fn any) {
	f.calls = append(f.calls, name)
	if reflect.ValueOf(fn).IsNil() {
		f.t.Errorf("unexpected call to %s", name)
	}
}

var errUnexpected = errors.New("unexpected call")

func (f *fake) Create(_ context.Context, p auth.Principal, in directory.NewUser) (*user.User, error) {
	if f.called("Create", f.create); f.create == nil {
		return nil, errUnexpected
	}
	return f.create(p, in)
}

func (f *fake) Get(_ context.Context, p auth.Principal, id string) (*user.User, error) {
	if f.called("Get", f.get); f.get == nil {
		return nil, errUnexpected
	}
	return f.get(p, id)
}

func (f *fake) GetByNumber(_ context.Context, p auth.Principal, n int64) (*user.User, error) {
	if f.called("GetByNumber", f.getByNumber); f.getByNumber == nil {
		return nil, errUnexpected
	}
	return f.getByNumber(p, n)
}

func (f *fake) GetByUsername(_ context.Context, p auth.Principal, name string) (*user.User, error) {
	if f.called("GetByUsername", f.getByUsername); f.getByUsername == nil {
		return nil, errUnexpected
	}
	return f.getByUsername(p, name)
}

func (f *fake) List(_ context.Context, p auth.Principal, limit int, cursor string) (directory.Page, error) {
	if f.called("List", f.list); f.list == nil {
		return directory.Page{}, errUnexpected
	}
	return f.list(p, limit, cursor)
}

func (f *fake) Update(_ context.Context, p auth.Principal, id string, c directory.Change) (*user.User, error) {
	if f.called("Update", f.update); f.update == nil {
		return nil, errUnexpected
	}
	return f.update(p, id, c)
}

func (f *fake) Delete(_ context.Context, p auth.Principal, id string, ifVersion int64) error {
	if f.called("Delete", f.delete); f.delete == nil {
		return errUnexpected
	}
	return f.delete(p, id, ifVersion)
}

func (f *fake) DeleteMany(_ context.Context, p auth.Principal, ids []string) ([]directory.DeleteOutcome, error) {
	if f.called("DeleteMany", f.deleteMany); f.deleteMany == nil {
		return nil, errUnexpected
	}
	return f.deleteMany(p, ids)
}

func (f *fake) SetPassword(_ context.Context, p auth.Principal, id, newPassword string, current *string) error {
	if f.called("SetPassword", f.setPassword); f.setPassword == nil {
		return errUnexpected
	}
	return f.setPassword(p, id, newPassword, current)
}

func (f *fake) CreateGroup(_ context.Context, p auth.Principal, name string) (directory.Group, error) {
	if f.called("CreateGroup", f.createGroup); f.createGroup == nil {
		return directory.Group{}, errUnexpected
	}
	return f.createGroup(p, name)
}

func (f *fake) ListGroups(_ context.Context, p auth.Principal) ([]directory.Group, error) {
	if f.called("ListGroups", f.listGroups); f.listGroups == nil {
		return nil, errUnexpected
	}
	return f.listGroups(p)
}

// request is one request to the group.
type request struct {
	method, target string
	body           string
	as             *auth.Principal   // the verified caller; nil: none
	header         map[string]string // added; Content-Type is application/json when there is a body unless set here ("" removes)
	edit           func(*http.Request)
}

// response is what the group answered.
type response struct {
	code   int
	header http.Header
	body   []byte
	logs   string
}

// withPrincipal stands in for the authorizer: it gives the request the
// caller the test names.
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

// do sends rq to the group, backed by s.
func do(t *testing.T, s directory.Service, rq request) response {
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
	if rq.edit != nil {
		rq.edit(r)
	}
	var logs bytes.Buffer
	h := users.Handler(users.Deps{Service: s}, web.NewLogger(&logs, "debug"), withPrincipal(rq.as))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return response{code: w.Code, header: w.Header(), body: w.Body.Bytes(), logs: logs.String()}
}

// assertProblem checks an RFC 9457 problem response with the given status
// whose errors name exactly the given fields. Every 401 must carry the
// Bearer challenge.
func assertProblem(t *testing.T, res response, status int, fields ...string) web.Problem {
	t.Helper()
	if res.code != status {
		t.Fatalf("status %d, want %d; body %s", res.code, status, res.body)
	}
	if ct := res.header.Get("Content-Type"); ct != web.ProblemContentType {
		t.Errorf("Content-Type %q, want %q", ct, web.ProblemContentType)
	}
	var p web.Problem
	dec := json.NewDecoder(bytes.NewReader(res.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("problem body %s: %v", res.body, err)
	}
	if p.Status != status || p.Title != http.StatusText(status) || p.Type != "about:blank" || p.Detail == "" || p.RequestID != res.header.Get(web.RequestIDHeader) {
		t.Errorf("problem %+v does not describe status %d", p, status)
	}
	got := []string{}
	for _, e := range p.Errors {
		if e.Message == "" {
			t.Errorf("field %q has no message", e.Field)
		}
		got = append(got, e.Field)
	}
	slices.Sort(got)
	want := slices.Sorted(slices.Values(append([]string{}, fields...)))
	if !slices.Equal(got, want) {
		t.Errorf("problem names fields %q, want %q; body %s", got, want, res.body)
	}
	wantChallenge := ""
	if status == http.StatusUnauthorized {
		wantChallenge = `Bearer realm="roster"`
	}
	if got := res.header.Get("WWW-Authenticate"); got != wantChallenge {
		t.Errorf("WWW-Authenticate %q, want %q", got, wantChallenge)
	}
	for _, h := range []string{"ETag", "Location"} {
		if res.header.Get(h) != "" {
			t.Errorf("a problem with %s %q", h, res.header.Get(h))
		}
	}
	return p
}

// assertJSON checks a JSON response's status, media type and exact body,
// and that no member anywhere in it is null.
func assertJSON(t *testing.T, res response, status int, want string) {
	t.Helper()
	if res.code != status {
		t.Fatalf("status %d, want %d; body %s", res.code, status, res.body)
	}
	if ct := res.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var got, exp any
	if err := json.Unmarshal(res.body, &got); err != nil {
		t.Fatalf("body %s: %v", res.body, err)
	}
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatalf("expected body %s: %v", want, err)
	}
	if !reflect.DeepEqual(got, exp) {
		t.Errorf("body\n%s\nwant\n%s", res.body, compact(t, want))
	}
}

// assertNoNull fails when any member of a JSON document, at any depth, is
// null, except those named in allowed (by key).
func assertNoNull(t *testing.T, body []byte, allowed ...string) {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch v := v.(type) {
		case nil:
			if !slices.Contains(allowed, key) {
				t.Errorf("%s is null in %s", key, body)
			}
		case map[string]any:
			for k, e := range v {
				walk(k, e)
			}
		case []any:
			for _, e := range v {
				walk(key+"[]", e)
			}
		}
	}
	walk("body", v)
}

// assertHeaders checks response headers; "" means absent.
func assertHeaders(t *testing.T, res response, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got := res.header.Get(k); got != v {
			t.Errorf("%s %q, want %q", k, got, v)
		}
	}
}

// assertCalls checks the service methods called, in order.
func assertCalls(t *testing.T, f *fake, want ...string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	got := f.calls
	if got == nil {
		got = []string{}
	}
	if !slices.Equal(got, want) {
		t.Errorf("service calls %q, want %q", got, want)
	}
}

func compact(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// codeErr is a domain fault of the given code, as the service returns it.
func codeErr(code fault.Code) error {
	return fault.Wrap(errors.New("cause that must stay internal"), code, "The service said %s.", code)
}

func ptr[T any](v T) *T { return &v }

func merge(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}
