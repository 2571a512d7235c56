package users_test

import (
	"net/http"
	"strings"
	"testing"

	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/user"
	"roster/shared/web/webtest"
)

func TestListShowsAPageAndItsCursor(t *testing.T) {
	tests := []struct {
		name   string
		query  string
		limit  int
		cursor string
	}{
		{"defaults", "", 50, ""},
		{"smallest page", "?limit=1", 1, ""},
		{"largest page", "?limit=100", 100, ""},
		{"next page", "?limit=2&cursor=cursor-2", 2, "cursor-2"},
		{"cursor alone", "?cursor=eyJrIjoidXNyMSJ9", 50, "eyJrIjoidXNyMSJ9"},
		{"escaped cursor", "?cursor=a%2Bb%3D", 50, "a+b="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := happy(t)
			var limit int
			var cursor string
			f.ListFn = func(_ auth.Principal, l int, c string) (directory.Page, error) {
				limit, cursor = l, c
				return directory.Page{Users: []*user.User{theUser(), bareUser()}, Next: "cursor-3"}, nil
			}
			res := do(t, f, request{Method: "GET", Target: "/users" + tt.query, As: &owner})
			webtest.AssertJSON(t, res, http.StatusOK, `{"users":[`+theUserJSON+`,`+bareUserJSON+`],"nextCursor":"cursor-3"}`)
			webtest.AssertHeaders(t, res, map[string]string{"Cache-Control": "no-store", "ETag": ""})
			assertNoNull(t, res.Body)
			if limit != tt.limit || cursor != tt.cursor {
				t.Errorf("listed limit %d from %q, want %d from %q", limit, cursor, tt.limit, tt.cursor)
			}
		})
	}
}

func TestTheLastPageHasANullCursor(t *testing.T) {
	f := happy(t)
	f.ListFn = func(auth.Principal, int, string) (directory.Page, error) {
		return directory.Page{Users: []*user.User{bareUser()}}, nil
	}
	res := do(t, f, request{Method: "GET", Target: "/users", As: &owner})
	webtest.AssertJSON(t, res, http.StatusOK, `{"users":[`+bareUserJSON+`],"nextCursor":null}`)
	assertNoNull(t, res.Body, "nextCursor")
}

func TestAnEmptyTenantListsAnEmptyArray(t *testing.T) {
	f := happy(t)
	f.ListFn = func(auth.Principal, int, string) (directory.Page, error) { return directory.Page{}, nil }
	res := do(t, f, request{Method: "GET", Target: "/users", As: &owner})
	webtest.AssertJSON(t, res, http.StatusOK, `{"users":[],"nextCursor":null}`)
}

func TestListRefusesBadQueriesWithoutCallingTheService(t *testing.T) {
	tests := []struct {
		name, query string
		fields      []string
	}{
		{"zero", "limit=0", []string{"limit"}},
		{"too many", "limit=101", []string{"limit"}},
		{"negative", "limit=-1", []string{"limit"}},
		{"not a number", "limit=ten", []string{"limit"}},
		{"a fraction", "limit=1.5", []string{"limit"}},
		{"empty limit", "limit=", []string{"limit"}},
		{"huge", "limit=99999999999999999999", []string{"limit"}},
		{"twice", "limit=1&limit=2", []string{"limit"}},
		{"empty cursor", "cursor=", []string{"cursor"}},
		{"cursor with a space", "cursor=a%20b", []string{"cursor"}},
		{"cursor with a control character", "cursor=a%00b", []string{"cursor"}},
		{"long cursor", "cursor=" + strings.Repeat("c", 1025), []string{"cursor"}},
		{"two cursors", "cursor=a&cursor=b", []string{"cursor"}},
		{"unknown parameter", "page=2", []string{"page"}},
		{"misspelt parameter", "Limit=10", []string{"Limit"}},
		{"offset paging", "offset=10&limit=10", []string{"offset"}},
		{"every problem", "limit=0&cursor=&sort=name", []string{"cursor", "limit", "sort"}},
		{"bad escape", "limit=%zz", []string{"query"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := happy(t)
			webtest.AssertProblem(t, do(t, f, request{Method: "GET", Target: "/users?" + tt.query, As: &owner}), http.StatusBadRequest, tt.fields...)
			webtest.AssertCalls(t, f)
		})
	}
}

func TestABadCursorFromTheDirectoryIs400NamingCursor(t *testing.T) {
	f := happy(t)
	f.ListFn = func(auth.Principal, int, string) (directory.Page, error) {
		return directory.Page{}, errInvalidCursor
	}
	webtest.AssertProblem(t, do(t, f, request{Method: "GET", Target: "/users?cursor=forged", As: &owner}), http.StatusBadRequest, "cursor")
}

var errInvalidCursor = fault.InvalidField("cursor", "is not a cursor this listing issued")
