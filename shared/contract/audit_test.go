package contract_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	awsevents "github.com/aws/aws-lambda-go/events"

	"roster/shared/events"
	"roster/shared/events/stream"
	"roster/shared/role"
)

// feed consumes the harness table's stream as the events function does:
// audit records written, events kept in order.
type feed struct {
	a      *api
	stream *stream.Poller
	proc   *events.Processor
	got    []events.Event
}

type keep struct{ f *feed }

func (k keep) Publish(_ context.Context, evs []events.Event) (int, error) {
	k.f.got = append(k.f.got, evs...)
	return len(evs), nil
}

type refuse struct{ t testing.TB }

func (r refuse) Park(_ context.Context, rec awsevents.DynamoDBEventRecord, cause error) error {
	r.t.Errorf("record %s parked: %v", rec.EventID, cause)
	return nil
}

func newFeed(t *testing.T, a *api) *feed {
	f := &feed{a: a, stream: &stream.Poller{API: a.env.Streams, StreamARN: a.env.StreamARN(t)}}
	f.proc = a.p.Events(refuse{t}, keep{f})
	return f
}

// next returns the events written since the last call.
func (f *feed) next(t *testing.T) []events.Event {
	t.Helper()
	f.got = nil
	if _, err := f.stream.Poll(context.Background(), f.proc.Handle); err != nil {
		t.Fatalf("consume stream: %v", err)
	}
	return f.got
}

func wantEvents(t *testing.T, what string, evs []events.Event, types ...string) {
	t.Helper()
	var got []string
	for _, e := range evs {
		got = append(got, e.Type)
	}
	if !slices.Equal(got, types) {
		t.Fatalf("%s: events %v, want exactly %v", what, got, types)
	}
}

type auditPage struct {
	Events     []events.CloudEvent `json:"events"`
	NextCursor string              `json:"nextCursor"`
}

// TestEachDialectsWriteEmitsItsEventWithActorAndRequest: a change made
// through each dialect leaves exactly its documented event, naming the
// caller and the request (the answer's X-Request-Id), and the audit log
// shows them newest first.
func TestEachDialectsWriteEmitsItsEventWithActorAndRequest(t *testing.T) {
	a := newAPI(t)
	f := newFeed(t, a)
	owner, s := a.Owner(t)
	f.next(t)
	keyActor := "apikey:" + strings.SplitN(strings.TrimPrefix(a.APIKey, "rst_"), "_", 2)[0]

	res := a.Do(t, Request{Method: "POST", Path: "/users", Credential: a.APIKey,
		Body: `{"email":"katherine@acme.example","firstName":"Katherine","lastName":"Johnson"}`}, http.StatusCreated)
	var created struct {
		PublicID string `json:"publicId"`
	}
	res.JSON(t, &created)
	evs := f.next(t)
	wantEvents(t, "Users create", evs, events.UserCreated)
	if e := evs[0]; e.Subject != created.PublicID || e.Actor != keyActor || e.RequestID != res.Header.Get("X-Request-Id") {
		t.Errorf("created: subject %q actor %q request %q; want %q %q %q", e.Subject, e.Actor, e.RequestID,
			created.PublicID, keyActor, res.Header.Get("X-Request-Id"))
	}

	res = a.Do(t, Request{Method: "PUT", Path: "/users/" + created.PublicID, Credential: s.AccessToken,
		Body: `{"firstName":"Kate","lastName":"Johnson","email":"katherine@acme.example","ldapUserName":"","notificationsOptIn":false}`}, http.StatusOK)
	evs = f.next(t)
	wantEvents(t, "Users update", evs, events.UserUpdated)
	if e := evs[0]; !slices.Equal(e.Changed, []string{"firstName"}) || e.Actor != "user:"+owner.User.ID || e.RequestID != res.Header.Get("X-Request-Id") {
		t.Errorf("updated: changed %v actor %q request %q", e.Changed, e.Actor, e.RequestID)
	}

	a.Do(t, Request{Method: "POST", Path: "/UserInfo/RegisterNewUser", Credential: a.APIKey,
		Body: `{"userEmail":"barbara@acme.example","firstName":"Barbara","lastName":"Liskov"}`}, http.StatusCreated)
	wantEvents(t, "UserInfo register", f.next(t), events.UserCreated)

	a.Do(t, Request{Method: "PUT", Path: "/org-acme/acme/identity_/api/User/" + created.PublicID, Credential: a.APIKey,
		Body: `{"name":"Katherine","surname":"Johnson","bypassBasicAuthRestriction":false}`}, http.StatusOK)
	evs = f.next(t)
	wantEvents(t, "Identity update", evs, events.UserUpdated)
	if !slices.Contains(evs[0].Changed, "firstName") {
		t.Errorf("identity update changed %v", evs[0].Changed)
	}

	a.Do(t, Request{Method: "POST", Path: "/api/v1/accessuser/add", Credential: a.APIKey,
		Body: `{"username":"grace","firstName":"Grace","lastName":"Hopper","email":"grace@acme.example","authId":1,"active":true}`}, http.StatusOK)
	evs = f.next(t)
	wantEvents(t, "Access User add", evs, events.UserCreated)
	graceID := evs[0].Subject
	a.Do(t, Request{Method: "DELETE", Path: "/api/v1/accessuser/deleteByUsername", Credential: a.APIKey, Body: `{"username":"grace","loginProfileId":1}`}, http.StatusOK)
	evs = f.next(t)
	wantEvents(t, "Access User delete", evs, events.UserDeleted)
	if evs[0].Subject != graceID || evs[0].Actor != keyActor {
		t.Errorf("Access User delete = %+v", evs[0])
	}

	a.Do(t, Request{Method: "PUT", Path: "/tenants/acme/account", Credential: s.AccessToken, Body: `{"displayName":"Olivia O."}`}, http.StatusOK)
	evs = f.next(t)
	wantEvents(t, "Account self-service", evs, events.UserUpdated)
	if !slices.Equal(evs[0].Changed, []string{"displayName"}) || evs[0].Actor != "user:"+owner.User.ID {
		t.Errorf("self-service: changed %v actor %q", evs[0].Changed, evs[0].Actor)
	}

	a.Do(t, Request{Method: "POST", Path: "/account", Credential: owner.DeviceToken,
		Body: fmt.Sprintf(`{"userCode":%q,"password":"wrong wrong wrong wrong"}`, owner.User.Username)}, http.StatusUnauthorized)
	evs = f.next(t)
	wantEvents(t, "failed login", evs, events.LoginFailed)
	if evs[0].Subject != owner.User.ID || evs[0].TenantID != "acme" {
		t.Errorf("login failed = %+v", evs[0])
	}

	res = a.Do(t, Request{Method: "DELETE", Path: "/users/" + created.PublicID, Credential: a.APIKey}, http.StatusNoContent)
	evs = f.next(t)
	wantEvents(t, "Users delete", evs, events.UserDeleted)
	if e := evs[0]; e.Actor != keyActor || e.RequestID != res.Header.Get("X-Request-Id") {
		t.Errorf("deleted: actor %q request %q", e.Actor, e.RequestID)
	}

	// The log: newest first, filtered, paged one Query at a time.
	var page auditPage
	a.Do(t, Request{Method: "GET", Path: "/tenants/acme/audit", Credential: s.AccessToken}, http.StatusOK).JSON(t, &page)
	var types []string
	for _, e := range page.Events {
		types = append(types, e.Type)
	}
	if len(types) < 6 || types[0] != events.UserDeleted || types[1] != events.LoginFailed {
		t.Errorf("audit log %v, want the delete, then the failed login, first", types)
	}
	page = auditPage{}
	a.Do(t, Request{Method: "GET", Path: "/tenants/acme/audit?userId=" + created.PublicID + "&type=roster.user.updated", Credential: a.APIKey}, http.StatusOK).JSON(t, &page)
	if len(page.Events) != 2 || page.Events[0].Subject != created.PublicID {
		t.Errorf("filtered log = %+v, want the two updates of %s", page.Events, created.PublicID)
	}
	page = auditPage{}
	a.Do(t, Request{Method: "GET", Path: "/tenants/acme/audit?actor=" + url.QueryEscape(keyActor) + "&type=roster.user.deleted", Credential: a.APIKey}, http.StatusOK).JSON(t, &page)
	if len(page.Events) != 2 || page.Events[0].Actor != keyActor || page.Events[0].Subject != created.PublicID {
		t.Errorf("by actor = %+v", page.Events)
	}
	var seen []string
	cursor := ""
	for range 50 {
		path := "/tenants/acme/audit?limit=1"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		page = auditPage{}
		a.Do(t, Request{Method: "GET", Path: path, Credential: a.APIKey}, http.StatusOK).JSON(t, &page)
		for _, e := range page.Events {
			seen = append(seen, e.ID)
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	var all auditPage
	a.Do(t, Request{Method: "GET", Path: "/tenants/acme/audit?limit=100", Credential: a.APIKey}, http.StatusOK).JSON(t, &all)
	var want []string
	for _, e := range all.Events {
		want = append(want, e.ID)
	}
	if !slices.Equal(seen, want) {
		t.Errorf("paging one at a time gave %v, want %v", seen, want)
	}
}

// TestAuditLogRefusesBadInputAndOtherTenants: each bad parameter is 400
// naming it; a role without audit:read is 403; another tenant is 404.
func TestAuditLogRefusesBadInputAndOtherTenants(t *testing.T) {
	a := newAPI(t)
	a.env.Tenant(t, "globex")
	member := a.Login(t, a.Person(t, "mike", role.Member))
	manager := a.Login(t, a.Person(t, "mona", role.UserManager))
	for _, tc := range []struct{ query, field string }{
		{"from=yesterday", "from"},
		{"to=2026-13-01T00:00:00Z", "to"},
		{"from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "from"},
		{"from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "from"},
		{"limit=0", "limit"},
		{"limit=101", "limit"},
		{"limit=ten", "limit"},
		{"type=roster.user.exploded", "type"},
		{"actor=" + strings.Repeat("x", 129), "actor"},
		{"userId=%20", "userId"},
		{"cursor=not-a-cursor", "cursor"},
		{"cursor=" + strings.Repeat("x", 513), "cursor"},
		{"limit=1&limit=2", "limit"},
		{"tenant=globex", "tenant"},
		{"q=%zz", "query"},
	} {
		t.Run(tc.query, func(t *testing.T) {
			res := a.Do(t, Request{Method: "GET", Path: "/tenants/acme/audit?" + tc.query, Credential: a.APIKey}, http.StatusBadRequest)
			accountWantField(t, res, tc.field)
		})
	}
	a.Do(t, Request{Method: "GET", Path: "/tenants/acme/audit", Credential: member.AccessToken}, http.StatusForbidden)
	a.Do(t, Request{Method: "GET", Path: "/tenants/acme/audit", Credential: manager.AccessToken}, http.StatusForbidden)
	a.Do(t, Request{Method: "GET", Path: "/tenants/globex/audit", Credential: a.APIKey}, http.StatusNotFound)
	a.Do(t, Request{Method: "GET", Path: "/tenants/nosuch/audit", Credential: a.APIKey}, http.StatusNotFound)
	res := a.Do(t, Request{Method: "GET", Path: "/tenants/bad$uid/audit", Credential: a.APIKey}, http.StatusBadRequest)
	accountWantField(t, res, "tenantUid")
	a.Unauthenticated(t, Request{Method: "GET", Path: "/tenants/acme/audit"})
	res = a.Do(t, Request{Method: "GET", Path: "/tenants/acme/audit", Credential: a.APIKey, Body: `{"pad":"` + strings.Repeat("x", 64) + `"}`}, http.StatusRequestEntityTooLarge)
	accountWantField(t, res, "body")
	res = a.Do(t, Request{Method: "GET", Path: "/tenants/acme/audit", Credential: a.APIKey, Body: "hello",
		Header: map[string]string{"Content-Type": "text/plain"}}, http.StatusUnsupportedMediaType)
	accountWantField(t, res, "Content-Type")
	var page auditPage
	a.Do(t, Request{Method: "GET", Path: "/tenants/acme/audit", Credential: a.APIKey}, http.StatusOK).JSON(t, &page)
}

// TestAuditRetentionIsSetPerTenant: 1 to 365 days, for tenant:admin, and
// new records are kept that long.
func TestAuditRetentionIsSetPerTenant(t *testing.T) {
	a := newAPI(t)
	a.env.Tenant(t, "globex")
	if d, err := a.env.Table.AuditRetention(context.Background(), "acme"); err != nil || d != events.DefaultRetention {
		t.Fatalf("default retention %v, %v", d, err)
	}
	a.Do(t, Request{Method: "PUT", Path: "/tenants/acme/audit", Credential: a.APIKey, Body: `{"retentionDays":30}`}, http.StatusOK)
	if d, err := a.env.Table.AuditRetention(context.Background(), "acme"); err != nil || d != 30*24*time.Hour {
		t.Errorf("retention %v, %v; want 30 days", d, err)
	}
	before := a.Count(t)
	for _, body := range []string{`{"retentionDays":0}`, `{"retentionDays":366}`, `{"retentionDays":"30"}`, `{}`, `{"retentionDays":30,"other":1}`} {
		res := a.Do(t, Request{Method: "PUT", Path: "/tenants/acme/audit", Credential: a.APIKey, Body: body}, http.StatusBadRequest)
		if fs := accountFields(t, res); len(fs) == 0 {
			t.Errorf("%s: problem names no field", body)
		}
	}
	if after := a.Count(t); after != before {
		t.Errorf("refused settings wrote: %d items, then %d", before, after)
	}
	member := a.Login(t, a.Person(t, "mike", role.Member))
	a.Do(t, Request{Method: "PUT", Path: "/tenants/acme/audit", Credential: member.AccessToken, Body: `{"retentionDays":30}`}, http.StatusForbidden)
	a.Do(t, Request{Method: "PUT", Path: "/tenants/globex/audit", Credential: a.APIKey, Body: `{"retentionDays":30}`}, http.StatusNotFound)
	a.Unauthenticated(t, Request{Method: "PUT", Path: "/tenants/acme/audit", Body: `{"retentionDays":30}`})
	res := a.Do(t, Request{Method: "PUT", Path: "/tenants/acme/audit", Credential: a.APIKey, Body: `{"retentionDays":` + strings.Repeat("1", 17<<10) + `}`}, http.StatusRequestEntityTooLarge)
	accountWantField(t, res, "body")
	res = a.Do(t, Request{Method: "PUT", Path: "/tenants/acme/audit", Credential: a.APIKey, Body: "x",
		Header: map[string]string{"Content-Type": "text/plain"}}, http.StatusUnsupportedMediaType)
	accountWantField(t, res, "Content-Type")
}
