package contract_test

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"roster/shared/auth"
	"roster/shared/catalog"
	"roster/shared/opaque"
	"roster/shared/provision"
	"roster/shared/role"
	"roster/shared/samtemplate"
	"roster/shared/store/storetest"
	"roster/shared/web"
)

// tenantStateEvent applies a tenant.deactivate or tenant.reactivate to the
// api's table through the provisioning processor, as the queue would.
func tenantStateEvent(t *testing.T, a *api, typ, tenantID string) {
	t.Helper()
	proc, err := a.p.Provisioning(provision.NotifierFunc(func(context.Context, provision.Notification) error { return nil }))
	if err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`{"type":%q,"version":1,"id":%q,"occurredAt":%q,"tenant":%q}`,
		typ, "billing-"+opaqueID(t), time.Now().UTC().Format(time.RFC3339Nano), tenantID)
	e, err := provision.Decode([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if out, err := proc.Apply(context.Background(), e); err != nil || out != provision.Applied {
		t.Fatalf("%s: %q, %v", typ, out, err)
	}
}

func opaqueID(t *testing.T) string {
	t.Helper()
	k, err := opaque.Device.Generate()
	if err != nil {
		t.Fatal(err)
	}
	return k.ID
}

// sameAnswer fails unless two answers are the same but for what differs
// per request (request id, instance, time), so a caller cannot tell them
// apart.
func sameAnswer(t *testing.T, what string, got, want Response) {
	t.Helper()
	strip := func(r Response) map[string]any {
		var m map[string]any
		r.JSON(t, &m)
		for _, k := range []string{"requestId", "instance", "timestamp"} {
			delete(m, k)
		}
		return m
	}
	if got.Status != want.Status || !reflect.DeepEqual(strip(got), strip(want)) ||
		got.Header.Get("WWW-Authenticate") != want.Header.Get("WWW-Authenticate") {
		t.Errorf("%s: %d %s, want the answer %d %s", what, got.Status, got.Body, want.Status, want.Body)
	}
}

func TestTenantStateDeactivatedTenantRefusesItsCredentialsAsUnknownOnesUntilReactivated(t *testing.T) {
	a := newAPI(t)
	p := a.Person(t, "ada", role.Admin)
	s := a.Login(t, p)
	unknownKey, err := opaque.APIKey.Generate()
	if err != nil {
		t.Fatal(err)
	}
	calls := []struct {
		name string
		cred string
		rq   func(cred string) Request
		ok   int
	}{
		{"account API, API key", a.APIKey, func(c string) Request {
			return Request{Method: "POST", Path: "/tenants/acme/devices", Credential: c, Body: `{"name":"desk"}`}
		}, http.StatusCreated},
		{"account API, access token", s.AccessToken, func(c string) Request {
			return Request{Method: "GET", Path: "/tenants/acme/account", Credential: c}
		}, http.StatusOK},
		{"users API, access token", s.AccessToken, func(c string) Request {
			return Request{Method: "GET", Path: "/users", Credential: c}
		}, http.StatusOK},
		{"UserInfo API, API key", a.APIKey, func(c string) Request {
			return Request{Method: "GET", Path: "/UserInfo/UserId?userEmail=ada@acme.example", Header: map[string]string{"Authorization": c}}
		}, http.StatusOK},
	}
	wrongLogin := a.Do(t, Request{Method: "POST", Path: "/account", Credential: p.DeviceToken,
		Body: accountLoginBody(p.User.Username, "not the password")}, http.StatusUnauthorized)

	tenantStateEvent(t, a, provision.TenantDeactivate, a.Tenant)
	before := a.Count(t)
	for _, c := range calls {
		got := a.Do(t, c.rq(c.cred), http.StatusUnauthorized)
		sameAnswer(t, c.name, got, a.Do(t, c.rq(unknownKey.Token), http.StatusUnauthorized))
	}
	// Login answers as a wrong password; exchange as a tenant the person
	// holds no user in. Neither consumes nor counts anything.
	got := a.Do(t, Request{Method: "POST", Path: "/account", Credential: p.DeviceToken,
		Body: accountLoginBody(p.User.Username, p.Password)}, http.StatusUnauthorized)
	sameAnswer(t, "login", got, wrongLogin)
	got = a.Do(t, Request{Method: "POST", Path: "/tenants/acme/account", Credential: s.AuthToken}, http.StatusNotFound)
	sameAnswer(t, "exchange", got,
		a.Do(t, Request{Method: "POST", Path: "/tenants/nowhere/account", Credential: s.AuthToken}, http.StatusNotFound))
	if after := a.Count(t); after != before {
		t.Errorf("refused requests changed the table: %d items, then %d", before, after)
	}

	// Reinstated, every credential works again: a suspension revoked nothing.
	tenantStateEvent(t, a, provision.TenantReactivate, a.Tenant)
	for _, c := range calls {
		a.Do(t, c.rq(c.cred), c.ok)
	}
	a.Do(t, Request{Method: "POST", Path: "/tenants/acme/account", Credential: s.AuthToken}, http.StatusOK)
	a.Login(t, p)
	a.NoSecretsLogged(t, s.AuthToken, s.AccessToken, a.APIKey, p.DeviceToken)
}

func TestTenantStateInvitationIntoADeactivatedTenantIsAnUnknownInvitationUntilReactivated(t *testing.T) {
	a := newAPI(t)
	globex := a.env.Tenant(t, "globex")
	globexKey := a.env.APIKey(t, globex.ID, a.keys.Pepper)
	s := a.Login(t, a.Person(t, "ada", role.Member))
	tok := accountInvite(t, a, "globex", globexKey, "ada@globex.example", "member")
	unknown, err := opaque.Invite.Generate()
	if err != nil {
		t.Fatal(err)
	}
	accept := func(invite string) Request {
		return Request{Method: "PUT", Path: "/account/invite", Credential: s.AuthToken, Body: fmt.Sprintf(`{"inviteToken":%q}`, invite)}
	}
	describe := func(invite string) Request {
		return Request{Method: "GET", Path: "/account/invite", Header: map[string]string{"x-invite-token": invite}}
	}

	a.env.SetTenantActive(t, "globex", false)
	before := a.Count(t)
	sameAnswer(t, "describe", a.Do(t, describe(tok), http.StatusNotFound), a.Do(t, describe(unknown.Token), http.StatusNotFound))
	sameAnswer(t, "accept", a.Do(t, accept(tok), http.StatusNotFound), a.Do(t, accept(unknown.Token), http.StatusNotFound))
	if after := a.Count(t); after != before {
		t.Errorf("refused acceptance changed the table: %d items, then %d", before, after)
	}

	// Nothing was consumed: the same invitation and auth token join once
	// the tenant is reactivated.
	a.env.SetTenantActive(t, "globex", true)
	var joined Session
	a.Do(t, accept(tok), http.StatusOK).JSON(t, &joined)
	if joined.TenantUID != "globex" {
		t.Errorf("joined %+v", joined)
	}
	a.NoSecretsLogged(t, tok, s.AuthToken)
}

// verifiedBeforeSuspension is the API as the functions see it when the
// authorizer verified the admin API key key of tenantID just before the
// tenant was suspended (in AWS the authorizer and the function are two
// invocations): the principal arrives although the tenant is now inactive,
// and the function's own tenant check must refuse it.
func (a *api) verifiedBeforeSuspension(t *testing.T, tenantID, key string) *api {
	t.Helper()
	id, err := opaque.APIKey.Parse(key)
	if err != nil {
		t.Fatal(err)
	}
	p := auth.Principal{TenantID: tenantID, KeyID: id, Roles: []string{string(role.Admin)}, Method: auth.ViaAPIKey}
	verified := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
		})
	}
	tpl, err := samtemplate.Load(storetest.TemplatePath(t))
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]catalog.Function{}
	for _, f := range catalog.Functions() {
		byID[f.LogicalID] = f
	}
	var routes []web.Route
	for _, tf := range tpl.Functions() {
		f, ok := byID[tf.LogicalID]
		if !ok || len(tf.Routes) == 0 {
			continue
		}
		h := f.Build(a.p, verified)
		for _, r := range tf.Routes {
			routes = append(routes, web.Route{Method: strings.ToUpper(r.Method), Path: r.Path, Handler: h})
		}
	}
	raced := *a
	raced.h = web.NewMux(routes, web.WriteProblem)
	return &raced
}
