package account_test

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"roster/shared/auth"
	"roster/shared/fault"
	"roster/shared/signin"
	"roster/shared/web/webtest"
)

func TestCreateDeviceShowsItsTokenOnce(t *testing.T) {
	f := happy(t)
	var gotP auth.Principal
	var gotName string
	f.createDevice = func(p auth.Principal, name string) (signin.Issued, error) {
		gotP, gotName = p, name
		return signin.Issued{ID: "dddddddddddddddd", Token: deviceTok}, nil
	}
	res := do(t, f, request{Method: "POST", Target: "/tenants/acme/devices", As: &adminKey, Body: `{"name":"Till 3"}`})

	webtest.AssertJSON(t, res, http.StatusCreated, `{"deviceId":"dddddddddddddddd","deviceToken":"`+deviceTok+`","tenantUid":"acme","name":"Till 3"}`)
	webtest.AssertHeaders(t, res, map[string]string{"Location": "/tenants/acme/devices/dddddddddddddddd", "Cache-Control": "no-store"})
	if gotP.KeyID != "key1" || gotP.TenantID != "acme" || gotName != "Till 3" {
		t.Errorf("CreateDevice(%+v, %q)", gotP, gotName)
	}
}

func TestCreateDeviceShowsAnExpiryWhenTheTokenHasOne(t *testing.T) {
	f := happy(t)
	f.createDevice = func(auth.Principal, string) (signin.Issued, error) {
		return signin.Issued{ID: "dddddddddddddddd", Token: deviceTok, ExpiresAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}, nil
	}
	res := do(t, f, request{Method: "POST", Target: "/tenants/acme/devices", As: &owner, Body: `{"name":"Till 3"}`})
	webtest.AssertJSON(t, res, http.StatusCreated, `{"deviceId":"dddddddddddddddd","deviceToken":"`+deviceTok+`","tenantUid":"acme","name":"Till 3","expiresAt":"2026-01-01T00:00:00Z"}`)
}

func TestCreateDeviceRefusesABadName(t *testing.T) {
	for name, body := range map[string]string{
		"missing": `{}`, "blank": `{"name":" "}`, "too long": `{"name":"` + strings.Repeat("n", 101) + `"}`, "newline": `{"name":"a\nb"}`,
	} {
		t.Run(name, func(t *testing.T) {
			f := happy(t)
			webtest.AssertProblem(t, do(t, f, request{Method: "POST", Target: "/tenants/acme/devices", As: &owner, Body: body}), 400, "name")
			webtest.AssertCalls(t, f)
		})
	}
}

func TestRevokeIs204OrNotFound(t *testing.T) {
	for _, tc := range []struct{ call, target, param string }{
		{"RevokeDevice", "/tenants/acme/devices/", "deviceId"},
		{"RevokeAPIKey", "/tenants/acme/apikeys/", "keyId"},
	} {
		t.Run(tc.call, func(t *testing.T) {
			f := happy(t)
			var gotP auth.Principal
			var gotID string
			record := func(p auth.Principal, id string) error { gotP, gotID = p, id; return nil }
			f.revokeDevice, f.revokeAPIKey = record, record
			res := do(t, f, request{Method: "DELETE", Target: tc.target + "abc-123_X", As: &owner})
			if res.Code != http.StatusNoContent || len(res.Body) != 0 {
				t.Errorf("status %d, body %q; want 204 and none", res.Code, res.Body)
			}
			webtest.AssertCalls(t, f, tc.call)
			if gotID != "abc-123_X" || gotP.UserID != "usr9" {
				t.Errorf("%s(%+v, %q)", tc.call, gotP, gotID)
			}

			f = failing(t, fault.New(fault.NotFound, "No such thing."))
			webtest.AssertProblem(t, do(t, f, request{Method: "DELETE", Target: tc.target + "abc", As: &owner}), http.StatusNotFound)

			for _, bad := range []string{"a.b", "a%20b", strings.Repeat("x", 65), "%C3%A9"} {
				f = happy(t)
				webtest.AssertProblem(t, do(t, f, request{Method: "DELETE", Target: tc.target + bad, As: &owner}), 400, tc.param)
				webtest.AssertCalls(t, f)
			}
		})
	}
}

func TestCreateAPIKeyShowsTheKeyOnce(t *testing.T) {
	f := happy(t)
	var gotName string
	var gotRoles []string
	f.createAPIKey = func(_ auth.Principal, name string, roles []string) (signin.Issued, error) {
		gotName, gotRoles = name, roles
		return signin.Issued{ID: "kkkkkkkkkkkkkkkk", Token: apiKeyTok}, nil
	}
	res := do(t, f, request{Method: "POST", Target: "/tenants/acme/apikeys", As: &owner, Body: `{"name":"billing","roles":["user_manager","member"]}`})

	webtest.AssertJSON(t, res, http.StatusCreated, `{"keyId":"kkkkkkkkkkkkkkkk","apiKey":"`+apiKeyTok+`","tenantUid":"acme","name":"billing","roles":["user_manager","member"]}`)
	webtest.AssertHeaders(t, res, map[string]string{"Location": "/tenants/acme/apikeys/kkkkkkkkkkkkkkkk", "Cache-Control": "no-store"})
	if gotName != "billing" || !slices.Equal(gotRoles, []string{"user_manager", "member"}) {
		t.Errorf("CreateAPIKey(%q, %q)", gotName, gotRoles)
	}
}

func TestCreateAPIKeyRefusesBadInputWithoutCallingTheService(t *testing.T) {
	tests := []struct {
		name, body string
		fields     []string
	}{
		// A key stored without roles acts as admin: an empty list must never pass.
		{"no roles", `{"name":"billing"}`, []string{"roles"}},
		{"empty roles", `{"name":"billing","roles":[]}`, []string{"roles"}},
		{"null roles", `{"name":"billing","roles":null}`, []string{"roles"}},
		{"unknown role", `{"name":"billing","roles":["root"]}`, []string{"roles"}},
		{"empty role", `{"name":"billing","roles":[""]}`, []string{"roles"}},
		{"repeated role", `{"name":"billing","roles":["member","member"]}`, []string{"roles"}},
		{"too many roles", `{"name":"billing","roles":["member","admin","owner","user_manager","member"]}`, []string{"roles"}},
		{"role not a string", `{"name":"billing","roles":[1]}`, []string{"roles"}},
		{"no name", `{"roles":["member"]}`, []string{"name"}},
		{"both", `{}`, []string{"name", "roles"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := happy(t)
			webtest.AssertProblem(t, do(t, f, request{Method: "POST", Target: "/tenants/acme/apikeys", As: &owner, Body: tt.body}), 400, tt.fields...)
			webtest.AssertCalls(t, f)
		})
	}
}

func TestCreateAPIKeyWithRolesTheCallerMayNotGrantIs403(t *testing.T) {
	f := failing(t, fault.New(fault.Forbidden, "Only an owner makes owner keys."))
	webtest.AssertProblem(t, do(t, f, request{Method: "POST", Target: "/tenants/acme/apikeys", As: &adminKey, Body: `{"name":"x","roles":["owner"]}`}), 403)
	webtest.AssertCalls(t, f, "CreateAPIKey")
}

func TestJWKSIsPublicAndCacheable(t *testing.T) {
	for _, method := range []string{"GET", "HEAD"} {
		res := do(t, happy(t), request{Method: method, Target: "/.well-known/jwks.json"})
		if res.Code != 200 {
			t.Fatalf("%s: status %d", method, res.Code)
		}
		webtest.AssertHeaders(t, res, map[string]string{"Content-Type": "application/json", "Cache-Control": "public, max-age=300"})
		if method == "GET" {
			webtest.AssertJSON(t, res, 200, theJWKS)
		}
	}
}

func TestJWKSFailureIsAGeneric500(t *testing.T) {
	for name, jwks := range map[string]func() ([]byte, error){
		"error":   func() ([]byte, error) { return nil, errors.New("jwks: a signing key has no kid") },
		"missing": nil,
	} {
		t.Run(name, func(t *testing.T) {
			d := deps(happy(t))
			d.JWKS = jwks
			res := doWith(t, d, request{Method: "GET", Target: "/.well-known/jwks.json"})
			webtest.AssertProblem(t, res, 500)
			webtest.AssertHeaders(t, res, map[string]string{"Cache-Control": "no-store"}) // never the keys' public lifetime
		})
	}
}
