package signin_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"roster/shared/fault"
	"roster/shared/mail"
	"roster/shared/mail/mailtest"
	"roster/shared/opaque"
	"roster/shared/signin"
	"roster/shared/store/storetest"
	"roster/shared/throttle"
)

// recoveryFixture is recovery over the fixture's table and clock.
func (f *fixture) recovery(t *testing.T) (signin.Recovery, *mailtest.Box) {
	t.Helper()
	box := &mailtest.Box{}
	r, err := signin.NewRecovery(f.env.Table, f.hasher, keys.Pepper, box, signin.RecoveryOptions{Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return r, box
}

// requestToken asks a reset for email in tenantID and returns the token the
// mail carries.
func requestToken(t *testing.T, r signin.Recovery, box *mailtest.Box, tenantID, email string) string {
	t.Helper()
	if err := r.RequestReset(context.Background(), tenantID, signin.ResetRequest{Email: email, Source: "198.51.100.7"}); err != nil {
		t.Fatalf("RequestReset: %v", err)
	}
	m := box.Last(t)
	if m.Type != mail.RecoveryRequested || m.Token == "" || m.Email != email {
		t.Fatalf("posted %+v, want a reset for %s", m, email)
	}
	return m.Token
}

func TestResetSetsPasswordEndsSessionsClearsLockAndIsSingleUse(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{MaxFailures: 2})
		env.Tenant(t, "t1")
		env.Tenant(t, "t2")
		ada := f.person(t, "t1", "ada", "member", "", goodPassword)
		other := f.person(t, "t2", "ada", "member", ada.AccountID, "")
		r, box := f.recovery(t)
		session := f.login(t, ada, goodPassword)
		if _, err := f.authn.Authenticate(context.Background(), "Bearer "+session.AccessToken); err != nil {
			t.Fatalf("access token before reset: %v", err)
		}
		// Lock the account with wrong passwords.
		dev := f.device(t, "t1")
		for range 2 {
			_, _ = f.svc.Login(context.Background(), dev, "ada", "wrong password here")
		}
		if !f.account(t, ada.AccountID).LockedUntil.After(f.clock.Now()) {
			t.Fatal("account not locked before the reset")
		}

		tok := requestToken(t, r, box, "t1", ada.Email)
		f.clock.Advance(time.Second)
		if err := r.Reset(context.Background(), "t1", tok, newPassword); err != nil {
			t.Fatalf("Reset: %v", err)
		}
		acct := f.account(t, ada.AccountID)
		if !acct.LockedUntil.IsZero() || acct.FailedLogins != 0 {
			t.Errorf("lock not cleared: %+v", acct)
		}
		if _, _, err := f.svc.Exchange(context.Background(), session.AuthToken, "t1"); fault.CodeOf(err) != fault.Unauthorized {
			t.Errorf("auth token of an earlier session after the reset: %v, want Unauthorized", err)
		}
		if _, err := f.authn.Authenticate(context.Background(), "Bearer "+session.AccessToken); err == nil {
			t.Error("access token of an earlier login still works after the reset")
		}
		for _, u := range []string{ada.ID} {
			got, err := env.Table.GetUser(context.Background(), "t1", u)
			if err != nil || got.TokenVersion != ada.TokenVersion+1 {
				t.Errorf("token version of %s: %v %v", u, got, err)
			}
		}
		if got, err := env.Table.GetUser(context.Background(), "t2", other.ID); err != nil || got.TokenVersion != other.TokenVersion+1 {
			t.Errorf("token version of the person's other user: %v %v", got, err)
		}
		if _, err := f.svc.Login(context.Background(), dev, "ada", goodPassword); fault.CodeOf(err) != fault.Unauthorized {
			t.Errorf("old password after the reset: %v", err)
		}
		f.login(t, ada, newPassword)
		wantCode(t, r.Reset(context.Background(), "t1", tok, "yet another long passphrase"), fault.Invalid, "token")
	})
}

func TestRefusedResetTokensAreAllTheSame(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		env.Tenant(t, "t1")
		env.Tenant(t, "t2")
		ada := f.person(t, "t1", "ada", "member", "", goodPassword)
		f.person(t, "t2", "bob", "member", "", goodPassword)
		r, box := f.recovery(t)
		ctx := context.Background()

		superseded := requestToken(t, r, box, "t1", ada.Email)
		live := requestToken(t, r, box, "t1", ada.Email)
		otherTenant := requestToken(t, r, box, "t2", "bob@example.com")
		guessed, _ := opaque.Reset.Generate()
		wrongSecret := live[:len(live)-4] + "AAAA"
		if wrongSecret == live {
			wrongSecret = live[:len(live)-4] + "BBBB"
		}
		cases := map[string]string{
			"superseded": superseded, "another tenant's": otherTenant, "guessed": guessed.Token,
			"wrong secret": wrongSecret, "malformed": "rrt_nonsense", "of another kind": strings.Replace(live, "rrt_", "rat_", 1),
		}
		var first *shown
		for name, tok := range cases {
			err := r.Reset(ctx, "t1", tok, newPassword)
			got := visible(wantCode(t, err, fault.Invalid, "token"))
			if first == nil {
				first = &got
			} else if got != *first {
				t.Errorf("%s token answers %+v, another %+v", name, got, *first)
			}
		}
		// Expired: the live one, a second past its 15 minutes.
		f.clock.Advance(signin.DefaultResetTTL + time.Second)
		if got := visible(wantCode(t, r.Reset(ctx, "t1", live, newPassword), fault.Invalid, "token")); got != *first {
			t.Errorf("expired token answers %+v, others %+v", got, *first)
		}
		f.login(t, ada, goodPassword) // nothing changed
	})
}

func TestResetRefusesAWeakPasswordAndKeepsTheToken(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		env.Tenant(t, "t1")
		ada := f.person(t, "t1", "ada", "member", "", goodPassword)
		r, box := f.recovery(t)
		tok := requestToken(t, r, box, "t1", ada.Email)
		before := env.Count(t)
		for _, pw := range []string{"password", "short", "ada@example.com", "", strings.Repeat("x", 5000)} {
			wantCode(t, r.Reset(context.Background(), "t1", tok, pw), fault.Invalid, "password")
		}
		wantCode(t, r.Reset(context.Background(), "t1", "", ""), fault.Invalid, "token", "password")
		if after := env.Count(t); after != before {
			t.Errorf("refused resets wrote: %d items, then %d", before, after)
		}
		if err := r.Reset(context.Background(), "t1", tok, newPassword); err != nil {
			t.Fatalf("the token after refused passwords: %v", err)
		}
	})
}

func TestRequestResetAnswersAndCostsTheSameWhoeverIsNamed(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		env.Tenant(t, "t1")
		ada := f.person(t, "t1", "ada", "member", "", goodPassword)
		f.person(t, "t1", "nopass", "member", "", "")
		r, box := f.recovery(t)
		cases := []struct {
			name string
			req  signin.ResetRequest
			want string
		}{
			{"known email", signin.ResetRequest{Email: ada.Email}, mail.RecoveryRequested},
			{"known email, other case", signin.ResetRequest{Email: strings.ToUpper(ada.Email)}, mail.RecoveryRequested},
			{"known user code", signin.ResetRequest{UserCode: "ADA"}, mail.RecoveryRequested},
			{"unknown email", signin.ResetRequest{Email: "nobody@example.com"}, mail.RecoveryUnknown},
			{"unknown user code", signin.ResetRequest{UserCode: "nobody"}, mail.RecoveryDropped},
		}
		var calls map[string]int
		for _, c := range cases {
			c.req.Source = "198.51.100.9"
			ctx, u := usage()
			if err := r.RequestReset(ctx, "t1", c.req); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if m := box.Last(t); m.Type != c.want {
				t.Errorf("%s: posted %s, want %s", c.name, m.Type, c.want)
			}
			if calls == nil {
				calls = u.Counts()
				if calls["GetItem"] != 1 || calls["BatchGetItem"] != 1 || calls["TransactWriteItems"] != 1 || len(calls) != 3 {
					t.Errorf("%s: calls %v, want one GetItem, one BatchGetItem, one TransactWriteItems", c.name, calls)
				}
			} else if got := u.Counts(); fmt.Sprint(got) != fmt.Sprint(calls) {
				t.Errorf("%s: calls %v, the first request made %v", c.name, got, calls)
			}
		}
		if n := box.Count(); n != len(cases) {
			t.Errorf("posted %d messages for %d requests", n, len(cases))
		}
		// An unknown or malformed-but-valid tenant answers the same.
		if err := r.RequestReset(context.Background(), "nosuchtenant", signin.ResetRequest{Email: ada.Email}); err != nil {
			t.Errorf("unknown tenant: %v", err)
		}
	})
}

func TestRequestResetIsQuietlyLimitedPerAddressAndLoudlyPerSource(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		env.Tenant(t, "t1")
		ada := f.person(t, "t1", "ada", "member", "", goodPassword)
		r, box := f.recovery(t)
		ctx := context.Background()
		for i := range throttle.MailPerAddress {
			if err := r.RequestReset(ctx, "t1", signin.ResetRequest{Email: ada.Email, Source: fmt.Sprint("src", i)}); err != nil {
				t.Fatal(err)
			}
		}
		live := box.Last(t).Token
		// Over the address's limit: the same answer, nothing mailed, the
		// live token untouched.
		if err := r.RequestReset(ctx, "t1", signin.ResetRequest{Email: ada.Email, Source: "another"}); err != nil {
			t.Fatalf("over the address's limit: %v, want the usual nil", err)
		}
		if m := box.Last(t); m.Type != mail.RecoveryDropped || m.Email != "" || m.Token != "" {
			t.Errorf("over the limit posted %+v, want a dropped message", m)
		}
		// The same for an unknown address over its limit.
		for range throttle.MailPerAddress + 1 {
			if err := r.RequestReset(ctx, "t1", signin.ResetRequest{Email: "nobody@example.com", Source: "x"}); err != nil {
				t.Fatalf("unknown address: %v", err)
			}
		}
		if m := box.Last(t); m.Type != mail.RecoveryDropped {
			t.Errorf("unknown address over the limit posted %s", m.Type)
		}
		// One source: loud once spent.
		var err error
		for i := 0; i <= throttle.RecoveryPerSource && err == nil; i++ {
			err = r.RequestReset(ctx, "t1", signin.ResetRequest{Email: fmt.Sprintf("p%d@example.com", i), Source: "203.0.113.5"})
		}
		if f := fault.As(wantCode(t, err, fault.TooManyRequests)); f.RetryAfter <= 0 {
			t.Errorf("source over its limit: RetryAfter %v", f.RetryAfter)
		}
		if err := r.Reset(ctx, "t1", live, newPassword); err != nil {
			t.Errorf("the last mailed token after quiet refusals: %v", err)
		}
	})
}

func TestRequestResetRefusesBadInputWithoutWriting(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		env.Tenant(t, "t1")
		r, box := f.recovery(t)
		before := env.Count(t)
		for _, c := range []struct {
			tenant string
			req    signin.ResetRequest
			field  string
		}{
			{"t1", signin.ResetRequest{}, "email"},
			{"t1", signin.ResetRequest{Email: "a@example.com", UserCode: "a"}, "userCode"},
			{"t1", signin.ResetRequest{Email: "not an address"}, "email"},
			{"t1", signin.ResetRequest{UserCode: "   "}, "userCode"},
			{"t1", signin.ResetRequest{UserCode: strings.Repeat("a", 300)}, "userCode"},
			{"bad/tenant", signin.ResetRequest{Email: "a@example.com"}, "tenantUid"},
		} {
			wantCode(t, r.RequestReset(context.Background(), c.tenant, c.req), fault.Invalid, c.field)
		}
		if env.Count(t) != before || box.Count() != 0 {
			t.Error("bad input wrote or posted")
		}
	})
}

func TestSendResetIsForAdministratorsOfTheUsersTenant(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		env.Tenant(t, "t1")
		env.Tenant(t, "t2")
		ada := f.person(t, "t1", "ada", "member", "", goodPassword)
		r, box := f.recovery(t)
		ctx := context.Background()
		wantCode(t, r.SendReset(ctx, as(ada), ada.ID), fault.Forbidden)
		wantCode(t, r.SendReset(ctx, admin("t2"), ada.ID), fault.NotFound)
		wantCode(t, r.SendReset(ctx, admin("t1"), "no such id"), fault.NotFound)
		if box.Count() != 0 {
			t.Fatal("refusals posted mail")
		}
		for range throttle.MailPerAddress {
			if err := r.SendReset(ctx, admin("t1"), ada.ID); err != nil {
				t.Fatalf("SendReset: %v", err)
			}
		}
		tok := box.Last(t).Token
		wantCode(t, r.SendReset(ctx, admin("t1"), ada.ID), fault.TooManyRequests)
		if err := r.Reset(ctx, "t1", tok, newPassword); err != nil {
			t.Fatalf("Reset with the administrator's link: %v", err)
		}
		f.login(t, ada, newPassword)
	})
}

func TestRecoveryNeverLogsOrFormatsATokenInTheMessage(t *testing.T) {
	m := mail.Message{Type: mail.RecoveryRequested, ID: "id1", Token: "rrt_secretsecret", Email: "a@example.com"}
	var b strings.Builder
	fmt.Fprintf(&b, "%v", m.LogValue())
	if strings.Contains(b.String(), "secret") || strings.Contains(b.String(), "a@example.com") {
		t.Errorf("log value shows %q", b.String())
	}
}
