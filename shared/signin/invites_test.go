package signin_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"roster/shared/auth"
	"roster/shared/fault"
	"roster/shared/opaque"
	"roster/shared/role"
	"roster/shared/signin"
	"roster/shared/store/storetest"
	"roster/shared/throttle"
)

// invite has an admin of the tenant invite email with the role.
func (f *fixture) invite(t *testing.T, tenantID, email, roleID string) signin.Issued {
	t.Helper()
	in, err := f.svc.CreateInvite(context.Background(), admin(tenantID), signin.NewInvite{
		Email: email, Role: roleID, FirstName: "Grace", LastName: "Hopper",
	})
	if err != nil {
		t.Fatalf("CreateInvite: %v", err)
	}
	return in
}

func TestCreateInviteChecksPermissionRoleAndEmail(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		env.Tenant(t, "t1")
		owner := f.person(t, "t1", "ada", "owner", "", "")
		f.person(t, "t1", "bob", "member", "", "")
		p := as(owner)
		ok := signin.NewInvite{Email: "grace@example.com", Role: "member"}
		cases := []struct {
			name   string
			p      auth.Principal
			in     signin.NewInvite
			code   fault.Code
			fields []string
		}{
			{"member may not invite", principalWith(p, role.Member), ok, fault.Forbidden, nil},
			{"admin may not hand out owner", principalWith(p, role.Admin), signin.NewInvite{Email: "g@example.com", Role: "owner"}, fault.Forbidden, nil},
			{"unknown role", p, signin.NewInvite{Email: "g@example.com", Role: "king"}, fault.Invalid, []string{"role"}},
			{"bad email and names", p, signin.NewInvite{Email: "nope", Role: "member", FirstName: strings.Repeat("x", 101), LastName: "a\nb"}, fault.Invalid, []string{"email", "firstname", "lastname"}},
			{"ttl too long", p, signin.NewInvite{Email: "g@example.com", Role: "member", TTL: 31 * 24 * time.Hour}, fault.Invalid, []string{"ttl"}},
			{"email already a user", p, signin.NewInvite{Email: "BOB@example.com", Role: "member"}, fault.Conflict, []string{"email"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := env.Count(t)
				_, err := f.svc.CreateInvite(context.Background(), c.p, c.in)
				wantCode(t, err, c.code, c.fields...)
				if after := env.Count(t); after != before {
					t.Errorf("items %d -> %d", before, after)
				}
			})
		}

		ctx, use := usage()
		in, err := f.svc.CreateInvite(ctx, p, ok)
		if err != nil {
			t.Fatalf("CreateInvite: %v", err)
		}
		if use.Calls("GetItem") != 1 || use.Calls("TransactWriteItems") != 1 || use.Calls() != 2 {
			t.Errorf("calls = %d, want 1 GetItem (the address's live invitation) and 1 TransactWriteItems", use.Calls())
		}
		if want := f.clock.Now().Add(signin.DefaultInviteTTL); !in.ExpiresAt.Equal(want) {
			t.Errorf("ExpiresAt = %v, want %v", in.ExpiresAt, want)
		}
		if id, err := opaque.Invite.Parse(in.Token); err != nil || id != in.ID {
			t.Errorf("token %q does not carry id %s: %v", in.Token, in.ID, err)
		}
		stored, err := env.Table.GetInvite(context.Background(), in.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.TenantID != "t1" || stored.CreatedBy != "user:"+owner.ID || !opaque.Verify(keys.Pepper, in.Token, stored.Hash) {
			t.Errorf("stored invite = %+v", stored)
		}
	})
}

func TestCreateInviteIsThrottledPerAddressUntilTheHourEnds(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		env.Tenant(t, "t1")
		env.Tenant(t, "t2")
		for range throttle.MailPerAddress {
			f.invite(t, "t1", "grace@example.com", "member")
		}
		before := env.Count(t)
		// Another spelling of the same inbox shares its count.
		_, err := f.svc.CreateInvite(context.Background(), admin("t1"), signin.NewInvite{Email: "GRACE@ｅｘａｍｐｌｅ.com", Role: "member"})
		e := wantCode(t, err, fault.TooManyRequests)
		_, end := throttle.Limit{Max: throttle.MailPerAddress, Window: throttle.MailWindow}.Span(f.clock.Now())
		if want := end.Sub(f.clock.Now()); e.RetryAfter != want || want <= 0 {
			t.Errorf("RetryAfter = %v, want %v (the end of the hour)", e.RetryAfter, want)
		}
		if after := env.Count(t); after != before {
			t.Errorf("a refused invitation wrote: items %d -> %d", before, after)
		}
		// Another address, and the same address in another tenant, are not held back.
		f.invite(t, "t1", "alan@example.com", "member")
		f.invite(t, "t2", "grace@example.com", "member")
		// The next window takes invitations again.
		f.clock.Advance(e.RetryAfter)
		f.invite(t, "t1", "grace@example.com", "member")
	})
}

func TestANewInvitationReplacesTheLiveOneToTheSameAddress(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		env.Tenant(t, "t1")
		env.Tenant(t, "t2")
		first := f.invite(t, "t1", "grace@example.com", "member")
		other := f.invite(t, "t1", "alan@example.com", "member")
		elsewhere := f.invite(t, "t2", "grace@example.com", "member")
		second := f.invite(t, "t1", "Grace@Example.com", "user_manager")
		if _, err := f.svc.DescribeInvite(context.Background(), first.Token); fault.CodeOf(err) != fault.NotFound {
			t.Errorf("replaced invitation: %v, want not_found", err)
		}
		for _, in := range []signin.Issued{second, other, elsewhere} {
			if _, err := f.svc.DescribeInvite(context.Background(), in.Token); err != nil {
				t.Errorf("live invitation %s: %v", in.ID, err)
			}
		}
		third := f.invite(t, "t1", "grace@example.com", "member")
		if _, err := f.svc.DescribeInvite(context.Background(), second.Token); fault.CodeOf(err) != fault.NotFound {
			t.Errorf("replaced again: %v, want not_found", err)
		}
		if info, err := f.svc.DescribeInvite(context.Background(), third.Token); err != nil || info.Role != "member" {
			t.Errorf("latest invitation: %+v, %v", info, err)
		}
	})
}

func TestDescribeInviteShowsTheTenantAndAMaskedEmail(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		env.Tenant(t, "t1")
		in := f.invite(t, "t1", "grace@example.com", "user_manager")
		info, err := f.svc.DescribeInvite(context.Background(), in.Token)
		if err != nil {
			t.Fatalf("DescribeInvite: %v", err)
		}
		want := signin.InviteInfo{
			TenantID: "t1", TenantName: "t1", Organization: "org-t1", Role: "user_manager",
			EmailHint: "g***@example.com", ExpiresAt: in.ExpiresAt,
		}
		if !info.ExpiresAt.Equal(want.ExpiresAt) {
			t.Errorf("ExpiresAt = %v, want %v", info.ExpiresAt, want.ExpiresAt)
		}
		info.ExpiresAt = want.ExpiresAt
		if info != want {
			t.Errorf("info = %+v, want %+v", info, want)
		}

		unknown, _ := opaque.Invite.Generate()
		wrong, _ := opaque.Invite.FromSecret(in.ID, strings.Repeat("C", 43))
		var first shown
		for i, tok := range []string{"", "rit_garbage", unknown.Token, wrong.Token} {
			_, err := f.svc.DescribeInvite(context.Background(), tok)
			e := wantCode(t, err, fault.NotFound)
			if i == 0 {
				first = visible(e)
			} else if visible(e) != first {
				t.Errorf("token %d: %+v, want %+v", i, visible(e), first)
			}
		}
		f.clock.Advance(signin.DefaultInviteTTL)
		_, err = f.svc.DescribeInvite(context.Background(), in.Token)
		if e := wantCode(t, err, fault.NotFound); visible(e) != first {
			t.Errorf("expired: %+v, want %+v", visible(e), first)
		}
	})
}

func TestAcceptInviteCreatesTheUserAndConsumesBothTokensAtomically(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		env.Tenant(t, "t1")
		env.Tenant(t, "t2")
		ada := f.person(t, "t1", "ada", "member", "", goodPassword)
		in := f.invite(t, "t2", "ada.l@example.com", "user_manager")
		tok := f.login(t, ada, goodPassword)

		ctx, use := usage()
		got, u, err := f.svc.AcceptInvite(ctx, tok.AuthToken, in.Token)
		if err != nil {
			t.Fatalf("AcceptInvite: %v", err)
		}
		t.Logf("AcceptInvite: %d GetItem, %d TransactWriteItems", use.Calls("GetItem"), use.Calls("TransactWriteItems"))
		if use.Calls("GetItem") != 2 || use.Calls("TransactWriteItems") != 1 || use.Calls() != 3 {
			t.Errorf("calls = %d, want 2 GetItem and 1 TransactWriteItems", use.Calls())
		}
		if u.TenantID != "t2" || u.AccountID != ada.AccountID || u.Email != "ada.l@example.com" || u.Username != "ada.l@example.com" ||
			u.FirstName != "Grace" || u.LastName != "Hopper" || u.Role != "user_manager" || !u.Active || u.Version != 1 {
			t.Errorf("new user = %+v", u)
		}
		stored, err := env.Table.GetUser(context.Background(), "t2", u.ID)
		if err != nil || stored.AccountID != ada.AccountID {
			t.Fatalf("stored user = %+v, %v", stored, err)
		}
		c, err := f.verifier.Verify(got.AccessToken)
		if err != nil || c.Tenant != "t2" || c.Subject != u.ID || c.Account != ada.AccountID || !slices.Equal(c.Roles, []string{"user_manager"}) {
			t.Errorf("claims = %+v, %v", c, err)
		}
		// The person now enters t2 too; their default stays t1.
		acct, ms, err := f.svc.Account(context.Background(), as(ada))
		if err != nil || len(ms) != 2 || acct.DefaultTenant != "t1" {
			t.Errorf("account after accepting: %+v, %+v, %v", acct, ms, err)
		}
		// Both tokens are spent; the fresh auth token works.
		_, _, err = f.svc.Exchange(context.Background(), tok.AuthToken, "t1")
		wantCode(t, err, fault.Unauthorized)
		_, _, err = f.svc.AcceptInvite(context.Background(), got.AuthToken, in.Token)
		wantCode(t, err, fault.NotFound)
		if _, _, err := f.svc.Exchange(context.Background(), got.AuthToken, "t2"); err != nil {
			t.Errorf("fresh auth token: %v", err)
		}
	})
}

func TestAcceptInviteRefusalsConsumeNothing(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		env.Tenant(t, "t1")
		env.Tenant(t, "t2")
		ada := f.person(t, "t1", "ada", "member", "", goodPassword)
		f.person(t, "t2", "taken", "member", "", "")
		inTaken := f.invite(t, "t2", "someone@example.com", "member")
		// The invited address is taken after the invitation was made.
		f.person(t, "t2", "someone", "member", "", "")
		inMember := f.invite(t, "t1", "ada.other@example.com", "member")
		inGood := f.invite(t, "t2", "ada.t2@example.com", "member")
		tok := f.login(t, ada, goodPassword)
		unknownAuth, _ := opaque.Auth.Generate()

		cases := []struct {
			name          string
			auth, invite  string
			code          fault.Code
			fields        []string
			transactsOnce bool
		}{
			{"email taken in the tenant", tok.AuthToken, inTaken.Token, fault.Conflict, []string{"email"}, true},
			{"already a member of the tenant", tok.AuthToken, inMember.Token, fault.Conflict, nil, true},
			{"bad auth token", unknownAuth.Token, inGood.Token, fault.Unauthorized, nil, false},
			{"bad invite token", tok.AuthToken, "rit_nope", fault.NotFound, nil, false},
			{"bad auth token and bad invite token", unknownAuth.Token, "rit_nope", fault.Unauthorized, nil, false},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := env.Count(t)
				ctx, use := usage()
				_, _, err := f.svc.AcceptInvite(ctx, c.auth, c.invite)
				wantCode(t, err, c.code, c.fields...)
				if after := env.Count(t); after != before {
					t.Errorf("items %d -> %d", before, after)
				}
				if want := map[bool]int{true: 1, false: 0}[c.transactsOnce]; use.Writes() != want {
					t.Errorf("writes = %d, want %d", use.Writes(), want)
				}
			})
		}
		// Nothing was consumed: the good invitation still works with the
		// same auth token.
		if _, err := f.svc.DescribeInvite(context.Background(), inTaken.Token); err != nil {
			t.Errorf("refused invitation was consumed: %v", err)
		}
		if _, _, err := f.svc.AcceptInvite(context.Background(), tok.AuthToken, inGood.Token); err != nil {
			t.Errorf("accept after refusals: %v", err)
		}
	})
}

func TestAcceptInviteRefusesExpiredTokens(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{AuthTTL: time.Hour})
		env.Tenant(t, "t1")
		env.Tenant(t, "t2")
		ada := f.person(t, "t1", "ada", "member", "", goodPassword)
		short, err := f.svc.CreateInvite(context.Background(), admin("t2"), signin.NewInvite{Email: "a1@example.com", Role: "member", TTL: 30 * time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		long := f.invite(t, "t2", "a2@example.com", "member")
		tok := f.login(t, ada, goodPassword)

		f.clock.Advance(30 * time.Minute)
		_, _, err = f.svc.AcceptInvite(context.Background(), tok.AuthToken, short.Token)
		wantCode(t, err, fault.NotFound)
		f.clock.Advance(30 * time.Minute)
		_, _, err = f.svc.AcceptInvite(context.Background(), tok.AuthToken, long.Token)
		wantCode(t, err, fault.Unauthorized)
	})
}
