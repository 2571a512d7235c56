package auth_test

import (
	"encoding/json"
	"testing"

	"roster/shared/auth"
)

var (
	keyPrincipal  = auth.Principal{TenantID: "acme", KeyID: "abcdefghijklmnop", Roles: []string{"admin"}, Method: auth.ViaAPIKey}
	userPrincipal = auth.Principal{
		TenantID: "acme", UserID: "u1", AccountID: "acct1", Roles: []string{"user_manager", "member"}, Method: auth.ViaAccessToken,
	}
)

func TestPrincipalSurvivesTheAuthorizerContextRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		p    auth.Principal
	}{
		{"API key", keyPrincipal},
		{"access token", userPrincipal},
		{"access token without an account", auth.Principal{TenantID: "acme", UserID: "u1", Roles: []string{"member"}, Method: auth.ViaAccessToken}},
		{"no roles", auth.Principal{TenantID: "acme", KeyID: "k", Method: auth.ViaAPIKey}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := auth.PrincipalFromContext(tc.p.Context())
			if !ok || !samePrincipal(got, tc.p) {
				t.Errorf("in process: %+v, %v; want %+v", got, ok, tc.p)
			}
			// API Gateway hands the authorizer's context to the function
			// as JSON inside the request's authorizer.lambda member.
			raw, err := json.Marshal(tc.p.Context())
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatal(err)
			}
			got, ok = auth.PrincipalFromContext(m)
			if !ok || !samePrincipal(got, tc.p) {
				t.Errorf("through JSON %s: %+v, %v; want %+v", raw, got, ok, tc.p)
			}
		})
	}
}

func TestPrincipalFromContextRefusesAContextThatProvesNoPrincipal(t *testing.T) {
	t.Parallel()
	with := func(p auth.Principal, edit func(m map[string]any)) map[string]any {
		m := p.Context()
		edit(m)
		return m
	}
	for _, tc := range []struct {
		name string
		m    map[string]any
	}{
		{"the authorizer's answer to a refused credential", map[string]any{"method": ""}},
		{"no context at all", nil},
		{"an empty context", map[string]any{}},
		{"API key without a tenant", with(keyPrincipal, func(m map[string]any) { m["tenant"] = "" })},
		{"access token without a tenant", with(userPrincipal, func(m map[string]any) { delete(m, "tenant") })},
		{"API key without a key id", with(keyPrincipal, func(m map[string]any) { m["key"] = "" })},
		{"access token without a user", with(userPrincipal, func(m map[string]any) { m["user"] = "" })},
		{"an access token's user claimed as an API key", with(userPrincipal, func(m map[string]any) { m["method"] = string(auth.ViaAPIKey) })},
		{"an unknown method", with(keyPrincipal, func(m map[string]any) { m["method"] = "root" })},
		{"no method", with(keyPrincipal, func(m map[string]any) { delete(m, "method") })},
		{"a tenant that is not a string", with(keyPrincipal, func(m map[string]any) { m["tenant"] = 42 })},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if p, ok := auth.PrincipalFromContext(tc.m); ok {
				t.Errorf("PrincipalFromContext(%v) = %+v, true; want no principal", tc.m, p)
			}
		})
	}
}

func TestPrincipalNamesItsActorByMethod(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		p    auth.Principal
		want string
	}{
		{keyPrincipal, "apikey:abcdefghijklmnop"},
		{userPrincipal, "user:u1"},
	} {
		if got := tc.p.Actor(); got != tc.want {
			t.Errorf("%s principal: Actor() = %q, want %q", tc.p.Method, got, tc.want)
		}
	}
}
