package provision_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/directory/directorytest"
	"roster/shared/emulator"
	"roster/shared/fault"
	"roster/shared/password"
	"roster/shared/provision"
	"roster/shared/role"
	"roster/shared/seal"
	"roster/shared/store"
	"roster/shared/store/storetest"
	"roster/shared/user"
)

// The table must satisfy the contract provisioning defines.
var _ provision.Store = (*store.Table)(nil)

var (
	pepper = bytes.Repeat([]byte{7}, password.MinPepperBytes)
	quiet  = slog.New(slog.NewJSONHandler(io.Discard, nil))
	base   = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
)

func at(minutes int) string {
	return base.Add(time.Duration(minutes) * time.Minute).Format(time.RFC3339)
}

func tenantCreate(id, tenantID, occurred string) string {
	return fmt.Sprintf(`{"type":"tenant.create","version":1,"id":%q,"occurredAt":%q,"tenant":%q,"organization":"Acme Corp","name":"main",`+
		`"owner":{"email":"owner@%s.example.com","firstName":"Olive","lastName":"Owner"}}`, id, occurred, tenantID, tenantID)
}

func upsert(id, tenantID, ext, occurred, username, email string, active bool) string {
	return fmt.Sprintf(`{"type":"user.upsert","version":1,"id":%q,"occurredAt":%q,"tenant":%q,"externalId":%q,`+
		`"user":{"username":%q,"email":%q,"firstName":"Ada","lastName":"Lovelace","active":%t,"role":"member"}}`,
		id, occurred, tenantID, ext, username, email, active)
}

func state(typ, id, tenantID, ext, occurred string) string {
	return fmt.Sprintf(`{"type":%q,"version":1,"id":%q,"occurredAt":%q,"tenant":%q,"externalId":%q}`, typ, id, occurred, tenantID, ext)
}

// fixture is a processor and a directory over one fresh table.
type fixture struct {
	env  storetest.Env
	proc *provision.Processor
	dir  directory.Service
	sent *outbox // the notifications the processor sent
}

// outbox records notifications, as a mailer's queue would receive them.
type outbox struct {
	mu   sync.Mutex
	sent []provision.Notification
}

func (o *outbox) Notify(_ context.Context, n provision.Notification) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent = append(o.sent, n)
	return nil
}

func (o *outbox) all() []provision.Notification {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]provision.Notification(nil), o.sent...)
}

func newFixture(t *testing.T, env storetest.Env) fixture {
	t.Helper()
	sent := &outbox{}
	dir := door(t, env)
	proc, err := provision.New(env.Table, dir, pepper, provision.Options{Notifier: sent})
	if err != nil {
		t.Fatal(err)
	}
	return fixture{env: env, proc: proc, dir: dir, sent: sent}
}

// door returns the directory over env's table, the door through which the
// processor admits the users its events create.
func door(tb testing.TB, env storetest.Env) directory.Service {
	tb.Helper()
	h, err := password.New(pepper, password.DefaultParams())
	if err != nil {
		tb.Fatal(err)
	}
	s, err := seal.New(bytes.Repeat([]byte{9}, seal.KeySize))
	if err != nil {
		tb.Fatal(err)
	}
	dir, err := directory.New(env.Table, h, s, directory.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return dir
}

// apply decodes and applies one event.
func (f fixture) apply(t *testing.T, body string) (provision.Outcome, error) {
	t.Helper()
	e, err := provision.Decode([]byte(body))
	if err != nil {
		t.Fatalf("Decode(%s): %v", body, err)
	}
	return f.proc.Apply(context.Background(), e)
}

func (f fixture) mustApply(t *testing.T, body string, want provision.Outcome) {
	t.Helper()
	out, err := f.apply(t, body)
	if err != nil || out != want {
		t.Fatalf("Apply(%s) = %q, %v; want %q", body, out, err, want)
	}
}

// userOf reads the user behind an external id through the directory, as
// an owner of the tenant would.
func (f fixture) userOf(t *testing.T, tenantID, ext string) (*user.User, error) {
	t.Helper()
	ref, err := f.env.Table.GetExternalRef(context.Background(), tenantID, ext)
	if err != nil {
		t.Fatalf("external ref %s: %v", ext, err)
	}
	if ref.UserID == "" {
		return nil, fault.New(fault.NotFound, "deleted")
	}
	return f.dir.Get(context.Background(), owner(tenantID), ref.UserID)
}

func owner(tenantID string) auth.Principal {
	return auth.Principal{TenantID: tenantID, Roles: []string{string(role.Owner)}, Method: auth.ViaAPIKey, KeyID: "test"}
}

// invites returns the tenant's stored invitations (a scan: tests only).
func (f fixture) invites(t *testing.T, tenantID string) []map[string]any {
	t.Helper()
	out, err := f.env.DB.Scan(context.Background(), &dynamodb.ScanInput{TableName: ptr(f.env.Table.Name())})
	if err != nil {
		t.Fatal(err)
	}
	var items []map[string]any
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &items); err != nil {
		t.Fatal(err)
	}
	var invites []map[string]any
	for _, it := range items {
		if it["type"] == "invite" && it["tenantId"] == tenantID {
			invites = append(invites, it)
		}
	}
	return invites
}

func ptr(s string) *string { return &s }

func batch(bodies ...string) events.SQSEvent {
	var ev events.SQSEvent
	for i, b := range bodies {
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: fmt.Sprintf("m%d", i), Body: b,
			Attributes: map[string]string{"ApproximateReceiveCount": "1"}})
	}
	return ev
}

func TestEachEventTypeApplies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		f.mustApply(t, tenantCreate("t1", "acme", at(0)), provision.Applied)
		tn, err := env.Table.GetTenant(context.Background(), "acme")
		if err != nil || !tn.Active || tn.Organization != "Acme Corp" || tn.Name != "main" {
			t.Fatalf("tenant = %+v, %v", tn, err)
		}
		inv := f.invites(t, "acme")
		if len(inv) != 1 || inv[0]["email"] != "owner@acme.example.com" || inv[0]["role"] != "owner" {
			t.Fatalf("invitations = %v, want one for the owner", inv)
		}
		if _, ok := inv[0]["expiresAt"]; !ok {
			t.Error("invitation has no expiresAt")
		}

		f.mustApply(t, upsert("u1", "acme", "ext-1", at(1), "ada", "ada@example.com", true), provision.Applied)
		u, err := f.userOf(t, "acme", "ext-1")
		if err != nil || u.Username != "ada" || u.Email != "ada@example.com" || !u.Active || u.Role != "member" {
			t.Fatalf("created user = %+v, %v", u, err)
		}
		f.mustApply(t, upsert("u2", "acme", "ext-1", at(2), "ada.l", "ada@lovelace.example.com", true), provision.Applied)
		u2, err := f.userOf(t, "acme", "ext-1")
		if err != nil || u2.ID != u.ID || u2.Username != "ada.l" || u2.Email != "ada@lovelace.example.com" || u2.Version != u.Version+1 {
			t.Fatalf("updated user = %+v, %v", u2, err)
		}
		// The markers moved with the user: the new username finds it, the old one does not.
		if got, err := f.dir.GetByUsername(context.Background(), owner("acme"), "ada.l"); err != nil || got.ID != u.ID {
			t.Errorf("GetByUsername(new) = %v, %v", got, err)
		}
		if _, err := f.dir.GetByUsername(context.Background(), owner("acme"), "ada"); fault.CodeOf(err) != fault.NotFound {
			t.Errorf("GetByUsername(old) = %v, want NotFound", err)
		}

		f.mustApply(t, state(provision.UserDeactivate, "d1", "acme", "ext-1", at(3)), provision.Applied)
		if u, err := f.userOf(t, "acme", "ext-1"); err != nil || u.Active {
			t.Fatalf("after deactivate: %+v, %v", u, err)
		}
		f.mustApply(t, state(provision.UserReactivate, "r1", "acme", "ext-1", at(4)), provision.Applied)
		if u, err := f.userOf(t, "acme", "ext-1"); err != nil || !u.Active {
			t.Fatalf("after reactivate: %+v, %v", u, err)
		}
		f.mustApply(t, state(provision.UserDelete, "x1", "acme", "ext-1", at(5)), provision.Applied)
		if _, err := f.dir.Get(context.Background(), owner("acme"), u.ID); fault.CodeOf(err) != fault.NotFound {
			t.Fatalf("after delete: Get = %v, want NotFound", err)
		}
		// The username is free again: the markers went with the user.
		f.mustApply(t, upsert("u3", "acme", "ext-2", at(6), "ada.l", "ada@lovelace.example.com", true), provision.Applied)
	})
}

func TestDuplicateDeliveryChangesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		for _, body := range []string{
			tenantCreate("t1", "acme", at(0)),
			upsert("u1", "acme", "ext-1", at(1), "ada", "ada@example.com", true),
			upsert("u2", "acme", "ext-1", at(2), "ada", "ada@example.com", false),
			state(provision.UserReactivate, "r1", "acme", "ext-1", at(3)),
			state(provision.UserDeactivate, "d1", "acme", "ext-1", at(4)),
			state(provision.UserDelete, "x1", "acme", "ext-1", at(5)),
		} {
			f.mustApply(t, body, provision.Applied)
			before := env.Count(t)
			// Redelivered as is, and re-encoded with other spacing.
			f.mustApply(t, body, provision.Duplicate)
			var v map[string]any
			_ = json.Unmarshal([]byte(body), &v)
			respaced, _ := json.MarshalIndent(v, "", "  ")
			f.mustApply(t, string(respaced), provision.Duplicate)
			if n := env.Count(t); n != before {
				t.Fatalf("redelivering %s: items %d -> %d", body, before, n)
			}
		}
		if inv := f.invites(t, "acme"); len(inv) != 1 {
			t.Errorf("invitations = %d, want 1", len(inv))
		}
	})
}

func TestSameKeyWithAnotherPayloadIsRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		f.mustApply(t, tenantCreate("t1", "acme", at(0)), provision.Applied)
		f.mustApply(t, upsert("u1", "acme", "ext-1", at(1), "ada", "ada@example.com", true), provision.Applied)
		before := env.Count(t)
		_, err := f.apply(t, upsert("u1", "acme", "ext-1", at(2), "eve", "eve@example.com", true))
		if fault.CodeOf(err) != fault.Conflict || !provision.Permanent(err) {
			t.Fatalf("Apply = %v, want a permanent Conflict", err)
		}
		if n := env.Count(t); n != before {
			t.Errorf("items %d -> %d", before, n)
		}
		if u, _ := f.userOf(t, "acme", "ext-1"); u.Username != "ada" {
			t.Errorf("username = %q, want ada", u.Username)
		}
	})
}

func TestOlderEventForAUserIsIgnored(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		f.mustApply(t, tenantCreate("t1", "acme", at(0)), provision.Applied)
		f.mustApply(t, upsert("u2", "acme", "ext-1", at(10), "ada", "ada@example.com", true), provision.Applied)
		f.mustApply(t, upsert("u1", "acme", "ext-1", at(5), "old", "old@example.com", false), provision.Stale)
		f.mustApply(t, state(provision.UserDeactivate, "d1", "acme", "ext-1", at(10)), provision.Stale)
		u, err := f.userOf(t, "acme", "ext-1")
		if err != nil || u.Username != "ada" || !u.Active || u.Version != 1 {
			t.Fatalf("user = %+v, %v; want the later upsert only", u, err)
		}
		// A delete, then an older upsert arriving late, does not bring it back.
		f.mustApply(t, state(provision.UserDelete, "x1", "acme", "ext-1", at(20)), provision.Applied)
		f.mustApply(t, upsert("u3", "acme", "ext-1", at(15), "ada", "ada@example.com", true), provision.Stale)
		if _, err := f.dir.Get(context.Background(), owner("acme"), u.ID); fault.CodeOf(err) != fault.NotFound {
			t.Fatalf("Get = %v, want NotFound", err)
		}
		if ref, _ := env.Table.GetExternalRef(context.Background(), "acme", "ext-1"); ref.UserID != "" {
			t.Errorf("ref = %+v, want a tombstone", ref)
		}
	})
}

func TestPoisonMessageFailsOnlyItself(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		f.mustApply(t, tenantCreate("t1", "acme", at(0)), provision.Applied)
		var bodies []string
		for i := range 10 {
			bodies = append(bodies, upsert(fmt.Sprintf("u%d", i), "acme", fmt.Sprintf("ext-%d", i), at(1),
				fmt.Sprintf("user%d", i), fmt.Sprintf("user%d@example.com", i), true))
		}
		bodies[4] = `{"type":"user.upsert","version":1,"id":"bad","tenant":"acme"}`
		resp := f.proc.Handle(context.Background(), quiet, batch(bodies...))
		if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "m4" {
			t.Fatalf("failures = %+v, want only m4", resp.BatchItemFailures)
		}
		for i := range 10 {
			if i == 4 {
				continue
			}
			if u, err := f.userOf(t, "acme", fmt.Sprintf("ext-%d", i)); err != nil || u.Username != fmt.Sprintf("user%d", i) {
				t.Errorf("user %d = %+v, %v", i, u, err)
			}
		}
		// The whole batch redelivered: the good ones are duplicates, m4 fails again.
		before := env.Count(t)
		resp = f.proc.Handle(context.Background(), quiet, batch(bodies...))
		if len(resp.BatchItemFailures) != 1 || env.Count(t) != before {
			t.Errorf("redelivery: failures %+v, items %d -> %d", resp.BatchItemFailures, before, env.Count(t))
		}
	})
}

func TestUnknownTenantIsPermanent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		before := env.Count(t)
		for _, body := range []string{
			upsert("u1", "nowhere", "ext-1", at(1), "ada", "ada@example.com", true),
			state(provision.UserDelete, "x1", "nowhere", "ext-1", at(1)),
		} {
			_, err := f.apply(t, body)
			if fault.CodeOf(err) != fault.NotFound || !provision.Permanent(err) {
				t.Errorf("Apply = %v, want a permanent NotFound", err)
			}
		}
		resp := f.proc.Handle(context.Background(), quiet, batch(upsert("u1", "nowhere", "ext-1", at(1), "ada", "ada@example.com", true)))
		if len(resp.BatchItemFailures) != 1 {
			t.Errorf("failures = %+v, want m0", resp.BatchItemFailures)
		}
		if n := env.Count(t); n != before {
			t.Errorf("items %d -> %d", before, n)
		}
	})
}

func TestTenantCreatedByAnEventIsUsableAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		// One batch: the tenant, then its first user.
		resp := f.proc.Handle(context.Background(), quiet, batch(
			tenantCreate("t1", "globex", at(0)),
			upsert("u1", "globex", "hr-42", at(1), "hank", "hank@globex.example.com", true),
		))
		if len(resp.BatchItemFailures) != 0 {
			t.Fatalf("failures = %+v", resp.BatchItemFailures)
		}
		if len(f.invites(t, "globex")) != 1 {
			t.Error("no invitation for the owner")
		}
		u, err := f.userOf(t, "globex", "hr-42")
		if err != nil || u.Email != "hank@globex.example.com" {
			t.Fatalf("directory Get = %+v, %v", u, err)
		}
		page, err := f.dir.List(context.Background(), owner("globex"), 10, "")
		if err != nil || len(page.Users) != 1 {
			t.Errorf("List = %+v, %v", page, err)
		}
		// A second tenant.create for the same uid is refused for good.
		_, err = f.apply(t, tenantCreate("t2", "globex", at(2)))
		if fault.CodeOf(err) != fault.Conflict || !provision.Permanent(err) {
			t.Errorf("second tenant.create = %v, want a permanent Conflict", err)
		}
	})
}

func TestUserEventBeforeItsUpsertIsRetried(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		f.mustApply(t, tenantCreate("t1", "acme", at(0)), provision.Applied)
		_, err := f.apply(t, state(provision.UserDeactivate, "d1", "acme", "ext-9", at(1)))
		if fault.CodeOf(err) != fault.Unavailable || provision.Permanent(err) {
			t.Fatalf("Apply = %v, want a transient Unavailable", err)
		}
		f.mustApply(t, upsert("u1", "acme", "ext-9", at(0), "ada", "ada@example.com", true), provision.Applied)
		f.mustApply(t, state(provision.UserDeactivate, "d1", "acme", "ext-9", at(1)), provision.Applied)
	})
}

func TestConcurrentDeliveriesApplyOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		if env.Emulator == emulator.NameMoto {
			// See store's TestConcurrentCreatesWithOneEmailLetExactlyOneWin:
			// moto's transactions see each other's partial writes, and a
			// rollback can erase another's items.
			t.Skip("moto's TransactWriteItems is not isolated under concurrency")
		}
		f := newFixture(t, env)
		for _, body := range []string{
			tenantCreate("t1", "acme", at(0)),
			upsert("u1", "acme", "ext-1", at(1), "ada", "ada@example.com", true),
		} {
			e, err := provision.Decode([]byte(body))
			if err != nil {
				t.Fatal(err)
			}
			const n = 4
			var wg sync.WaitGroup
			outs := make([]provision.Outcome, n)
			errs := make([]error, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					outs[i], errs[i] = f.proc.Apply(context.Background(), e)
				}()
			}
			wg.Wait()
			applied := 0
			for i := range n {
				switch {
				case errs[i] != nil && provision.Permanent(errs[i]):
					t.Errorf("delivery %d: permanent %v", i, errs[i])
				case outs[i] == provision.Applied:
					applied++
				}
			}
			if applied != 1 {
				t.Errorf("%s: applied %d times (%v, %v)", e.Type, applied, outs, errs)
			}
		}
		if inv := f.invites(t, "acme"); len(inv) != 1 {
			t.Errorf("invitations = %d, want 1", len(inv))
		}
	})
}

func TestNewUsersGoThroughTheDirectoryWithTheirEvent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		env.Tenant(t, "acme")
		dir := door(t, env)
		admissions := &directorytest.Admissions{Door: dir}
		proc, err := provision.New(env.Table, admissions, pepper, provision.Options{Notifier: &outbox{}})
		if err != nil {
			t.Fatal(err)
		}
		f := fixture{env: env, proc: proc, dir: dir}
		f.mustApply(t, upsert("e1", "acme", "x1", at(0), "ada", "ada@acme.example.com", true), provision.Applied)
		// A change of the user is the event's own: not an admission.
		f.mustApply(t, upsert("e2", "acme", "x1", at(1), "ada.l", "ada@acme.example.com", true), provision.Applied)
		if len(admissions.Records) != 1 {
			t.Fatalf("%d admissions, want 1 (the create only)", len(admissions.Records))
		}
		p, rec := admissions.Principals[0], admissions.Records[0]
		got, ok := rec.(provision.Provisioned)
		if p.Method != auth.ViaFeed || p.TenantID != "acme" || !ok || got.Mark.EventID != "e1" || got.Ref == nil || got.Ref.ExternalID != "x1" {
			t.Errorf("admitted by %+v with %+v; want the feed of acme with e1's mark and x1's ref", p, rec)
		}
	})
}
