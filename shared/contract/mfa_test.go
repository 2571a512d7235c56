package contract_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"roster/shared/role"
)

// totpCode is the authenticator's code for secret, steps TOTP steps from
// now: a test that needs several codes takes them at increasing steps,
// since a step's code is accepted once.
func totpCode(t testing.TB, secret string, steps int) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, time.Now().Add(time.Duration(steps)*30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type challengeAnswer struct {
	MFARequired    bool     `json:"mfaRequired"`
	ChallengeToken string   `json:"challengeToken"`
	Factors        []string `json:"factors"`
}

// passwordStep logs p in and wants the 202 challenge.
func (a *api) passwordStep(t testing.TB, p Person) challengeAnswer {
	t.Helper()
	var c challengeAnswer
	a.Do(t, Request{Method: "POST", Path: "/account", Credential: p.DeviceToken, Body: accountLoginBody(p.User.Username, p.Password)},
		http.StatusAccepted).JSON(t, &c)
	if !c.MFARequired || c.ChallengeToken == "" {
		t.Fatalf("challenge = %+v", c)
	}
	return c
}

func verifyBody(challenge, field, code string) string {
	return fmt.Sprintf(`{"challengeToken":%q,%q:%q}`, challenge, field, code)
}

func TestAccountTOTPEnrolmentAndTwoStepLogin(t *testing.T) {
	a := newAPI(t)
	p := a.Person(t, "ada", role.Member)
	s := a.Login(t, p)

	var e struct {
		Secret     string `json:"secret"`
		OTPAuthURI string `json:"otpauthUri"`
		QRCodePNG  []byte `json:"qrCodePng"`
	}
	a.Do(t, Request{Method: "POST", Path: "/account/mfa/totp", Credential: s.AccessToken}, http.StatusCreated).JSON(t, &e)
	if !strings.Contains(e.OTPAuthURI, e.Secret) || len(e.QRCodePNG) < 100 {
		t.Errorf("enrolment = %+v", e)
	}
	// Not confirmed: logins are one step.
	a.Login(t, p)
	before := a.Count(t)
	res := a.Do(t, Request{Method: "PUT", Path: "/account/mfa/totp", Credential: s.AccessToken, Body: `{"code":"12345"}`}, http.StatusBadRequest)
	accountWantField(t, res, "code")
	if after := a.Count(t); after != before {
		t.Errorf("a refused confirmation wrote: %d items, then %d", before, after)
	}
	var rc struct {
		RecoveryCodes []string `json:"recoveryCodes"`
	}
	rq := Request{Method: "PUT", Path: "/account/mfa/totp", Credential: s.AccessToken, Body: `{"code":"` + totpCode(t, e.Secret, -1) + `"}`}
	a.Valid(t, rq)
	a.Do(t, rq, http.StatusOK).JSON(t, &rc)
	if len(rc.RecoveryCodes) != 10 {
		t.Fatalf("%d recovery codes", len(rc.RecoveryCodes))
	}
	a.Do(t, Request{Method: "POST", Path: "/account/mfa/totp", Credential: s.AccessToken}, http.StatusConflict)
	a.Do(t, Request{Method: "PUT", Path: "/account/mfa/totp", Credential: s.AccessToken, Body: `{"code":"123456"}`}, http.StatusNotFound)
	a.Do(t, Request{Method: "GET", Path: "/account/mfa", Credential: s.AccessToken}, http.StatusOK)

	// Two steps now.
	c := a.passwordStep(t, p)
	a.Do(t, Request{Method: "POST", Path: "/account/mfa/verify", Credential: p.DeviceToken, Body: verifyBody(c.ChallengeToken, "code", "000000")},
		http.StatusUnauthorized)
	a.Do(t, Request{Method: "POST", Path: "/account/mfa/enrol", Credential: p.DeviceToken, Body: `{"challengeToken":"` + c.ChallengeToken + `"}`},
		http.StatusUnauthorized)
	code := totpCode(t, e.Secret, 0)
	rq = Request{Method: "POST", Path: "/account/mfa/verify", Credential: p.DeviceToken, Body: verifyBody(c.ChallengeToken, "code", code)}
	a.Valid(t, rq)
	var in Session
	a.Do(t, rq, http.StatusOK).JSON(t, &in)
	a.Do(t, Request{Method: "POST", Path: "/tenants/acme/account", Credential: in.AuthToken}, http.StatusOK)
	// A replayed code and a spent challenge are refused.
	c2 := a.passwordStep(t, p)
	a.Do(t, Request{Method: "POST", Path: "/account/mfa/verify", Credential: p.DeviceToken, Body: verifyBody(c2.ChallengeToken, "code", code)},
		http.StatusUnauthorized)
	a.Do(t, Request{Method: "POST", Path: "/account/mfa/verify", Credential: p.DeviceToken, Body: verifyBody(c.ChallengeToken, "code", code)},
		http.StatusUnauthorized)
	a.Do(t, Request{Method: "POST", Path: "/account/mfa/verify", Credential: p.DeviceToken, Body: verifyBody(c2.ChallengeToken, "recoveryCode", rc.RecoveryCodes[0])},
		http.StatusOK)

	// Removal takes a current code.
	res = a.Do(t, Request{Method: "POST", Path: "/account/mfa/totp/delete", Credential: s.AccessToken, Body: `{"code":"000000"}`}, http.StatusBadRequest)
	accountWantField(t, res, "code")
	a.Do(t, Request{Method: "POST", Path: "/account/mfa/totp/delete", Credential: s.AccessToken, Body: `{"code":"` + totpCode(t, e.Secret, 1) + `"}`},
		http.StatusNoContent)
	a.Do(t, Request{Method: "POST", Path: "/account/mfa/totp/delete", Credential: s.AccessToken, Body: `{"code":"123456"}`}, http.StatusNotFound)
	a.Login(t, p)
	a.NoSecretsLogged(t, e.Secret, code, c.ChallengeToken, rc.RecoveryCodes[0], rc.RecoveryCodes[1], in.AuthToken)
}

func TestAccountMFAPolicyMakesARoleEnrolAtLogin(t *testing.T) {
	a := newAPI(t)
	a.env.Tenant(t, "globex")
	p := a.Person(t, "olga", role.Owner)
	early := a.Login(t, p)
	member := a.Login(t, a.Person(t, "mike", role.Member))
	path := "/tenants/acme/mfa-policy"
	a.Do(t, Request{Method: "GET", Path: path, Credential: a.APIKey}, http.StatusOK)
	a.Do(t, Request{Method: "GET", Path: path, Credential: member.AccessToken}, http.StatusForbidden)
	a.Do(t, Request{Method: "PUT", Path: path, Credential: member.AccessToken, Body: `{"requiredRoles":["owner"]}`}, http.StatusForbidden)
	a.Do(t, Request{Method: "GET", Path: "/tenants/globex/mfa-policy", Credential: a.APIKey}, http.StatusNotFound)
	a.Do(t, Request{Method: "PUT", Path: "/tenants/globex/mfa-policy", Credential: a.APIKey, Body: `{"requiredRoles":["owner"]}`}, http.StatusNotFound)
	for _, body := range []string{`{"requiredRoles":["owner","superuser"]}`, `{}`} {
		res := a.Do(t, Request{Method: "PUT", Path: path, Credential: a.APIKey, Body: body}, http.StatusBadRequest)
		accountWantField(t, res, "requiredRoles")
	}
	rq := Request{Method: "PUT", Path: path, Credential: a.APIKey, Body: `{"requiredRoles":["owner","admin"]}`}
	a.Valid(t, rq)
	a.Do(t, rq, http.StatusOK)

	// A session from before the policy may not enter the tenant.
	a.Do(t, Request{Method: "POST", Path: "/tenants/acme/account", Credential: early.AuthToken}, http.StatusForbidden)
	c := a.passwordStep(t, p)
	if len(c.Factors) != 1 || c.Factors[0] != "totp_enrolment" {
		t.Fatalf("factors = %v", c.Factors)
	}
	a.Do(t, Request{Method: "POST", Path: "/account/mfa/verify", Credential: p.DeviceToken, Body: verifyBody(c.ChallengeToken, "code", "123456")},
		http.StatusNotFound)
	var e struct {
		Secret string `json:"secret"`
	}
	rq = Request{Method: "POST", Path: "/account/mfa/enrol", Credential: p.DeviceToken, Body: `{"challengeToken":"` + c.ChallengeToken + `"}`}
	a.Valid(t, rq)
	a.Do(t, rq, http.StatusCreated).JSON(t, &e)
	var got struct {
		Session
		RecoveryCodes []string `json:"recoveryCodes"`
	}
	a.Do(t, Request{Method: "POST", Path: "/account/mfa/verify", Credential: p.DeviceToken, Body: verifyBody(c.ChallengeToken, "code", totpCode(t, e.Secret, 0))},
		http.StatusOK).JSON(t, &got)
	if len(got.RecoveryCodes) != 10 {
		t.Errorf("%d recovery codes", len(got.RecoveryCodes))
	}
	a.Do(t, Request{Method: "POST", Path: "/tenants/acme/account", Credential: got.AuthToken}, http.StatusOK)
	a.NoSecretsLogged(t, e.Secret, c.ChallengeToken, got.RecoveryCodes[0], got.AuthToken)
}

func TestAccountInvitationIntoARoleThatRequiresMFANeedsASessionWithOne(t *testing.T) {
	a := newAPI(t)
	globex := a.env.Tenant(t, "globex")
	key := a.env.APIKey(t, globex.ID, a.keys.Pepper)
	a.Do(t, Request{Method: "PUT", Path: "/tenants/globex/mfa-policy", Credential: key, Body: `{"requiredRoles":["user_manager"]}`}, http.StatusOK)
	s := a.Login(t, a.Person(t, "ada", role.Member))
	tok := accountInvite(t, a, "globex", key, "ada.l@example.com", "user_manager")
	before := a.Count(t)
	a.Do(t, Request{Method: "PUT", Path: "/account/invite", Credential: s.AuthToken, Body: fmt.Sprintf(`{"inviteToken":%q}`, tok)}, http.StatusForbidden)
	if after := a.Count(t); after != before {
		t.Errorf("a refused acceptance changed the table: %d items, then %d", before, after)
	}
	// Nothing was consumed: the auth token still works.
	a.Do(t, Request{Method: "POST", Path: "/tenants/acme/account", Credential: s.AuthToken}, http.StatusOK)
}

func TestAccountSessionsAreListedAndEnded(t *testing.T) {
	a := newAPI(t)
	p := a.Person(t, "ada", role.Member)
	boss := a.Person(t, "bob", role.Owner)
	s1, s2 := a.Login(t, p), a.Login(t, p)
	var list struct {
		Sessions []struct {
			SessionUID string `json:"sessionUid"`
		} `json:"sessions"`
	}
	a.Do(t, Request{Method: "GET", Path: "/account/sessions", Credential: s2.AccessToken}, http.StatusOK).JSON(t, &list)
	if len(list.Sessions) != 2 {
		t.Fatalf("sessions = %+v", list)
	}
	first := list.Sessions[1].SessionUID
	a.Do(t, Request{Method: "DELETE", Path: "/account/sessions/" + first, Credential: s2.AccessToken}, http.StatusNoContent)
	a.Do(t, Request{Method: "DELETE", Path: "/account/sessions/" + first, Credential: s2.AccessToken}, http.StatusNotFound)
	a.Do(t, Request{Method: "POST", Path: "/tenants/acme/account", Credential: s1.AuthToken}, http.StatusUnauthorized)
	a.Do(t, Request{Method: "DELETE", Path: "/account/sessions", Credential: s2.AccessToken}, http.StatusNoContent)
	a.Do(t, Request{Method: "POST", Path: "/tenants/acme/account", Credential: s2.AuthToken}, http.StatusUnauthorized)

	// An administrator's actions on a user.
	s3 := a.Login(t, p)
	member := a.Login(t, a.Person(t, "mike", role.Member))
	for _, suffix := range []string{"sessions", "mfa"} {
		path := "/tenants/acme/users/" + p.User.ID + "/" + suffix
		a.Do(t, Request{Method: "DELETE", Path: path, Credential: member.AccessToken}, http.StatusForbidden)
		a.Do(t, Request{Method: "DELETE", Path: "/tenants/acme/users/nosuchuser/" + suffix, Credential: a.APIKey}, http.StatusNotFound)
		a.Do(t, Request{Method: "DELETE", Path: "/tenants/globex/users/" + p.User.ID + "/" + suffix, Credential: a.APIKey}, http.StatusNotFound)
		a.Do(t, Request{Method: "DELETE", Path: "/tenants/acme/users/" + boss.User.ID + "/" + suffix, Credential: a.Login(t, a.Person(t, "adam"+suffix, role.Admin)).AccessToken},
			http.StatusForbidden)
		a.Do(t, Request{Method: "DELETE", Path: path, Credential: a.APIKey}, http.StatusNoContent)
	}
	a.Do(t, Request{Method: "POST", Path: "/tenants/acme/account", Credential: s3.AuthToken}, http.StatusUnauthorized)
}

func TestAccountMFAAndSessionRoutesRefuseBadInput(t *testing.T) {
	a := newAPI(t)
	owner, s := a.Owner(t)
	big := `{"code":"` + strings.Repeat("x", 17<<10) + `"}`
	ch := "rmc_abcdefghijklmnop_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"
	body := []struct{ method, path, cred, body, field, good string }{
		{"POST", "/account/mfa/verify", owner.DeviceToken, `{"challengeToken":"` + ch + `"}`, "code", verifyBody(ch, "code", "123456")},
		{"POST", "/account/mfa/enrol", owner.DeviceToken, `{"challengeToken":1}`, "challengeToken", `{"challengeToken":"` + ch + `"}`},
		{"PUT", "/account/mfa/totp", s.AccessToken, `{"code":"abc"}`, "code", `{"code":"123456"}`},
		{"POST", "/account/mfa/totp/delete", s.AccessToken, `{"code":123456}`, "code", `{"code":"123456"}`},
		{"PUT", "/tenants/acme/mfa-policy", a.APIKey, `{"requiredRoles":"owner"}`, "requiredRoles", `{"requiredRoles":[]}`},
	}
	bodyless := []struct{ method, path, cred string }{
		{"GET", "/account/mfa", s.AccessToken},
		{"POST", "/account/mfa/totp", s.AccessToken},
		{"GET", "/account/sessions", s.AccessToken},
		{"DELETE", "/account/sessions", s.AccessToken},
		{"DELETE", "/account/sessions/abcdefghijklmnop", s.AccessToken},
		{"GET", "/tenants/acme/mfa-policy", a.APIKey},
		{"DELETE", "/tenants/acme/users/" + owner.User.ID + "/sessions", a.APIKey},
		{"DELETE", "/tenants/acme/users/" + owner.User.ID + "/mfa", a.APIKey},
	}
	before := a.Count(t)
	for _, r := range body {
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			accountWantField(t, a.Do(t, Request{Method: r.method, Path: r.path, Credential: r.cred, Body: r.body}, http.StatusBadRequest), r.field)
			res := a.Do(t, Request{Method: r.method, Path: r.path, Credential: r.cred, Body: `{}`,
				Header: map[string]string{"Content-Type": "text/plain"}}, http.StatusUnsupportedMediaType)
			accountWantField(t, res, "Content-Type")
			accountWantField(t, a.Do(t, Request{Method: r.method, Path: r.path, Credential: r.cred, Body: big}, http.StatusRequestEntityTooLarge), "body")
			for _, cred := range []string{"", "garbage"} {
				a.Unauthenticated(t, Request{Method: r.method, Path: r.path, Credential: cred, Body: r.good})
			}
		})
	}
	for _, r := range bodyless {
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			accountWantField(t, a.Do(t, Request{Method: r.method, Path: r.path, Credential: r.cred, Body: `{"ignored":true}`}, http.StatusBadRequest), "ignored")
			accountWantField(t, a.Do(t, Request{Method: r.method, Path: r.path, Credential: r.cred, Body: `{"pad":"` + strings.Repeat("x", 64) + `"}`},
				http.StatusRequestEntityTooLarge), "body")
			accountWantField(t, a.Do(t, Request{Method: r.method, Path: r.path, Credential: r.cred, Body: `hello`,
				Header: map[string]string{"Content-Type": "text/plain"}}, http.StatusUnsupportedMediaType), "Content-Type")
			for _, cred := range []string{"", s.AuthToken} {
				a.Unauthenticated(t, Request{Method: r.method, Path: r.path, Credential: cred})
			}
		})
	}
	accountWantField(t, a.Do(t, Request{Method: "DELETE", Path: "/account/sessions/a.b", Credential: s.AccessToken}, http.StatusBadRequest), "sessionUid")
	accountWantField(t, a.Do(t, Request{Method: "DELETE", Path: "/tenants/acme/users/a.b/mfa", Credential: a.APIKey}, http.StatusBadRequest), "userUid")
	if after := a.Count(t); after != before {
		t.Errorf("refused requests changed the table: %d items, then %d", before, after)
	}
}
