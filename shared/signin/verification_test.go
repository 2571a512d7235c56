package signin_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/mail"
	"roster/shared/mail/mailtest"
	"roster/shared/opaque"
	"roster/shared/signin"
	"roster/shared/store/storetest"
	"roster/shared/throttle"
)

func (f *fixture) verification(t *testing.T) (signin.Verification, *mailtest.Box) {
	t.Helper()
	box := &mailtest.Box{}
	v, err := signin.NewVerification(f.env.Table, keys.Pepper, box, f.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	return v, box
}

func TestVerificationProvesTheAddressOnceAndAChangeClearsIt(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		env.Tenant(t, "t1")
		ada := f.person(t, "t1", "ada", "member", "", goodPassword)
		v, box := f.verification(t)
		ctx := context.Background()
		if err := v.RequestVerification(ctx, as(ada), "t1"); err != nil {
			t.Fatal(err)
		}
		m := box.Last(t)
		if m.Type != mail.VerificationNeeded || m.Email != ada.Email || !strings.HasPrefix(m.Token, "rvt_") {
			t.Fatalf("posted %+v", m)
		}
		if err := v.ConfirmEmail(ctx, "t1", m.Token); err != nil {
			t.Fatalf("ConfirmEmail: %v", err)
		}
		got, _ := env.Table.GetUser(ctx, "t1", ada.ID)
		if !got.EmailVerified || got.Version != ada.Version+1 {
			t.Errorf("after confirming: verified %v, version %d (was %d)", got.EmailVerified, got.Version, ada.Version)
		}
		wantCode(t, v.ConfirmEmail(ctx, "t1", m.Token), fault.Invalid, "token")
		// Verified already: nothing more is mailed.
		if err := v.RequestVerification(ctx, as(ada), "t1"); err != nil || box.Count() != 1 {
			t.Errorf("a verified address asked again: %v, %d mails", err, box.Count())
		}
		// A new address is not proved, and a link to the old one no longer
		// proves anything: a fresh link for the old address, then the change.
		if err := rawUpdate(env, "TENANT#t1", "USER#"+ada.ID, "SET emailVerified = :v", boolValue(false)); err != nil {
			t.Fatal(err)
		}
		if err := v.RequestVerification(ctx, as(ada), "t1"); err != nil {
			t.Fatal(err)
		}
		old := box.Last(t).Token
		if err := rawUpdate(env, "TENANT#t1", "USER#"+ada.ID, "SET emailVerified = :v", boolValue(true)); err != nil {
			t.Fatal(err)
		}
		changed, err := door(t, env.Table, f.hasher).Update(ctx, admin("t1"), ada.ID, directory.Change{Email: ptr("ada.new@example.com")})
		if err != nil {
			t.Fatal(err)
		}
		stored, _ := env.Table.GetUser(ctx, "t1", ada.ID)
		if changed.EmailVerified || stored.EmailVerified {
			t.Errorf("a new address shows verified: answer %v, stored %v", changed.EmailVerified, stored.EmailVerified)
		}
		wantCode(t, v.ConfirmEmail(ctx, "t1", old), fault.Invalid, "token")
	})
}

func TestRefusedVerificationTokensAreAllTheSame(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		env.Tenant(t, "t1")
		env.Tenant(t, "t2")
		ada := f.person(t, "t1", "ada", "member", "", goodPassword)
		v, box := f.verification(t)
		ctx := context.Background()
		if err := v.RequestVerification(ctx, as(ada), "t1"); err != nil {
			t.Fatal(err)
		}
		live := box.Last(t).Token
		guessed, _ := opaque.Email.Generate()
		var first *shown
		for name, c := range map[string]struct{ tenant, tok string }{
			"another tenant's path": {"t2", live}, "guessed": {"t1", guessed.Token}, "malformed": {"t1", "rvt_x"},
			"wrong secret": {"t1", live[:len(live)-4] + "zzzz"}, "another kind": {"t1", strings.Replace(live, "rvt_", "rrt_", 1)},
		} {
			got := visible(wantCode(t, v.ConfirmEmail(ctx, c.tenant, c.tok), fault.Invalid, "token"))
			if first == nil {
				first = &got
			} else if got != *first {
				t.Errorf("%s: %+v, another %+v", name, got, *first)
			}
		}
		f.clock.Advance(signin.DefaultVerifyTTL + time.Second)
		if got := visible(wantCode(t, v.ConfirmEmail(ctx, "t1", live), fault.Invalid, "token")); got != *first {
			t.Errorf("expired: %+v", got)
		}
		wantCode(t, v.ConfirmEmail(ctx, "t1", ""), fault.Invalid, "token")
	})
}

func TestRequestVerificationIsTheUsersOwnAndThrottled(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		env.Tenant(t, "t1")
		env.Tenant(t, "t2")
		ada := f.person(t, "t1", "ada", "member", "", goodPassword)
		v, box := f.verification(t)
		ctx := context.Background()
		wantCode(t, v.RequestVerification(ctx, admin("t1"), "t1"), fault.Unauthorized)
		wantCode(t, v.RequestVerification(ctx, as(ada), "t2"), fault.NotFound)
		for range throttle.MailPerAddress {
			if err := v.RequestVerification(ctx, as(ada), "t1"); err != nil {
				t.Fatal(err)
			}
		}
		wantCode(t, v.RequestVerification(ctx, as(ada), "t1"), fault.TooManyRequests)
		if box.Count() != throttle.MailPerAddress {
			t.Errorf("%d mails", box.Count())
		}
	})
}

func TestAdministratorsMayVouchForAnAddress(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		env.Tenant(t, "t1")
		dir := door(t, env.Table, f.hasher)
		ctx := context.Background()
		u, err := dir.Create(ctx, admin("t1"), directory.NewUser{Username: "bob", Email: "bob@example.com", FirstName: "B", LastName: "C", Active: true, EmailVerified: true})
		if err != nil || !u.EmailVerified {
			t.Fatalf("create vouched: %v %v", u, err)
		}
		changed, err := dir.Update(ctx, admin("t1"), u.ID, directory.Change{Email: ptr("bob.new@example.com"), EmailVerified: ptr(true)})
		if err != nil || !changed.EmailVerified {
			t.Errorf("a new address vouched for: %v %v", changed, err)
		}
		changed, err = dir.Update(ctx, admin("t1"), u.ID, directory.Change{FirstName: ptr("Bobby")})
		if err != nil || !changed.EmailVerified {
			t.Errorf("another change keeps the proof: %v %v", changed, err)
		}
		changed, err = dir.Update(ctx, admin("t1"), u.ID, directory.Change{Email: ptr("bob.newer@example.com")})
		if err != nil || changed.EmailVerified {
			t.Errorf("a new address by an administrator, unvouched: %v %v", changed.EmailVerified, err)
		}
		changed, err = dir.Update(ctx, admin("t1"), u.ID, directory.Change{Email: ptr("bob.newest@example.com"), EmailVerified: ptr(true)})
		if err != nil || !changed.EmailVerified {
			t.Errorf("a new address vouched for: %v %v", changed, err)
		}
		if got, _ := env.Table.GetUser(ctx, "t1", u.ID); !got.EmailVerified {
			t.Error("vouched address not stored as verified")
		}
	})
}
