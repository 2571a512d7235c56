package user

import (
	"slices"
	"testing"
	"time"
)

func TestNewDecidesWhatEveryNewUserStartsWith(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	u := New(Fields{TenantID: "t1", Username: "ada", Email: "  ada@example.com ", Groups: []string{"b", "a", "b"}}, now, "apikey:k1")
	switch {
	case u.ID == "" || u.Number <= 0 || u.AccountID == "" || u.AccountID == u.ID:
		t.Errorf("id %q, number %d, account %q: want all drawn", u.ID, u.Number, u.AccountID)
	case u.Version != 1 || !u.CreatedAt.Equal(now) || !u.UpdatedAt.Equal(now) || u.CreatedBy != "apikey:k1" || u.UpdatedBy != "apikey:k1":
		t.Errorf("version %d, times %v/%v, by %q/%q", u.Version, u.CreatedAt, u.UpdatedAt, u.CreatedBy, u.UpdatedBy)
	case u.Email != "ada@example.com" || u.Role != DefaultRole || !slices.Equal(u.Groups, []string{"a", "b"}):
		t.Errorf("email %q, role %q, groups %v", u.Email, u.Role, u.Groups)
	}
	same := New(Fields{TenantID: "t1", AccountID: "acc1", Role: "owner"}, now, "seed")
	if same.AccountID != "acc1" || same.Role != "owner" || same.Groups != nil {
		t.Errorf("given account %q, role %q, no groups %v", same.AccountID, same.Role, same.Groups)
	}
}

func TestAChangeStampsTheNextVersionAndRevokesWhatItMust(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 678_901_234, time.UTC)
	old := &User{Role: "admin", Active: true, Version: 4, TokenVersion: 2}
	tests := []struct {
		name     string
		change   func(u *User)
		tokens   int64
		sessions bool
	}{
		{"a name", func(u *User) { u.FirstName = "Ada" }, 2, false},
		{"a demotion", func(u *User) { u.Role = "member" }, 3, false},
		{"a deactivation", func(u *User) { u.Active = false }, 3, true},
	}
	for _, tt := range tests {
		next := *old
		tt.change(&next)
		next.RevokeAccess(old, now)
		next.Stamp(old, now, "user:u1")
		if next.TokenVersion != tt.tokens || next.SessionsRevokedAt.IsZero() == tt.sessions {
			t.Errorf("%s: token version %d, sessions revoked at %v", tt.name, next.TokenVersion, next.SessionsRevokedAt)
		}
		if tt.sessions && !next.SessionsRevokedAt.Equal(now.Truncate(time.Millisecond)) {
			t.Errorf("%s: sessions revoked at %v, want the millisecond of now", tt.name, next.SessionsRevokedAt)
		}
		if next.Version != 5 || !next.UpdatedAt.Equal(now) || next.UpdatedBy != "user:u1" {
			t.Errorf("%s: stamped v%d at %v by %q", tt.name, next.Version, next.UpdatedAt, next.UpdatedBy)
		}
	}
}
