package contract_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"roster/shared/role"
)

// The UserInfo routes, with a request each would accept.
var userInfoRoutes = []struct {
	method, path, body string
}{
	{"GET", "/UserInfo/UserId?userEmail=ada@example.com", ``},
	{"POST", "/UserInfo/RegisterNewUser", `{"userEmail":"ada@example.com","firstName":"Ada","lastName":"Lovelace"}`},
	{"PATCH", "/UserInfo/UpdateAccessToken", `{"accessToken":"eyJ0b2tlbiI6MX0","userEmail":"ada@example.com"}`},
}

// userInfoProblem is a problem body as a client of the group reads it.
type userInfoProblem struct {
	Status int `json:"status"`
	Errors []struct {
		Field string `json:"field"`
	} `json:"errors"`
}

// userInfoNames checks that a problem names field in its errors.
func userInfoNames(t *testing.T, res Response, field string) {
	t.Helper()
	var p userInfoProblem
	res.JSON(t, &p)
	for _, e := range p.Errors {
		if e.Field == field {
			return
		}
	}
	t.Errorf("problem %s does not name %s", res.Body, field)
}

// userInfoRegister registers a user through the API.
func (a *api) userInfoRegister(t *testing.T, body string) map[string]string {
	t.Helper()
	rq := Request{Method: "POST", Path: "/UserInfo/RegisterNewUser", Credential: a.APIKey, Body: body}
	a.Valid(t, rq)
	var u map[string]string
	a.Do(t, rq, http.StatusCreated).JSON(t, &u)
	return u
}

func TestUserInfoTakesOnlyATenantAPIKey(t *testing.T) {
	a := newAPI(t)
	owner := a.Login(t, a.Person(t, "olivia", role.Owner))
	a.userInfoRegister(t, `{"userEmail":"ada@example.com","firstName":"Ada","lastName":"Lovelace"}`)
	for _, rt := range userInfoRoutes {
		for name, cred := range map[string]string{"none": "", "an access token": owner.AccessToken, "garbage": "not-a-key"} {
			t.Run(rt.method+" "+name, func(t *testing.T) {
				a.Unauthenticated(t, Request{Method: rt.method, Path: rt.path, Credential: cred, Body: rt.body})
			})
		}
	}
	// The key itself, without "Bearer ", as the API document sends it.
	rq := Request{Method: "GET", Path: "/UserInfo/UserId?userEmail=ada@example.com", Header: map[string]string{"Authorization": a.APIKey}}
	a.Valid(t, rq)
	a.Do(t, rq, http.StatusOK)
}

func TestUserInfoRefusesKeysWhoseRoleLacksThePermission(t *testing.T) {
	a := newAPI(t)
	key := a.accessUsersKey(t, a.Tenant, string(role.Member))
	for _, rt := range userInfoRoutes {
		t.Run(rt.method, func(t *testing.T) {
			before := a.Count(t)
			a.Do(t, Request{Method: rt.method, Path: rt.path, Credential: key, Body: rt.body}, http.StatusForbidden)
			if a.Count(t) != before {
				t.Error("a refused call wrote to the table")
			}
		})
	}
}

func TestUserInfoRefusesBodiesThatAreNotJSONOrTooLarge(t *testing.T) {
	a := newAPI(t)
	huge := `{"accessToken":"` + strings.Repeat("x", 17<<10) + `"}`
	for _, rt := range userInfoRoutes {
		if rt.body == "" {
			continue
		}
		t.Run(rt.method, func(t *testing.T) {
			before := a.Count(t)
			res := a.Do(t, Request{Method: rt.method, Path: rt.path, Credential: a.APIKey, Body: rt.body,
				Header: map[string]string{"Content-Type": "text/plain"}}, http.StatusUnsupportedMediaType)
			userInfoNames(t, res, "Content-Type")
			a.Do(t, Request{Method: rt.method, Path: rt.path, Credential: a.APIKey, Body: huge}, http.StatusRequestEntityTooLarge)
			if a.Count(t) != before {
				t.Error("a refused call wrote to the table")
			}
		})
	}
}

func TestUserInfoRegisterNewUserThenUserIdFindsIt(t *testing.T) {
	a := newAPI(t)
	rq := Request{Method: "POST", Path: "/UserInfo/RegisterNewUser", Credential: a.APIKey,
		Body: `{"userEmail":" Ada@Example.com ","firstName":"Ada","lastName":"Lovelace"}`}
	res := a.Do(t, rq, http.StatusCreated)
	var u map[string]string
	res.JSON(t, &u)
	if u["userEmail"] != "Ada@Example.com" || u["userName"] != "Ada@Example.com" || u["firstName"] != "Ada" || u["lastName"] != "Lovelace" {
		t.Errorf("registered %v; want the trimmed email as user name", u)
	}
	if got := res.Header.Get("Location"); got != "/UserInfo/UserId?userEmail=Ada%40Example.com" {
		t.Errorf("Location = %q", got)
	}

	var found struct {
		UserID string `json:"userId"`
	}
	get := Request{Method: "GET", Path: "/UserInfo/UserId?userEmail=ada%40example.COM", Credential: a.APIKey}
	a.Valid(t, get)
	a.Do(t, get, http.StatusOK).JSON(t, &found)
	if found.UserID != u["userId"] {
		t.Errorf("UserId found %q, registered %q", found.UserID, u["userId"])
	}
	named := a.userInfoRegister(t, `{"userEmail":"grace@example.com","firstName":"Grace","lastName":"Hopper","userName":"grace"}`)
	if named["userName"] != "grace" {
		t.Errorf("registered %v; want the user name given", named)
	}
}

func TestUserInfoRegisterNewUserRefusals(t *testing.T) {
	a := newAPI(t)
	a.userInfoRegister(t, `{"userEmail":"ada@example.com","firstName":"Ada","lastName":"Lovelace","userName":"ada"}`)
	for _, tc := range []struct {
		name, body string
		status     int
		field      string
	}{
		{"no email", `{"firstName":"Ada","lastName":"Lovelace"}`, 400, "userEmail"},
		{"not an email", `{"userEmail":"ada","firstName":"Ada","lastName":"Lovelace"}`, 400, "userEmail"},
		{"no first name", `{"userEmail":"eve@example.com","lastName":"L"}`, 400, "firstName"},
		{"blank last name", `{"userEmail":"eve@example.com","firstName":"Eve","lastName":"  "}`, 400, "lastName"},
		{"long first name", `{"userEmail":"eve@example.com","firstName":"` + strings.Repeat("e", 101) + `","lastName":"L"}`, 400, "firstName"},
		{"user name with a space", `{"userEmail":"eve@example.com","firstName":"Eve","lastName":"L","userName":"eve l"}`, 400, "userName"},
		{"unknown field", `{"userEmail":"eve@example.com","firstName":"Eve","lastName":"L","role":"admin"}`, 400, "role"},
		{"field name in another case", `{"UserEmail":"eve@example.com","firstName":"Eve","lastName":"L"}`, 400, "UserEmail"},
		{"empty body", ``, 400, "body"},
		{"email taken", `{"userEmail":"ADA@example.com","firstName":"Ada","lastName":"L"}`, 409, "userEmail"},
		{"user name taken", `{"userEmail":"eve@example.com","firstName":"Eve","lastName":"L","userName":"ADA"}`, 409, "userName"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := a.Count(t)
			rq := Request{Method: "POST", Path: "/UserInfo/RegisterNewUser", Credential: a.APIKey, Body: tc.body}
			if tc.body == "" {
				rq.Header = map[string]string{"Content-Type": "application/json"}
			}
			userInfoNames(t, a.Do(t, rq, tc.status), tc.field)
			if a.Count(t) != before {
				t.Error("a refused registration wrote to the table")
			}
		})
	}
}

func TestUserInfoRegisterNewUserInAnInactiveTenantIsNotFound(t *testing.T) {
	a := newAPI(t)
	key := a.dormantTenantKey(t)
	before := a.Count(t)
	rq := Request{Method: "POST", Path: "/UserInfo/RegisterNewUser", Credential: key,
		Body: `{"userEmail":"ada@example.com","firstName":"Ada","lastName":"Lovelace"}`}
	// The key of an inactive tenant is no credential (decision 014); a
	// tenant suspended after the authorizer let it through is refused by
	// the write itself.
	a.Do(t, rq, http.StatusUnauthorized)
	a.verifiedBeforeSuspension(t, "dormant", key).Do(t, rq, http.StatusNotFound)
	if a.Count(t) != before {
		t.Error("a refused registration wrote to the table")
	}
}

func TestUserInfoUserIdRefusals(t *testing.T) {
	a := newAPI(t)
	a.userInfoRegister(t, `{"userEmail":"ada@example.com","firstName":"Ada","lastName":"Lovelace"}`)
	for _, tc := range []struct {
		query  string
		status int
		field  string
	}{
		{"", 400, "userEmail"},
		{"userEmail=", 400, "userEmail"},
		{"userEmail=ada", 400, "userEmail"},
		{"useremail=ada@example.com", 400, "useremail"},
		{"userEmail=ada@example.com&userEmail=ada@example.com", 400, "userEmail"},
		{"userEmail=ada%zz", 400, "userEmail"},
		{"userEmail=grace@example.com", 404, ""},
	} {
		t.Run(tc.query, func(t *testing.T) {
			res := a.Do(t, Request{Method: "GET", Path: "/UserInfo/UserId?" + tc.query, Credential: a.APIKey}, tc.status)
			if tc.field != "" {
				userInfoNames(t, res, tc.field)
			}
		})
	}
	// Another tenant's key finds nothing of acme's.
	a.env.Tenant(t, "globex")
	other := a.env.APIKey(t, "globex", a.keys.Pepper)
	a.Do(t, Request{Method: "GET", Path: "/UserInfo/UserId?userEmail=ada@example.com", Credential: other}, http.StatusNotFound)
}

func TestUserInfoUpdateAccessTokenStoresItSealedAndNeverShowsIt(t *testing.T) {
	a := newAPI(t)
	u := a.userInfoRegister(t, `{"userEmail":"ada@example.com","firstName":"Ada","lastName":"Lovelace"}`)
	const secret = "eyJhbGciOiJFZERTQSJ9.c2VjcmV0LXBheWxvYWQ.c2lnbmF0dXJl"
	rq := Request{Method: "PATCH", Path: "/UserInfo/UpdateAccessToken", Credential: a.APIKey,
		Body: `{"accessToken":"` + secret + `","userEmail":"ADA@example.com"}`}
	a.Valid(t, rq)
	res := a.Do(t, rq, http.StatusOK)
	if len(res.Body) != 0 {
		t.Errorf("200 carries a body: %s", res.Body)
	}
	stored, err := a.env.Table.UserSecrets(context.Background(), a.Tenant, u["userId"])
	if err != nil {
		t.Fatal(err)
	}
	if stored.AccessToken == "" || strings.Contains(stored.AccessToken, secret) {
		t.Errorf("stored access token %q; want it sealed", stored.AccessToken)
	}
	got := a.Do(t, Request{Method: "GET", Path: "/UserInfo/UserId?userEmail=ada@example.com", Credential: a.APIKey}, http.StatusOK)
	if strings.Contains(string(got.Body), secret) {
		t.Error("a lookup shows the access token")
	}
	a.NoSecretsLogged(t, secret)
}

func TestUserInfoUpdateAccessTokenRefusals(t *testing.T) {
	a := newAPI(t)
	a.userInfoRegister(t, `{"userEmail":"ada@example.com","firstName":"Ada","lastName":"Lovelace"}`)
	for _, tc := range []struct {
		name, body string
		status     int
		field      string
	}{
		{"no accessToken", `{"userEmail":"ada@example.com"}`, 400, "accessToken"},
		{"empty accessToken", `{"accessToken":"","userEmail":"ada@example.com"}`, 400, "accessToken"},
		{"blank accessToken", `{"accessToken":"   ","userEmail":"ada@example.com"}`, 400, "accessToken"},
		{"accessToken too long", `{"accessToken":"` + strings.Repeat("t", 8193) + `","userEmail":"ada@example.com"}`, 400, "accessToken"},
		{"no userEmail", `{"accessToken":"t"}`, 400, "userEmail"},
		{"empty userEmail", `{"accessToken":"t","userEmail":""}`, 400, "userEmail"},
		{"accessToken not a string", `{"accessToken":1,"userEmail":"ada@example.com"}`, 400, "accessToken"},
		{"unknown field", `{"accessToken":"t","userEmail":"ada@example.com","userId":"x"}`, 400, "userId"},
		{"no user with the email", `{"accessToken":"t","userEmail":"grace@example.com"}`, 409, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := a.Count(t)
			res := a.Do(t, Request{Method: "PATCH", Path: "/UserInfo/UpdateAccessToken", Credential: a.APIKey, Body: tc.body}, tc.status)
			if tc.field != "" {
				userInfoNames(t, res, tc.field)
			}
			if a.Count(t) != before {
				t.Error("a refused update wrote to the table")
			}
		})
	}
}

// A user name defaults to the email, but an email may be longer than a
// user name may be: such a user could never be named by the other groups
// (which refuse the name as input), so the registration must name its
// user itself.
func TestUserInfoRegisterNewUserNeedsAUserNameWhenTheEmailIsTooLongForOne(t *testing.T) {
	a := newAPI(t)
	long := strings.Repeat("a", 120) + "@example.com"
	before := a.Count(t)
	res := a.Do(t, Request{Method: "POST", Path: "/UserInfo/RegisterNewUser", Credential: a.APIKey,
		Body: `{"userEmail":"` + long + `","firstName":"Ada","lastName":"Lovelace"}`}, http.StatusBadRequest)
	userInfoNames(t, res, "userName")
	if a.Count(t) != before {
		t.Error("a refused registration wrote to the table")
	}
	u := a.userInfoRegister(t, `{"userEmail":"`+long+`","firstName":"Ada","lastName":"Lovelace","userName":"ada"}`)
	if u["userEmail"] != long || u["userName"] != "ada" {
		t.Errorf("registered %v", u)
	}
}

func TestUserInfoRefusesMembersTwiceAndTextNotUTF8NamingTheField(t *testing.T) {
	a := newAPI(t)
	for _, tc := range []struct{ name, body, field string }{
		{"email twice", `{"userEmail":"ada@example.com","firstName":"Ada","lastName":"Lovelace","userEmail":"eve@example.com"}`, "userEmail"},
		{"first name not UTF-8", "{\"userEmail\":\"ada@example.com\",\"firstName\":\"\xff\xfe\",\"lastName\":\"Lovelace\"}", "firstName"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := a.Count(t)
			res := a.Do(t, Request{Method: "POST", Path: "/UserInfo/RegisterNewUser", Credential: a.APIKey, Body: tc.body}, http.StatusBadRequest)
			userInfoNames(t, res, tc.field)
			if a.Count(t) != before {
				t.Error("a refused call wrote to the table")
			}
		})
	}
}
