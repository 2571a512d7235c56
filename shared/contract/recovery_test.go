package contract_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"roster/shared/fault"
	"roster/shared/mail"
	"roster/shared/mail/mailtest"
	"roster/shared/role"
	"roster/shared/throttle"
	"roster/shared/user"
)

// mailToken returns the token of the last mail posted, or fails the test.
func mailToken(t *testing.T, b *mailtest.Box) string {
	t.Helper()
	m := b.Last(t)
	if m.Token == "" {
		t.Fatal("the last mail carries no token")
	}
	return m.Token
}

// TestAccountPasswordRecovery walks every documented answer of the three
// recovery routes.
func TestAccountPasswordRecovery(t *testing.T) {
	a := newAPI(t)
	ada := a.Person(t, "ada", role.Member)
	const target = "/tenants/acme/account/recovery"
	req := Request{Method: "POST", Path: target, Body: `{"email":"ada@acme.example"}`}
	a.Valid(t, req)
	a.Do(t, req, http.StatusAccepted)
	tok := mailToken(t, a.Mail)
	a.Do(t, Request{Method: "POST", Path: target, Body: `{"userCode":"nobody"}`}, http.StatusAccepted)

	before := a.Count(t)
	a.Do(t, Request{Method: "POST", Path: target, Body: `{"email":"ada@acme.example","userCode":"ada"}`}, http.StatusBadRequest)
	a.Do(t, Request{Method: "POST", Path: target, Body: `{"email":"` + strings.Repeat("a", 17<<10) + `"}`}, http.StatusRequestEntityTooLarge)
	a.Do(t, Request{Method: "POST", Path: target, Body: `{"email":"ada@acme.example"}`, Header: map[string]string{"Content-Type": "text/plain"}}, http.StatusUnsupportedMediaType)
	a.Do(t, Request{Method: "PUT", Path: target, Body: `{"token":"rrt_guess","password":"a new long passphrase"}`}, http.StatusBadRequest)
	a.Do(t, Request{Method: "PUT", Path: target, Body: `{"token":"` + strings.Repeat("a", 17<<10) + `"}`}, http.StatusRequestEntityTooLarge)
	a.Do(t, Request{Method: "PUT", Path: target, Body: `{}`, Header: map[string]string{"Content-Type": "text/plain"}}, http.StatusUnsupportedMediaType)
	if after := a.Count(t); after != before {
		t.Errorf("refused requests wrote: %d items, then %d", before, after)
	}
	reset := Request{Method: "PUT", Path: target, Body: fmt.Sprintf(`{"token":%q,"password":"a new long passphrase"}`, tok)}
	a.Valid(t, reset)
	a.Do(t, reset, http.StatusNoContent)
	ada.Password = "a new long passphrase"
	a.Login(t, ada)

	// One source, 20 an hour: two asked above.
	for i := 2; i < throttle.RecoveryPerSource; i++ {
		a.Do(t, Request{Method: "POST", Path: target, Body: fmt.Sprintf(`{"email":"p%d@acme.example"}`, i)}, http.StatusAccepted)
	}
	a.Do(t, Request{Method: "POST", Path: target, Body: `{"email":"last@acme.example"}`}, http.StatusTooManyRequests)
	a.NoSecretsLogged(t, tok)
}

// TestAccountAdministratorSendsAPasswordReset walks the administrator's
// route.
func TestAccountAdministratorSendsAPasswordReset(t *testing.T) {
	a := newAPI(t)
	ada := a.Person(t, "ada", role.Member)
	member := a.Login(t, ada)
	path := "/tenants/acme/users/" + ada.User.ID + "/recovery"
	a.Unauthenticated(t, Request{Method: "POST", Path: path})
	a.Do(t, Request{Method: "POST", Path: path, Credential: member.AccessToken}, http.StatusForbidden)
	a.Do(t, Request{Method: "POST", Path: "/tenants/acme/users/nosuchuser/recovery", Credential: a.APIKey}, http.StatusNotFound)
	a.Do(t, Request{Method: "POST", Path: "/tenants/acme/users/bad%20id/recovery", Credential: a.APIKey}, http.StatusBadRequest)
	a.Do(t, Request{Method: "POST", Path: path, Credential: a.APIKey, Body: `{"padding":"` + strings.Repeat("a", 100) + `"}`}, http.StatusRequestEntityTooLarge)
	a.Do(t, Request{Method: "POST", Path: path, Credential: a.APIKey, Body: `x`, Header: map[string]string{"Content-Type": "text/plain"}}, http.StatusUnsupportedMediaType)

	now := time.Now().UTC().Truncate(time.Second)
	gone := &user.User{TenantID: "acme", ID: user.NewID(), Username: "gone", Email: "gone@acme.example", FirstName: "Gone",
		LastName: "Away", Active: false, Role: string(role.Member), CreatedAt: now, UpdatedAt: now}
	if err := a.env.Table.CreateUser(context.Background(), gone); err != nil {
		t.Fatal(err)
	}
	a.Do(t, Request{Method: "POST", Path: "/tenants/acme/users/" + gone.ID + "/recovery", Credential: a.APIKey}, http.StatusConflict)

	for range throttle.MailPerAddress {
		a.Do(t, Request{Method: "POST", Path: path, Credential: a.APIKey}, http.StatusAccepted)
	}
	res := a.Do(t, Request{Method: "POST", Path: path, Credential: a.APIKey}, http.StatusTooManyRequests)
	if res.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
}

// TestAccountEmailVerification walks the verification routes: a user asks
// for a link, the mailed token verifies the address once, and the Account
// and Users APIs show emailVerified.
func TestAccountEmailVerification(t *testing.T) {
	a := newAPI(t)
	ada := a.Person(t, "ada", role.Member)
	s := a.Login(t, ada)
	const target = "/tenants/acme/account/verification"
	a.Unauthenticated(t, Request{Method: "POST", Path: target})
	a.Do(t, Request{Method: "POST", Path: "/tenants/globex/account/verification", Credential: s.AccessToken}, http.StatusNotFound)
	a.Do(t, Request{Method: "POST", Path: target, Credential: s.AccessToken, Body: `{"padding":"` + strings.Repeat("a", 100) + `"}`}, http.StatusRequestEntityTooLarge)
	a.Do(t, Request{Method: "POST", Path: target, Credential: s.AccessToken, Body: `x`, Header: map[string]string{"Content-Type": "text/plain"}}, http.StatusUnsupportedMediaType)
	a.Do(t, Request{Method: "POST", Path: target, Credential: s.AccessToken, Body: `{"x":1}`}, http.StatusBadRequest)
	a.Do(t, Request{Method: "POST", Path: target, Credential: s.AccessToken}, http.StatusAccepted)
	tok := mailToken(t, a.Mail)

	before := a.Count(t)
	a.Do(t, Request{Method: "PUT", Path: target, Body: `{"token":"rvt_guess"}`}, http.StatusBadRequest)
	a.Do(t, Request{Method: "PUT", Path: target, Body: `{"token":"` + strings.Repeat("a", 17<<10) + `"}`}, http.StatusRequestEntityTooLarge)
	a.Do(t, Request{Method: "PUT", Path: target, Body: `{}`, Header: map[string]string{"Content-Type": "text/plain"}}, http.StatusUnsupportedMediaType)
	if after := a.Count(t); after != before {
		t.Errorf("refused confirmations wrote: %d items, then %d", before, after)
	}
	confirm := Request{Method: "PUT", Path: target, Body: fmt.Sprintf(`{"token":%q}`, tok)}
	a.Valid(t, confirm)
	a.Do(t, confirm, http.StatusNoContent)
	var me struct {
		EmailVerified bool `json:"emailVerified"`
	}
	a.Do(t, Request{Method: "GET", Path: "/tenants/acme/account", Credential: s.AccessToken}, http.StatusOK).JSON(t, &me)
	if !me.EmailVerified {
		t.Error("GET /tenants/acme/account: emailVerified false after confirming")
	}
	var u struct {
		EmailVerified bool `json:"emailVerified"`
	}
	a.Do(t, Request{Method: "GET", Path: "/users/" + ada.User.ID, Credential: a.APIKey}, http.StatusOK).JSON(t, &u)
	if !u.EmailVerified {
		t.Error("GET /users/{id}: emailVerified false after confirming")
	}
	// An administrator vouches for an address, or withdraws that.
	a.Do(t, Request{Method: "PUT", Path: "/users/" + ada.User.ID, Credential: a.APIKey, Body: `{"emailVerified":false}`}, http.StatusOK).JSON(t, &u)
	if u.EmailVerified {
		t.Error("PUT /users/{id} emailVerified false: still verified")
	}
	a.Do(t, Request{Method: "POST", Path: "/users", Credential: a.APIKey,
		Body: `{"email":"vouched@acme.example","firstName":"V","lastName":"W","emailVerified":true}`}, http.StatusCreated).JSON(t, &u)
	if !u.EmailVerified {
		t.Error("POST /users with emailVerified true: not verified")
	}
	for range throttle.MailPerAddress - 1 {
		a.Do(t, Request{Method: "POST", Path: target, Credential: s.AccessToken}, http.StatusAccepted)
	}
	a.Do(t, Request{Method: "POST", Path: target, Credential: s.AccessToken}, http.StatusTooManyRequests)
	a.NoSecretsLogged(t, tok)
}

// TestAccountEmailChange walks a self-service change of address: the
// change waits for the link mailed to the new address, the old one is
// told, a taken address is named only to the link's holder, and the
// mail is throttled.
func TestAccountEmailChange(t *testing.T) {
	a := newAPI(t)
	ada := a.Person(t, "ada", role.Member)
	a.Person(t, "grace", role.Member)
	s := a.Login(t, ada)
	const self, confirm = "/tenants/acme/account", "/tenants/acme/account/verification"
	var u struct {
		Email, PendingEmail string
		EmailVerified       bool
	}
	// Another user's address: the answer is the same as for a free one.
	a.Do(t, Request{Method: "PUT", Path: self, Credential: s.AccessToken, Body: `{"email":"GRACE@acme.example"}`}, http.StatusOK).JSON(t, &u)
	if u.Email != "ada@acme.example" || u.PendingEmail != "GRACE@acme.example" {
		t.Errorf("change to a taken address answered %+v", u)
	}
	if n := a.Mail.Last(t); n.Type != mail.EmailChangeNotice || n.Email != "ada@acme.example" || n.Token != "" {
		t.Errorf("notice %+v", n)
	}
	taken := a.Mail.Sent()[a.Mail.Count()-2].Token
	before := a.Count(t)
	res := a.Do(t, Request{Method: "PUT", Path: confirm, Body: fmt.Sprintf(`{"token":%q}`, taken)}, http.StatusConflict)
	accountWantField(t, res, "email")
	if after := a.Count(t); after != before {
		t.Errorf("a refused change wrote: %d items, then %d", before, after)
	}

	a.Do(t, Request{Method: "PUT", Path: self, Credential: s.AccessToken, Body: `{"email":"ada@new.example"}`}, http.StatusOK)
	tok := a.Mail.Sent()[a.Mail.Count()-2].Token
	a.Do(t, Request{Method: "PUT", Path: "/tenants/globex/account/verification", Body: fmt.Sprintf(`{"token":%q}`, tok)}, http.StatusBadRequest)
	a.Do(t, Request{Method: "PUT", Path: confirm, Body: fmt.Sprintf(`{"token":%q}`, tok)}, http.StatusNoContent)
	a.Do(t, Request{Method: "PUT", Path: confirm, Body: fmt.Sprintf(`{"token":%q}`, tok)}, http.StatusBadRequest)
	u.PendingEmail = ""
	a.Do(t, Request{Method: "GET", Path: self, Credential: s.AccessToken}, http.StatusOK).JSON(t, &u)
	if u.Email != "ada@new.example" || !u.EmailVerified || u.PendingEmail != "" {
		t.Errorf("after the link: %+v", u)
	}

	// Each change counts a mail to the new address and one to the old:
	// ada@new.example had its link and now five notices, so the fifth
	// change from it in the hour is refused and changes nothing.
	for range throttle.MailPerAddress - 1 {
		a.Do(t, Request{Method: "PUT", Path: self, Credential: s.AccessToken, Body: `{"email":"bombed@acme.example"}`}, http.StatusOK)
	}
	before = a.Count(t)
	a.Do(t, Request{Method: "PUT", Path: self, Credential: s.AccessToken, Body: `{"email":"bombed@acme.example"}`}, http.StatusTooManyRequests)
	if after := a.Count(t); after != before {
		t.Errorf("a throttled change wrote: %d items, then %d", before, after)
	}
	a.NoSecretsLogged(t, tok)
}

// TestNewUsersGetAVerificationMail: each way a request creates a user
// with an address mails it a verification link, unless an administrator
// vouched for it; a mail queue that is down fails no creation.
func TestNewUsersGetAVerificationMail(t *testing.T) {
	a := newAPI(t)
	wantLink := func(to string) {
		t.Helper()
		m := a.Mail.Last(t)
		if m.Type != mail.VerificationNeeded || m.Email != to || m.Token == "" {
			t.Errorf("after creating %s, the last mail is %+v", to, m)
		}
	}
	a.Do(t, Request{Method: "POST", Path: "/users", Credential: a.APIKey,
		Body: `{"email":"new@acme.example","firstName":"N","lastName":"U"}`}, http.StatusCreated)
	wantLink("new@acme.example")
	a.accessUsersAdd(t, `{"username":"ada","email":"ada.access@acme.example","firstName":"Ada","lastName":"L","active":true}`)
	wantLink("ada.access@acme.example")
	a.Do(t, Request{Method: "POST", Path: "/UserInfo/RegisterNewUser", Credential: a.APIKey,
		Body: `{"userEmail":"registered@acme.example","firstName":"R","lastName":"N"}`}, http.StatusCreated)
	wantLink("registered@acme.example")
	n := a.Mail.Count()
	a.Do(t, Request{Method: "POST", Path: "/users", Credential: a.APIKey,
		Body: `{"email":"vouched2@acme.example","firstName":"V","lastName":"W","emailVerified":true}`}, http.StatusCreated)
	if a.Mail.Count() != n {
		t.Error("a vouched address was mailed a link")
	}
	a.p.Mail = mail.PosterFunc(func(context.Context, mail.Message) error {
		return fault.New(fault.Unavailable, "The mail could not be sent; retry.")
	})
	a.Do(t, Request{Method: "POST", Path: "/users", Credential: a.APIKey,
		Body: `{"email":"queue.down@acme.example","firstName":"Q","lastName":"D"}`}, http.StatusCreated)
	if !strings.Contains(a.logs.String(), "verification mail not sent") {
		t.Error("the failed mail was not logged")
	}
}

// TestAdministratorsVouchForAnAddressInEveryDialect: the Access User and
// Identity dialects take emailVerified as an extension; the Users API
// shows it (Access User's search is served by indexes that do not project
// it, decision 023).
func TestAdministratorsVouchForAnAddressInEveryDialect(t *testing.T) {
	a := newAPI(t)
	verified := func(id string) (string, bool) {
		t.Helper()
		var u struct {
			Email         string `json:"email"`
			EmailVerified bool   `json:"emailVerified"`
		}
		a.Do(t, Request{Method: "GET", Path: "/users/" + id, Credential: a.APIKey}, http.StatusOK).JSON(t, &u)
		return u.Email, u.EmailVerified
	}
	vera := a.Person(t, "vera", role.Member)
	var page struct {
		List []struct {
			ID int64 `json:"id"`
		} `json:"list"`
	}
	a.Do(t, Request{Method: "GET", Path: "/api/v1/accessuser/search?searchWord=vera", Credential: a.APIKey}, http.StatusOK).JSON(t, &page)
	if len(page.List) != 1 {
		t.Fatalf("search found %+v", page.List)
	}
	rq := Request{Method: "POST", Path: "/api/v1/accessuser/update", Credential: a.APIKey, Body: fmt.Sprintf(`{"id":%d,"authId":1,"emailVerified":true}`, page.List[0].ID)}
	a.Valid(t, rq)
	a.Do(t, rq, http.StatusOK)
	if _, ok := verified(vera.User.ID); !ok {
		t.Error("Access User update emailVerified true: not verified")
	}
	a.Do(t, Request{Method: "POST", Path: "/api/v1/accessuser/update", Credential: a.APIKey, Body: fmt.Sprintf(`{"id":%d,"authId":1,"emailVerified":"yes"}`, page.List[0].ID)}, http.StatusBadRequest)

	ida := a.Person(t, "ida", role.Member)
	rq = Request{Method: "PUT", Path: identityBase(a) + "/User/" + ida.User.ID, Credential: a.APIKey, Body: `{"email":"ida.new@acme.example","emailVerified":true}`}
	a.Valid(t, rq)
	identitySucceeded(t, a.Do(t, rq, http.StatusOK))
	if email, ok := verified(ida.User.ID); email != "ida.new@acme.example" || !ok {
		t.Errorf("after Identity's vouched change: %s %v", email, ok)
	}
	a.Do(t, Request{Method: "PUT", Path: identityBase(a) + "/User/" + ida.User.ID, Credential: a.APIKey, Body: `{"emailVerified":1}`}, http.StatusBadRequest)
}
