package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"roster/shared/fault"
	"roster/shared/store/storetest"
	"roster/shared/tenant"
)

func TestCreateTenantThenGetTenantRoundTrips(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		for _, in := range []*tenant.Tenant{
			{ID: "acme", Organization: "Acme Inc.", Name: "Acme", Active: true, CreatedAt: msNow().In(time.FixedZone("UTC-7", -7*3600))},
			{ID: "closed_1", Organization: "Closed Ltd.", Name: "Closed", Active: false, CreatedAt: msNow().Add(-time.Hour)},
		} {
			if err := env.Table.CreateTenant(context.Background(), in); err != nil {
				t.Fatalf("CreateTenant(%s): %v", in.ID, err)
			}
			got, err := env.Table.GetTenant(context.Background(), in.ID)
			if err != nil {
				t.Fatalf("GetTenant(%s): %v", in.ID, err)
			}
			want := *in
			want.CreatedAt = in.CreatedAt.UTC()
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("GetTenant =\n%+v\nwant\n%+v", *got, want)
			}
		}
	})
}

func TestCreateTenantWithTakenIDIsConflictAndKeepsTheFirst(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		first := env.Tenant(t, "acme")
		err := env.Table.CreateTenant(context.Background(), &tenant.Tenant{
			ID: "acme", Organization: "Other", Name: "other", Active: false, CreatedAt: msNow(),
		})
		wantCode(t, err, fault.Conflict)
		got, err := env.Table.GetTenant(context.Background(), "acme")
		if err != nil {
			t.Fatal(err)
		}
		if got.Organization != first.Organization || !got.Active {
			t.Errorf("tenant after the rejected create = %+v, want the first one kept", got)
		}
	})
}

func TestGetUnknownTenantIsNotFound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		_, err := env.Table.GetTenant(context.Background(), "nope")
		wantCode(t, err, fault.NotFound)
	})
}
