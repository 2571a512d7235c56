package identity_test

import (
	"net/http"
	"roster/shared/web/webtest"
	"strings"
	"testing"
)

// TestEveryBodyIsReadStrictly sends each route that takes a body the
// inputs a strict reader refuses; none reaches the tenant lookup or the
// directory.
func TestEveryBodyIsReadStrictly(t *testing.T) {
	cases := []struct {
		name   string
		body   func(rt route) string
		header map[string]string
		status int
		field  func(rt route) string // 400 only
	}{
		{name: "unknown field", body: func(rt route) string { return rt.body[:len(rt.body)-1] + `,"extra":1}` },
			status: 400, field: func(route) string { return "extra" }},
		{name: "field in the wrong case", body: func(rt route) string {
			return strings.Replace(rt.body, `"`+rt.wrongField+`":`, `"`+strings.ToUpper(rt.wrongField)+`":`, 1)
		},
			status: 400, field: func(rt route) string { return strings.ToUpper(rt.wrongField) }},
		{name: "malformed JSON", body: func(rt route) string { return `{"` + rt.wrongField + `": hello}` },
			status: 400, field: func(rt route) string { return rt.wrongField }},
		{name: "truncated JSON", body: func(rt route) string { return rt.body[:len(rt.body)-1] },
			status: 400, field: func(route) string { return "$" }},
		{name: "empty body", body: func(route) string { return "" }, header: map[string]string{"Content-Type": "application/json"},
			status: 400, field: func(route) string { return "$" }},
		{name: "null", body: func(route) string { return "null" }, status: 400, field: func(route) string { return "$" }},
		{name: "array", body: func(route) string { return "[]" }, status: 400, field: func(route) string { return "$" }},
		{name: "data after the value", body: func(rt route) string { return rt.body + "{}" }, status: 400, field: func(route) string { return "$" }},
		{name: "oversize", body: func(rt route) string {
			return rt.body[:len(rt.body)-1] + `,"` + rt.wrongField + `":"` + strings.Repeat("x", 16<<10) + `"}`
		},
			status: 413},
		{name: "wrong content type", body: func(rt route) string { return rt.body }, header: map[string]string{"Content-Type": "text/plain"}, status: 415},
		{name: "form content type", body: func(rt route) string { return rt.body }, header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, status: 415},
		{name: "no content type", body: func(rt route) string { return rt.body }, header: map[string]string{"Content-Type": ""}, status: 415},
		{name: "compressed", body: func(rt route) string { return rt.body }, header: map[string]string{"Content-Encoding": "gzip"}, status: 415},
	}
	for _, rt := range routes() {
		if rt.body == "" {
			continue
		}
		for _, c := range cases {
			t.Run(rt.name()+" "+c.name, func(t *testing.T) {
				f := happy(t)
				rq := rt.request(owner)
				rq.Body, rq.Header = c.body(rt), c.header
				res := do(t, f, rq)
				if c.status == http.StatusBadRequest {
					assertValidation(t, res, c.field(rt))
				} else {
					webtest.AssertTraceProblem(t, res, c.status)
				}
				webtest.AssertCalls(t, f)
			})
		}
	}
}

// TestRoutesWithoutABodyRefuseOne: a body that is not empty (or {}) on
// GET or DELETE is refused, so a client that sends data the route ignores
// finds out.
func TestRoutesWithoutABodyRefuseOne(t *testing.T) {
	cases := []struct {
		body   string
		header map[string]string
		status int
		field  string
	}{
		{body: `{"name":"x"}`, status: 400, field: "name"},
		{body: `[1]`, status: 400, field: "$"},
		{body: `{` + strings.Repeat(" ", 100) + `}`, status: 413},
		{body: `{"name":"x"}`, header: map[string]string{"Content-Type": "text/plain"}, status: 415},
	}
	for _, rt := range routes() {
		if rt.body != "" {
			continue
		}
		for _, c := range cases {
			t.Run(rt.name()+" "+c.body, func(t *testing.T) {
				f := happy(t)
				rq := rt.request(owner)
				rq.Body, rq.Header = c.body, c.header
				res := do(t, f, rq)
				if c.status == 400 {
					assertValidation(t, res, c.field)
				} else {
					webtest.AssertTraceProblem(t, res, c.status)
				}
				webtest.AssertCalls(t, f)
			})
		}
	}
}

func TestMessagesSayWhereTheBodyWentWrong(t *testing.T) {
	cases := []struct {
		name, body string
		field, msg string
	}{
		{"a string for a boolean", `{"bypassBasicAuthRestriction": "hello"}`, "bypassBasicAuthRestriction",
			"The value of bypassBasicAuthRestriction must be a boolean, not a string. Path 'bypassBasicAuthRestriction', line 1, position 38."},
		{"a bare word, as in the document", "{\n  \"name\": \"Hermione\",\n  \"bypassBasicAuthRestriction\": hello\n}", "bypassBasicAuthRestriction",
			"The value of bypassBasicAuthRestriction is not valid JSON: invalid character 'h' looking for beginning of value. Path 'bypassBasicAuthRestriction', line 3, position 33."},
		{"an element of a list", `{"groupIDsToAdd": ["gryff-01", 2]}`, "groupIDsToAdd",
			"The value of groupIDsToAdd[1] must be a string, not a number. Path 'groupIDsToAdd[1]', line 1, position 32."},
		{"an object for a list", `{"groupIDsToRemove": {"id": "a"}}`, "groupIDsToRemove",
			"The value of groupIDsToRemove must be an array, not an object. Path 'groupIDsToRemove', line 1, position 22."},
		{"a number for a string", `{"name": 1.5}`, "name",
			"The value of name must be a string, not a number. Path 'name', line 1, position 12."},
		{"an unknown member", `{"surName": "Granger"}`, "surName",
			"'surName' is not a field of this request (field names are case-sensitive). Path 'surName'."},
		{"no body", ``, "$", "The request body must not be empty."},
		{"a missing brace", `{"name": "Hermione"`, "$",
			"The request body is not valid JSON: it ends unexpectedly. Path 'name', line 1, position 19."},
		{"a syntax error between members", `{"name": "Hermione",}`, "$",
			"The request body is not valid JSON: invalid character '}' looking for beginning of object key string. Path '$', line 1, position 21."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := happy(t)
			rq := request{Method: "PUT", Target: acme + "/User/her-1909", Body: c.body, As: &owner, Header: map[string]string{"Content-Type": "application/json"}}
			v := assertValidation(t, do(t, f, rq), c.field)
			if got := v.Errors[c.field]; len(got) != 1 || got[0] != c.msg {
				t.Errorf("messages %q\nwant %q", got, c.msg)
			}
			webtest.AssertCalls(t, f)
		})
	}
}
