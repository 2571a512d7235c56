package userinfo_test

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"roster/shared/store/storetest"
)

const validRegister = `{"userEmail":"grace@example.com","firstName":"Grace","lastName":"Hopper","userName":"grace"}`

var userIDPattern = regexp.MustCompile(`^[a-z2-7]{26}$`)

func TestRegisterNewUserCreatesTheUserAndPointsToIt(t *testing.T) {
	t.Parallel()
	longEmail := "a@" + strings.Repeat("b", 248) + ".com" // 254 bytes, the limit
	longName := strings.Repeat("é", 100)                  // 100 characters, 200 bytes
	tests := []struct {
		name                string
		body                string
		email, userName     string // as the response must show them
		firstName, lastName string
	}{
		{name: "every field given", body: `{"userEmail":"Ada.Lovelace@Example.com","firstName":"Ada","lastName":"Lovelace","userName":"ada"}`,
			email: "Ada.Lovelace@Example.com", userName: "ada", firstName: "Ada", lastName: "Lovelace"},
		{name: "user name defaults to the email", body: `{"userEmail":"alan@example.com","firstName":"Alan","lastName":"Turing"}`,
			email: "alan@example.com", userName: "alan@example.com", firstName: "Alan", lastName: "Turing"},
		{name: "empty user name defaults to the email", body: `{"userEmail":"edsger@example.com","firstName":"Edsger","lastName":"Dijkstra","userName":""}`,
			email: "edsger@example.com", userName: "edsger@example.com", firstName: "Edsger", lastName: "Dijkstra"},
		{name: "spaces around the email are trimmed, also from the default user name", body: `{"userEmail":"  barbara@example.com ","firstName":"Barbara","lastName":"Liskov"}`,
			email: "barbara@example.com", userName: "barbara@example.com", firstName: "Barbara", lastName: "Liskov"},
		{name: "longest email, names and user name are accepted",
			body:  `{"userEmail":"` + longEmail + `","firstName":"` + longName + `","lastName":"` + longName + `","userName":"` + strings.Repeat("u", 128) + `"}`,
			email: longEmail, userName: strings.Repeat("u", 128), firstName: longName, lastName: longName},
		{name: "names may hold any printable text", body: `{"userEmail":"sofia@example.com","firstName":"Софья","lastName":"Ковалевская-O'Neil","userName":"софья.к"}`,
			email: "sofia@example.com", userName: "софья.к", firstName: "Софья", lastName: "Ковалевская-O'Neil"},
	}
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := env.Count(t)

				res := f.do(t, request{method: http.MethodPost, target: pathRegister, key: f.key, body: tt.body})

				if res.Code != http.StatusCreated {
					t.Fatalf("status %d, want 201; body %s", res.Code, res.Body)
				}
				if ct := res.Header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type %q, want application/json", ct)
				}
				wantLocation := pathUserID + "?userEmail=" + url.QueryEscape(tt.email)
				if loc := res.Header.Get("Location"); loc != wantLocation {
					t.Errorf("Location %q, want %q", loc, wantLocation)
				}
				var got map[string]any
				if err := json.Unmarshal(res.Body, &got); err != nil {
					t.Fatalf("body %s: %v", res.Body, err)
				}
				keys := slices.Sorted(maps.Keys(got))
				if want := []string{"createdAt", "firstName", "lastName", "userEmail", "userId", "userName"}; !slices.Equal(keys, want) {
					t.Errorf("body has fields %q, want exactly %q", keys, want)
				}
				id, _ := got["userId"].(string)
				if !userIDPattern.MatchString(id) {
					t.Errorf("userId %q is not 26 characters of lower-case base32", id)
				}
				for field, want := range map[string]string{
					"userEmail": tt.email, "userName": tt.userName, "firstName": tt.firstName, "lastName": tt.lastName,
					"createdAt": "2025-03-10T12:00:00.123Z",
				} {
					if got[field] != want {
						t.Errorf("%s = %v, want %q", field, got[field], want)
					}
				}
				assertCalls(t, res.usage, map[string]int{"GetItem": 2, "TransactWriteItems": 1}) // API key, its tenant
				if n := env.Count(t); n != before+6 {
					t.Errorf("table grew by %d items, want 6 (user, email, user name and number markers, membership, account)", n-before)
				}
				if tok := f.storedToken(t, f.tenant, id); tok != "" {
					t.Errorf("a new user has an access token %q", tok)
				}

				follow := f.do(t, request{method: http.MethodGet, target: res.Header.Get("Location"), key: f.key})
				if follow.Code != http.StatusOK || !bytes.Equal(follow.Body, []byte(`{"userId":"`+id+`"}`+"\n")) {
					t.Errorf("GET Location: status %d, body %s; want 200 with userId %s", follow.Code, follow.Body, id)
				}
			})
		}
	})
}

func TestRegisterNewUserRejectsBadInputWithoutWriting(t *testing.T) {
	t.Parallel()
	tooLongEmail := "a@" + strings.Repeat("b", 249) + ".com" // 255 bytes
	with := func(field, rawValue string) string { return withField(validRegister, field, rawValue) }
	q := jsonString
	tests := []badInput{
		{name: "empty object names every required field", body: `{}`, status: 400, fields: []string{"userEmail", "firstName", "lastName"}},
		{name: "every field wrong names every field", body: `{"userEmail":"x","firstName":"","lastName":" ","userName":"a b"}`, status: 400,
			fields: []string{"userEmail", "firstName", "lastName", "userName"}},

		{name: "missing userEmail", body: with("userEmail", ""), status: 400, fields: []string{"userEmail"}},
		{name: "empty userEmail", body: with("userEmail", `""`), status: 400, fields: []string{"userEmail"}},
		{name: "whitespace userEmail", body: with("userEmail", `"   "`), status: 400, fields: []string{"userEmail"}},
		{name: "null userEmail", body: with("userEmail", `null`), status: 400, fields: []string{"userEmail"}},
		{name: "userEmail over 254 bytes", body: with("userEmail", q(tooLongEmail)), status: 400, fields: []string{"userEmail"}},
		{name: "userEmail without @", body: with("userEmail", `"grace.example.com"`), status: 400, fields: []string{"userEmail"}},
		{name: "userEmail without a domain dot", body: with("userEmail", `"grace@localhost"`), status: 400, fields: []string{"userEmail"}},
		{name: "userEmail with a display name", body: with("userEmail", `"Grace <grace@example.com>"`), status: 400, fields: []string{"userEmail"}},
		{name: "userEmail listing two addresses", body: with("userEmail", `"grace@example.com, alan@example.com"`), status: 400, fields: []string{"userEmail"}},
		{name: "userEmail with a control character", body: with("userEmail", `"grace@exa\u0000mple.com"`), status: 400, fields: []string{"userEmail"}},
		{name: "userEmail as a number", body: with("userEmail", `42`), status: 400, fields: []string{"userEmail"}},
		{name: "userEmail as an array", body: with("userEmail", `["grace@example.com"]`), status: 400, fields: []string{"userEmail"}},

		{name: "missing firstName", body: with("firstName", ""), status: 400, fields: []string{"firstName"}},
		{name: "empty firstName", body: with("firstName", `""`), status: 400, fields: []string{"firstName"}},
		{name: "whitespace firstName", body: with("firstName", `" \t "`), status: 400, fields: []string{"firstName"}},
		{name: "firstName over 100 characters", body: with("firstName", q(strings.Repeat("é", 101))), status: 400, fields: []string{"firstName"}},
		{name: "firstName with a control character", body: with("firstName", `"Gra\u0007ce"`), status: 400, fields: []string{"firstName"}},
		{name: "firstName as a boolean", body: with("firstName", `true`), status: 400, fields: []string{"firstName"}},

		{name: "missing lastName", body: with("lastName", ""), status: 400, fields: []string{"lastName"}},
		{name: "empty lastName", body: with("lastName", `""`), status: 400, fields: []string{"lastName"}},
		{name: "whitespace lastName", body: with("lastName", `"   "`), status: 400, fields: []string{"lastName"}},
		{name: "lastName over 100 characters", body: with("lastName", q(strings.Repeat("h", 101))), status: 400, fields: []string{"lastName"}},
		{name: "lastName with a newline", body: with("lastName", `"Hop\nper"`), status: 400, fields: []string{"lastName"}},
		{name: "lastName as an object", body: with("lastName", `{"family":"Hopper"}`), status: 400, fields: []string{"lastName"}},

		{name: "whitespace userName", body: with("userName", `"   "`), status: 400, fields: []string{"userName"}},
		{name: "userName over 128 characters", body: with("userName", q(strings.Repeat("u", 129))), status: 400, fields: []string{"userName"}},
		{name: "userName with a space", body: with("userName", `"grace hopper"`), status: 400, fields: []string{"userName"}},
		{name: "userName with a control character", body: with("userName", `"grace\u0000"`), status: 400, fields: []string{"userName"}},
		{name: "userName as a number", body: with("userName", `7`), status: 400, fields: []string{"userName"}},
	}
	tests = append(tests, bodyDecodeCases(validRegister)...)
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := env.Count(t)

				res := f.do(t, request{method: http.MethodPost, target: pathRegister, key: f.key, body: tt.body, edit: tt.edit})

				assertProblem(t, res, tt.status, tt.fields...)
				assertNoWrite(t, f, res, before)
			})
		}
	})
}

func TestRegisterNewUserConflictsOnATakenEmailOrUserName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		body  string
		field string
	}{
		{name: "same email", body: `{"userEmail":"grace@example.com","firstName":"G","lastName":"H","userName":"other1"}`, field: "userEmail"},
		{name: "email differing in case", body: `{"userEmail":"GRACE@Example.COM","firstName":"G","lastName":"H","userName":"other2"}`, field: "userEmail"},
		{name: "email with spaces around", body: `{"userEmail":" grace@example.com ","firstName":"G","lastName":"H","userName":"other3"}`, field: "userEmail"},
		{name: "email of a user registered without a user name", body: `{"userEmail":"alan@example.com","firstName":"A","lastName":"T","userName":"other4"}`, field: "userEmail"},
		{name: "same user name", body: `{"userEmail":"g2@example.com","firstName":"G","lastName":"H","userName":"grace"}`, field: "userName"},
		{name: "user name differing in case", body: `{"userEmail":"g3@example.com","firstName":"G","lastName":"H","userName":"GRACE"}`, field: "userName"},
		{name: "user name equal to another user's defaulted user name", body: `{"userEmail":"a2@example.com","firstName":"A","lastName":"T","userName":"Alan@Example.com"}`, field: "userName"},
	}
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		graceID := f.register(t, f.key, validRegister)
		f.register(t, f.key, `{"userEmail":"alan@example.com","firstName":"Alan","lastName":"Turing"}`)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := env.Count(t)

				res := f.do(t, request{method: http.MethodPost, target: pathRegister, key: f.key, body: tt.body})

				assertProblem(t, res, http.StatusConflict, tt.field)
				assertCalls(t, res.usage, map[string]int{"GetItem": 2, "TransactWriteItems": 1}) // API key, its tenant
				if n := env.Count(t); n != before {
					t.Errorf("table holds %d items after a conflict, want %d as before", n, before)
				}
				look := f.do(t, request{method: http.MethodGet, target: pathUserID + "?userEmail=grace%40example.com", key: f.key})
				if !bytes.Contains(look.Body, []byte(graceID)) {
					t.Errorf("after the conflict grace@example.com finds %s, want the first user %s", look.Body, graceID)
				}
			})
		}
	})
}
