package directory_test

import (
	"context"
	"testing"
	"time"

	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/store/storetest"
)

func TestRegisterMakesAnActiveMemberNamedByTheEmailUnlessGiven(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		ctx := context.Background()
		u, err := f.svc.Register(ctx, manager, directory.Registration{Email: " ada@example.com ", FirstName: "Ada", LastName: "Lovelace"})
		if err != nil {
			t.Fatalf("Register: %v", err)
		}
		got := f.get(t, "t1", u.ID)
		if got.Username != "ada@example.com" || got.Email != "ada@example.com" || !got.Active || got.Role != "member" ||
			got.Version != 1 || got.CreatedBy != manager.Actor() || !got.CreatedAt.Equal(got.CreatedAt.Truncate(time.Millisecond)) {
			t.Errorf("registered user = %+v", got)
		}
		named, err := f.svc.Register(ctx, manager, directory.Registration{Email: "grace@example.com", Username: "grace", FirstName: "Grace", LastName: "Hopper"})
		if err != nil || named.Username != "grace" {
			t.Fatalf("Register with a username = %+v, %v", named, err)
		}
		_, err = f.svc.Register(ctx, manager, directory.Registration{Email: "ADA@example.com", Username: "another", FirstName: "A", LastName: "B"})
		wantCode(t, err, fault.Conflict, "email")
		_, err = f.svc.Register(ctx, member, directory.Registration{Email: "alan@example.com", FirstName: "Alan", LastName: "Turing"})
		wantCode(t, err, fault.Forbidden)
	})
}

func TestAnAccessTokenIsStoredSealedOnTheUserWithTheEmail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		ctx := context.Background()
		u := f.create(t, newUser("ada"))
		id, err := f.svc.UserIDByEmail(ctx, manager, "ADA@example.com")
		if err != nil || id != u.ID {
			t.Fatalf("UserIDByEmail = %q, %v; want %q", id, err, u.ID)
		}
		if err := f.svc.SetAccessToken(ctx, manager, u.Email, "the token"); err != nil {
			t.Fatalf("SetAccessToken: %v", err)
		}
		secrets, err := f.env.Table.UserSecrets(ctx, "t1", u.ID) // the privileged read
		if err != nil {
			t.Fatal(err)
		}
		if opened, err := f.sealer.Open(secrets.AccessToken, "userinfo/accessToken/t1/"+u.ID); err != nil || string(opened) != "the token" {
			t.Errorf("stored token opens to %q, %v", opened, err)
		}
		wantCode(t, f.svc.SetAccessToken(ctx, manager, "nobody@example.com", "x"), fault.NotFound)
		_, err = f.svc.UserIDByEmail(ctx, key("t2", "owner"), u.Email)
		wantCode(t, err, fault.NotFound)
		wantCode(t, f.svc.SetAccessToken(ctx, member, u.Email, "x"), fault.Forbidden)
	})
}

func TestPasswordTargetIsOnesOwnUserOrAnyoneForAUsersWriter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixture(t, env)
		ctx := context.Background()
		ada := f.create(t, newUser("ada"))
		grace := f.create(t, newUser("grace"))
		if u, err := f.svc.PasswordTarget(ctx, as(ada), "ADA"); err != nil || u.ID != ada.ID {
			t.Errorf("own username: %v, %v", u, err)
		}
		if u, err := f.svc.PasswordTarget(ctx, manager, "grace"); err != nil || u.ID != grace.ID {
			t.Errorf("a manager's target: %v, %v", u, err)
		}
		_, err := f.svc.PasswordTarget(ctx, manager, "nobody")
		wantCode(t, err, fault.NotFound)
		// The same answer whether or not the username exists.
		for _, name := range []string{"grace", "nobody"} {
			_, err := f.svc.PasswordTarget(ctx, as(ada), name)
			wantCode(t, err, fault.Forbidden)
		}
	})
}
