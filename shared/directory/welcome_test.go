package directory_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/role"
	"roster/shared/store/storetest"
	"roster/shared/user"
)

// welcomes records whom the directory's Welcome was told of.
type welcomes struct {
	mu    sync.Mutex
	users []string
}

func (w *welcomes) add(_ context.Context, u *user.User) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.users = append(w.users, u.Email)
}

func (w *welcomes) list() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.users...)
}

func TestNewUsersAreWelcomedUnlessVouchedForOrRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		env.Tenant(t, "t1")
		w := &welcomes{}
		svc, err := directory.New(env.Table, hasher(), testSealer(t), directory.Options{Welcome: w.add})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if _, err := svc.Create(ctx, manager, directory.NewUser{Username: "ada", Email: "ada@example.com", FirstName: "A", LastName: "L", Active: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Create(ctx, manager, directory.NewUser{Username: "vouched", Email: "v@example.com", FirstName: "V", LastName: "W", Active: true, EmailVerified: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Create(ctx, manager, directory.NewUser{Username: "ada2", Email: "ADA@example.com", FirstName: "A", LastName: "L", Active: true}); err == nil {
			t.Fatal("a taken address was created")
		}
		if _, err := svc.Register(ctx, manager, directory.Registration{Email: "grace@example.com", FirstName: "G", LastName: "H"}); err != nil {
			t.Fatal(err)
		}
		got := w.list()
		if len(got) != 2 || got[0] != "ada@example.com" || got[1] != "grace@example.com" {
			t.Errorf("welcomed %v, want the created and the registered user alone", got)
		}
	})
}

func TestAnInvitationsUserIsWelcomedAndAFeedsIsNot(t *testing.T) {
	w := &welcomes{}
	svc, err := directory.New(&admitting{}, hasher(), testSealer(t), directory.Options{Welcome: w.add})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	mk := func(accountID, email string) *user.User {
		return user.New(user.Fields{TenantID: "t1", AccountID: accountID, Username: email, Email: email, Active: true, Role: string(role.Member)}, time.Now(), "test")
	}
	if err := svc.Admit(ctx, auth.Principal{TenantID: "t1", Method: auth.ViaFeed}, mk("", "fed@example.com"), record("t1")); err != nil {
		t.Fatal(err)
	}
	if err := svc.Admit(ctx, auth.Principal{TenantID: "t1", AccountID: "a1", Method: auth.ViaInvitation}, mk("a1", "invited@example.com"), record("t1")); err != nil {
		t.Fatal(err)
	}
	if got := w.list(); len(got) != 1 || got[0] != "invited@example.com" {
		t.Errorf("welcomed %v, want the invitation's user alone", got)
	}
}
