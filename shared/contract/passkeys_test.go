package contract_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"roster/shared/platform"
	"roster/shared/role"
	"roster/shared/signin/passkeytest"
)

type passkeyOptions struct {
	ChallengeToken string          `json:"challengeToken"`
	Options        json.RawMessage `json:"options"`
}

func TestAccountPasskeyRegistrationSecondFactorAndPasswordlessLogin(t *testing.T) {
	a := newAPI(t)
	p := a.Person(t, "ada", role.Member)
	s := a.Login(t, p)
	auth := passkeytest.New(passkeyRPID, passkeyOrigin)

	var reg passkeyOptions
	a.Do(t, Request{Method: "POST", Path: "/account/passkeys/options", Credential: s.AccessToken}, http.StatusOK).JSON(t, &reg)
	answer, err := auth.Create(reg.Options)
	if err != nil {
		t.Fatal(err)
	}
	// An answer that does not verify: another relying party's.
	evil, _ := passkeytest.New("evil.example", "https://evil.example").Create(reg.Options)
	before := a.Count(t)
	accountWantField(t, a.Do(t, Request{Method: "POST", Path: "/account/passkeys", Credential: s.AccessToken,
		Body: fmt.Sprintf(`{"name":"laptop","credential":%s}`, evil)}, http.StatusBadRequest), "credential")
	if after := a.Count(t); after != before {
		t.Errorf("a refused registration wrote: %d items, then %d", before, after)
	}
	rq := Request{Method: "POST", Path: "/account/passkeys", Credential: s.AccessToken, Body: fmt.Sprintf(`{"name":"laptop","credential":%s}`, answer)}
	a.Valid(t, rq)
	a.Do(t, rq, http.StatusCreated)
	a.Do(t, rq, http.StatusNotFound) // the ceremony is spent

	// The login asks for the passkey.
	c := a.passwordStep(t, p)
	if len(c.Factors) != 1 || c.Factors[0] != "passkey" {
		t.Fatalf("factors = %v", c.Factors)
	}
	var get passkeyOptions
	rq = Request{Method: "POST", Path: "/account/passkey/options", Credential: p.DeviceToken, Body: `{"challengeToken":"` + c.ChallengeToken + `"}`}
	a.Valid(t, rq)
	a.Do(t, rq, http.StatusOK).JSON(t, &get)
	a.Do(t, Request{Method: "POST", Path: "/account/passkey/options", Credential: a.Person(t, "eve", role.Member).DeviceToken,
		Body: `{"challengeToken":"` + c.ChallengeToken + `"}`}, http.StatusUnauthorized)
	assertion, err := auth.Get(get.Options)
	if err != nil {
		t.Fatal(err)
	}
	rq = Request{Method: "POST", Path: "/account/mfa/verify", Credential: p.DeviceToken,
		Body: fmt.Sprintf(`{"challengeToken":%q,"passkey":%s}`, c.ChallengeToken, assertion)}
	a.Valid(t, rq)
	var in Session
	a.Do(t, rq, http.StatusOK).JSON(t, &in)
	a.Do(t, Request{Method: "POST", Path: "/tenants/acme/account", Credential: in.AuthToken}, http.StatusOK)
	a.Do(t, rq, http.StatusUnauthorized) // the challenge is spent

	// Passwordless.
	var pw passkeyOptions
	a.Do(t, Request{Method: "POST", Path: "/account/passkey/options", Credential: p.DeviceToken, Body: `{}`}, http.StatusOK).JSON(t, &pw)
	assertion, err = auth.Get(pw.Options)
	if err != nil {
		t.Fatal(err)
	}
	var out Session
	a.Do(t, Request{Method: "POST", Path: "/account/mfa/verify", Credential: p.DeviceToken,
		Body: fmt.Sprintf(`{"challengeToken":%q,"passkey":%s}`, pw.ChallengeToken, assertion)}, http.StatusOK).JSON(t, &out)
	if out.UserUID != p.User.ID || out.TenantUID != "acme" {
		t.Errorf("passwordless login as %s/%s", out.TenantUID, out.UserUID)
	}
	var f struct {
		Passkeys int `json:"passkeys"`
	}
	a.Do(t, Request{Method: "GET", Path: "/account/mfa", Credential: out.AccessToken}, http.StatusOK).JSON(t, &f)
	if f.Passkeys != 1 {
		t.Errorf("passkeys = %d", f.Passkeys)
	}
	a.NoSecretsLogged(t, c.ChallengeToken, pw.ChallengeToken, in.AuthToken, out.AuthToken)
}

func TestAccountPasskeyRoutesWithoutARelyingPartyAnswer404(t *testing.T) {
	a := newAPIWith(t, platform.Config{})
	p := a.Person(t, "ada", role.Member)
	s := a.Login(t, p)
	a.Do(t, Request{Method: "POST", Path: "/account/passkeys/options", Credential: s.AccessToken}, http.StatusNotFound)
	a.Do(t, Request{Method: "POST", Path: "/account/passkeys", Credential: s.AccessToken, Body: `{"name":"x","credential":{"id":"x","response":{}}}`},
		http.StatusNotFound)
	a.Do(t, Request{Method: "POST", Path: "/account/passkey/options", Credential: p.DeviceToken, Body: `{}`}, http.StatusNotFound)
}

func TestAccountPasskeyRoutesRefuseBadInput(t *testing.T) {
	a := newAPI(t)
	owner, s := a.Owner(t)
	big := `{"name":"` + string(make([]byte, 0)) + `x","credential":{"id":"` + fmt.Sprintf("%017000d", 0) + `"}}`
	for _, r := range []struct{ method, path, cred, bad, field, good string }{
		{"POST", "/account/passkeys", s.AccessToken, `{"name":"x","credential":"x"}`, "credential", `{"name":"x","credential":{"id":"x","response":{}}}`},
		{"POST", "/account/passkey/options", owner.DeviceToken, `{"challengeToken":1}`, "challengeToken", `{}`},
	} {
		t.Run(r.path, func(t *testing.T) {
			accountWantField(t, a.Do(t, Request{Method: r.method, Path: r.path, Credential: r.cred, Body: r.bad}, http.StatusBadRequest), r.field)
			accountWantField(t, a.Do(t, Request{Method: r.method, Path: r.path, Credential: r.cred, Body: `{}`,
				Header: map[string]string{"Content-Type": "text/plain"}}, http.StatusUnsupportedMediaType), "Content-Type")
			accountWantField(t, a.Do(t, Request{Method: r.method, Path: r.path, Credential: r.cred, Body: big}, http.StatusRequestEntityTooLarge), "body")
			for _, cred := range []string{"", "garbage"} {
				a.Unauthenticated(t, Request{Method: r.method, Path: r.path, Credential: cred, Body: r.good})
			}
		})
	}
	path := "/account/passkeys/options"
	accountWantField(t, a.Do(t, Request{Method: "POST", Path: path, Credential: s.AccessToken, Body: `{"ignored":true}`}, http.StatusBadRequest), "ignored")
	accountWantField(t, a.Do(t, Request{Method: "POST", Path: path, Credential: s.AccessToken, Body: `{"pad":"` + fmt.Sprintf("%070d", 0) + `"}`},
		http.StatusRequestEntityTooLarge), "body")
	accountWantField(t, a.Do(t, Request{Method: "POST", Path: path, Credential: s.AccessToken, Body: `hello`,
		Header: map[string]string{"Content-Type": "text/plain"}}, http.StatusUnsupportedMediaType), "Content-Type")
	a.Unauthenticated(t, Request{Method: "POST", Path: path, Credential: s.AuthToken})
}
