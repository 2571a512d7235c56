package signin_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"roster/shared/fault"
	"roster/shared/opaque"
	"roster/shared/role"
	"roster/shared/signin"
	"roster/shared/store/storetest"
)

func TestCreateDeviceNeedsThePermissionAndAName(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		env.Tenant(t, "t1")
		u := f.person(t, "t1", "ada", "admin", "", "")

		_, err := f.svc.CreateDevice(context.Background(), principalWith(as(u), role.UserManager), "till")
		wantCode(t, err, fault.Forbidden)
		for _, name := range []string{"", "  ", strings.Repeat("n", 101), "a\tb"} {
			_, err := f.svc.CreateDevice(context.Background(), as(u), name)
			wantCode(t, err, fault.Invalid, "name")
		}
		ctx, use := usage()
		d, err := f.svc.CreateDevice(ctx, as(u), "till 1")
		if err != nil {
			t.Fatalf("CreateDevice: %v", err)
		}
		if use.Calls("PutItem") != 1 || use.Calls() != 1 {
			t.Errorf("calls = %d, want one PutItem", use.Calls())
		}
		stored, err := env.Table.GetDevice(context.Background(), d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.TenantID != "t1" || stored.Name != "till 1" || stored.CreatedBy != "user:"+u.ID || stored.Revoked ||
			!opaque.Verify(keys.Pepper, d.Token, stored.Hash) || !d.ExpiresAt.IsZero() {
			t.Errorf("stored device = %+v, issued %+v", stored, d)
		}
	})
}

func TestRevokeDeviceIsConfinedToTheCallersTenant(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		env.Tenant(t, "t1")
		env.Tenant(t, "t2")
		u := f.person(t, "t1", "ada", "member", "", goodPassword)
		mine, err := f.svc.CreateDevice(context.Background(), admin("t1"), "mine")
		if err != nil {
			t.Fatal(err)
		}
		theirs, err := f.svc.CreateDevice(context.Background(), admin("t2"), "theirs")
		if err != nil {
			t.Fatal(err)
		}
		wantCode(t, f.svc.RevokeDevice(context.Background(), admin("t1"), theirs.ID), fault.NotFound)
		wantCode(t, f.svc.RevokeDevice(context.Background(), admin("t1"), "nosuchdevice0000"), fault.NotFound)
		wantCode(t, f.svc.RevokeDevice(context.Background(), admin("t1"), ""), fault.NotFound)
		wantCode(t, f.svc.RevokeDevice(context.Background(), as(u), mine.ID), fault.Forbidden)
		if d, _ := env.Table.GetDevice(context.Background(), theirs.ID); d.Revoked {
			t.Error("another tenant's device was revoked")
		}

		if _, err := f.svc.Login(context.Background(), mine.Token, "ada", goodPassword); err != nil {
			t.Fatalf("login before revoking: %v", err)
		}
		if err := f.svc.RevokeDevice(context.Background(), admin("t1"), mine.ID); err != nil {
			t.Fatalf("RevokeDevice: %v", err)
		}
		_, err = f.svc.Login(context.Background(), mine.Token, "ada", goodPassword)
		wantCode(t, err, fault.Unauthorized)
	})
}

func TestCreateAPIKeyStoresRolesTheCallerMayAssign(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		env.Tenant(t, "t1")
		u := f.person(t, "t1", "ada", "admin", "", "")
		cases := []struct {
			name   string
			roles  []string
			p      role.ID
			code   fault.Code
			fields []string
		}{
			{"without apikeys:write", []string{"member"}, role.UserManager, fault.Forbidden, nil},
			{"admin cannot make an owner key", []string{"owner"}, role.Admin, fault.Forbidden, nil},
			{"no roles", nil, role.Admin, fault.Invalid, []string{"roles"}},
			{"unknown role", []string{"member", "wizard"}, role.Admin, fault.Invalid, []string{"roles"}},
			{"a SCIM token with another role", []string{"scim", "member"}, role.Admin, fault.Invalid, []string{"roles"}},
			{"a user manager makes no SCIM token", []string{"scim"}, role.UserManager, fault.Forbidden, nil},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				ctx, use := usage()
				_, err := f.svc.CreateAPIKey(ctx, principalWith(as(u), c.p), "ci", c.roles)
				wantCode(t, err, c.code, c.fields...)
				if use.Writes() != 0 {
					t.Errorf("writes = %d", use.Writes())
				}
			})
		}
		_, err := f.svc.CreateAPIKey(context.Background(), as(u), "", []string{"member"})
		wantCode(t, err, fault.Invalid, "name")

		k, err := f.svc.CreateAPIKey(context.Background(), as(u), "ci", []string{"user_manager", "member", "member"})
		if err != nil {
			t.Fatalf("CreateAPIKey: %v", err)
		}
		stored, err := env.Table.GetAPIKey(context.Background(), k.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(stored.Roles, []string{"member", "user_manager"}) || stored.CreatedBy != "user:"+u.ID || stored.TenantID != "t1" {
			t.Errorf("stored key = %+v", stored)
		}
		// A tenant administrator issues a SCIM token, shown once.
		scim, err := f.svc.CreateAPIKey(context.Background(), as(u), "okta", []string{"scim"})
		if err != nil || scim.Token == "" {
			t.Fatalf("SCIM token: %+v, %v", scim, err)
		}
		if p, err := f.authn.Authenticate(context.Background(), scim.Token); err != nil || !slices.Equal(p.Roles, []string{"scim"}) {
			t.Errorf("the SCIM token authenticates as %+v, %v", p, err)
		}
		// The key authenticates with exactly those roles.
		p, err := f.authn.Authenticate(context.Background(), k.Token)
		if err != nil || !slices.Equal(p.Roles, []string{"member", "user_manager"}) || p.TenantID != "t1" {
			t.Errorf("Authenticate = %+v, %v", p, err)
		}
	})
}

func TestRevokeAPIKeyIsConfinedToTheCallersTenant(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		env.Tenant(t, "t1")
		env.Tenant(t, "t2")
		mine, err := f.svc.CreateAPIKey(context.Background(), admin("t1"), "mine", []string{"member"})
		if err != nil {
			t.Fatal(err)
		}
		theirs, err := f.svc.CreateAPIKey(context.Background(), admin("t2"), "theirs", []string{"member"})
		if err != nil {
			t.Fatal(err)
		}
		ctx, use := usage()
		wantCode(t, f.svc.RevokeAPIKey(ctx, admin("t1"), theirs.ID), fault.NotFound)
		if use.Calls("UpdateItem") != 1 || use.Calls() != 1 {
			t.Errorf("calls = %d, want one conditional UpdateItem", use.Calls())
		}
		wantCode(t, f.svc.RevokeAPIKey(context.Background(), admin("t1"), "nosuchkey0000000"), fault.NotFound)
		wantCode(t, f.svc.RevokeAPIKey(context.Background(), principalWith(admin("t1"), role.Member), mine.ID), fault.Forbidden)
		if k, _ := env.Table.GetAPIKey(context.Background(), theirs.ID); k.Revoked {
			t.Error("another tenant's key was revoked")
		}
		if err := f.svc.RevokeAPIKey(context.Background(), admin("t1"), mine.ID); err != nil {
			t.Fatalf("RevokeAPIKey: %v", err)
		}
		if _, err := f.authn.Authenticate(context.Background(), mine.Token); fault.CodeOf(err) != fault.Unauthorized {
			t.Errorf("revoked key still authenticates: %v", err)
		}
		if _, err := f.authn.Authenticate(context.Background(), theirs.Token); err != nil {
			t.Errorf("the other tenant's key: %v", err)
		}
	})
}

func TestLanguageCodesAreTheISO6391Set(t *testing.T) {
	for _, c := range []string{"en", "de", "zh", "zu", "nb", "nn"} {
		if !signin.ValidLanguage(c) {
			t.Errorf("%q refused", c)
		}
	}
	for _, c := range []string{"", "EN", "eng", "xx", "e", "iw"} {
		if signin.ValidLanguage(c) {
			t.Errorf("%q accepted", c)
		}
	}
}

func TestNewRefusesMissingDependencies(t *testing.T) {
	h := defaultHasher(t)
	if _, err := signin.New(nil, nil, h, nil, keys.Pepper, signin.Options{}); err == nil {
		t.Error("New accepted a nil store and issuer")
	}
}
