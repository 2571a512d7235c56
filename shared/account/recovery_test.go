package account_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"roster/shared/auth"
	"roster/shared/mail"
	"roster/shared/mail/mailtest"
	"roster/shared/platform"
	"roster/shared/platform/accountfn"
	"roster/shared/store/storetest"
	"roster/shared/throttle"
	"roster/shared/web"
	"roster/shared/web/webtest"
)

// eachRecovery runs fn on every emulator with the group as the function
// builds it, posting its mail to a box.
func eachRecovery(t *testing.T, fn func(t *testing.T, l *live, box *mailtest.Box)) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		t.Parallel()
		keys := liveKeys(t)
		l := &live{env: env, keys: keys, logs: &bytes.Buffer{}}
		p, err := platform.Assemble(platform.Config{}, web.NewLogger(l.logs, "debug"), env.Table, keys)
		if err != nil {
			t.Fatal(err)
		}
		box := &mailtest.Box{}
		p.Mail = box
		l.h = accountfn.Account(p, auth.InProcess(p.Authenticator, web.WriteProblem))
		fn(t, l, box)
	})
}

// without removes the request id header, which differs on every answer.
func without(h http.Header) string {
	h = h.Clone()
	h.Del("X-Request-Id")
	return fmt.Sprint(h)
}

func TestLiveRecoveryForgotPasswordMailSetLogIn(t *testing.T) {
	eachRecovery(t, func(t *testing.T, l *live, box *mailtest.Box) {
		tn := l.seed(t, "t1", "ada")
		old := l.login(t, tn)
		known := l.send(t, "POST", "/tenants/t1/account/recovery", "", `{"email":"`+tn.owner.Email+`"}`)
		if known.Code != http.StatusAccepted {
			t.Fatalf("request: %d %s", known.Code, known.Body)
		}
		m := box.Last(t)
		if m.Type != mail.RecoveryRequested || m.TenantName == "" {
			t.Fatalf("posted %v", m)
		}
		// Nobody, a user code nobody holds, another tenant: the same answer.
		for _, c := range []struct{ target, body string }{
			{"/tenants/t1/account/recovery", `{"email":"nobody@t1.example"}`},
			{"/tenants/t1/account/recovery", `{"userCode":"nobody"}`},
			{"/tenants/t1/account/recovery", `{"userCode":"ADA"}`},
			{"/tenants/nosuch/account/recovery", `{"email":"` + tn.owner.Email + `"}`},
		} {
			res := l.send(t, "POST", c.target, "", c.body)
			if res.Code != known.Code || !bytes.Equal(res.Body, known.Body) || without(res.Header) != without(known.Header) {
				t.Errorf("%s %s: %d %s %v, a known person's: %d %s %v", c.target, c.body, res.Code, res.Body, res.Header, known.Code, known.Body, known.Header)
			}
		}
		// The mail's token of the first request was superseded by the
		// user-code request; that one's sets the password.
		tok := box.Last(t).Token
		if res := l.send(t, "PUT", "/tenants/t1/account/recovery", "", `{"token":"`+m.Token+`","password":"`+liveNewPassword+`"}`); res.Code != http.StatusBadRequest {
			t.Errorf("superseded token: %d %s", res.Code, res.Body)
		}
		if res := l.send(t, "PUT", "/tenants/t1/account/recovery", "", `{"token":"`+tok+`","password":"`+liveNewPassword+`"}`); res.Code != http.StatusNoContent {
			t.Fatalf("reset: %d %s", res.Code, res.Body)
		}
		l.loginAs(t, tn, "ada", liveNewPassword)
		if res := l.send(t, "POST", "/account", tn.device, `{"userCode":"ada","password":"`+livePassword+`"}`); res.Code != http.StatusUnauthorized {
			t.Errorf("old password: %d", res.Code)
		}
		if res := l.send(t, "POST", "/tenants/t1/account", old.AuthToken, ""); res.Code != http.StatusUnauthorized {
			t.Errorf("auth token of the session before the reset: %d %s", res.Code, res.Body)
		}
		if res := l.send(t, "GET", "/account", old.AccessToken, ""); res.Code != http.StatusUnauthorized {
			t.Errorf("access token from before the reset: %d %s", res.Code, res.Body)
		}
		spent := l.send(t, "PUT", "/tenants/t1/account/recovery", "", `{"token":"`+tok+`","password":"yet another long passphrase"}`)
		webtest.AssertProblem(t, webtest.Response(spent), http.StatusBadRequest, "token")
		l.noSecretsLogged(t, tok, m.Token, liveNewPassword)
	})
}

func TestLiveRecoveryRefusesBadInputNamingTheField(t *testing.T) {
	eachRecovery(t, func(t *testing.T, l *live, box *mailtest.Box) {
		tn := l.seed(t, "t1", "ada")
		before := l.env.Count(t)
		for _, c := range []struct {
			method, target, body string
			fields               []string
		}{
			{"POST", "/tenants/t1/account/recovery", `{}`, []string{"email"}},
			{"POST", "/tenants/t1/account/recovery", `{"email":1}`, []string{"email"}},
			{"POST", "/tenants/t1/account/recovery", `{"email":"x@y.example","userCode":"x"}`, []string{"userCode"}},
			{"POST", "/tenants/t1/account/recovery", `{"email":"not an address"}`, []string{"email"}},
			{"POST", "/tenants/t1/account/recovery", `{"userCode":"` + strings.Repeat("a", 300) + `"}`, []string{"userCode"}},
			{"POST", "/tenants/t1/account/recovery", `{"email":"x@y.example","extra":1}`, []string{"extra"}},
			{"POST", "/tenants/bad%20tenant/account/recovery", `{"email":"x@y.example"}`, []string{"tenantUid"}},
			{"PUT", "/tenants/t1/account/recovery", `{}`, []string{"token", "password"}},
			{"PUT", "/tenants/t1/account/recovery", `{"token":"rrt_x","password":"` + liveNewPassword + `"}`, []string{"token"}},
			{"PUT", "/tenants/t1/account/recovery", `{"token":"rrt_x","password":["a"]}`, []string{"password"}},
			{"PUT", "/tenants/t1/account/recovery", `{"token":"` + strings.Repeat("t", 600) + `","password":"` + liveNewPassword + `"}`, []string{"token"}},
			{"POST", "/tenants/t1/users/" + tn.owner.ID + "/recovery", `{"x":1}`, []string{"x"}},
		} {
			cred := ""
			if strings.Contains(c.target, "/users/") {
				cred = tn.apiKey
			}
			res := l.send(t, c.method, c.target, cred, c.body)
			webtest.AssertProblem(t, webtest.Response(res), http.StatusBadRequest, c.fields...)
		}
		if after := l.env.Count(t); after != before || box.Count() != 0 {
			t.Errorf("bad input wrote %d items or posted %d mails", after-before, box.Count())
		}
	})
}

func TestLiveRecoveryFromOneSourceIsLimited(t *testing.T) {
	eachRecovery(t, func(t *testing.T, l *live, _ *mailtest.Box) {
		l.seed(t, "t1", "ada")
		var res response
		for i := 0; i <= throttle.RecoveryPerSource; i++ {
			res = l.send(t, "POST", "/tenants/t1/account/recovery", "", fmt.Sprintf(`{"email":"p%d@t1.example"}`, i))
		}
		webtest.AssertProblem(t, webtest.Response(res), http.StatusTooManyRequests)
		if res.Header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
	})
}

func TestLiveAdministratorSendsAResetInsteadOfSettingAPassword(t *testing.T) {
	eachRecovery(t, func(t *testing.T, l *live, box *mailtest.Box) {
		tn := l.seed(t, "t1", "ada")
		other := l.seed(t, "t2", "bob")
		target := "/tenants/t1/users/" + tn.owner.ID + "/recovery"
		if res := l.send(t, "POST", target, "", ""); res.Code != http.StatusUnauthorized {
			t.Errorf("no credential: %d", res.Code)
		}
		if res := l.send(t, "POST", target, other.apiKey, ""); res.Code != http.StatusNotFound {
			t.Errorf("another tenant's key: %d", res.Code)
		}
		if res := l.send(t, "POST", "/tenants/t2/users/"+tn.owner.ID+"/recovery", other.apiKey, ""); res.Code != http.StatusNotFound {
			t.Errorf("a user of another tenant: %d", res.Code)
		}
		res := l.send(t, "POST", target, tn.apiKey, "")
		if res.Code != http.StatusAccepted {
			t.Fatalf("send reset: %d %s", res.Code, res.Body)
		}
		tok := box.Last(t).Token
		if res := l.send(t, "PUT", "/tenants/t2/account/recovery", "", `{"token":"`+tok+`","password":"`+liveNewPassword+`"}`); res.Code != http.StatusBadRequest {
			t.Errorf("the token in another tenant: %d", res.Code)
		}
		if res := l.send(t, "PUT", "/tenants/t1/account/recovery", "", `{"token":"`+tok+`","password":"`+liveNewPassword+`"}`); res.Code != http.StatusNoContent {
			t.Fatalf("reset: %d %s", res.Code, res.Body)
		}
		l.loginAs(t, tn, "ada", liveNewPassword)
	})
}
