package userinfo_test

import (
	"net/http"
	"strings"
)

// badInput is a request body (or its headers) that a route must reject,
// with the status and the fields the problem must name.
type badInput struct {
	name   string
	body   string
	edit   func(*http.Request)
	status int
	fields []string
}

// bodyDecodeCases are the ways a JSON body can be wrong before any field
// is looked at; valid is a body the route accepts, so that only the named
// fault differs.
func bodyDecodeCases(valid string) []badInput {
	const limit = 16 << 10
	huge := `{"pad":"` + strings.Repeat("x", limit) + `"}`
	return []badInput{
		{name: "empty body is 400 naming body", body: "", edit: withHeader("Content-Type", "application/json"), status: 400, fields: []string{"body"}},
		{name: "whitespace-only body is 400 naming body", body: " \n\t ", status: 400, fields: []string{"body"}},
		{name: "malformed JSON is 400 naming body", body: `{"userEmail": "a@example.com",`, status: 400, fields: []string{"body"}},
		{name: "unquoted keys are 400 naming body", body: `{userEmail: "a@example.com"}`, status: 400, fields: []string{"body"}},
		{name: "single quotes are 400 naming body", body: `{'userEmail': 'a@example.com'}`, status: 400, fields: []string{"body"}},
		{name: "null body is 400 naming body", body: `null`, status: 400, fields: []string{"body"}},
		{name: "array body is 400 naming body", body: `[` + valid + `]`, status: 400, fields: []string{"body"}},
		{name: "string body is 400 naming body", body: `"a@example.com"`, status: 400, fields: []string{"body"}},
		{name: "data after the object is 400 naming body", body: valid + `{}`, status: 400, fields: []string{"body"}},
		{name: "unknown field tenantId is 400 naming it", body: strings.Replace(valid, "{", `{"tenantId":"other",`, 1), status: 400, fields: []string{"tenantId"}},
		{name: "unknown field password is 400 naming it", body: strings.Replace(valid, "{", `{"password":"x",`, 1), status: 400, fields: []string{"password"}},
		{name: "oversize body with a declared length is 413 naming body", body: huge, status: 413, fields: []string{"body"}},
		{name: "oversize body of unknown length is 413 naming body", body: huge, edit: chunked, status: 413, fields: []string{"body"}},
		{name: "missing content type is 415 naming Content-Type", body: valid, edit: withHeader("Content-Type", ""), status: 415, fields: []string{"Content-Type"}},
		{name: "text/plain is 415 naming Content-Type", body: valid, edit: withHeader("Content-Type", "text/plain"), status: 415, fields: []string{"Content-Type"}},
		{name: "form encoding is 415 naming Content-Type", body: valid, edit: withHeader("Content-Type", "application/x-www-form-urlencoded"), status: 415, fields: []string{"Content-Type"}},
		{name: "non-utf-8 charset is 415 naming Content-Type", body: valid, edit: withHeader("Content-Type", "application/json; charset=latin1"), status: 415, fields: []string{"Content-Type"}},
		{name: "malformed content type is 415 naming Content-Type", body: valid, edit: withHeader("Content-Type", "application/json; ;;"), status: 415, fields: []string{"Content-Type"}},
		{name: "compressed body is 415 naming Content-Encoding", body: valid, edit: withHeader("Content-Encoding", "gzip"), status: 415, fields: []string{"Content-Encoding"}},
	}
}
