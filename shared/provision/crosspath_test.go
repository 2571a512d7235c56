package provision_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"roster/shared/auth"
	"roster/shared/opaque"
	"roster/shared/platform"
	"roster/shared/platform/accountfn"
	"roster/shared/provision"
	"roster/shared/role"
	"roster/shared/secrets"
	"roster/shared/signin"
	"roster/shared/store/storetest"
	"roster/shared/user"
	"roster/shared/web"
)

// groups are the HTTP endpoint groups over one table, each built as its
// function builds it (package platform), with the authenticator in process where the Lambda
// authorizer runs in AWS.
type groups struct {
	account, users, identity, accessUsers, userInfo http.Handler
	logs                                            *bytes.Buffer
}

func newGroups(t *testing.T, p *platform.Platform) groups {
	t.Helper()
	authn := auth.InProcess(p.Authenticator, web.WriteProblem)
	return groups{account: accountfn.Account(p, authn), users: p.Users(authn), identity: p.Identity(authn),
		accessUsers: p.AccessUsers(authn), userInfo: p.UserInfo(authn)}
}

// call sends one request to h with cred as bearer credential and body as
// JSON, checks the status and returns the body.
func call(t *testing.T, h http.Handler, method, target, cred, body string, want int, header ...string) []byte {
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
	h.ServeHTTP(w, r)
	if w.Code != want {
		t.Fatalf("%s %s = %d, want %d; body %s", method, target, w.Code, want, w.Body)
	}
	return w.Body.Bytes()
}

func decodeAs[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("body %s: %v", b, err)
	}
	return v
}

// entered is what a login or an accepted invitation answers.
type entered struct {
	AuthToken   string `json:"authToken"`
	AccessToken string `json:"accessToken"`
	TenantUID   string `json:"tenantUid"`
	UserUID     string `json:"userUid"`
	Role        string `json:"role"`
}

func TestTenantCreatedByAnEventIsUsableThroughEveryEndpointGroup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		keys, err := secrets.Parse(`{"version":1,"masterKey":"` + secrets.NewMasterKey() + `"}`)
		if err != nil {
			t.Fatal(err)
		}
		logs := &bytes.Buffer{}
		p, err := platform.Assemble(platform.Config{}, web.NewLogger(logs, "debug"), env.Table, keys)
		if err != nil {
			t.Fatal(err)
		}
		g := newGroups(t, p)
		hasher := p.Hasher

		// Hank already has an account (a user of another tenant) and logs
		// in there; that session is what accepts the invitation.
		env.Tenant(t, "home")
		now := time.Now().UTC().Truncate(time.Second)
		hank := &user.User{TenantID: "home", ID: user.NewID(), Username: "hank", Email: "hank@home.example",
			FirstName: "Hank", LastName: "Scorpio", Active: true, Role: string(role.Member), CreatedAt: now, UpdatedAt: now}
		if err := env.Table.CreateUser(ctx, hank); err != nil {
			t.Fatal(err)
		}
		const hankPassword, frankPassword = "correct horse battery staple", "Gryffindor-1909-Alohomora"
		phc, err := hasher.Hash(hankPassword)
		if err != nil {
			t.Fatal(err)
		}
		if err := env.Table.SetAccountPassword(ctx, hank.AccountID, phc); err != nil {
			t.Fatal(err)
		}
		homeDevice, err := opaque.Device.Generate()
		if err != nil {
			t.Fatal(err)
		}
		if err := env.Table.PutDevice(ctx, &signin.Device{ID: homeDevice.ID, TenantID: "home", Name: "desk",
			Hash: opaque.Hash(keys.Pepper, homeDevice.Token), CreatedAt: now, CreatedBy: "seed"}); err != nil {
			t.Fatal(err)
		}
		atHome := decodeAs[entered](t, call(t, g.account, "POST", "/account", homeDevice.Token,
			`{"userCode":"hank","password":"`+hankPassword+`"}`, http.StatusOK))

		// The feed creates globex, with Hank as its owner, and a first user.
		sent := &outbox{}
		proc, err := provision.New(env.Table, door(t, env), keys.Pepper, provision.Options{Notifier: sent})
		if err != nil {
			t.Fatal(err)
		}
		resp := proc.Handle(ctx, quiet, batch(
			`{"type":"tenant.create","version":1,"id":"t1","occurredAt":"2026-03-01T09:00:00Z","tenant":"globex",`+
				`"organization":"globex","name":"main","owner":{"email":"hank@globex.example","firstName":"Hank","lastName":"Scorpio"}}`,
			upsert("u1", "globex", "hr-42", at(1), "frank.grimes", "frank@globex.example", true)))
		if len(resp.BatchItemFailures) != 0 {
			t.Fatalf("failures = %v", resp.BatchItemFailures)
		}
		notes := sent.all()
		if len(notes) != 1 || notes[0].Email != "hank@globex.example" {
			t.Fatalf("notifications = %+v, want Hank's invitation", notes)
		}
		invite := notes[0].InviteToken

		// Account API: the invitation is described, accepted, and makes
		// Hank the owner of globex.
		call(t, g.account, "GET", "/account/invite", "", "", http.StatusOK, "X-Invite-Token", invite)
		owner := decodeAs[entered](t, call(t, g.account, "PUT", "/account/invite", atHome.AuthToken,
			`{"inviteToken":"`+invite+`"}`, http.StatusOK))
		if owner.TenantUID != "globex" || owner.Role != string(role.Owner) {
			t.Fatalf("accepted = %+v, want the owner of globex", owner)
		}
		ref, err := env.Table.GetExternalRef(ctx, "globex", "hr-42")
		if err != nil {
			t.Fatal(err)
		}
		frankID := ref.UserID

		// Users API reads the provisioned user.
		got := decodeAs[map[string]any](t, call(t, g.users, "GET", "/users/"+frankID, owner.AccessToken, "", http.StatusOK))
		if got["publicId"] != frankID || got["email"] != "frank@globex.example" || got["tenantId"] != "globex" {
			t.Errorf("GET /users/%s = %v, want Frank", frankID, got)
		}
		// Access User API finds it through the index-served search.
		found := call(t, g.accessUsers, "GET", "/api/v1/accessuser/search?searchWord=frank&startIndex=0&pageSize=20&sortField=username&sortOrder=asc",
			owner.AccessToken, "", http.StatusOK)
		if !bytes.Contains(found, []byte(`"username":"frank.grimes"`)) {
			t.Errorf("access user search = %s, want frank.grimes", found)
		}
		// UserInfo, which takes a tenant API key, looks it up by email with
		// a key the owner creates through the Account API.
		key := decodeAs[struct {
			APIKey string `json:"apiKey"`
		}](t, call(t, g.account, "POST", "/tenants/globex/apikeys", owner.AccessToken,
			`{"name":"hr","roles":["user_manager"]}`, http.StatusCreated))
		id := call(t, g.userInfo, "GET", "/UserInfo/UserId?userEmail="+url.QueryEscape("frank@globex.example"), "", "", http.StatusOK,
			"Authorization", key.APIKey)
		if !bytes.Contains(id, []byte(frankID)) {
			t.Errorf("UserInfo/UserId = %s, want %s", id, frankID)
		}
		// Identity API sets Frank's password; with a device the owner
		// registers, Frank logs in through the Account API.
		call(t, g.identity, "PUT", "/globex/main/identity_/api/User/"+frankID+"/password", owner.AccessToken,
			`{"newPassword":"`+frankPassword+`"}`, http.StatusOK)
		dev := decodeAs[struct {
			DeviceToken string `json:"deviceToken"`
		}](t, call(t, g.account, "POST", "/tenants/globex/devices", owner.AccessToken, `{"name":"Front desk"}`, http.StatusCreated))
		frank := decodeAs[entered](t, call(t, g.account, "POST", "/account", dev.DeviceToken,
			`{"userCode":"frank.grimes","password":"`+frankPassword+`"}`, http.StatusOK))
		if frank.TenantUID != "globex" || frank.UserUID != frankID {
			t.Errorf("Frank's login = %+v, want user %s of globex", frank, frankID)
		}
		for _, secret := range []string{invite, hankPassword, frankPassword, atHome.AuthToken, owner.AuthToken, key.APIKey} {
			if strings.Contains(logs.String(), secret) {
				t.Errorf("logs carry a secret (%.12s…)", secret)
			}
		}
	})
}
