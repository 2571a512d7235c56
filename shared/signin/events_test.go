package signin_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	awsevents "github.com/aws/aws-lambda-go/events"

	"roster/shared/events"
	"roster/shared/events/stream"
	"roster/shared/signin"
	"roster/shared/store/storetest"
)

// The account lifecycle's security events come from the table's stream
// (decision 025): these tests make the writes through the services and
// read back what the stream says of them.

// feed reads the events of the stream records written since its last call.
type feed struct {
	t      *testing.T
	env    storetest.Env
	stream *stream.Poller
}

func newFeed(t *testing.T, env storetest.Env) *feed {
	return &feed{t: t, env: env, stream: &stream.Poller{API: env.Streams, StreamARN: env.StreamARN(t)}}
}

func (f *feed) next() []events.Event {
	f.t.Helper()
	var got []events.Event
	_, err := f.stream.Poll(context.Background(), func(ctx context.Context, b awsevents.DynamoDBEvent) (awsevents.DynamoDBEventResponse, error) {
		for _, rec := range b.Records {
			evs, err := f.env.Table.EventsOf(ctx, rec)
			if err != nil {
				f.t.Fatalf("events of %s: %v", rec.EventID, err)
			}
			got = append(got, evs...)
		}
		return awsevents.DynamoDBEventResponse{}, nil
	})
	if err != nil {
		f.t.Fatalf("poll stream: %v", err)
	}
	return got
}

// want fails the test unless evs are exactly the types given (in any
// order: one transaction's items may sit on different shards), and each
// event is about the tenant and user given, made by actor, and carries
// none of the secrets.
func (f *feed) want(step string, evs []events.Event, tenantID, userID, actor string, secrets []string, types ...string) {
	f.t.Helper()
	got := make([]string, len(evs))
	for i, e := range evs {
		got[i] = e.Type
	}
	slices.Sort(got)
	types = slices.Clone(types)
	slices.Sort(types)
	if !slices.Equal(got, types) {
		f.t.Fatalf("%s: events %v, want %v", step, got, types)
	}
	for _, e := range evs {
		if e.TenantID != tenantID || e.Subject != userID || e.UserID != userID {
			f.t.Errorf("%s: %s in tenant %q about %q/%q, want %q about %q", step, e.Type, e.TenantID, e.Subject, e.UserID, tenantID, userID)
		}
		if actor != "" && e.Type != events.SessionRevoked && e.Actor != actor {
			f.t.Errorf("%s: %s actor %q, want %q", step, e.Type, e.Actor, actor)
		}
		b, err := json.Marshal(e.Cloud())
		if err != nil {
			f.t.Fatal(err)
		}
		for _, s := range append(secrets, "totpSecret", "passwordHash", "hash", "factorTenant", "ACCOUNT#", "RESET#") {
			if s != "" && strings.Contains(string(b), s) {
				f.t.Errorf("%s: %s carries %q: %s", step, e.Type, s, b)
			}
		}
	}
}

func TestTOTPConfirmedAndRemovedArePublishedInTheUsersTenant(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		fs := f.factors(t)
		env.Tenant(t, "t1")
		env.Tenant(t, "t2")
		ada := f.person(t, "t1", "ada", "member", "", goodPassword)
		other := f.person(t, "t2", "ada", "member", ada.AccountID, "")
		ctx := context.Background()
		feed := newFeed(t, env)
		feed.next()

		// Started, not confirmed: nothing.
		e, err := fs.StartTOTP(ctx, as(ada))
		if err != nil {
			t.Fatal(err)
		}
		feed.want("start", feed.next(), "", "", "", nil)
		codes, err := fs.ConfirmTOTP(ctx, as(ada), f.code(t, e.Secret))
		if err != nil {
			t.Fatal(err)
		}
		feed.want("confirm", feed.next(), "t1", ada.ID, "user:"+ada.ID, append(codes, e.Secret), events.MFAEnrolled)

		// A wrong code removes nothing and publishes no MFA event.
		f.clock.Advance(30 * 1e9)
		if err := fs.RemoveTOTP(ctx, as(ada), "000000"); err == nil {
			t.Fatal("RemoveTOTP with a wrong code succeeded")
		}
		feed.want("wrong code", feed.next(), "", "", "", nil)
		if err := fs.RemoveTOTP(ctx, as(ada), f.code(t, e.Secret)); err != nil {
			t.Fatal(err)
		}
		feed.want("remove", feed.next(), "t1", ada.ID, "user:"+ada.ID, []string{e.Secret}, events.MFARemoved)

		// An administrator of t2 resets the person's factors: published in
		// t2, about the person's user there, by the administrator.
		f.clock.Advance(30 * 1e9)
		secret, _ := f.enrolled(t, fs, ada)
		feed.next()
		if err := fs.ResetFactors(ctx, admin("t2"), other.ID); err != nil {
			t.Fatal(err)
		}
		feed.want("admin reset", feed.next(), "t2", other.ID, "apikey:adminkey", []string{secret}, events.MFARemoved)

		// A reset of a person without TOTP changes nothing and says nothing.
		if err := fs.ResetFactors(ctx, admin("t2"), other.ID); err != nil {
			t.Fatal(err)
		}
		feed.want("second reset", feed.next(), "", "", "", nil)
	})
}

func TestTOTPEnrolledAtALoginIsPublished(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		fs := f.factors(t)
		env.Tenant(t, "t1")
		boss := f.person(t, "t1", "boss", "admin", "", goodPassword)
		ctx := context.Background()
		if _, err := fs.SetMFAPolicy(ctx, admin("t1"), []string{"admin"}); err != nil {
			t.Fatal(err)
		}
		dev := f.device(t, "t1")
		tok, err := f.svc.Login(ctx, dev, "boss", goodPassword)
		if err != nil || tok.Challenge == nil {
			t.Fatalf("Login = %+v, %v; want an enrolment challenge", tok, err)
		}
		e, err := fs.StartEnrolment(ctx, dev, tok.Challenge.Token)
		if err != nil {
			t.Fatal(err)
		}
		feed := newFeed(t, env)
		feed.next()
		got, err := fs.Verify(ctx, dev, tok.Challenge.Token, signin.SecondFactor{Code: f.code(t, e.Secret)})
		if err != nil {
			t.Fatal(err)
		}
		secrets := append(slices.Clone(got.RecoveryCodes), e.Secret, got.AuthToken, got.AccessToken, tok.Challenge.Token)
		feed.want("enrolling login", feed.next(), "t1", boss.ID, "user:"+boss.ID, secrets, events.MFAEnrolled)
	})
}

func TestRecoveryRequestAndResetArePublishedAndUnknownNamesAreNot(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		env.Tenant(t, "t1")
		ada := f.person(t, "t1", "ada", "member", "", goodPassword)
		r, box := f.recovery(t)
		ctx := context.Background()
		feed := newFeed(t, env)
		feed.next()

		// Unknown address and username: decoys written, nothing published.
		for _, req := range []signin.ResetRequest{{Email: "nobody@example.com", Source: "198.51.100.7"}, {UserCode: "nobody", Source: "198.51.100.7"}} {
			if err := r.RequestReset(ctx, "t1", req); err != nil {
				t.Fatal(err)
			}
		}
		feed.want("unknown names", feed.next(), "", "", "", nil)

		tok := requestToken(t, r, box, "t1", ada.Email)
		evs := feed.next()
		feed.want("request", evs, "t1", ada.ID, events.Anonymous, []string{tok}, events.RecoveryRequested)
		if evs[0].Data["expiresAt"] == "" {
			t.Errorf("recovery requested without its expiry: %v", evs[0].Data)
		}

		// A wrong token spends nothing and says nothing.
		if err := r.Reset(ctx, "t1", tok+"x", newPassword); err == nil {
			t.Fatal("Reset with a wrong token succeeded")
		}
		feed.want("wrong token", feed.next(), "", "", "", nil)

		f.clock.Advance(1e9)
		if err := r.Reset(ctx, "t1", tok, newPassword); err != nil {
			t.Fatal(err)
		}
		// The reset ends the person's sessions, which the user's token
		// version says (roster.session.revoked).
		feed.want("reset", feed.next(), "t1", ada.ID, "user:"+ada.ID, []string{tok}, events.PasswordReset, events.SessionRevoked)
	})
}

func TestASessionEndedIsPublishedAndAFailedEndIsNot(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		ss := sessionsOf(t, f)
		env.Tenant(t, "t1")
		ada := f.person(t, "t1", "ada", "member", "", goodPassword)
		ctx := context.Background()
		tok := f.login(t, ada, goodPassword)
		list, err := ss.ListSessions(ctx, as(ada))
		if err != nil || len(list) != 1 {
			t.Fatalf("ListSessions = %v, %v", list, err)
		}
		feed := newFeed(t, env)
		feed.next()

		// Another person's session id, or an unknown one: nothing ends.
		if err := ss.EndSession(ctx, as(ada), "nosuchsession"); err == nil {
			t.Fatal("EndSession of an unknown id succeeded")
		}
		feed.want("unknown session", feed.next(), "", "", "", nil)

		if err := ss.EndSession(ctx, as(ada), list[0].ID); err != nil {
			t.Fatal(err)
		}
		evs := feed.next()
		feed.want("end", evs, "t1", ada.ID, "user:"+ada.ID, []string{tok.AuthToken, tok.AccessToken}, events.SessionEnded)
		if evs[0].Data["sessionId"] != list[0].ID {
			t.Errorf("session ended = %v, want session %s", evs[0].Data, list[0].ID)
		}
	})
}

func TestAnAddressProvedIsOneUserUpdatedByTheUser(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env, signin.Options{})
		env.Tenant(t, "t1")
		ada := f.person(t, "t1", "ada", "member", "", goodPassword)
		v, box := f.verification(t)
		ctx := context.Background()
		feed := newFeed(t, env)
		feed.next()
		if err := v.RequestVerification(ctx, as(ada), "t1"); err != nil {
			t.Fatal(err)
		}
		tok := box.Last(t).Token
		feed.want("request", feed.next(), "", "", "", nil)
		f.clock.Advance(1e9)
		if err := v.ConfirmEmail(ctx, "t1", tok); err != nil {
			t.Fatal(err)
		}
		evs := feed.next()
		feed.want("confirm", evs, "t1", ada.ID, "user:"+ada.ID, []string{tok}, events.UserUpdated)
		if !slices.Equal(evs[0].Changed, []string{"emailVerified"}) || evs[0].Time.Equal(ada.UpdatedAt) {
			t.Errorf("address proved: changed %v at %v (the user's last edit %v)", evs[0].Changed, evs[0].Time, ada.UpdatedAt)
		}
		if vals := evs[0].Data["values"].(map[string]any); vals["emailVerified"] != true {
			t.Errorf("values = %v", vals)
		}
	})
}
