package signin_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/shared/directory/directorytest"
	"roster/shared/fault"
	"roster/shared/opaque"
	"roster/shared/signin"
	"roster/shared/store"
	"roster/shared/store/storetest"
	"roster/shared/token"
)

// badAuthToken is what any refused auth token answers, as a caller sees it.
func (f *fixture) badAuthToken(t *testing.T) shown {
	t.Helper()
	unknown, err := opaque.Auth.Generate()
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = f.svc.Exchange(context.Background(), unknown.Token, "t1")
	return visible(wantCode(t, err, fault.Unauthorized))
}

func TestPasswordChangeEndsEverySessionThatBeganBeforeIt(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		for _, id := range []string{"t1", "t2", "t3"} {
			env.Tenant(t, id)
		}
		ada := f.person(t, "t1", "ada", "member", "", goodPassword)
		f.person(t, "t2", "ada", "member", ada.AccountID, "")
		in := f.invite(t, "t3", "ada.t3@example.com", "member")
		bad := f.badAuthToken(t)

		// Two sessions: one already rotated into another tenant (a rotated
		// token is the same session), one straight from a login.
		first := f.login(t, ada, goodPassword)
		rotated, _, err := f.svc.Exchange(context.Background(), first.AuthToken, "t2")
		if err != nil {
			t.Fatal(err)
		}
		other := f.login(t, ada, goodPassword)
		f.clock.Advance(time.Minute)
		if _, err := f.svc.UpdateSelf(context.Background(), as(ada), "t1", signin.SelfChange{
			Password: ptr(newPassword), CurrentPassword: ptr(goodPassword),
		}); err != nil {
			t.Fatalf("UpdateSelf: %v", err)
		}
		if got := f.account(t, ada.AccountID).SessionsRevokedAt; !got.Equal(f.clock.Now()) {
			t.Errorf("account's sessions revoked at %v, want %v", got, f.clock.Now())
		}

		for name, tok := range map[string]string{"rotated": rotated.AuthToken, "another login": other.AuthToken} {
			for _, tenantID := range []string{"t1", "t2"} {
				items := env.Count(t)
				ctx, use := usage()
				_, _, err := f.svc.Exchange(ctx, tok, tenantID)
				if got := visible(wantCode(t, err, fault.Unauthorized)); got != bad {
					t.Errorf("%s into %s answers %+v, want %+v", name, tenantID, got, bad)
				}
				// Refused by the rotation itself: the same calls as a success.
				if use.Calls("GetItem") != 2 || use.Calls("BatchGetItem") != 1 || use.Calls("TransactWriteItems") != 1 || use.Calls() != 4 {
					t.Errorf("%s into %s: %d calls (GetItem %d, BatchGetItem %d), want 2 GetItem, 1 BatchGetItem and 1 TransactWriteItems",
						name, tenantID, use.Calls(), use.Calls("GetItem"), use.Calls("BatchGetItem"))
				}
				if n := env.Count(t); n != items {
					t.Errorf("%s into %s: items %d -> %d", name, tenantID, items, n)
				}
			}
			items := env.Count(t)
			ctx, use := usage()
			_, _, err := f.svc.AcceptInvite(ctx, tok, in.Token)
			if got := visible(wantCode(t, err, fault.Unauthorized)); got != bad {
				t.Errorf("%s accepting answers %+v, want %+v", name, got, bad)
			}
			if use.Calls("GetItem") != 2 || use.Calls("TransactWriteItems") != 1 || use.Calls() != 3 {
				t.Errorf("%s accepting: %d calls, want 2 GetItem and 1 TransactWriteItems", name, use.Calls())
			}
			if n := env.Count(t); n != items {
				t.Errorf("%s accepting: items %d -> %d", name, items, n)
			}
		}
		if _, err := f.svc.DescribeInvite(context.Background(), in.Token); err != nil {
			t.Errorf("a refused acceptance spent the invitation: %v", err)
		}

		// A session begun after the change goes anywhere the person is.
		f.clock.Advance(time.Second)
		fresh := f.login(t, ada, newPassword)
		next, _, err := f.svc.Exchange(context.Background(), fresh.AuthToken, "t2")
		if err != nil {
			t.Fatalf("exchange of a new session: %v", err)
		}
		joined, u, err := f.svc.AcceptInvite(context.Background(), next.AuthToken, in.Token)
		if err != nil || u.TenantID != "t3" {
			t.Fatalf("acceptance by a new session: %v, %v", u, err)
		}
		if _, _, err := f.svc.Exchange(context.Background(), joined.AuthToken, "t1"); err != nil {
			t.Errorf("exchange after accepting: %v", err)
		}
	})
}

func TestASessionEndsAtMaxSessionHoweverOftenItsTokenIsExchanged(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		const maxSession = 3 * time.Hour
		f := newFixture(t, env, signin.Options{AuthTTL: time.Hour, MaxSession: maxSession})
		env.Tenant(t, "t1")
		u := f.person(t, "t1", "ada", "member", "", goodPassword)
		bad := f.badAuthToken(t)
		end := f.clock.Now().Add(maxSession)
		tok := f.login(t, u, goodPassword)

		for _, step := range []time.Duration{50 * time.Minute, 50 * time.Minute, 50 * time.Minute, 29 * time.Minute} {
			f.clock.Advance(step)
			next, _, err := f.svc.Exchange(context.Background(), tok.AuthToken, "t1")
			if err != nil {
				t.Fatalf("exchange %v before the session's end: %v", end.Sub(f.clock.Now()), err)
			}
			if next.AuthExpires.After(end) {
				t.Errorf("auth token expires %v, after the session's end %v", next.AuthExpires, end)
			}
			tok = next
		}
		// The last token lives to the session's end, not for AuthTTL.
		if !tok.AuthExpires.Equal(end) {
			t.Errorf("last auth token expires %v, want the session's end %v", tok.AuthExpires, end)
		}
		f.clock.Advance(time.Minute)
		ctx, use := usage()
		_, _, err := f.svc.Exchange(ctx, tok.AuthToken, "t1")
		if got := visible(wantCode(t, err, fault.Unauthorized)); got != bad {
			t.Errorf("at the session's end: %+v, want %+v", got, bad)
		}
		if use.Writes() != 0 {
			t.Errorf("an ended session wrote %d times", use.Writes())
		}
	})
}

func TestASessionOlderThanMaxSessionIsRefusedEvenWithAnUnexpiredToken(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		// Tokens issued under a long AuthTTL, checked by a service whose
		// MaxSession is shorter (a lowered setting, or a token from before
		// the limit): the limit still holds.
		f := newFixture(t, env, signin.Options{AuthTTL: 4 * time.Hour})
		env.Tenant(t, "t1")
		env.Tenant(t, "t2")
		u := f.person(t, "t1", "ada", "member", "", goodPassword)
		in := f.invite(t, "t2", "ada.t2@example.com", "member")
		issuer, err := token.NewIssuer(keys.Signing, testIssuer, testAudience, 0, f.clock.Now)
		if err != nil {
			t.Fatal(err)
		}
		strict, err := signin.New(env.Table, door(t, env.Table, f.hasher), f.hasher, issuer, keys.Pepper, signin.Options{Now: f.clock.Now, MaxSession: 2 * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		tok := f.login(t, u, goodPassword)
		f.clock.Advance(2 * time.Hour)

		_, _, err = strict.Exchange(context.Background(), tok.AuthToken, "t1")
		wantCode(t, err, fault.Unauthorized)
		_, _, err = strict.AcceptInvite(context.Background(), tok.AuthToken, in.Token)
		wantCode(t, err, fault.Unauthorized)
		// Under the default limit the same token is still good.
		if _, _, err := f.svc.AcceptInvite(context.Background(), tok.AuthToken, in.Token); err != nil {
			t.Errorf("under the default MaxSession: %v", err)
		}
	})
}

func TestADeactivatedUserIsClosedToEarlierSessionsOnceReactivated(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		env.Tenant(t, "t1")
		env.Tenant(t, "t2")
		ada := f.person(t, "t1", "ada", "member", "", goodPassword)
		inT2 := f.person(t, "t2", "ada", "member", ada.AccountID, "")
		bad := f.badAuthToken(t)
		tok := f.login(t, ada, goodPassword)

		// Deactivated and reactivated as the directory does it.
		f.clock.Advance(time.Minute)
		setActive(t, env, inT2, false)
		revoked := &types.AttributeValueMemberN{Value: strconv.FormatInt(f.clock.Now().UnixMilli(), 10)}
		if err := rawUpdate(env, "TENANT#t2", "USER#"+inT2.ID, "SET sessionsRevokedAt = :v", revoked); err != nil {
			t.Fatal(err)
		}
		setActive(t, env, inT2, true)

		ctx, use := usage()
		_, _, err := f.svc.Exchange(ctx, tok.AuthToken, "t2")
		if got := visible(wantCode(t, err, fault.Unauthorized)); got != bad {
			t.Errorf("into the reactivated user: %+v, want %+v", got, bad)
		}
		if use.Writes() != 0 {
			t.Errorf("refused exchange wrote %d times", use.Writes())
		}
		// The person's other users are not that tenant's to close.
		next, _, err := f.svc.Exchange(context.Background(), tok.AuthToken, "t1")
		if err != nil {
			t.Fatalf("into another tenant: %v", err)
		}
		if _, _, err := f.svc.Exchange(context.Background(), next.AuthToken, "t2"); fault.CodeOf(err) != fault.Unauthorized {
			t.Errorf("a rotated token of the same session entered: %v", err)
		}
		f.clock.Advance(time.Second)
		fresh := f.login(t, ada, goodPassword)
		if _, _, err := f.svc.Exchange(context.Background(), fresh.AuthToken, "t2"); err != nil {
			t.Errorf("a new session: %v", err)
		}
	})
}

func TestNewRefusesANegativeOrSubSecondMaxSession(t *testing.T) {
	issuer, err := token.NewIssuer(keys.Signing, testIssuer, testAudience, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []time.Duration{-time.Hour, time.Millisecond} {
		if _, err := signin.New((*store.Table)(nil), directorytest.New(t), defaultHasher(t), issuer, keys.Pepper, signin.Options{MaxSession: d}); err == nil {
			t.Errorf("New accepted MaxSession %v", d)
		}
	}
}
