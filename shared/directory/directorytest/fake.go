// Package directorytest owns the stand-in for the directory that the
// endpoint groups' tests build their handlers on: a directory.Service
// whose every method is a function field the test sets.
package directorytest

import (
	"context"
	"testing"

	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/user"
	"roster/shared/web/webtest"
)

// Fake is a directory.Service whose methods call its function fields,
// without the context. The embedded Calls records every call, in order;
// a method whose field is nil is a call the test did not expect: it fails
// the test and returns webtest.ErrUnexpected (or, in a benchmark's fake,
// panics). A group whose fake serves more interfaces embeds a *Fake and
// records its own methods with the same Calls.
type Fake struct {
	webtest.Calls

	CreateFn         func(p auth.Principal, in directory.NewUser) (*user.User, error)
	GetFn            func(p auth.Principal, id string) (*user.User, error)
	GetByNumberFn    func(p auth.Principal, n int64) (*user.User, error)
	GetByUsernameFn  func(p auth.Principal, username string) (*user.User, error)
	GetByExternalFn  func(p auth.Principal, externalID string) (*user.User, error)
	GetByEmailFn     func(p auth.Principal, email string) (*user.User, error)
	ListFn           func(p auth.Principal, limit int, cursor string) (directory.Page, error)
	UpdateFn         func(p auth.Principal, id string, c directory.Change) (*user.User, error)
	DeleteFn         func(p auth.Principal, id string, ifVersion int64) error
	DeleteManyFn     func(p auth.Principal, ids []string) ([]directory.DeleteOutcome, error)
	SetPasswordFn    func(p auth.Principal, id, newPassword string, current *string) error
	RegisterFn       func(p auth.Principal, r directory.Registration) (*user.User, error)
	UserIDByEmailFn  func(p auth.Principal, email string) (string, error)
	SetAccessTokenFn func(p auth.Principal, email, token string) error
	PasswordTargetFn func(p auth.Principal, username string) (*user.User, error)
	SearchUsersFn    func(p auth.Principal, q directory.UserSearch) (directory.UserPage, error)
	CreateGroupFn    func(p auth.Principal, name string) (directory.Group, error)
	ListGroupsFn     func(p auth.Principal) ([]directory.Group, error)
	GetGroupFn       func(p auth.Principal, id string) (directory.Group, error)
	GroupByNameFn    func(p auth.Principal, name string) (directory.Group, error)
	UpdateGroupFn    func(p auth.Principal, id, name string, externalID *string) (directory.Group, error)
	DeleteGroupFn    func(p auth.Principal, id string, members []string) error
	AdmitFn          func(p auth.Principal, u *user.User, also user.Also) error
}

var _ directory.Service = (*Fake)(nil)

// New returns a Fake that expects no call until the test sets a field,
// and fails t on any other. A benchmark passes a nil *testing.T: its fake
// keeps no record and panics on an unexpected call.
func New(t *testing.T) *Fake {
	return &Fake{Calls: webtest.Calls{T: t}}
}

// Create calls CreateFn.
func (f *Fake) Create(_ context.Context, p auth.Principal, in directory.NewUser) (*user.User, error) {
	if !f.Called("Create", f.CreateFn) {
		return nil, webtest.ErrUnexpected
	}
	return f.CreateFn(p, in)
}

// Get calls GetFn.
func (f *Fake) Get(_ context.Context, p auth.Principal, id string) (*user.User, error) {
	if !f.Called("Get", f.GetFn) {
		return nil, webtest.ErrUnexpected
	}
	return f.GetFn(p, id)
}

// GetByNumber calls GetByNumberFn.
func (f *Fake) GetByNumber(_ context.Context, p auth.Principal, n int64) (*user.User, error) {
	if !f.Called("GetByNumber", f.GetByNumberFn) {
		return nil, webtest.ErrUnexpected
	}
	return f.GetByNumberFn(p, n)
}

// GetByExternalID calls GetByExternalFn.
func (f *Fake) GetByExternalID(_ context.Context, p auth.Principal, externalID string) (*user.User, error) {
	if !f.Called("GetByExternalID", f.GetByExternalFn) {
		return nil, webtest.ErrUnexpected
	}
	return f.GetByExternalFn(p, externalID)
}

// GetByEmail calls GetByEmailFn.
func (f *Fake) GetByEmail(_ context.Context, p auth.Principal, email string) (*user.User, error) {
	if !f.Called("GetByEmail", f.GetByEmailFn) {
		return nil, webtest.ErrUnexpected
	}
	return f.GetByEmailFn(p, email)
}

// GetByUsername calls GetByUsernameFn.
func (f *Fake) GetByUsername(_ context.Context, p auth.Principal, username string) (*user.User, error) {
	if !f.Called("GetByUsername", f.GetByUsernameFn) {
		return nil, webtest.ErrUnexpected
	}
	return f.GetByUsernameFn(p, username)
}

// List calls ListFn.
func (f *Fake) List(_ context.Context, p auth.Principal, limit int, cursor string) (directory.Page, error) {
	if !f.Called("List", f.ListFn) {
		return directory.Page{}, webtest.ErrUnexpected
	}
	return f.ListFn(p, limit, cursor)
}

// Update calls UpdateFn.
func (f *Fake) Update(_ context.Context, p auth.Principal, id string, c directory.Change) (*user.User, error) {
	if !f.Called("Update", f.UpdateFn) {
		return nil, webtest.ErrUnexpected
	}
	return f.UpdateFn(p, id, c)
}

// Delete calls DeleteFn.
func (f *Fake) Delete(_ context.Context, p auth.Principal, id string, ifVersion int64) error {
	if !f.Called("Delete", f.DeleteFn) {
		return webtest.ErrUnexpected
	}
	return f.DeleteFn(p, id, ifVersion)
}

// DeleteMany calls DeleteManyFn.
func (f *Fake) DeleteMany(_ context.Context, p auth.Principal, ids []string) ([]directory.DeleteOutcome, error) {
	if !f.Called("DeleteMany", f.DeleteManyFn) {
		return nil, webtest.ErrUnexpected
	}
	return f.DeleteManyFn(p, ids)
}

// SetPassword calls SetPasswordFn.
func (f *Fake) SetPassword(_ context.Context, p auth.Principal, id, newPassword string, current *string) error {
	if !f.Called("SetPassword", f.SetPasswordFn) {
		return webtest.ErrUnexpected
	}
	return f.SetPasswordFn(p, id, newPassword, current)
}

// CreateGroup calls CreateGroupFn.
func (f *Fake) CreateGroup(_ context.Context, p auth.Principal, name string) (directory.Group, error) {
	if !f.Called("CreateGroup", f.CreateGroupFn) {
		return directory.Group{}, webtest.ErrUnexpected
	}
	return f.CreateGroupFn(p, name)
}

// ListGroups calls ListGroupsFn.
func (f *Fake) ListGroups(_ context.Context, p auth.Principal) ([]directory.Group, error) {
	if !f.Called("ListGroups", f.ListGroupsFn) {
		return nil, webtest.ErrUnexpected
	}
	return f.ListGroupsFn(p)
}

// Register calls RegisterFn.
func (f *Fake) Register(_ context.Context, p auth.Principal, r directory.Registration) (*user.User, error) {
	if !f.Called("Register", f.RegisterFn) {
		return nil, webtest.ErrUnexpected
	}
	return f.RegisterFn(p, r)
}

// UserIDByEmail calls UserIDByEmailFn.
func (f *Fake) UserIDByEmail(_ context.Context, p auth.Principal, email string) (string, error) {
	if !f.Called("UserIDByEmail", f.UserIDByEmailFn) {
		return "", webtest.ErrUnexpected
	}
	return f.UserIDByEmailFn(p, email)
}

// SetAccessToken calls SetAccessTokenFn.
func (f *Fake) SetAccessToken(_ context.Context, p auth.Principal, email, token string) error {
	if !f.Called("SetAccessToken", f.SetAccessTokenFn) {
		return webtest.ErrUnexpected
	}
	return f.SetAccessTokenFn(p, email, token)
}

// PasswordTarget calls PasswordTargetFn.
func (f *Fake) PasswordTarget(_ context.Context, p auth.Principal, username string) (*user.User, error) {
	if !f.Called("PasswordTarget", f.PasswordTargetFn) {
		return nil, webtest.ErrUnexpected
	}
	return f.PasswordTargetFn(p, username)
}

// SearchUsers calls SearchUsersFn.
func (f *Fake) SearchUsers(_ context.Context, p auth.Principal, q directory.UserSearch) (directory.UserPage, error) {
	if !f.Called("SearchUsers", f.SearchUsersFn) {
		return directory.UserPage{}, webtest.ErrUnexpected
	}
	return f.SearchUsersFn(p, q)
}

// Admit calls AdmitFn.
func (f *Fake) Admit(_ context.Context, p auth.Principal, u *user.User, also user.Also) error {
	if !f.Called("Admit", f.AdmitFn) {
		return webtest.ErrUnexpected
	}
	return f.AdmitFn(p, u, also)
}

// Door is the directory's door for users made outside a request, as
// provision.Users and signin.Users declare it.
type Door interface {
	Admit(ctx context.Context, p auth.Principal, u *user.User, also user.Also) error
}

// Admissions records what a caller hands the directory's door and passes
// it on to Door, so a test sees who admitted each user with what record.
type Admissions struct {
	Door
	Principals []auth.Principal
	Records    []user.Also
}

// Admit records p and also, then admits u through Door.
func (a *Admissions) Admit(ctx context.Context, p auth.Principal, u *user.User, also user.Also) error {
	a.Principals = append(a.Principals, p)
	a.Records = append(a.Records, also)
	return a.Door.Admit(ctx, p, u, also)
}

// GetGroup calls GetGroupFn.
func (f *Fake) GetGroup(_ context.Context, p auth.Principal, id string) (directory.Group, error) {
	if !f.Called("GetGroup", f.GetGroupFn) {
		return directory.Group{}, webtest.ErrUnexpected
	}
	return f.GetGroupFn(p, id)
}

// GroupByName calls GroupByNameFn.
func (f *Fake) GroupByName(_ context.Context, p auth.Principal, name string) (directory.Group, error) {
	if !f.Called("GroupByName", f.GroupByNameFn) {
		return directory.Group{}, webtest.ErrUnexpected
	}
	return f.GroupByNameFn(p, name)
}

// UpdateGroup calls UpdateGroupFn.
func (f *Fake) UpdateGroup(_ context.Context, p auth.Principal, id, name string, externalID *string) (directory.Group, error) {
	if !f.Called("UpdateGroup", f.UpdateGroupFn) {
		return directory.Group{}, webtest.ErrUnexpected
	}
	return f.UpdateGroupFn(p, id, name, externalID)
}

// DeleteGroup calls DeleteGroupFn.
func (f *Fake) DeleteGroup(_ context.Context, p auth.Principal, id string, members []string) error {
	if !f.Called("DeleteGroup", f.DeleteGroupFn) {
		return webtest.ErrUnexpected
	}
	return f.DeleteGroupFn(p, id, members)
}
