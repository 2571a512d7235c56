package webtest

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"roster/shared/web"
)

// CheckRoutes checks that a group lists exactly the routes its tests
// cover, each named "METHOD /path" by name.
func CheckRoutes[R any](t testing.TB, listed []web.Route, covered []R, name func(R) string) {
	t.Helper()
	var got, want []string
	for _, r := range listed {
		got = append(got, RouteKey(r))
	}
	for _, r := range covered {
		want = append(want, name(r))
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("routes\n%q\nwant\n%q", got, want)
	}
}

// RouteKey names a route as API Gateway keys it: "METHOD /path".
func RouteKey(r web.Route) string { return r.Method + " " + r.Path }

// CheckBehindAuthorizer checks that no route of a group is public: each
// needs the principal the authorizer verified.
func CheckBehindAuthorizer(t testing.TB, routes []web.Route) {
	t.Helper()
	for _, r := range routes {
		if r.Public {
			t.Errorf("%s %s is public; every route of the group is behind the authorizer", r.Method, r.Path)
		}
	}
}

// Index returns items by their key, as a test looks its routes up by
// name.
func Index[T any](items []T, key func(T) string) map[string]T {
	out := make(map[string]T, len(items))
	for _, it := range items {
		out[key(it)] = it
	}
	return out
}

// BadBody is a request body a strict reader refuses, with the answer it
// gets: Status, and the field the problem names.
type BadBody struct {
	Name   string
	Body   string
	Header map[string]string // set on the request; "" removes
	Edit   func(*http.Request)
	Status int
	Field  string
}

// BadBodies returns the bodies web.Decode refuses for a route whose valid
// body is valid and whose limit is maxBytes: malformed or non-JSON text, an
// unknown field, a known field in another case, wrongType (valid but for a
// value of the wrong JSON type in wrongField), null, an array, two values,
// nothing, too much (with and without a Content-Length), and a media type
// or encoding other than JSON.
func BadBodies(valid, wrongType, wrongField string, maxBytes int) []BadBody {
	open := valid[:len(valid)-1] // valid without its closing brace
	oversize := open + `,"x":"` + strings.Repeat("x", maxBytes) + `"}`
	return []BadBody{
		{Name: "malformed JSON", Body: `{"a":`, Status: 400, Field: "body"},
		{Name: "not JSON", Body: `name=value`, Status: 400, Field: "body"},
		{Name: "unknown field", Body: open + `,"nickname":"x"}`, Status: 400, Field: "nickname"},
		{Name: "field name in another case", Body: `{"` + strings.ToUpper(wrongField) + `":null}`, Status: 400, Field: strings.ToUpper(wrongField)},
		{Name: "wrong type", Body: wrongType, Status: 400, Field: wrongField},
		{Name: "null", Body: `null`, Status: 400, Field: "body"},
		{Name: "array", Body: `[` + valid + `]`, Status: 400, Field: "body"},
		{Name: "two values", Body: valid + valid, Status: 400, Field: "body"},
		{Name: "empty", Edit: func(r *http.Request) { r.Header.Set("Content-Type", "application/json") }, Status: 400, Field: "body"},
		{Name: "oversize", Body: oversize, Status: 413, Field: "body"},
		{Name: "oversize without a length", Body: oversize, Edit: func(r *http.Request) { r.ContentLength = -1 }, Status: 413, Field: "body"},
		{Name: "text/plain", Body: valid, Header: map[string]string{"Content-Type": "text/plain"}, Status: 415, Field: "Content-Type"},
		{Name: "form", Body: valid, Header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, Status: 415, Field: "Content-Type"},
		{Name: "no content type", Body: valid, Edit: func(r *http.Request) { r.Header.Del("Content-Type") }, Status: 415, Field: "Content-Type"},
		{Name: "latin-1", Body: valid, Header: map[string]string{"Content-Type": "application/json; charset=iso-8859-1"}, Status: 415, Field: "Content-Type"},
		{Name: "gzip", Body: valid, Header: map[string]string{"Content-Encoding": "gzip"}, Status: 415, Field: "Content-Encoding"},
	}
}
