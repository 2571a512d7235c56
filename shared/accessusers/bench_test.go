package accessusers_test

import (
	"context"
	"io"
	"testing"

	"roster/shared/accessusers"
	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/loginprofile"
	"roster/shared/store"
	"roster/shared/user"
	"roster/shared/web"
	"roster/shared/web/webtest"
)

// benchFake answers with a fake's function fields but keeps no record of
// the calls, so a long run measures the group rather than the fake. A
// method the group should not call panics.
type benchFake struct{ f *fake }

func (b benchFake) Create(_ context.Context, p auth.Principal, in directory.NewUser) (*user.User, error) {
	return b.f.create(p, in)
}

func (b benchFake) GetByNumber(_ context.Context, p auth.Principal, n int64) (*user.User, error) {
	return b.f.getByNumber(p, n)
}

func (b benchFake) GetByUsername(_ context.Context, p auth.Principal, username string) (*user.User, error) {
	return b.f.getByUsername(p, username)
}

func (b benchFake) Update(_ context.Context, p auth.Principal, id string, c directory.Change) (*user.User, error) {
	return b.f.update(p, id, c)
}

func (b benchFake) Delete(_ context.Context, p auth.Principal, id string, ifVersion int64) error {
	return b.f.deleteUser(p, id, ifVersion)
}

func (b benchFake) SetPassword(_ context.Context, p auth.Principal, id, pw string, current *string) error {
	return b.f.setPassword(p, id, pw, current)
}

func (b benchFake) SearchUsers(_ context.Context, q store.UserSearch) (store.UserPage, error) {
	return b.f.search(q)
}

func (b benchFake) UserIDByUsername(_ context.Context, tenantID, username string) (string, error) {
	return b.f.idByUsername(tenantID, username)
}

func (b benchFake) GetUser(_ context.Context, tenantID, id string) (*user.User, error) {
	return b.f.getUser(tenantID, id)
}

func (b benchFake) ListLoginProfiles(_ context.Context, tenantID string) ([]loginprofile.Profile, error) {
	return b.f.listProfiles(tenantID)
}

func (b benchFake) AddLoginProfile(_ context.Context, tenantID string, p loginprofile.Profile) (loginprofile.Profile, error) {
	return b.f.addProfile(tenantID, p)
}

func (benchFake) Get(context.Context, auth.Principal, string) (*user.User, error) {
	panic("unexpected call to Get")
}

func (benchFake) List(context.Context, auth.Principal, int, string) (directory.Page, error) {
	panic("unexpected call to List")
}

func (benchFake) DeleteMany(context.Context, auth.Principal, []string) ([]directory.DeleteOutcome, error) {
	panic("unexpected call to DeleteMany")
}

func (benchFake) CreateGroup(context.Context, auth.Principal, string) (directory.Group, error) {
	panic("unexpected call to CreateGroup")
}

func (benchFake) ListGroups(context.Context, auth.Principal) ([]directory.Group, error) {
	panic("unexpected call to ListGroups")
}

// BenchmarkHandlerOverhead measures each route's plumbing (routing,
// middleware, permission check, login-profile cache, decoding,
// validation, envelope) around a directory, search and profile store that
// answer at once. Budget: 10 µs/op.
func BenchmarkHandlerOverhead(b *testing.B) {
	for _, rt := range routes() {
		b.Run(rt.name(), func(b *testing.B) {
			f := benchFake{happy(nil)}
			d := accessusers.Deps{Directory: f, Search: f, Users: f, Profiles: f, Now: deps(f.f).Now}
			h := accessusers.Handler(d, web.NewLogger(io.Discard, "info"), webtest.As(&owner))
			webtest.BenchRequest(b, h, webtest.Request{Method: rt.method, Target: rt.target, Body: rt.body, As: &owner}, 200)
		})
	}
}
