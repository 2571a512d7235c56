package users_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/user"
	"roster/shared/users"
	"roster/shared/web/webtest"
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
	webtest.Calls

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
		Calls: webtest.Calls{T: t},
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
		Calls:  webtest.Calls{T: t},
		create: func(auth.Principal, directory.NewUser) (*user.User, error) { return nil, err },
		get:    func(auth.Principal, string) (*user.User, error) { return nil, err },
		list:   func(auth.Principal, int, string) (directory.Page, error) { return directory.Page{}, err },
		update: func(auth.Principal, string, directory.Change) (*user.User, error) { return nil, err },
		delete: func(auth.Principal, string, int64) error { return err },
	}
}

func (f *fake) Create(_ context.Context, p auth.Principal, in directory.NewUser) (*user.User, error) {
	if !f.Called("Create", f.create) {
		return nil, webtest.ErrUnexpected
	}
	return f.create(p, in)
}

func (f *fake) Get(_ context.Context, p auth.Principal, id string) (*user.User, error) {
	if !f.Called("Get", f.get) {
		return nil, webtest.ErrUnexpected
	}
	return f.get(p, id)
}

func (f *fake) GetByNumber(_ context.Context, p auth.Principal, n int64) (*user.User, error) {
	if !f.Called("GetByNumber", f.getByNumber) {
		return nil, webtest.ErrUnexpected
	}
	return f.getByNumber(p, n)
}

func (f *fake) GetByUsername(_ context.Context, p auth.Principal, name string) (*user.User, error) {
	if !f.Called("GetByUsername", f.getByUsername) {
		return nil, webtest.ErrUnexpected
	}
	return f.getByUsername(p, name)
}

func (f *fake) List(_ context.Context, p auth.Principal, limit int, cursor string) (directory.Page, error) {
	if !f.Called("List", f.list) {
		return directory.Page{}, webtest.ErrUnexpected
	}
	return f.list(p, limit, cursor)
}

func (f *fake) Update(_ context.Context, p auth.Principal, id string, c directory.Change) (*user.User, error) {
	if !f.Called("Update", f.update) {
		return nil, webtest.ErrUnexpected
	}
	return f.update(p, id, c)
}

func (f *fake) Delete(_ context.Context, p auth.Principal, id string, ifVersion int64) error {
	if !f.Called("Delete", f.delete) {
		return webtest.ErrUnexpected
	}
	return f.delete(p, id, ifVersion)
}

func (f *fake) DeleteMany(_ context.Context, p auth.Principal, ids []string) ([]directory.DeleteOutcome, error) {
	if !f.Called("DeleteMany", f.deleteMany) {
		return nil, webtest.ErrUnexpected
	}
	return f.deleteMany(p, ids)
}

func (f *fake) SetPassword(_ context.Context, p auth.Principal, id, newPassword string, current *string) error {
	if !f.Called("SetPassword", f.setPassword) {
		return webtest.ErrUnexpected
	}
	return f.setPassword(p, id, newPassword, current)
}

func (f *fake) CreateGroup(_ context.Context, p auth.Principal, name string) (directory.Group, error) {
	if !f.Called("CreateGroup", f.createGroup) {
		return directory.Group{}, webtest.ErrUnexpected
	}
	return f.createGroup(p, name)
}

func (f *fake) ListGroups(_ context.Context, p auth.Principal) ([]directory.Group, error) {
	if !f.Called("ListGroups", f.listGroups) {
		return nil, webtest.ErrUnexpected
	}
	return f.listGroups(p)
}

// request and response are the shared shapes under the names the tests
// use.
type (
	request  = webtest.Request
	response = webtest.Response
)

// do sends rq to the group, backed by s.
func do(t *testing.T, s directory.Service, rq request) response {
	t.Helper()
	return webtest.Do(users.Handler, users.Deps{Service: s}, rq)
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
