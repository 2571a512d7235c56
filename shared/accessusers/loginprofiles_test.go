package accessusers_test

import (
	"net/http"
	"strings"
	"testing"

	"roster/shared/fault"
	"roster/shared/loginprofile"
	"roster/shared/web/webtest"
)

const (
	listProfilesPath = "/api/v1/loginprofile/list"
	addProfilePath   = "/api/v1/loginprofile/add"
)

func TestListLoginProfilesShowsTheDefaultFirstAndEveryField(t *testing.T) {
	f := happy(t)
	res := do(t, f, request{Method: "GET", Target: listProfilesPath, As: &manager})
	if res.Code != http.StatusOK {
		t.Fatalf("status %d: %s", res.Code, res.Body)
	}
	assertSameJSON(t, res.Body, `{"list":[
		{"id":1,"name":"Local","authTypeId":1,"authTypeStr":"LOCAL","createDateTime":"","createdOwner":"","default":true},
		{"id":2,"name":"Corporate LDAP","authTypeId":2,"authTypeStr":"LDAP","createDateTime":"2025-01-01T00:00:00.000Z","createdOwner":"user:usr9","default":false},
		{"id":3,"name":"Contractors","authTypeId":1,"authTypeStr":"LOCAL","createDateTime":"2025-01-05T00:00:00.000Z","createdOwner":"apikey:key1","default":false}
	],"resultCount":3}`)
	webtest.AssertCalls(t, f, "ListLoginProfiles")
}

func TestListLoginProfilesRefusesParametersAndPassesOnFailures(t *testing.T) {
	f := happy(t)
	assertFailure(t, do(t, f, request{Method: "GET", Target: listProfilesPath + "?pageSize=5", As: &owner}), http.StatusBadRequest, 40001, "pageSize is not a parameter")
	webtest.AssertCalls(t, f)
	f.listProfiles = func(string) ([]loginprofile.Profile, error) { return nil, webtest.Fault(fault.Unavailable) }
	assertFailure(t, do(t, f, request{Method: "GET", Target: listProfilesPath, As: &owner}), http.StatusServiceUnavailable, 50301)
}

func TestAddLoginProfileStoresItForTheCallerAndSaysItsID(t *testing.T) {
	f := happy(t)
	var got loginprofile.Profile
	var tenant string
	f.addProfile = func(tenantID string, p loginprofile.Profile) (loginprofile.Profile, error) {
		tenant, got = tenantID, p
		p.ID = 4
		return p, nil
	}
	res := do(t, f, post(addProfilePath, `{"name":"  Okta ","authTypeId":4}`, &adminKey))
	if res.Code != http.StatusOK {
		t.Fatalf("status %d: %s", res.Code, res.Body)
	}
	assertSameJSON(t, res.Body, `{"timestamp":"`+fixedStamp+`","status":0,"messageId":0,"message":"Login profile 4 (Okta) added.","id":4}`)
	if tenant != "acme" || got.Name != "Okta" || got.AuthType != loginprofile.OIDC || got.CreatedBy != "apikey:key1" || !got.CreatedAt.Equal(fixedNow) {
		t.Errorf("stored %+v in %s", got, tenant)
	}
}

func TestAddLoginProfileRefusesBadInputAndNamesTakenOrTooMany(t *testing.T) {
	tests := []struct {
		name, body string
		want       []string
	}{
		{"nothing", `{}`, []string{"name is required", "authTypeId is required"}},
		{"blank name", `{"name":" ","authTypeId":1}`, []string{"name is required"}},
		{"long name", `{"name":"` + strings.Repeat("n", 101) + `","authTypeId":1}`, []string{"name must be at most 100"}},
		{"control in name", `{"name":"a\tb","authTypeId":1}`, []string{"name must not contain control"}},
		{"unknown type", `{"name":"x","authTypeId":5}`, []string{"authTypeId is required: 1 (LOCAL), 2 (LDAP), 3 (SAML) or 4 (OIDC)"}},
		{"zero type", `{"name":"x","authTypeId":0}`, []string{"authTypeId is required"}},
		{"id is the store's", `{"name":"x","authTypeId":1,"id":7}`, []string{"id is not a known field"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := happy(t)
			assertFailure(t, do(t, f, post(addProfilePath, tt.body, &owner)), http.StatusBadRequest, 40001, tt.want...)
			webtest.AssertCalls(t, f)
		})
	}
	f := happy(t)
	f.addProfile = func(string, loginprofile.Profile) (loginprofile.Profile, error) {
		return loginprofile.Profile{}, fieldErr(fault.Conflict, "name")
	}
	assertFailure(t, do(t, f, post(addProfilePath, `{"name":"Local","authTypeId":1}`, &owner)), http.StatusConflict, 40904)
	f.addProfile = func(string, loginprofile.Profile) (loginprofile.Profile, error) {
		return loginprofile.Profile{}, fault.New(fault.Conflict, "The tenant has 100 login profiles, the most it may have.")
	}
	assertFailure(t, do(t, f, post(addProfilePath, `{"name":"One more","authTypeId":1}`, &owner)), http.StatusConflict, 40906, "100 login profiles")
}

func TestAProfileAddedThroughTheHandlerIsUsableAtOnce(t *testing.T) {
	f := happy(t)
	stored := profiles()
	f.listProfiles = func(string) ([]loginprofile.Profile, error) { return stored, nil }
	f.addProfile = func(_ string, p loginprofile.Profile) (loginprofile.Profile, error) {
		p.ID = 4
		stored = append(stored, p)
		return p, nil
	}
	h := newHandlerFor(t, f)
	if res := h(post(addProfilePath, `{"name":"Okta","authTypeId":4}`, &owner)); res.Code != http.StatusOK {
		t.Fatalf("add: %d %s", res.Code, res.Body)
	}
	if res := h(post(addPath, `{"username":"ada","active":true,"authId":4}`, &owner)); res.Code != http.StatusOK {
		t.Fatalf("add user with the new profile: %d %s", res.Code, res.Body)
	}
}
