package events_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	awsevents "github.com/aws/aws-lambda-go/events"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/events"
	"roster/shared/events/stream"
	"roster/shared/signin"
	"roster/shared/store/storetest"
	"roster/shared/user"
)

// schemas compiles schemas/events/<type>.json for every type.
func schemas(t *testing.T) map[string]*jsonschema.Schema {
	t.Helper()
	dir := filepath.Join(filepath.Dir(storetest.TemplatePath(t)), "schemas", "events")
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	out := map[string]*jsonschema.Schema{}
	for _, typ := range events.Types() {
		path := filepath.Join(dir, typ+".json")
		b, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%s has no schema: %v", typ, err)
			continue
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if err := c.AddResource(path, doc); err != nil {
			t.Fatal(err)
		}
		if out[typ], err = c.Compile(path); err != nil {
			t.Fatalf("compile %s: %v", path, err)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != len(events.Types()) {
		t.Errorf("%d schema files for %d event types", len(entries), len(events.Types()))
	}
	return out
}

// TestEverySchemaHoldsRealEvents makes every event type a write path
// emits, through the store against the emulators, and holds each event to
// its type's schema. The schemas forbid any field they do not name, so an
// event that starts carrying something new (a secret, say) fails here.
func TestEverySchemaHoldsRealEvents(t *testing.T) {
	sch := schemas(t)
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		ctx := auth.WithPrincipal(context.Background(), auth.Principal{TenantID: "acme", KeyID: "k1", Method: auth.ViaAPIKey})
		tb := env.Table
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		now := time.Now().UTC().Truncate(time.Millisecond)
		env.Tenant(t, "acme")
		must(tb.CreateGroup(ctx, "acme", directory.Group{ID: "g1", Name: "Ops", CreatedAt: now}))
		u := users(t, env, "ada")[0]
		next := *u
		next.FirstName, next.Groups, next.Role = "Augusta", []string{"g1"}, "user_manager"
		next.Stamp(u, now, "user:boss")
		next.RevokeAccess(u, now)
		must(tb.UpdateUser(ctx, directory.UserUpdate{Old: u, New: &next, CheckGroups: []string{"g1"}}))
		off := next
		off.Active, off.Groups = false, nil
		off.Stamp(&next, now, "user:boss")
		off.RevokeAccess(&next, now)
		must(tb.UpdateUser(ctx, directory.UserUpdate{Old: &next, New: &off}))
		on := off
		on.Active = true
		on.Stamp(&off, now, "user:boss")
		must(tb.UpdateUser(ctx, directory.UserUpdate{Old: &off, New: &on}))
		must(tb.SetAccessToken(ctx, user.AccessTokenChange{TenantID: "acme", UserID: u.ID, Email: u.Email, Sealed: "sealed", By: "apikey:k1", At: now}))
		fail := signin.LoginFailure{AccountID: u.AccountID, TenantID: "acme", UserID: u.ID, Max: 1, Now: now, LockUntil: now.Add(time.Hour)}
		_, err := tb.RecordLoginFailure(ctx, fail)
		must(err)
		// The account lifecycle: a TOTP confirmed and removed by the
		// person, a reset token asked for and spent.
		self := auth.WithPrincipal(context.Background(), auth.Principal{TenantID: "acme", UserID: u.ID, AccountID: u.AccountID, Method: auth.ViaAccessToken})
		must(tb.PutPendingTOTP(ctx, u.AccountID, "sealed", now.Add(time.Hour)))
		must(tb.ConfirmTOTP(self, signin.TOTPConfirmation{AccountID: u.AccountID, Secret: "sealed", Since: now, Step: 1, RecoveryCodes: [][]byte{[]byte("c")}, Now: now}))
		must(tb.RemoveFactors(self, u.AccountID, now, 2))
		reset := &signin.ResetToken{ID: "r1", TenantID: "acme", UserID: u.ID, AccountID: u.AccountID, Hash: []byte("h"), CreatedAt: now, ExpiresAt: now.Add(time.Hour).Truncate(time.Second)}
		must(tb.StartReset(ctx, signin.ResetStart{Token: reset, Now: now}))
		must(tb.CompleteReset(ctx, signin.ResetDone{Token: reset, Password: &signin.PasswordChange{AccountID: u.AccountID, NewHash: "new", At: now}, Now: now}))
		// A session ended (by a user not deleted below: the event names the
		// person's user in the session's tenant, read when it is consumed).
		bob := users(t, env, "bob")[0]
		sess := &signin.Session{ID: "s1", AccountID: bob.AccountID, TenantID: "acme", TokenID: "tok1", StartedAt: now, LastUsedAt: now, ExpiresAt: now.Add(time.Hour).Truncate(time.Second)}
		must(tb.CompleteLogin(ctx, signin.LoginSuccess{Token: &signin.AuthToken{ID: "tok1", AccountID: bob.AccountID, Hash: []byte("h"), CreatedAt: now, ExpiresAt: sess.ExpiresAt, SessionStart: now, SessionID: "s1"}, Session: sess}))
		must(tb.EndSession(ctx, bob.AccountID, "s1", "tok1"))
		must(tb.PutAPIKey(ctx, &auth.APIKey{ID: "key1", TenantID: "acme", Name: "ci", Roles: []string{"member"}, Hash: []byte("h"), CreatedAt: now, CreatedBy: "user:boss"}))
		must(tb.RevokeAPIKey(ctx, "acme", "key1"))
		must(tb.PutDevice(ctx, &signin.Device{ID: "dev1", TenantID: "acme", Name: "desk", Hash: []byte("h"), CreatedAt: now, CreatedBy: "user:boss"}))
		must(tb.RevokeDevice(ctx, "acme", "dev1"))
		must(tb.PutInvite(ctx, &signin.Invite{ID: "inv1", TenantID: "acme", Email: "g@example.com", Role: "member", Hash: []byte("h"), CreatedAt: now, CreatedBy: "user:boss", ExpiresAt: now.Add(time.Hour).Truncate(time.Second)}))
		env.SetTenantActive(t, "acme", false)
		env.SetTenantActive(t, "acme", true)
		_, err = tb.DeleteUsers(ctx, []*user.User{mustUser(t, env, u.ID)})
		must(err)

		seen := map[string]bool{}
		s := &stream.Poller{API: env.Streams, StreamARN: env.StreamARN(t)}
		_, err = s.Poll(context.Background(), func(ctx context.Context, b awsevents.DynamoDBEvent) (awsevents.DynamoDBEventResponse, error) {
			for _, rec := range b.Records {
				evs, err := tb.EventsOf(ctx, rec)
				must(err)
				for _, e := range evs {
					body, err := e.JSON()
					must(err)
					doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
					must(err)
					if err := sch[e.Type].Validate(doc); err != nil {
						t.Errorf("%s breaks its schema: %v\n%s", e.Type, err, body)
					}
					seen[e.Type] = true
				}
			}
			return awsevents.DynamoDBEventResponse{}, nil
		})
		must(err)
		// Types no write path emits yet: group renames and deletions come
		// with provisioning's group.upsert and SCIM, tenant renames with
		// a tenant update route.
		notYet := []string{events.GroupUpdated, events.GroupDeleted, events.TenantUpdated}
		for _, typ := range events.Types() {
			if !seen[typ] && !slices.Contains(notYet, typ) {
				t.Errorf("no write made a %s event", typ)
			}
		}
	})
}

func mustUser(t *testing.T, env storetest.Env, id string) *user.User {
	t.Helper()
	u, err := env.Table.GetUser(context.Background(), "acme", id)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
