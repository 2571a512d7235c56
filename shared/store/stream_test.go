package store_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	awsevents "github.com/aws/aws-lambda-go/events"

	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/events"
	"roster/shared/events/stream"
	"roster/shared/signin"
	"roster/shared/store/storetest"
	"roster/shared/user"
)

// feed reads every event the table's stream holds so far, as the events
// function would get them.
type feed struct {
	t      *testing.T
	env    storetest.Env
	stream *stream.Poller
}

func newFeed(t *testing.T, env storetest.Env) *feed {
	return &feed{t: t, env: env, stream: &stream.Poller{API: env.Streams, StreamARN: env.StreamARN(t)}}
}

// next returns the events of the records written since the last call.
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

func typesOf(evs []events.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Type
	}
	return out
}

func wantTypes(t *testing.T, step string, evs []events.Event, want ...string) {
	t.Helper()
	if got := typesOf(evs); !slices.Equal(got, want) {
		t.Fatalf("%s: events %v, want %v", step, got, want)
	}
}

func TestEachWriteEmitsExactlyItsEventAndInternalItemsNone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		f := newFeed(t, env)
		env.Tenant(t, "acme")
		wantTypes(t, "tenant", f.next(), events.TenantCreated)

		u := newUser("acme", "ada")
		u.CreatedBy, u.UpdatedBy = "apikey:k1", "apikey:k1"
		mustCreate(t, env, u) // user, three markers, membership, account
		evs := f.next()
		wantTypes(t, "create", evs, events.UserCreated)
		if e := evs[0]; e.Subject != u.ID || e.UserID != u.ID || e.Actor != "apikey:k1" || e.TenantID != "acme" || e.Data["email"] != u.Email {
			t.Errorf("created = %+v", e)
		}

		if err := env.Table.CreateGroup(ctx, "acme", directory.Group{ID: "g1", Name: "Ops", CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		wantTypes(t, "group", f.next(), events.GroupCreated)

		next := *mustGet(t, env, "acme", u.ID)
		next.FirstName, next.Groups = "Augusta", []string{"g1"}
		next.Stamp(u, msNow(), "user:boss")
		if err := env.Table.UpdateUser(ctx, directory.UserUpdate{Old: u, New: &next, CheckGroups: []string{"g1"}}); err != nil {
			t.Fatal(err)
		}
		evs = f.next()
		wantTypes(t, "update", evs, events.UserUpdated, events.MembershipAdded)
		upd := evs[0]
		if !slices.Equal(upd.Changed, []string{"firstName"}) || upd.Actor != "user:boss" {
			t.Errorf("updated: changed %v actor %q", upd.Changed, upd.Actor)
		}
		if v := upd.Data["values"].(map[string]any); v["firstName"] != "Augusta" {
			t.Errorf("updated values = %v", v)
		}
		if evs[1].Data["groupId"] != "g1" {
			t.Errorf("membership = %v", evs[1].Data)
		}

		off := *mustGet(t, env, "acme", u.ID)
		off.Active = false
		off.Stamp(&next, msNow(), "user:boss")
		off.RevokeAccess(&next, msNow())
		if err := env.Table.UpdateUser(ctx, directory.UserUpdate{Old: &next, New: &off}); err != nil {
			t.Fatal(err)
		}
		wantTypes(t, "deactivate", f.next(), events.UserDeactivated, events.SessionRevoked)

		// A deletion made in a request names its actor, though the item is gone.
		del := auth.WithPrincipal(ctx, auth.Principal{TenantID: "acme", KeyID: "k9", Method: auth.ViaAPIKey})
		if _, err := env.Table.DeleteUsers(del, []*user.User{mustGet(t, env, "acme", u.ID)}); err != nil {
			t.Fatal(err)
		}
		evs = f.next()
		wantTypes(t, "delete", evs, events.UserDeleted)
		if evs[0].Actor != "apikey:k9" || evs[0].Subject != u.ID {
			t.Errorf("deleted = %+v", evs[0])
		}
	})
}

func TestAFailedLoginAndTheLockArePublishedInTheTenantOfTheLogin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		env.Tenant(t, "acme")
		u := newUser("acme", "ada")
		mustCreate(t, env, u)
		f := newFeed(t, env)
		f.next()
		now := time.Now()
		fail := signin.LoginFailure{AccountID: u.AccountID, TenantID: "acme", UserID: u.ID, Max: 2, Now: now, LockUntil: now.Add(time.Hour)}
		if _, err := env.Table.RecordLoginFailure(ctx, fail); err != nil {
			t.Fatal(err)
		}
		evs := f.next()
		wantTypes(t, "first failure", evs, events.LoginFailed)
		if evs[0].TenantID != "acme" || evs[0].Subject != u.ID {
			t.Errorf("login failed = %+v", evs[0])
		}
		fail.Seen = 1
		if _, err := env.Table.RecordLoginFailure(ctx, fail); err != nil {
			t.Fatal(err)
		}
		wantTypes(t, "locking failure", f.next(), events.LoginFailed, events.UserLocked)
	})
}

func TestEventsNeverCarryASecretOrAKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		env.Tenant(t, "acme")
		u := newUser("acme", "ada")
		mustCreate(t, env, u)
		f := newFeed(t, env)
		f.next()
		if err := env.Table.SetAccessToken(ctx, user.AccessTokenChange{
			TenantID: "acme", UserID: u.ID, Email: u.Email, Sealed: "SEALED-SECRET-VALUE", By: "apikey:k1", At: time.Now(),
		}); err != nil {
			t.Fatal(err)
		}
		evs := f.next()
		wantTypes(t, "access token", evs, events.UserUpdated)
		if !slices.Contains(evs[0].Changed, "accessToken") {
			t.Errorf("changed = %v, want accessToken named", evs[0].Changed)
		}
		b, err := json.Marshal(evs[0].Cloud())
		if err != nil {
			t.Fatal(err)
		}
		for _, leak := range []string{"SEALED-SECRET-VALUE", "TENANT#", "USER#", "passwordHash", "LSI1SK", "tokenVersion"} {
			if strings.Contains(string(b), leak) {
				t.Errorf("event carries %q: %s", leak, b)
			}
		}
	})
}

// SCIM writes attributes the other dialects do not have (the profile map
// and externalId); changing only those is still a change the feed and the
// audit log must show.
func TestAChangeOfOnlySCIMAttributesIsPublished(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := context.Background()
		f := newFeed(t, env)
		env.Tenant(t, "acme")
		f.next()
		u := newUser("acme", "ada")
		mustCreate(t, env, u)
		f.next()

		next := *mustGet(t, env, "acme", u.ID)
		next.ExternalID = "okta-00u1"
		next.Profile = &user.Profile{Department: "Research", Title: "Analyst"}
		next.Stamp(u, msNow(), "apikey:scim")
		if err := env.Table.UpdateUser(ctx, directory.UserUpdate{Old: u, New: &next}); err != nil {
			t.Fatal(err)
		}
		evs := f.next()
		wantTypes(t, "profile", evs, events.UserUpdated)
		if !slices.Equal(evs[0].Changed, []string{"externalId", "profile"}) {
			t.Errorf("changed = %v, want [externalId profile]", evs[0].Changed)
		}
		v := evs[0].Data["values"].(map[string]any)
		if p, _ := v["profile"].(map[string]any); p["department"] != "Research" || v["externalId"] != "okta-00u1" {
			t.Errorf("values = %v", v)
		}
	})
}
