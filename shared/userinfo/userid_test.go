package userinfo_test

import (
	"net/http"
	"strings"
	"testing"

	"roster/shared/store/storetest"
)

func TestUserIDReturnsTheIDOfTheUserWithTheEmail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		query string
	}{
		{name: "encoded email", query: "userEmail=grace%40example.com"},
		{name: "unencoded @", query: "userEmail=grace@example.com"},
		{name: "email in another case", query: "userEmail=GRACE%40Example.Com"},
		{name: "spaces around the email", query: "userEmail=%20grace%40example.com+"},
	}
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		id := f.register(t, f.key, validRegister)
		f.register(t, f.key, `{"userEmail":"alan@example.com","firstName":"Alan","lastName":"Turing"}`)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := env.Count(t)

				res := f.do(t, request{method: http.MethodGet, target: pathUserID + "?" + tt.query, key: f.key})

				if res.Code != http.StatusOK {
					t.Fatalf("status %d, want 200; body %s", res.Code, res.Body)
				}
				if ct := res.Header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type %q, want application/json", ct)
				}
				if want := `{"userId":"` + id + `"}` + "\n"; string(res.Body) != want {
					t.Errorf("body %s, want %s", res.Body, want)
				}
				assertCalls(t, res.usage, map[string]int{"GetItem": 3}) // API key, its tenant, email marker
				if n := env.Count(t); n != before {
					t.Errorf("a lookup changed the table from %d to %d items", before, n)
				}
			})
		}
	})
}

func TestUserIDIsNotFoundForAnUnknownEmail(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		f.register(t, f.key, validRegister)
		before := env.Count(t)

		res := f.do(t, request{method: http.MethodGet, target: pathUserID + "?userEmail=nobody%40example.com", key: f.key})

		assertProblem(t, res, http.StatusNotFound)
		assertCalls(t, res.usage, map[string]int{"GetItem": 3})
		if n := env.Count(t); n != before {
			t.Errorf("a lookup changed the table from %d to %d items", before, n)
		}
	})
}

func TestUserIDRejectsABadQueryWithoutTouchingTheTable(t *testing.T) {
	t.Parallel()
	tooLong := "a%40" + strings.Repeat("b", 249) + ".com" // 255 bytes decoded
	tests := []struct {
		name   string
		query  string
		fields []string
	}{
		{name: "no query", fields: []string{"userEmail"}},
		{name: "empty userEmail", query: "userEmail=", fields: []string{"userEmail"}},
		{name: "userEmail without a value", query: "userEmail", fields: []string{"userEmail"}},
		{name: "whitespace userEmail", query: "userEmail=%20%20%09", fields: []string{"userEmail"}},
		{name: "userEmail over 254 bytes", query: "userEmail=" + tooLong, fields: []string{"userEmail"}},
		{name: "userEmail without @", query: "userEmail=grace.example.com", fields: []string{"userEmail"}},
		{name: "userEmail without a domain dot", query: "userEmail=grace%40localhost", fields: []string{"userEmail"}},
		{name: "userEmail with a display name", query: "userEmail=Grace+%3Cgrace%40example.com%3E", fields: []string{"userEmail"}},
		{name: "userEmail with a control character", query: "userEmail=grace%00%40example.com", fields: []string{"userEmail"}},
		{name: "userEmail with a semicolon-separated extra", query: "userEmail=grace%40example.com;limit=1", fields: []string{"userEmail"}},
		{name: "userEmail badly percent-encoded", query: "userEmail=grace%zz%40example.com", fields: []string{"userEmail"}},
		{name: "repeated userEmail", query: "userEmail=grace%40example.com&userEmail=alan%40example.com", fields: []string{"userEmail"}},
		{name: "repeated identical userEmail", query: "userEmail=grace%40example.com&userEmail=grace%40example.com", fields: []string{"userEmail"}},
		{name: "unknown parameter", query: "userEmail=grace%40example.com&limit=10", fields: []string{"limit"}},
		{name: "unknown parameter without a value", query: "userEmail=grace%40example.com&debug", fields: []string{"debug"}},
		{name: "parameter name in another case", query: "UserEmail=grace%40example.com", fields: []string{"UserEmail"}},
		{name: "unknown parameter badly percent-encoded", query: "userEmail=grace%40example.com&x=%zz", fields: []string{"x"}},
		{name: "parameter name badly percent-encoded", query: "%zz=1&userEmail=grace%40example.com", fields: []string{"query"}},
	}
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		f.register(t, f.key, validRegister)
		f.register(t, f.key, `{"userEmail":"alan@example.com","firstName":"Alan","lastName":"Turing"}`)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := env.Count(t)
				target := pathUserID
				if tt.query != "" {
					target += "?" + tt.query
				}

				res := f.do(t, request{method: http.MethodGet, target: target, key: f.key})

				assertProblem(t, res, http.StatusBadRequest, tt.fields...)
				assertNoWrite(t, f, res, before)
			})
		}
	})
}
