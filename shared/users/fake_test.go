package users_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/directory/directorytest"
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
var owner, manager, member, adminKey, managerKey, memberKey, otherOwner = webtest.Callers()

// theUser is a user with every member set, as the fake returns it.
func theUser() *user.User {
	return &user.User{
		TenantID: "acme", ID: "usr1", Number: 42, Username: "grace", Email: "grace@example.com",
		FirstName: "Grace", LastName: "Hopper", Active: true, Role: "user_manager",
		CreatedAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), UpdatedAt: time.Date(2025, 2, 3, 4, 5, 6, 0, time.UTC),
		CreatedBy: "user:usr9", UpdatedBy: "user:usr9", Version: 7,
		AccountID: "acc1", TokenVersion: 3,
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
	"isLdap":true,"ldapUserName":"ACME\\ghopper","notificationsOptIn":true,"emailVerified":false,
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
	"isLdap":false,"ldapUserName":"","notificationsOptIn":false,"emailVerified":false,"permissions":["self:read","self:write"]}`

// happy returns a fake directory whose every route method succeeds with
// theUser.
func happy(t *testing.T) *directorytest.Fake {
	f := directorytest.New(t)
	f.CreateFn = func(auth.Principal, directory.NewUser) (*user.User, error) {
		u := theUser()
		u.Version = 1
		return u, nil
	}
	f.GetFn = func(auth.Principal, string) (*user.User, error) { return theUser(), nil }
	f.ListFn = func(auth.Principal, int, string) (directory.Page, error) {
		return directory.Page{Users: []*user.User{theUser(), bareUser()}, Next: "cursor-2"}, nil
	}
	f.UpdateFn = func(auth.Principal, string, directory.Change) (*user.User, error) {
		u := theUser()
		u.Version = 8
		return u, nil
	}
	f.DeleteFn = func(auth.Principal, string, int64) error { return nil }
	return f
}

// failing returns a fake directory whose every route method returns err.
func failing(t *testing.T, err error) *directorytest.Fake {
	f := directorytest.New(t)
	f.CreateFn = func(auth.Principal, directory.NewUser) (*user.User, error) { return nil, err }
	f.GetFn = func(auth.Principal, string) (*user.User, error) { return nil, err }
	f.ListFn = func(auth.Principal, int, string) (directory.Page, error) { return directory.Page{}, err }
	f.UpdateFn = func(auth.Principal, string, directory.Change) (*user.User, error) { return nil, err }
	f.DeleteFn = func(auth.Principal, string, int64) error { return err }
	return f
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
