package identity_test

import (
	"net/http"
	"strings"
	"testing"

	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/web/webtest"
)

func TestCreateGroupPassesTheName(t *testing.T) {
	f := happy(t)
	var got string
	f.CreateGroupFn = func(_ auth.Principal, name string) (directory.Group, error) {
		got = name
		return directory.Group{ID: "grp7", Name: name}, nil
	}
	assertJSON(t, do(t, f, request{Method: "POST", Target: acme + "/Group", Body: `{"name":"Dumbledore's Army"}`, As: &manager}),
		http.StatusCreated, `{"id":"grp7","name":"Dumbledore's Army"}`)
	if got != "Dumbledore's Army" {
		t.Errorf("name %q", got)
	}
}

func TestCreateGroupWithATakenNameIsAConflict(t *testing.T) {
	f := failing(t, fault.New(fault.Conflict, "The tenant has a group of that name."))
	p := webtest.AssertTraceProblem(t, do(t, f, request{Method: "POST", Target: acme + "/Group", Body: `{"name":"alumni"}`, As: &owner}), http.StatusConflict)
	if p.Detail != "The tenant has a group of that name." {
		t.Errorf("detail %q", p.Detail)
	}
}

func TestCreateGroupRefusesBadNames(t *testing.T) {
	for _, body := range []string{`{}`, `{"name":""}`, `{"name":"   "}`, `{"name":"` + strings.Repeat("g", 101) + `"}`, `{"name":"a\nb"}`, `{"name":null}`} {
		f := happy(t)
		assertValidation(t, do(t, f, request{Method: "POST", Target: acme + "/Group", Body: body, As: &owner}), "name")
		webtest.AssertCalls(t, f)
	}
}

func TestListGroupsWithNoneIsAnEmptyList(t *testing.T) {
	f := happy(t)
	f.ListGroupsFn = func(auth.Principal) ([]directory.Group, error) { return nil, nil }
	assertJSON(t, do(t, f, request{Method: "GET", Target: acme + "/Group", As: &manager}), 200, `{"groups":[]}`)
}
