package signin_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"roster/shared/fault"
	"roster/shared/mail"
	"roster/shared/mail/mailtest"
	"roster/shared/signin"
	"roster/shared/store/storetest"
	"roster/shared/throttle"
	"roster/shared/user"
)

// mailing is a fixture whose service mails changes of address to box,
// with email verification over the same table and clock.
func mailing(t *testing.T, env storetest.Env) (*fixture, signin.Verification, *mailtest.Box) {
	t.Helper()
	box := &mailtest.Box{}
	f := newFixture(t, env, signin.Options{Mail: box})
	v, err := signin.NewVerification(env.Table, keys.Pepper, box, f.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	return f, v, box
}

func TestEmailChangeTakesEffectOnlyWhenTheNewAddressIsProved(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f, v, box := mailing(t, env)
		env.Tenant(t, "t1")
		ada := f.person(t, "t1", "ada", "member", "", "")
		ctx, use := usage()
		got, err := f.svc.UpdateSelf(ctx, as(ada), "t1", signin.SelfChange{Email: ptr(" Ada.New@Example.com "), FirstName: ptr("Ada")})
		if err != nil {
			t.Fatalf("UpdateSelf: %v", err)
		}
		t.Logf("change of address asked: %d GetItem, %d TransactWriteItems", use.Calls("GetItem"), use.Calls("TransactWriteItems"))
		if use.Calls("TransactWriteItems") != 1 {
			t.Errorf("transactions = %d, want 1 (profile, token and counters together)", use.Calls("TransactWriteItems"))
		}
		stored, _ := env.Table.GetUser(context.Background(), "t1", ada.ID)
		if got.Email != ada.Email || stored.Email != ada.Email || stored.FirstName != "Ada" {
			t.Errorf("before the link: answer %q, stored %q (first name %q)", got.Email, stored.Email, stored.FirstName)
		}
		if _, err := env.Table.UserIDByEmail(context.Background(), "t1", "ada.new@example.com"); fault.CodeOf(err) != fault.NotFound {
			t.Errorf("the new address is reserved before it is proved: %v", err)
		}
		if box.Count() != 2 {
			t.Fatalf("%d mails, want the link and the notice", box.Count())
		}
		notice := box.Last(t)
		if notice.Type != mail.EmailChangeNotice || notice.Email != ada.Email || notice.Token != "" {
			t.Errorf("notice to the old address: %+v", notice)
		}
		link := box.Sent()[0]
		if link.Type != mail.EmailChangeRequested || link.Email != "Ada.New@Example.com" || !strings.HasPrefix(link.Token, "rvt_") {
			t.Errorf("link to the new address: %+v", link)
		}

		f.clock.Advance(time.Minute)
		if err := v.ConfirmEmail(context.Background(), "t1", link.Token); err != nil {
			t.Fatalf("ConfirmEmail: %v", err)
		}
		stored, _ = env.Table.GetUser(context.Background(), "t1", ada.ID)
		if stored.Email != "Ada.New@Example.com" || !stored.EmailVerified || stored.Version != ada.Version+2 {
			t.Errorf("after the link: %q verified %v version %d", stored.Email, stored.EmailVerified, stored.Version)
		}
		if id, err := env.Table.UserIDByEmail(context.Background(), "t1", "ada.new@example.com"); id != ada.ID {
			t.Errorf("new marker: %q %v", id, err)
		}
		if _, err := env.Table.UserIDByEmail(context.Background(), "t1", "ada@example.com"); fault.CodeOf(err) != fault.NotFound {
			t.Errorf("old marker kept: %v", err)
		}
		wantCode(t, v.ConfirmEmail(context.Background(), "t1", link.Token), fault.Invalid, "token")

		// A change of spelling alone is the same inbox: applied at once,
		// still verified, nothing mailed.
		got, err = f.svc.UpdateSelf(context.Background(), as(ada), "t1", signin.SelfChange{Email: ptr("ada.new@example.com")})
		if err != nil || got.Email != "ada.new@example.com" || !got.EmailVerified || box.Count() != 2 {
			t.Errorf("case-only change: %+v %v, %d mails", got, err, box.Count())
		}
	})
}

func TestEmailChangeTokensRefusedAlikeAndATakenAddressNamed(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f, v, box := mailing(t, env)
		env.Tenant(t, "t1")
		env.Tenant(t, "t2")
		ada := f.person(t, "t1", "ada", "member", "", "")
		ctx := context.Background()
		ask := func(address string) string {
			t.Helper()
			if _, err := f.svc.UpdateSelf(ctx, as(ada), "t1", signin.SelfChange{Email: ptr(address)}); err != nil {
				t.Fatalf("change to %s: %v", address, err)
			}
			return box.Sent()[box.Count()-2].Token
		}
		first, second := ask("one@example.com"), ask("two@example.com")
		want := visible(wantCode(t, v.ConfirmEmail(ctx, "t2", first), fault.Invalid, "token"))

		// Another user takes the address meanwhile: the holder of the link
		// learns it (they proved the address), nothing is written.
		other := &user.User{TenantID: "t1", ID: user.NewID(), Username: "carol", Email: "ONE@example.com", Active: true, Role: "member",
			CreatedAt: f.clock.Now(), UpdatedAt: f.clock.Now()}
		if err := env.Table.CreateUser(ctx, other); err != nil {
			t.Fatal(err)
		}
		before, _ := env.Table.GetUser(ctx, "t1", ada.ID)
		wantCode(t, v.ConfirmEmail(ctx, "t1", first), fault.Conflict, "email")
		if after, _ := env.Table.GetUser(ctx, "t1", ada.ID); after.Email != before.Email || after.Version != before.Version {
			t.Errorf("a refused change wrote: %q v%d", after.Email, after.Version)
		}
		if id, _ := env.Table.UserIDByEmail(ctx, "t1", "one@example.com"); id != other.ID {
			t.Errorf("the taken address's marker moved to %q", id)
		}

		// The second change goes through; the first link then proves an
		// address the user no longer starts from: refused like any other.
		if err := v.ConfirmEmail(ctx, "t1", second); err != nil {
			t.Fatal(err)
		}
		if got := visible(wantCode(t, v.ConfirmEmail(ctx, "t1", first), fault.Invalid, "token")); got != want {
			t.Errorf("stale change: %+v, want %+v", got, want)
		}
		third := ask("three@example.com")
		f.clock.Advance(signin.DefaultVerifyTTL + time.Second)
		if got := visible(wantCode(t, v.ConfirmEmail(ctx, "t1", third), fault.Invalid, "token")); got != want {
			t.Errorf("expired: %+v, want %+v", got, want)
		}
		if u, _ := env.Table.GetUser(ctx, "t1", ada.ID); u.Email != "two@example.com" {
			t.Errorf("email %q after refused tokens", u.Email)
		}
	})
}

func TestEmailChangeIsThrottledAndNeedsMail(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f, _, box := mailing(t, env)
		env.Tenant(t, "t1")
		ada := f.person(t, "t1", "ada", "member", "", "")
		ctx := context.Background()
		for i := range throttle.MailPerAddress {
			if _, err := f.svc.UpdateSelf(ctx, as(ada), "t1", signin.SelfChange{Email: ptr("target@example.com"), IfVersion: ada.Version + int64(i)}); err != nil {
				t.Fatal(err)
			}
		}
		before, _ := env.Table.GetUser(ctx, "t1", ada.ID)
		_, err := f.svc.UpdateSelf(ctx, as(ada), "t1", signin.SelfChange{Email: ptr("TARGET@example.com"), FirstName: ptr("Changed")})
		wantCode(t, err, fault.TooManyRequests)
		if after, _ := env.Table.GetUser(ctx, "t1", ada.ID); after.Version != before.Version || after.FirstName == "Changed" {
			t.Errorf("a throttled change wrote: %+v", after)
		}
		if box.Count() != 2*throttle.MailPerAddress {
			t.Errorf("%d mails", box.Count())
		}

		// Without mail, or with a poster that has no sender yet, the
		// change is refused before anything is written.
		for name, opts := range map[string]signin.Options{"no poster": {}, "no sender": {Mail: unconfigured{}}} {
			plain := newFixture(t, env, opts)
			_, err = plain.svc.UpdateSelf(ctx, as(ada), "t1", signin.SelfChange{Email: ptr("x@example.com")})
			wantCode(t, err, fault.Unavailable)
			if after, _ := env.Table.GetUser(ctx, "t1", ada.ID); after.Version != before.Version {
				t.Errorf("%s: a change without mail wrote", name)
			}
		}
	})
}

func TestWelcomeMailsANewUsersAddressQuietlyWithinItsLimit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f, v, box := mailing(t, env)
		env.Tenant(t, "t1")
		ada := f.person(t, "t1", "ada", "member", "", "")
		ctx := context.Background()
		if err := v.Welcome(ctx, ada); err != nil {
			t.Fatal(err)
		}
		m := box.Last(t)
		if m.Type != mail.VerificationNeeded || m.Email != ada.Email || m.TenantName == "" || !strings.HasPrefix(m.Token, "rvt_") {
			t.Fatalf("welcome %+v", m)
		}
		if err := v.ConfirmEmail(ctx, "t1", m.Token); err != nil {
			t.Fatalf("the welcome's link: %v", err)
		}
		// Verified: nothing more.
		if err := v.Welcome(ctx, ada); err != nil || box.Count() != 1 {
			t.Errorf("welcome of a verified user: %v, %d mails", err, box.Count())
		}
		// Over the address's limit: no mail, no error (the user exists).
		bob := f.person(t, "t1", "bob", "member", "", "")
		for range throttle.MailPerAddress + 2 {
			if err := v.Welcome(ctx, bob); err != nil {
				t.Fatalf("welcome over the limit: %v", err)
			}
		}
		if got := box.Count() - 1; got != throttle.MailPerAddress {
			t.Errorf("%d welcomes to one address, want %d", got, throttle.MailPerAddress)
		}
	})
}

func TestAnInvitationIsMailedAndAQueueDownStillAnswersItsToken(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f, _, box := mailing(t, env)
		env.Tenant(t, "t1")
		ctx := context.Background()
		in := signin.NewInvite{Email: " grace@example.com ", Role: "member", FirstName: "Grace", LastName: "Hopper"}
		issued, err := f.svc.CreateInvite(ctx, admin("t1"), in)
		if err != nil {
			t.Fatal(err)
		}
		m := box.Last(t)
		if m.Type != mail.InvitationCreated || m.ID != issued.ID || m.InviteToken != issued.Token || m.Email != "grace@example.com" ||
			m.Role != "member" || m.TenantName == "" || !m.ExpiresAt.Equal(issued.ExpiresAt) {
			t.Errorf("invitation mail %+v", m)
		}
		down := newFixture(t, env, signin.Options{Mail: mail.PosterFunc(func(context.Context, mail.Message) error {
			return fault.New(fault.Unavailable, "down")
		})})
		in.Email = "alan@example.com"
		if issued, err := down.svc.CreateInvite(ctx, admin("t1"), in); err != nil || issued.Token == "" {
			t.Errorf("with the queue down: %+v %v", issued, err)
		}
		// Bad input: named, nothing written, nothing mailed.
		n := box.Count()
		_, err = f.svc.CreateInvite(ctx, admin("t1"), signin.NewInvite{Email: "not an address", Role: "member"})
		wantCode(t, err, fault.Invalid, "email")
		if box.Count() != n {
			t.Error("a refused invitation was mailed")
		}
	})
}

func TestEmailChangeLinkOfADeactivatedUserIsRefusedLikeAnyOther(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f, v, box := mailing(t, env)
		env.Tenant(t, "t1")
		ada := f.person(t, "t1", "ada", "member", "", "")
		ctx := context.Background()
		if _, err := f.svc.UpdateSelf(ctx, as(ada), "t1", signin.SelfChange{Email: ptr("ada.new@example.com")}); err != nil {
			t.Fatal(err)
		}
		tok := box.Sent()[0].Token
		if err := rawUpdate(env, "TENANT#t1", "USER#"+ada.ID, "SET active = :v", boolValue(false)); err != nil {
			t.Fatal(err)
		}
		wantCode(t, v.ConfirmEmail(ctx, "t1", tok), fault.Invalid, "token")
		if u, _ := env.Table.GetUser(ctx, "t1", ada.ID); u.Email != ada.Email {
			t.Errorf("a deactivated user's address moved to %q", u.Email)
		}
	})
}

// unconfigured is a poster that says it has no sender behind it.
type unconfigured struct{}

func (unconfigured) Post(context.Context, mail.Message) error {
	return fault.New(fault.Unavailable, "no sender")
}
func (unconfigured) Configured() bool { return false }
