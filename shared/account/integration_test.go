package account_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"roster/shared/account"
	"roster/shared/auth"
	"roster/shared/opaque"
	"roster/shared/password"
	"roster/shared/platform"
	"roster/shared/platform/accountfn"
	"roster/shared/role"
	"roster/shared/secrets"
	"roster/shared/signin"
	"roster/shared/store/storetest"
	"roster/shared/user"
	"roster/shared/web"
	"roster/shared/web/webtest"
)

// The tests in this file drive the group end to end, as a function serves
// it: the real sign-in service over a table on each emulator, argon2id at
// the default parameters, access tokens signed and verified with keys
// derived from a master key, and the real authenticator in process where
// the Lambda authorizer would run.

// liveMaster is the master key of every live stack here. The pepper derives
// from it alone, so a password is hashed once for all tests.
var liveMaster = secrets.NewMasterKey()

// liveHashes memoises password hashes under liveMaster's pepper: each costs
// tens of milliseconds.
var liveHashes sync.Map

const (
	livePassword    = "correct horse battery staple"
	liveNewPassword = "a different long passphrase"
)

// liveKeys derives the key material of liveMaster with the given signing
// kids, the active one first; with none, the secret has no signingKeys
// member (the single kid k1).
func liveKeys(t *testing.T, kids ...string) secrets.Keys {
	t.Helper()
	secret := map[string]any{"version": 1, "masterKey": liveMaster}
	if len(kids) > 0 {
		secret["signingKeys"] = map[string]any{"active": kids[0], "kids": kids}
	}
	b, err := json.Marshal(secret)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := secrets.Parse(string(b))
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// live is the group over a table, as the function builds it (package
// platform).
type live struct {
	env  storetest.Env
	keys secrets.Keys
	h    http.Handler
	logs *bytes.Buffer
}

// newLive builds the group on env with keys. With opts it builds what
// the function builds, but with those sign-in options; without, it is
// what the function builds.
// eachLive runs fn in parallel against every emulator, with the whole
// group over a fresh table and a fresh key set.
func eachLive(t *testing.T, opts *signin.Options, fn func(t *testing.T, env storetest.Env, l *live)) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		t.Parallel()
		fn(t, env, newLive(t, env, liveKeys(t), opts))
	})
}

func newLive(t *testing.T, env storetest.Env, keys secrets.Keys, opts *signin.Options) *live {
	t.Helper()
	l := &live{env: env, keys: keys, logs: &bytes.Buffer{}}
	p, err := platform.Assemble(platform.Config{}, web.NewLogger(l.logs, "debug"), env.Table, keys)
	if err != nil {
		t.Fatal(err)
	}
	authn := auth.InProcess(p.Authenticator, web.WriteProblem)
	if opts == nil {
		l.h = accountfn.Account(p, authn)
		return l
	}
	svc, err := signin.New(p.Table, p.Directory, p.Hasher, p.Issuer, p.Keys.Pepper, *opts)
	if err != nil {
		t.Fatal(err)
	}
	l.h = account.Handler(account.Deps{Service: svc, JWKS: func() ([]byte, error) { return p.JWKS, nil }}, p.Log, authn)
	return l
}

// liveTenant is a tenant seeded as the local stack seeds its demo tenant:
// an owner with a password, a registered device and an admin API key.
type liveTenant struct {
	owner    *user.User
	device   string // device token
	deviceID string
	apiKey   string // admin API key
	apiKeyID string
}

// seed creates tenant id with its owner, whose user code is userCode.
func (l *live) seed(t *testing.T, id, userCode string) liveTenant {
	t.Helper()
	ctx := context.Background()
	l.env.Tenant(t, id)
	now := time.Now().UTC().Truncate(time.Second)
	owner := &user.User{
		TenantID: id, ID: user.NewID(), Username: userCode, Email: userCode + "@" + id + ".example",
		FirstName: strings.ToUpper(userCode[:1]) + userCode[1:], LastName: "Owner", Active: true, Role: string(role.Owner),
		CreatedAt: now, UpdatedAt: now, CreatedBy: "seed", UpdatedBy: "seed",
	}
	if err := l.env.Table.CreateUser(ctx, owner); err != nil {
		t.Fatalf("seed owner of %s: %v", id, err)
	}
	if err := l.env.Table.SetAccountPassword(ctx, owner.AccountID, l.hash(t, livePassword)); err != nil {
		t.Fatalf("seed password of %s: %v", userCode, err)
	}
	d, err := opaque.Device.Generate()
	if err != nil {
		t.Fatal(err)
	}
	err = l.env.Table.PutDevice(ctx, &signin.Device{
		ID: d.ID, TenantID: id, Name: "till 1", Hash: opaque.Hash(l.keys.Pepper, d.Token), CreatedAt: now, CreatedBy: "seed",
	})
	if err != nil {
		t.Fatalf("seed device of %s: %v", id, err)
	}
	key := l.env.APIKey(t, id, l.keys.Pepper)
	keyID, err := opaque.APIKey.Parse(key)
	if err != nil {
		t.Fatal(err)
	}
	return liveTenant{owner: owner, device: d.Token, deviceID: d.ID, apiKey: key, apiKeyID: keyID}
}

// hash returns a hash of pw under the stack's pepper.
func (l *live) hash(t *testing.T, pw string) string {
	t.Helper()
	if h, ok := liveHashes.Load(pw); ok {
		return h.(string)
	}
	hasher, err := password.New(l.keys.Pepper, password.DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	h, err := hasher.Hash(pw)
	if err != nil {
		t.Fatal(err)
	}
	liveHashes.Store(pw, h)
	return h
}

// send sends a request with cred as its bearer credential ("" for none)
// and body as JSON ("" for none); header adds name, value pairs.
func (l *live) send(t *testing.T, method, target, cred, body string, header ...string) response {
	t.Helper()
	var r *http.Request
	if body == "" {
		r = httptest.NewRequest(method, target, nil)
	} else {
		r = httptest.NewRequest(method, target, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
	}
	if cred != "" {
		r.Header.Set("Authorization", "Bearer "+cred)
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	l.h.ServeHTTP(w, r)
	return response{Code: w.Code, Header: w.Header(), Body: w.Body.Bytes()}
}

// liveEntered is what a login, exchange or accepted invitation answers,
// and the tenant user of GET /tenants/{tenantUid}/account.
type liveEntered struct {
	AuthToken   string `json:"authToken"`
	AccessToken string `json:"accessToken"`
	TenantUID   string `json:"tenantUid"`
	UserUID     string `json:"userUid"`
	AccountUID  string `json:"accountUid"`
	Role        string `json:"role"`
	Firstname   string `json:"firstname"`
}

// liveAccount is what GET /account answers.
type liveAccount struct {
	AccountUID       string `json:"accountUid"`
	DefaultTenantUID string `json:"defaultTenantUid"`
	Tenants          []struct {
		TenantUID string `json:"tenantUid"`
		UserUID   string `json:"userUid"`
		Role      string `json:"role"`
	} `json:"tenants"`
}

// liveInvitation is what POST /tenants/{tenantUid}/invitations answers.
type liveInvitation struct {
	InviteToken string    `json:"inviteToken"`
	TenantUID   string    `json:"tenantUid"`
	ExpiresAt   time.Time `json:"expiresAt"`
}

// liveJWKS is the JWKS document.
type liveJWKS struct {
	Keys []struct {
		Kid string `json:"kid"`
	} `json:"keys"`
}

// kids lists the document's kids, sorted.
func (s liveJWKS) kids() []string {
	var out []string
	for _, k := range s.Keys {
		out = append(out, k.Kid)
	}
	slices.Sort(out)
	return out
}

// memberships lists the account's tenants as tenant:role, sorted.
func (a liveAccount) memberships() []string {
	var out []string
	for _, tn := range a.Tenants {
		out = append(out, tn.TenantUID+":"+tn.Role)
	}
	slices.Sort(out)
	return out
}

// decodeLive checks the status and decodes the JSON body.
func decodeLive[T any](t *testing.T, res response, status int) T {
	t.Helper()
	var v T
	if res.Code != status {
		t.Fatalf("status %d, want %d; body %s", res.Code, status, res.Body)
	}
	if err := json.Unmarshal(res.Body, &v); err != nil {
		t.Fatalf("body %s: %v", res.Body, err)
	}
	return v
}

// loginAs logs userCode in on the tenant's device; 200 or the test fails.
func (l *live) loginAs(t *testing.T, tn liveTenant, userCode, pw string) liveEntered {
	t.Helper()
	res := l.send(t, "POST", "/account", tn.device, `{"userCode":"`+userCode+`","password":"`+pw+`"}`)
	return decodeLive[liveEntered](t, res, http.StatusOK)
}

// login logs the tenant's owner in with the seeded password.
func (l *live) login(t *testing.T, tn liveTenant) liveEntered {
	t.Helper()
	return l.loginAs(t, tn, tn.owner.Username, livePassword)
}

// account reads GET /account with the access token.
func (l *live) account(t *testing.T, accessToken string) liveAccount {
	t.Helper()
	return decodeLive[liveAccount](t, l.send(t, "GET", "/account", accessToken, ""), http.StatusOK)
}

// user reads a user straight from the table.
func (l *live) user(t *testing.T, tenantID, id string) *user.User {
	t.Helper()
	u, err := l.env.Table.GetUser(context.Background(), tenantID, id)
	if err != nil {
		t.Fatalf("get user %s/%s: %v", tenantID, id, err)
	}
	return u
}

// noSecretsLogged fails the test if any of the secrets reached the logs.
func (l *live) noSecretsLogged(t *testing.T, values ...string) {
	t.Helper()
	for _, s := range values {
		if s != "" && strings.Contains(l.logs.String(), s) {
			t.Errorf("logs carry a secret (%.12s…)", s)
		}
	}
}

// sameProblem returns a problem body with its request id removed, after
// checking that the id is the response's. Two refusals that must not tell
// their causes apart have equal results.
func sameProblem(t *testing.T, res response, status int) string {
	t.Helper()
	p := webtest.AssertProblem(t, res, status)
	if p.RequestID == "" {
		t.Fatalf("problem without a request id: %s", res.Body)
	}
	return strings.Replace(string(res.Body), `"requestId":"`+p.RequestID+`"`, `"requestId":""`, 1)
}

// kid returns the kid in a JWT's header.
func kid(t *testing.T, jwt string) string {
	t.Helper()
	head, _, _ := strings.Cut(jwt, ".")
	b, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		t.Fatalf("token header: %v", err)
	}
	var h struct {
		Kid string `json:"kid"`
	}
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatalf("token header %s: %v", b, err)
	}
	return h.Kid
}

func TestLiveLoginGivesAnAccessTokenToTheAccountAndTheTenantUser(t *testing.T) {
	eachLive(t, nil, func(t *testing.T, env storetest.Env, l *live) {
		acme := l.seed(t, "acme", "ada")

		tok := l.login(t, acme)
		if tok.TenantUID != "acme" || tok.UserUID != acme.owner.ID || tok.AccountUID != acme.owner.AccountID {
			t.Errorf("login names %s/%s/%s, want acme/%s/%s", tok.TenantUID, tok.UserUID, tok.AccountUID, acme.owner.ID, acme.owner.AccountID)
		}
		if !opaque.Auth.Is(tok.AuthToken) || tok.AccessToken == "" {
			t.Fatalf("login tokens: auth %.4s…, access %.4s…", tok.AuthToken, tok.AccessToken)
		}

		acct := l.account(t, tok.AccessToken)
		if acct.AccountUID != acme.owner.AccountID || acct.DefaultTenantUID != "acme" ||
			!slices.Equal(acct.memberships(), []string{"acme:owner"}) {
			t.Errorf("GET /account = %+v, want account %s in acme as owner", acct, acme.owner.AccountID)
		}
		res := l.send(t, "GET", "/tenants/acme/account", tok.AccessToken, "")
		me := decodeLive[liveEntered](t, res, http.StatusOK)
		if me.UserUID != acme.owner.ID || me.Role != "owner" || res.Header.Get("ETag") != `"1"` {
			t.Errorf("GET /tenants/acme/account = %+v, ETag %s; want the owner at version 1", me, res.Header.Get("ETag"))
		}

		// Each credential opens only what it is for.
		webtest.AssertProblem(t, l.send(t, "GET", "/account", tok.AuthToken, ""), http.StatusUnauthorized)
		webtest.AssertProblem(t, l.send(t, "GET", "/account", acme.apiKey, ""), http.StatusUnauthorized)
		webtest.AssertProblem(t, l.send(t, "POST", "/account", tok.AccessToken, `{"userCode":"ada","password":"`+livePassword+`"}`), http.StatusUnauthorized)

		l.noSecretsLogged(t, livePassword, tok.AccessToken, tok.AuthToken, acme.device, acme.apiKey)
	})
}

func TestLiveExchangeSpendsTheAuthTokenOnce(t *testing.T) {
	eachLive(t, nil, func(t *testing.T, env storetest.Env, l *live) {
		acme := l.seed(t, "acme", "ada")
		l.seed(t, "globex", "bob")
		first := l.login(t, acme)

		ex := decodeLive[liveEntered](t, l.send(t, "POST", "/tenants/acme/account", first.AuthToken, ""), http.StatusOK)
		if ex.TenantUID != "acme" || ex.UserUID != acme.owner.ID || ex.AuthToken == first.AuthToken {
			t.Errorf("exchange = %+v, want the owner in acme with a fresh auth token", ex)
		}
		decodeLive[liveEntered](t, l.send(t, "GET", "/tenants/acme/account", ex.AccessToken, ""), http.StatusOK)

		// Spent: the second use is refused.
		webtest.AssertProblem(t, l.send(t, "POST", "/tenants/acme/account", first.AuthToken, ""), http.StatusUnauthorized)

		// A tenant the person is not in is 404 and spends nothing.
		webtest.AssertProblem(t, l.send(t, "POST", "/tenants/globex/account", ex.AuthToken, ""), http.StatusNotFound)
		again := decodeLive[liveEntered](t, l.send(t, "POST", "/tenants/acme/account", ex.AuthToken, ""), http.StatusOK)
		webtest.AssertProblem(t, l.send(t, "POST", "/tenants/acme/account", ex.AuthToken, ""), http.StatusUnauthorized)
		decodeLive[liveEntered](t, l.send(t, "POST", "/tenants/acme/account", again.AuthToken, ""), http.StatusOK)
	})
}

func TestLiveNoCredentialOfOneTenantReadsOrChangesAnother(t *testing.T) {
	eachLive(t, nil, func(t *testing.T, env storetest.Env, l *live) {
		a := l.seed(t, "acme", "ada")
		b := l.seed(t, "globex", "bob")
		aTok := l.login(t, a)
		bUser := l.user(t, "globex", b.owner.ID)
		items := env.Count(t)

		// B's tenant answers A exactly as a tenant that does not exist.
		probe := func(res response) web.Problem {
			t.Helper()
			p := webtest.AssertProblem(t, res, http.StatusNotFound)
			p.RequestID, p.Instance = "", ""
			return p
		}
		for _, c := range []struct{ method, path, cred, body string }{
			{"GET", "/account", aTok.AccessToken, ""},
			{"PUT", "/account", aTok.AccessToken, `{"firstname":"Mallory"}`},
			{"POST", "/invitations", aTok.AccessToken, `{"email":"eve@example.com","role":"admin","firstname":"Eve","lastname":"E"}`},
			{"POST", "/invitations", a.apiKey, `{"email":"eve@example.com","role":"admin","firstname":"Eve","lastname":"E"}`},
			{"POST", "/devices", aTok.AccessToken, `{"name":"mine now"}`},
			{"POST", "/devices", a.apiKey, `{"name":"mine now"}`},
			{"POST", "/apikeys", aTok.AccessToken, `{"name":"mine now","roles":["admin"]}`},
			{"POST", "/apikeys", a.apiKey, `{"name":"mine now","roles":["admin"]}`},
			{"DELETE", "/devices/" + b.deviceID, aTok.AccessToken, ""},
			{"DELETE", "/devices/" + b.deviceID, a.apiKey, ""},
			{"DELETE", "/apikeys/" + b.apiKeyID, aTok.AccessToken, ""},
			{"DELETE", "/apikeys/" + b.apiKeyID, a.apiKey, ""},
		} {
			t.Run(c.method+c.path, func(t *testing.T) {
				got := probe(l.send(t, c.method, "/tenants/globex"+c.path, c.cred, c.body))
				if none := probe(l.send(t, c.method, "/tenants/nosuch"+c.path, c.cred, c.body)); !reflect.DeepEqual(got, none) {
					t.Errorf("globex answers %+v, a tenant that does not exist %+v", got, none)
				}
			})
		}
		// B's device and key ids under A's own tenant are not A's to revoke.
		for _, c := range []struct{ path, cred string }{
			{"/tenants/acme/devices/" + b.deviceID, a.apiKey},
			{"/tenants/acme/devices/" + b.deviceID, aTok.AccessToken},
			{"/tenants/acme/apikeys/" + b.apiKeyID, a.apiKey},
			{"/tenants/acme/apikeys/" + b.apiKeyID, aTok.AccessToken},
		} {
			webtest.AssertProblem(t, l.send(t, "DELETE", c.path, c.cred, ""), http.StatusNotFound)
		}
		// A's auth token does not enter B.
		webtest.AssertProblem(t, l.send(t, "POST", "/tenants/globex/account", aTok.AuthToken, ""), http.StatusNotFound)
		if acct := l.account(t, aTok.AccessToken); !slices.Equal(acct.memberships(), []string{"acme:owner"}) {
			t.Errorf("A's account lists %v, want only acme", acct.memberships())
		}

		if after := env.Count(t); after != items {
			t.Errorf("items %d -> %d after refused requests", items, after)
		}
		if got := l.user(t, "globex", b.owner.ID); !reflect.DeepEqual(got, bUser) {
			t.Errorf("B's owner changed:\n%+v\nwas\n%+v", got, bUser)
		}
		// B's credentials still work.
		bTok := l.login(t, b)
		if bTok.TenantUID != "globex" {
			t.Errorf("B's device logs into %s", bTok.TenantUID)
		}
		if res := l.send(t, "POST", "/tenants/globex/devices", b.apiKey, `{"name":"till 2"}`); res.Code != http.StatusCreated {
			t.Errorf("B's API key: status %d, body %s", res.Code, res.Body)
		}
		// And A's own revoke works, so the 404s above are about the tenant.
		if res := l.send(t, "DELETE", "/tenants/acme/devices/"+a.deviceID, a.apiKey, ""); res.Code != http.StatusNoContent {
			t.Fatalf("revoking A's own device: status %d, body %s", res.Code, res.Body)
		}
		webtest.AssertProblem(t, l.send(t, "POST", "/account", a.device, `{"userCode":"ada","password":"`+livePassword+`"}`), http.StatusUnauthorized)
	})
}

func TestLiveSelfServiceRefusesPrivilegedFieldsAndChangesNothing(t *testing.T) {
	eachLive(t, nil, func(t *testing.T, env storetest.Env, l *live) {
		acme := l.seed(t, "acme", "ada")
		l.seed(t, "globex", "bob")
		tok := l.login(t, acme)
		before := l.user(t, "acme", acme.owner.ID)
		items := env.Count(t)

		for _, c := range []struct{ body, field string }{
			{`{"role":"member"}`, "role"},
			{`{"active":false}`, "active"},
			{`{"tenantUid":"globex"}`, "tenantUid"},
			{`{"userCode":"root"}`, "userCode"},
			{`{"firstname":"Eve","role":"owner"}`, "role"},
			{`{"displayName":"Eve","active":false}`, "active"},
		} {
			t.Run(c.body, func(t *testing.T) {
				webtest.AssertProblem(t, l.send(t, "PUT", "/tenants/acme/account", tok.AccessToken, c.body), http.StatusBadRequest, c.field)
				if got := l.user(t, "acme", acme.owner.ID); !reflect.DeepEqual(got, before) {
					t.Errorf("user changed:\n%+v\nwas\n%+v", got, before)
				}
			})
		}
		if after := env.Count(t); after != items {
			t.Errorf("items %d -> %d after refused changes", items, after)
		}

		// A change of one's own fields goes through and leaves the role alone.
		res := l.send(t, "PUT", "/tenants/acme/account", tok.AccessToken, `{"firstname":"Augusta"}`)
		if me := decodeLive[liveEntered](t, res, http.StatusOK); me.Firstname != "Augusta" || me.Role != "owner" {
			t.Errorf("PUT = %+v, want firstname Augusta, role owner", me)
		}
		if got := l.user(t, "acme", acme.owner.ID); got.Role != "owner" || !got.Active || got.Version != before.Version+1 {
			t.Errorf("stored user %+v", got)
		}
	})
}

func TestLiveLoginRefusalsAreIdenticalAndALockLiftsAfterItsWindow(t *testing.T) {
	eachLive(t, &signin.Options{LockFor: time.Second}, func(t *testing.T, env storetest.Env, l *live) {
		acme := l.seed(t, "acme", "ada")
		login := func(userCode, pw string) response {
			return l.send(t, "POST", "/account", acme.device, `{"userCode":"`+userCode+`","password":"`+pw+`"}`)
		}

		unknown := sameProblem(t, login("nobody", livePassword), http.StatusUnauthorized)
		var wrong string
		for i := range signin.DefaultMaxFailures {
			body := sameProblem(t, login("ada", "not the password"), http.StatusUnauthorized)
			if i == 0 {
				wrong = body
			} else if body != wrong {
				t.Errorf("wrong password %d answers\n%s\nthe first answered\n%s", i+1, body, wrong)
			}
		}
		acct, err := env.Table.GetAccount(context.Background(), acme.owner.AccountID)
		if err != nil {
			t.Fatal(err)
		}
		if !acct.LockedUntil.After(time.Now()) {
			t.Fatalf("account not locked after %d wrong passwords: %+v", signin.DefaultMaxFailures, acct)
		}
		locked := sameProblem(t, login("ada", livePassword), http.StatusUnauthorized)
		if unknown != wrong || wrong != locked {
			t.Errorf("refusals differ:\nunknown user code %s\nwrong password    %s\nlocked            %s", unknown, wrong, locked)
		}

		time.Sleep(time.Until(acct.LockedUntil) + 50*time.Millisecond)
		if res := login("ada", livePassword); res.Code != http.StatusOK {
			t.Fatalf("after the lock: status %d, body %s", res.Code, res.Body)
		}
		if acct, err := env.Table.GetAccount(context.Background(), acme.owner.AccountID); err != nil || acct.FailedLogins != 0 {
			t.Errorf("after a success the account is %+v, %v; want no failures", acct, err)
		}
		l.noSecretsLogged(t, livePassword, "not the password")
	})
}

func TestLivePasswordChangeRevokesEarlierAccessTokensOfEveryTenant(t *testing.T) {
	eachLive(t, nil, func(t *testing.T, env storetest.Env, l *live) {
		acme := l.seed(t, "acme", "ada")
		// Ada is also a member of globex: the same person, another user.
		l.seed(t, "globex", "bob")
		now := time.Now().UTC()
		err := env.Table.CreateUser(context.Background(), &user.User{
			TenantID: "globex", ID: user.NewID(), AccountID: acme.owner.AccountID, Username: "ada", Email: "ada@globex.example",
			FirstName: "Ada", LastName: "Owner", Active: true, Role: "member", CreatedAt: now, UpdatedAt: now,
		})
		if err != nil {
			t.Fatal(err)
		}
		inAcme := l.login(t, acme)
		inGlobex := decodeLive[liveEntered](t, l.send(t, "POST", "/tenants/globex/account", inAcme.AuthToken, ""), http.StatusOK)

		change := func(current string) response {
			return l.send(t, "PUT", "/tenants/acme/account", inAcme.AccessToken,
				`{"password":"`+liveNewPassword+`","currentPassword":"`+current+`"}`)
		}
		webtest.AssertProblem(t, change("not the password"), http.StatusBadRequest, "currentPassword")
		l.account(t, inAcme.AccessToken) // a refused change revokes nothing

		decodeLive[liveEntered](t, change(livePassword), http.StatusOK)
		webtest.AssertProblem(t, l.send(t, "GET", "/account", inAcme.AccessToken, ""), http.StatusUnauthorized)
		webtest.AssertProblem(t, l.send(t, "GET", "/tenants/acme/account", inAcme.AccessToken, ""), http.StatusUnauthorized)
		webtest.AssertProblem(t, l.send(t, "GET", "/tenants/globex/account", inGlobex.AccessToken, ""), http.StatusUnauthorized)

		res := l.send(t, "POST", "/account", acme.device, `{"userCode":"ada","password":"`+livePassword+`"}`)
		webtest.AssertProblem(t, res, http.StatusUnauthorized)
		fresh := l.loginAs(t, acme, "ada", liveNewPassword)
		if acct := l.account(t, fresh.AccessToken); !slices.Equal(acct.memberships(), []string{"acme:owner", "globex:member"}) {
			t.Errorf("after the change the account lists %v", acct.memberships())
		}
		l.noSecretsLogged(t, livePassword, liveNewPassword)
	})
}

func TestLivePasswordChangeEndsEarlierSessions(t *testing.T) {
	eachLive(t, nil, func(t *testing.T, env storetest.Env, l *live) {
		acme := l.seed(t, "acme", "ada")
		l.seed(t, "globex", "bob")
		initech := l.seed(t, "initech", "cy")
		// Ada is also a member of globex, and invited into initech.
		now := time.Now().UTC()
		err := env.Table.CreateUser(context.Background(), &user.User{
			TenantID: "globex", ID: user.NewID(), AccountID: acme.owner.AccountID, Username: "ada", Email: "ada@globex.example",
			FirstName: "Ada", LastName: "Owner", Active: true, Role: "member", CreatedAt: now, UpdatedAt: now,
		})
		if err != nil {
			t.Fatal(err)
		}
		res := l.send(t, "POST", "/tenants/initech/invitations", initech.apiKey,
			`{"email":"ada@initech.example","role":"member","firstname":"Ada","lastname":"Lovelace"}`)
		inv := decodeLive[liveInvitation](t, res, http.StatusCreated)
		unknown, err := opaque.Auth.Generate()
		if err != nil {
			t.Fatal(err)
		}
		refusal := func(res response) web.Problem {
			t.Helper()
			p := webtest.AssertProblem(t, res, http.StatusUnauthorized)
			p.RequestID, p.Instance = "", ""
			return p
		}
		bad := refusal(l.send(t, "POST", "/tenants/acme/account", unknown.Token, ""))

		// Two sessions begun before the change. A thief holding the first
		// one's auth token keeps it going by exchanging it, each time for a
		// fresh one-hour token.
		stolen := l.login(t, acme)
		for _, tenantID := range []string{"globex", "acme", "globex"} {
			stolen = decodeLive[liveEntered](t, l.send(t, "POST", "/tenants/"+tenantID+"/account", stolen.AuthToken, ""), http.StatusOK)
		}
		mine := l.login(t, acme)

		decodeLive[liveEntered](t, l.send(t, "PUT", "/tenants/acme/account", mine.AccessToken,
			`{"password":"`+liveNewPassword+`","currentPassword":"`+livePassword+`"}`), http.StatusOK)

		items := env.Count(t)
		for name, tok := range map[string]string{"stolen": stolen.AuthToken, "the changer's own": mine.AuthToken} {
			for _, tenantID := range []string{"acme", "globex"} {
				if got := refusal(l.send(t, "POST", "/tenants/"+tenantID+"/account", tok, "")); !reflect.DeepEqual(got, bad) {
					t.Errorf("%s session into %s answers %+v, an unknown auth token %+v", name, tenantID, got, bad)
				}
			}
			got := refusal(l.send(t, "PUT", "/account/invite", tok, `{"inviteToken":"`+inv.InviteToken+`"}`))
			if !reflect.DeepEqual(got, bad) {
				t.Errorf("%s session accepting answers %+v, an unknown auth token %+v", name, got, bad)
			}
		}
		if after := env.Count(t); after != items {
			t.Errorf("items %d -> %d after refused exchanges", items, after)
		}

		// A login with the new password begins a session that goes
		// everywhere the person is, the still open invitation included.
		fresh := l.loginAs(t, acme, "ada", liveNewPassword)
		inGlobex := decodeLive[liveEntered](t, l.send(t, "POST", "/tenants/globex/account", fresh.AuthToken, ""), http.StatusOK)
		res = l.send(t, "PUT", "/account/invite", inGlobex.AuthToken, `{"inviteToken":"`+inv.InviteToken+`"}`)
		if joined := decodeLive[liveEntered](t, res, http.StatusOK); joined.TenantUID != "initech" {
			t.Errorf("accepted into %s, want initech", joined.TenantUID)
		} else {
			decodeLive[liveEntered](t, l.send(t, "POST", "/tenants/acme/account", joined.AuthToken, ""), http.StatusOK)
		}
		l.noSecretsLogged(t, livePassword, liveNewPassword, stolen.AuthToken, mine.AuthToken, fresh.AuthToken)
	})
}

func TestLiveInvitationIsDescribedAcceptedOnceAndJoinsTheTenants(t *testing.T) {
	eachLive(t, nil, func(t *testing.T, env storetest.Env, l *live) {
		acme := l.seed(t, "acme", "ada")
		globex := l.seed(t, "globex", "bob")
		ada := l.login(t, acme)

		res := l.send(t, "POST", "/tenants/acme/invitations", ada.AccessToken,
			`{"email":"bob@globex.example","role":"member","firstname":"Bob","lastname":"Builder"}`)
		inv := decodeLive[liveInvitation](t, res, http.StatusCreated)
		if !opaque.Invite.Is(inv.InviteToken) || inv.TenantUID != "acme" {
			t.Fatalf("invitation = %+v", inv)
		}

		res = l.send(t, "GET", "/account/invite", "", "", "X-Invite-Token", inv.InviteToken)
		webtest.AssertJSON(t, res, http.StatusOK, `{"tenantUid":"acme","tenantName":"acme","organizationName":"org-acme",
			"role":"member","email":"b***@globex.example","expiresAt":"`+inv.ExpiresAt.UTC().Format(time.RFC3339)+`"}`)

		bob := l.login(t, globex)
		res = l.send(t, "PUT", "/account/invite", bob.AuthToken, `{"inviteToken":"`+inv.InviteToken+`"}`)
		joined := decodeLive[liveEntered](t, res, http.StatusOK)
		if joined.TenantUID != "acme" || joined.Role != "member" || joined.AuthToken == bob.AuthToken {
			t.Errorf("accepted = %+v, want a member of acme with a fresh auth token", joined)
		}
		acct := l.account(t, joined.AccessToken)
		if acct.AccountUID != globex.owner.AccountID || !slices.Equal(acct.memberships(), []string{"acme:member", "globex:owner"}) {
			t.Errorf("GET /account = %+v (%v), want bob's account in acme and globex", acct, acct.memberships())
		}
		webtest.AssertProblem(t, l.send(t, "POST", "/tenants/acme/account", bob.AuthToken, ""), http.StatusUnauthorized) // spent by the acceptance

		// Used, expired and unknown invitations are one and the same 404.
		expired, err := opaque.Invite.Generate()
		if err != nil {
			t.Fatal(err)
		}
		past := time.Now().Add(-time.Minute).Truncate(time.Second)
		err = env.Table.PutInvite(context.Background(), &signin.Invite{
			ID: expired.ID, TenantID: "acme", Email: "carol@example.com", Role: "member", FirstName: "Carol", LastName: "C",
			Hash: opaque.Hash(l.keys.Pepper, expired.Token), CreatedAt: past.Add(-time.Hour), CreatedBy: "seed", ExpiresAt: past,
		})
		if err != nil {
			t.Fatal(err)
		}
		unknown, err := opaque.Invite.Generate()
		if err != nil {
			t.Fatal(err)
		}
		var first string
		for _, c := range []struct{ name, tok string }{
			{"used", inv.InviteToken}, {"expired", expired.Token}, {"unknown", unknown.Token},
		} {
			describe := sameProblem(t, l.send(t, "GET", "/account/invite", "", "", "X-Invite-Token", c.tok), http.StatusNotFound)
			accept := sameProblem(t, l.send(t, "PUT", "/account/invite", joined.AuthToken, `{"inviteToken":"`+c.tok+`"}`), http.StatusNotFound)
			if first == "" {
				first = describe
			}
			if describe != first || accept != first {
				t.Errorf("%s invitation answers\n%s\n%s\nthe used one answered\n%s", c.name, describe, accept, first)
			}
		}
		// The refused acceptances spent no auth token.
		decodeLive[liveEntered](t, l.send(t, "POST", "/tenants/globex/account", joined.AuthToken, ""), http.StatusOK)
		l.noSecretsLogged(t, inv.InviteToken, bob.AuthToken, joined.AuthToken, joined.AccessToken)
	})
}

func TestLiveTokensOfTheOldSigningKeyWorkWhileBothKidsAreLive(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		t.Parallel()
		// Two containers during a rotation: one still signing with k1, one
		// already with k2, both knowing both; then k1 retired.
		old := newLive(t, env, liveKeys(t, "k1", "k2"), nil)
		rotated := newLive(t, env, liveKeys(t, "k2", "k1"), nil)
		retired := newLive(t, env, liveKeys(t, "k2"), nil)
		acme := old.seed(t, "acme", "ada")

		byOld, byRotated := old.login(t, acme), rotated.login(t, acme)
		if kid(t, byOld.AccessToken) != "k1" || kid(t, byRotated.AccessToken) != "k2" {
			t.Fatalf("kids %s and %s, want k1 and k2", kid(t, byOld.AccessToken), kid(t, byRotated.AccessToken))
		}
		for _, l := range []*live{old, rotated} {
			for _, tok := range []string{byOld.AccessToken, byRotated.AccessToken} {
				l.account(t, tok)
			}
			set := decodeLive[liveJWKS](t, l.send(t, "GET", "/.well-known/jwks.json", "", ""), http.StatusOK)
			if kids := set.kids(); !slices.Equal(kids, []string{"k1", "k2"}) {
				t.Errorf("JWKS lists %v, want k1 and k2", kids)
			}
		}
		// The auth token is the table's, not the signer's: either container exchanges it.
		ex := decodeLive[liveEntered](t, rotated.send(t, "POST", "/tenants/acme/account", byOld.AuthToken, ""), http.StatusOK)
		if kid(t, ex.AccessToken) != "k2" {
			t.Errorf("exchange by the rotated container signed with %s", kid(t, ex.AccessToken))
		}
		old.account(t, ex.AccessToken)

		// Once k1 is retired its tokens fail and k2's keep working.
		webtest.AssertProblem(t, retired.send(t, "GET", "/account", byOld.AccessToken, ""), http.StatusUnauthorized)
		retired.account(t, byRotated.AccessToken)
	})
}
