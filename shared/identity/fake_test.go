package identity_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/directory/directorytest"
	"roster/shared/fault"
	"roster/shared/identity"
	"roster/shared/tenant"
	"roster/shared/user"
	"roster/shared/web/webtest"
)

// The callers tests act as, all in tenant acme, whose organization is
// AcmeCorp and whose tenant name is Prod, but globex (otherOwner); nobody
// holds a role that grants nothing.
var (
	owner, manager, member, adminKey, managerKey, memberKey, globex = webtest.Callers()

	nobody = auth.Principal{TenantID: "acme", UserID: "usr3", AccountID: "acc3", Roles: []string{"retired"}, Method: auth.ViaAccessToken}
)

// The tenants the fake TenantReader knows.
var tenants = map[string]*tenant.Tenant{
	"acme":   {ID: "acme", Organization: "AcmeCorp", Name: "Prod", Active: true},
	"globex": {ID: "globex", Organization: "Globex", Name: "Main", Active: true},
	"demo":   {ID: "demo", Organization: "demo", Name: "demo", Active: true},
}

// acme is the base path of tenant acme, spelt as a client might.
const acme = "/acmecorp/prod/identity_/api"

const passwd = "correct horse battery staple"

// fake is a fake directory that is also the TenantReader: the tenant
// lookup is recorded with the directory's calls.
type fake struct {
	*directorytest.Fake

	getTenant func(id string) (*tenant.Tenant, error)
}

var _ identity.TenantReader = (*fake)(nil)

// happy returns a fake whose every method the group uses succeeds.
func happy(t *testing.T) *fake {
	f := &fake{
		Fake: directorytest.New(t),
		getTenant: func(id string) (*tenant.Tenant, error) {
			if tn, ok := tenants[id]; ok {
				c := *tn
				return &c, nil
			}
			return nil, fault.New(fault.NotFound, "The tenant does not exist.")
		},
	}
	f.UpdateFn = func(p auth.Principal, id string, _ directory.Change) (*user.User, error) {
		return &user.User{TenantID: p.TenantID, ID: id, Version: 2}, nil
	}
	f.DeleteFn = func(auth.Principal, string, int64) error { return nil }
	f.DeleteManyFn = func(_ auth.Principal, ids []string) ([]directory.DeleteOutcome, error) {
		out := make([]directory.DeleteOutcome, len(ids))
		for i, id := range ids {
			out[i] = directory.DeleteOutcome{ID: id, Status: "deleted"}
		}
		return out, nil
	}
	f.SetPasswordFn = func(auth.Principal, string, string, *string) error { return nil }
	f.CreateGroupFn = func(_ auth.Principal, name string) (directory.Group, error) {
		return directory.Group{ID: "grp1", Name: name, CreatedAt: time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)}, nil
	}
	f.ListGroupsFn = func(auth.Principal) ([]directory.Group, error) {
		return []directory.Group{{ID: "grp2", Name: "alumni"}, {ID: "grp1", Name: "gryffindor"}}, nil
	}
	return f
}

// failing returns a fake whose tenant lookup succeeds and whose every
// directory method returns err.
func failing(t *testing.T, err error) *fake {
	f := happy(t)
	f.UpdateFn = func(auth.Principal, string, directory.Change) (*user.User, error) { return nil, err }
	f.DeleteFn = func(auth.Principal, string, int64) error { return err }
	f.DeleteManyFn = func(auth.Principal, []string) ([]directory.DeleteOutcome, error) { return nil, err }
	f.SetPasswordFn = func(auth.Principal, string, string, *string) error { return err }
	f.CreateGroupFn = func(auth.Principal, string) (directory.Group, error) { return directory.Group{}, err }
	f.ListGroupsFn = func(auth.Principal) ([]directory.Group, error) { return nil, err }
	return f
}

// GetTenant calls getTenant.
func (f *fake) GetTenant(_ context.Context, id string) (*tenant.Tenant, error) {
	if !f.Called("GetTenant", f.getTenant) {
		return nil, webtest.ErrUnexpected
	}
	return f.getTenant(id)
}

// deps are the group's dependencies, both served by f.
func deps(f *fake) identity.Deps { return identity.Deps{Directory: f, Tenants: f} }

// request and response are the shared shapes under the names the tests
// use.
type (
	request  = webtest.Request
	response = webtest.Response
)

// do sends rq to the group, backed by f.
func do(t *testing.T, f *fake, rq request) response {
	t.Helper()
	return webtest.Do(identity.Handler, deps(f), rq)
}

// validation is the body of a 400, decoded strictly.
type validation struct {
	Errors  map[string][]string `json:"errors"`
	Type    string              `json:"type"`
	Title   string              `json:"title"`
	Status  int                 `json:"status"`
	TraceID string              `json:"traceId"`
}

// assertValidation checks a validation problem whose errors name exactly
// the given fields, each with at least one message naming the field.
func assertValidation(t *testing.T, res response, fields ...string) validation {
	t.Helper()
	if res.Code != http.StatusBadRequest {
		t.Fatalf("status %d, want 400; body %s", res.Code, res.Body)
	}
	webtest.AssertTraceProblemHeaders(t, res)
	var members map[string]json.RawMessage
	if err := json.Unmarshal(res.Body, &members); err != nil {
		t.Fatalf("body %s: %v", res.Body, err)
	}
	if got := slices.Sorted(maps.Keys(members)); !slices.Equal(got, []string{"errors", "status", "title", "traceId", "type"}) {
		t.Errorf("members %q, want errors, type, title, status and traceId", got)
	}
	var v validation
	webtest.DecodeStrict(t, res.Body, &v)
	if v.Type != "https://tools.ietf.org/html/rfc7231#section-6.5.1" || v.Title != "One or more validation errors occurred." || v.Status != 400 {
		t.Errorf("problem %+v", v)
	}
	if !webtest.TraceIDPattern.MatchString(v.TraceID) || v.TraceID != res.Header.Get("Traceresponse") {
		t.Errorf("traceId %q, traceresponse header %q", v.TraceID, res.Header.Get("Traceresponse"))
	}
	if got, want := slices.Sorted(maps.Keys(v.Errors)), slices.Sorted(slices.Values(fields)); !slices.Equal(got, want) {
		t.Errorf("errors name %q, want %q; body %s", got, want, res.Body)
	}
	for field, msgs := range v.Errors {
		if len(msgs) == 0 {
			t.Errorf("%s has no message", field)
		}
		for _, m := range msgs {
			if !strings.Contains(m, strings.TrimPrefix(field, "$")) || !strings.HasSuffix(m, ".") {
				t.Errorf("%s: message %q is not a sentence naming the field", field, m)
			}
		}
	}
	return v
}

// assertJSON checks a JSON response's status, media type and exact body.
func assertJSON(t *testing.T, res response, status int, want string) {
	t.Helper()
	if res.Code != status {
		t.Fatalf("status %d, want %d; body %s", res.Code, status, res.Body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
	if got, want := webtest.Compact(t, string(res.Body)), webtest.Compact(t, want); got != want {
		t.Errorf("body\n%s\nwant\n%s", got, want)
	}
}
