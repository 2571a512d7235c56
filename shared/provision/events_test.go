package provision_test

import (
	"context"
	"slices"
	"testing"

	awsevents "github.com/aws/aws-lambda-go/events"

	rosterevents "roster/shared/events"
	"roster/shared/events/stream"
	"roster/shared/provision"
	"roster/shared/store/storetest"
)

// TestEachProvisioningEventEmitsExactlyItsLifecycleEvent: each feed event
// leaves exactly its documented change event, naming the feed as actor
// and the feed's event id as the request; the records the feed keeps
// (idempotency, external ids) emit none.
func TestEachProvisioningEventEmitsExactlyItsLifecycleEvent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		stream := &stream.Poller{API: env.Streams, StreamARN: env.StreamARN(t)}
		next := func() []rosterevents.Event {
			t.Helper()
			var got []rosterevents.Event
			_, err := stream.Poll(context.Background(), func(ctx context.Context, b awsevents.DynamoDBEvent) (awsevents.DynamoDBEventResponse, error) {
				for _, rec := range b.Records {
					evs, err := env.Table.EventsOf(ctx, rec)
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, evs...)
				}
				return awsevents.DynamoDBEventResponse{}, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		want := func(step string, evs []rosterevents.Event, types ...string) {
			t.Helper()
			var got []string
			for _, e := range evs {
				got = append(got, e.Type)
			}
			if !slices.Equal(got, types) {
				t.Fatalf("%s: events %v, want exactly %v", step, got, types)
			}
		}
		f.mustApply(t, tenantCreate("t1", "acme", at(0)), provision.Applied)
		want("tenant.create", next(), rosterevents.TenantCreated, rosterevents.InvitationCreated)
		f.mustApply(t, upsert("u1", "acme", "ext-1", at(1), "ada", "ada@example.com", true), provision.Applied)
		evs := next()
		want("user.upsert (new)", evs, rosterevents.UserCreated)
		if evs[0].Actor != provision.Actor || evs[0].RequestID != "u1" {
			t.Errorf("created by %q in %q, want %q in u1", evs[0].Actor, evs[0].RequestID, provision.Actor)
		}
		f.mustApply(t, upsert("u2", "acme", "ext-1", at(2), "ada.l", "ada@example.com", true), provision.Applied)
		evs = next()
		want("user.upsert (change)", evs, rosterevents.UserUpdated)
		if !slices.Equal(evs[0].Changed, []string{"username"}) || evs[0].RequestID != "u2" {
			t.Errorf("updated: changed %v request %q", evs[0].Changed, evs[0].RequestID)
		}
		f.mustApply(t, state(provision.UserDeactivate, "d1", "acme", "ext-1", at(3)), provision.Applied)
		want("user.deactivate", next(), rosterevents.UserDeactivated, rosterevents.SessionRevoked)
		f.mustApply(t, state(provision.UserReactivate, "r1", "acme", "ext-1", at(4)), provision.Applied)
		want("user.reactivate", next(), rosterevents.UserReactivated)
		f.mustApply(t, state(provision.UserDelete, "x1", "acme", "ext-1", at(5)), provision.Applied)
		evs = next()
		want("user.delete", evs, rosterevents.UserDeleted)
		if evs[0].Actor != provision.Actor || evs[0].RequestID != "x1" {
			t.Errorf("deleted by %q in %q", evs[0].Actor, evs[0].RequestID)
		}
		// A duplicate delivery writes nothing, so it emits nothing.
		f.mustApply(t, state(provision.UserDelete, "x1", "acme", "ext-1", at(5)), provision.Duplicate)
		want("duplicate", next())
	})
}
