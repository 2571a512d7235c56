package signin_test

import (
	"context"
	"testing"

	"roster/shared/auth"
	"roster/shared/directory/directorytest"
	"roster/shared/signin"
	"roster/shared/store/storetest"
	"roster/shared/token"
)

func TestAcceptedInvitationAdmitsItsUserThroughTheDirectory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		env.Tenant(t, "t1")
		env.Tenant(t, "t2")
		issuer, err := token.NewIssuer(keys.Signing, testIssuer, testAudience, 0, f.clock.Now)
		if err != nil {
			t.Fatal(err)
		}
		admissions := &directorytest.Admissions{Door: door(t, env.Table, f.hasher)}
		svc, err := signin.New(env.Table, admissions, f.hasher, issuer, keys.Pepper, signin.Options{Now: f.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		ada := f.person(t, "t1", "ada", "member", "", goodPassword)
		in := f.invite(t, "t2", "ada.l@example.com", "member")
		tok := f.login(t, ada, goodPassword)
		if _, _, err := svc.AcceptInvite(context.Background(), tok.AuthToken, in.Token); err != nil {
			t.Fatalf("AcceptInvite: %v", err)
		}
		if len(admissions.Records) != 1 {
			t.Fatalf("%d admissions, want 1", len(admissions.Records))
		}
		p, rec := admissions.Principals[0], admissions.Records[0]
		got, ok := rec.(signin.Acceptance)
		if p.Method != auth.ViaInvitation || p.TenantID != "t2" || p.AccountID != ada.AccountID || !ok || got.InviteID != in.ID || got.TenantID != "t2" {
			t.Errorf("admitted by %+v with %+v; want the holder of the invitation to t2", p, rec)
		}
	})
}
