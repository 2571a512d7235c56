package auth_test

import (
	"bytes"
	"context"
	"testing"

	"roster/shared/auth"
	"roster/shared/store"
	"roster/shared/store/storetest"
)

func TestAuthenticatorRefusesAnAPIKeyOfAnInactiveTenantLikeAnUnknownKeyUntilReactivated(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		key := env.APIKey(t, f.tenant, f.keys.Pepper)
		message := refusalMessage(t, f.authn)
		if _, err := f.authn.Authenticate(context.Background(), key); err != nil {
			t.Fatalf("active tenant: %v", err)
		}

		env.SetTenantActive(t, f.tenant, false)
		p, err := f.authn.Authenticate(context.Background(), key)
		checkRefused(t, p, err, message)

		env.SetTenantActive(t, f.tenant, true)
		p, err = f.authn.Authenticate(context.Background(), key)
		if err != nil || p.TenantID != f.tenant || p.Method != auth.ViaAPIKey {
			t.Fatalf("reactivated tenant: %+v, %v", p, err)
		}
	})
}

func TestAuthenticatorRefusesAnAccessTokenOfAnInactiveTenantLikeAnUnknownOneUntilReactivated(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		u := f.newUser(t, nil)
		tok := f.tokenFor(t, f.issuer, u)
		message := refusalMessage(t, f.authn)

		env.SetTenantActive(t, f.tenant, false)
		p, err := f.authn.Authenticate(context.Background(), "Bearer "+tok)
		checkRefused(t, p, err, message)

		// Reinstated, the same token works again: a suspension revokes nothing.
		env.SetTenantActive(t, f.tenant, true)
		p, err = f.authn.Authenticate(context.Background(), "Bearer "+tok)
		if err != nil || p.TenantID != f.tenant || p.UserID != u.ID {
			t.Fatalf("reactivated tenant: %+v, %v", p, err)
		}
	})
}

// The tenant check costs an access token no call: user and tenant are one
// BatchGetItem, where the user alone was one GetItem. An API key names its
// tenant only once read, so its tenant is a second GetItem, made only for
// a key whose secret was proven.
func TestAuthenticatorReadsTheTenantInTheUsersCallAndAfterAProvenKey(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		u := f.newUser(t, nil)
		tok := f.tokenFor(t, f.issuer, u)
		key := env.APIKey(t, f.tenant, f.keys.Pepper)

		for _, c := range []struct {
			name             string
			header           string
			accepted         bool
			getItems, batchs int
		}{
			{"access token", "Bearer " + tok, true, 0, 1},
			{"api key", key, true, 2, 0},
			{"unknown api key", newAPIKey(t), false, 1, 0},
		} {
			ctx, use := store.WithUsage(context.Background())
			_, err := f.authn.Authenticate(ctx, c.header)
			if (err == nil) != c.accepted {
				t.Fatalf("%s: %v", c.name, err)
			}
			if use.Calls("GetItem") != c.getItems || use.Calls("BatchGetItem") != c.batchs || use.Calls() != c.getItems+c.batchs {
				t.Errorf("%s: %d calls (GetItem %d, BatchGetItem %d), want GetItem %d, BatchGetItem %d",
					c.name, use.Calls(), use.Calls("GetItem"), use.Calls("BatchGetItem"), c.getItems, c.batchs)
			}
		}
	})
}

func TestGatewayAuthorizerPassesNoPrincipalForAnInactiveTenant(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		key := env.APIKey(t, f.tenant, f.keys.Pepper)
		env.SetTenantActive(t, f.tenant, false)
		logs := &bytes.Buffer{}
		resp, err := gateway(f.authn, logs)(context.Background(), authorizerRequest(map[string]string{"authorization": key}))
		if err != nil || !resp.IsAuthorized {
			t.Fatalf("authorizer = %+v, %v; want let through", resp, err)
		}
		if _, ok := auth.PrincipalFromContext(resp.Context); ok {
			t.Errorf("context %v carries a principal for an inactive tenant's key", resp.Context)
		}
		checkNotLogged(t, logs, key)
	})
}
