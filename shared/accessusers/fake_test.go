package accessusers_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"roster/shared/accessusers"
	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/directory/directorytest"
	"roster/shared/fault"
	"roster/shared/loginprofile"
	"roster/shared/user"
	"roster/shared/web"
	"roster/shared/web/webtest"
)

// fixedNow is the handlers' clock.
var fixedNow = time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)

// fixedStamp is fixedNow as the envelope shows it.
const fixedStamp = "2025-03-10T12:00:00.000Z"

// The callers tests act as.
var owner, manager, member, adminKey, managerKey, memberKey, otherOwner = webtest.Callers()

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

// fake stands in for the directory (its search a function field of its
// own) and for the login profiles; their calls are recorded with the
// directory's.
type fake struct {
	*directorytest.Fake

	search       func(q directory.UserSearch) (directory.UserPage, error)
	listProfiles func(tenantID string) ([]loginprofile.Profile, error)
	addProfile   func(tenantID string, p loginprofile.Profile) (loginprofile.Profile, error)
}

// happy returns a fake whose every method the group uses succeeds with the
// fixtures.
func happy(t *testing.T) *fake {
	f := &fake{
		Fake: directorytest.New(t),
		search: func(q directory.UserSearch) (directory.UserPage, error) {
			return directory.UserPage{Users: []*user.User{grace()}, Indexed: true}, nil
		},
		listProfiles: func(tenantID string) ([]loginprofile.Profile, error) {
			return profiles(), nil
		},
		addProfile: func(tenantID string, p loginprofile.Profile) (loginprofile.Profile, error) {
			p.ID = 4
			return p, nil
		},
	}
	f.CreateFn = func(p auth.Principal, in directory.NewUser) (*user.User, error) {
		u := grace()
		u.Username, u.Number = in.Username, 43
		return u, nil
	}
	f.GetByNumberFn = func(p auth.Principal, n int64) (*user.User, error) {
		if n != 42 {
			return nil, fault.New(fault.NotFound, "The user does not exist.")
		}
		return grace(), nil
	}
	f.GetByUsernameFn = func(p auth.Principal, username string) (*user.User, error) {
		if !strings.EqualFold(username, "grace") {
			return nil, fault.New(fault.NotFound, "The user does not exist.")
		}
		return grace(), nil
	}
	f.PasswordTargetFn = func(p auth.Principal, username string) (*user.User, error) {
		if !strings.EqualFold(username, "grace") {
			return nil, fault.New(fault.NotFound, "No user has this username.")
		}
		return grace(), nil
	}
	f.UpdateFn = func(p auth.Principal, id string, c directory.Change) (*user.User, error) { return grace(), nil }
	f.DeleteFn = func(p auth.Principal, id string, ifVersion int64) error { return nil }
	f.SetPasswordFn = func(p auth.Principal, id, pw string, current *string) error { return nil }
	return f
}

// SearchUsers calls search.
func (f *fake) SearchUsers(_ context.Context, _ auth.Principal, q directory.UserSearch) (directory.UserPage, error) {
	if !f.Called("SearchUsers", f.search) {
		return directory.UserPage{}, webtest.ErrUnexpected
	}
	return f.search(q)
}

// ListLoginProfiles calls listProfiles.
func (f *fake) ListLoginProfiles(_ context.Context, tenantID string) ([]loginprofile.Profile, error) {
	if !f.Called("ListLoginProfiles", f.listProfiles) {
		return nil, webtest.ErrUnexpected
	}
	return f.listProfiles(tenantID)
}

// AddLoginProfile calls addProfile.
func (f *fake) AddLoginProfile(_ context.Context, tenantID string, p loginprofile.Profile) (loginprofile.Profile, error) {
	if !f.Called("AddLoginProfile", f.addProfile) {
		return loginprofile.Profile{}, webtest.ErrUnexpected
	}
	return f.addProfile(tenantID, p)
}

// deps are the group's dependencies, all backed by f.
func deps(f *fake) accessusers.Deps {
	return accessusers.Deps{Directory: f, Profiles: f, Now: func() time.Time { return fixedNow }}
}

// request and response are the shared shapes under the names the tests
// use.
type (
	request  = webtest.Request
	response = webtest.Response
)

// do sends rq to a new handler backed by f.
func do(t *testing.T, f *fake, rq request) response {
	t.Helper()
	return webtest.Do(accessusers.Handler, deps(f), rq)
}

// serve sends rq to h, a handler that keeps serving, and returns the
// answer with everything h has logged so far, into logs.
func serve(t *testing.T, h http.Handler, rq request, logs *bytes.Buffer) response {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, webtest.NewRequest(rq))
	return response{Code: w.Code, Header: w.Header(), Body: w.Body.Bytes(), Logs: logs.String()}
}

// decodeEnvelope decodes exactly the four members of the envelope,
// stamped with the handlers' clock.
func decodeEnvelope(t *testing.T, res response) webtest.Envelope {
	t.Helper()
	e := webtest.DecodeEnvelope(t, res)
	assertStamp(t, e)
	return e
}

// assertStamp checks that e was stamped with the handlers' clock.
func assertStamp(t *testing.T, e webtest.Envelope) {
	t.Helper()
	if e.Timestamp != fixedStamp {
		t.Errorf("timestamp %q, want %q", e.Timestamp, fixedStamp)
	}
}

// assertOK checks a success envelope whose message contains each of want.
func assertOK(t *testing.T, res response, want ...string) {
	t.Helper()
	if res.Code != http.StatusOK {
		t.Fatalf("status %d, want 200; body %s", res.Code, res.Body)
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

// assertFailure checks a failure envelope ([webtest.AssertEnvelope])
// stamped with the handlers' clock.
func assertFailure(t *testing.T, res response, status, messageID int, want ...string) {
	t.Helper()
	assertStamp(t, webtest.AssertEnvelope(t, res, status, messageID, want...))
}

// fieldErr is a domain fault of code that names field, as the directory
// returns it.
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
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { webtest.As(as)(next).ServeHTTP(w, r) })
	}
	h := accessusers.Handler(deps(f), web.NewLogger(&logs, "debug"), authn)
	return func(rq request) response {
		t.Helper()
		as = rq.As
		return serve(t, h, rq, &logs)
	}
}
