package store_test

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/shared/directory"
	"roster/shared/emulator"
	"roster/shared/fault"
	"roster/shared/loginprofile"
	"roster/shared/signin"
	"roster/shared/store"
	"roster/shared/store/storetest"
	"roster/shared/user"
)

// person is a row of the search fixture.
type person struct {
	username, email, first, last string
	profile                      int64
	updatedRank                  int // order of the last change, independent of creation
}

// fixture is a tenant whose users exercise every search: several match
// "al" through one field each, one (alfred) through all four, names are
// missing, repeated or contain spaces, and the last change does not follow
// creation.
var fixture = []person{
	{"alice", "alice@example.com", "Alice", "Zimmer", 0, 5},
	{"bob", "bob@corp.example", "Robert", "Alison", 2, 11},
	{"carol", "carol@example.com", "Carol", "King", 0, 0},
	{"dave", "al.dave@example.com", "Dave", "Brown", 2, 7},
	{"Eve", "eve@example.com", "Alba", "Stone", 0, 1},
	{"frank", "frank@example.com", "Frank", "Miller", 1, 9},
	{"alfred", "alfred@example.com", "Alfred", "Alder", 0, 3},
	{"grace", "grace@example.com", "Grace", "Hopper", 2, 10},
	{"heidi", "heidi@example.com", "", "", 0, 2},
	{"ivan", "ivan@example.com", "Ivan", "King", 0, 8},
	{"judy", "judy@example.com", "Anne Marie", "Valley", 0, 4},
	{"mallory", "mallory@example.com", "Anne", "Smith", 0, 6},
}

// fixtureBase is when the fixture's first user was created; the others
// follow a minute apart, and their last changes come a day later in
// updatedRank order.
var fixtureBase = time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)

func fixtureUsers(tenantID string) []*user.User {
	users := make([]*user.User, len(fixture))
	for i, p := range fixture {
		created := fixtureBase.Add(time.Duration(i) * time.Minute)
		updated := fixtureBase.Add(24*time.Hour + time.Duration(p.updatedRank)*time.Minute)
		users[i] = &user.User{
			TenantID: tenantID, ID: store.UserIDAt(created), Number: int64(1000 + i),
			Username: p.username, Email: p.email, FirstName: p.first, LastName: p.last,
			Active: i%3 != 0, Role: "member", LoginProfileID: p.profile,
			CreatedAt: created, UpdatedAt: updated, CreatedBy: "user:creator", UpdatedBy: "user:changer", Version: 1,
		}
	}
	return users
}

// seeded fills tenant acme with the fixture and tenant globex with a copy,
// so every search also shows it stays in its tenant.
func seeded(t *testing.T, env storetest.Env) []*user.User {
	t.Helper()
	users := fixtureUsers("acme")
	if err := env.Table.SeedUsers(context.Background(), append(slices.Clone(users), fixtureUsers("globex")...)); err != nil {
		t.Fatal(err)
	}
	return users
}

// expect is the reference search: it filters and orders users the slow,
// obvious way.
func expect(users []*user.User, q directory.UserSearch) []*user.User {
	fold := directory.FoldSearchText
	fields := func(u *user.User) []string {
		return []string{fold(u.Username), fold(u.Email), fold(u.FirstName), fold(u.LastName)}
	}
	match := func(v string) bool {
		if q.Contains {
			return strings.Contains(v, q.Word)
		}
		return strings.HasPrefix(v, q.Word)
	}
	textField := map[directory.UserOrder]int{directory.ByUsername: 0, directory.ByEmail: 1, directory.ByFirstName: 2, directory.ByLastName: 3}
	type row struct {
		u   *user.User
		key string
	}
	var rows []row
	for _, u := range users {
		f := fields(u)
		var keys []string
		if i, ok := textField[q.Order]; ok {
			if q.Word == "" || match(f[i]) {
				keys = append(keys, f[i])
			}
		} else {
			for _, v := range f {
				if q.Word == "" || match(v) {
					keys = append(keys, v)
				}
			}
		}
		if len(keys) == 0 {
			continue
		}
		if q.LoginProfileID != 0 && loginprofile.Effective(u.LoginProfileID) != q.LoginProfileID {
			continue
		}
		at := u.CreatedAt
		if q.DateField == directory.Updated {
			at = u.UpdatedAt
		}
		if !q.From.IsZero() && at.Before(q.From) || !q.To.IsZero() && at.After(q.To) {
			continue
		}
		var key string
		switch {
		case q.Order == directory.ByMatch && q.Word != "" && !q.Contains:
			key = slices.Min(keys)
			if q.Descending {
				key = slices.Max(keys)
			}
		case q.Order == directory.ByUpdated:
			key = u.UpdatedAt.UTC().Format(time.RFC3339Nano)
		case q.Order == directory.ByCreated || q.Order == directory.ByMatch:
			key = u.CreatedAt.UTC().Format(time.RFC3339Nano)
		default:
			key = keys[0]
		}
		rows = append(rows, row{u, key})
	}
	slices.SortStableFunc(rows, func(a, b row) int {
		c := cmp.Or(cmp.Compare(a.key, b.key), cmp.Compare(a.u.ID, b.u.ID))
		if q.Descending {
			return -c
		}
		return c
	})
	out := make([]*user.User, len(rows))
	for i, r := range rows {
		out[i] = r.u
	}
	return out
}

func usernames(users []*user.User) string {
	names := make([]string, len(users))
	for i, u := range users {
		names[i] = u.Username
	}
	return strings.Join(names, ",")
}

// searchAll pages through a search with cursors and returns every user,
// checking each page's bookkeeping on the way.
func searchAll(t *testing.T, env storetest.Env, q directory.UserSearch) []*user.User {
	t.Helper()
	var all []*user.User
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatal("no end after 100 pages")
		}
		page, err := env.Table.SearchUsers(context.Background(), q)
		if err != nil {
			t.Fatalf("search %+v: %v", q, err)
		}
		if page.Offset != len(all) {
			t.Fatalf("page %d starts at %d, want %d", pages, page.Offset, len(all))
		}
		all = append(all, page.Users...)
		if page.Partial {
			t.Fatalf("page %d is partial", pages)
		}
		if !page.More {
			if page.Next != "" {
				t.Errorf("last page has a cursor")
			}
			return all
		}
		if len(page.Users) != q.Limit || page.Next == "" {
			t.Fatalf("page %d: %d users (limit %d), more with cursor %q", pages, len(page.Users), q.Limit, page.Next)
		}
		q.Cursor, q.Skip = page.Next, 0
	}
}

// searches is every order, word mode, filter and their combinations.
func searches() []directory.UserSearch {
	var qs []directory.UserSearch
	from, to := fixtureBase.Add(2*time.Minute), fixtureBase.Add(9*time.Minute)
	ufrom, uto := fixtureBase.Add(24*time.Hour+3*time.Minute), fixtureBase.Add(24*time.Hour+8*time.Minute)
	orders := []directory.UserOrder{directory.ByCreated, directory.ByUsername, directory.ByEmail, directory.ByFirstName, directory.ByLastName, directory.ByUpdated, directory.ByMatch}
	for _, o := range orders {
		for _, desc := range []bool{false, true} {
			base := directory.UserSearch{TenantID: "acme", Order: o, Descending: desc}
			add := func(mod func(*directory.UserSearch)) {
				q := base
				mod(&q)
				qs = append(qs, q)
			}
			add(func(q *directory.UserSearch) {})
			add(func(q *directory.UserSearch) { q.Word = "al" })
			add(func(q *directory.UserSearch) { q.Word = "a" })
			add(func(q *directory.UserSearch) { q.Word = "zz" })
			add(func(q *directory.UserSearch) { q.Word = "anne" })
			add(func(q *directory.UserSearch) { q.Word = "al"; q.Contains = true })
			add(func(q *directory.UserSearch) { q.Word = "marie"; q.Contains = true })
			add(func(q *directory.UserSearch) { q.LoginProfileID = 2 })
			add(func(q *directory.UserSearch) { q.LoginProfileID = 1 })
			add(func(q *directory.UserSearch) { q.From, q.To = from, to })
			add(func(q *directory.UserSearch) { q.From = from })
			add(func(q *directory.UserSearch) { q.To = to })
			add(func(q *directory.UserSearch) { q.DateField, q.From, q.To = directory.Updated, ufrom, uto })
			add(func(q *directory.UserSearch) { q.DateField, q.From = directory.Updated, ufrom })
			add(func(q *directory.UserSearch) { q.Word, q.LoginProfileID = "al", 2 })
			add(func(q *directory.UserSearch) { q.Word, q.From, q.To = "a", from, to })
			add(func(q *directory.UserSearch) {
				q.Word, q.DateField, q.To, q.LoginProfileID = "a", directory.Updated, uto, 1
			})
		}
	}
	return qs
}

func describe(q directory.UserSearch) string {
	return fmt.Sprintf("order=%d desc=%t word=%q contains=%t profile=%d dates=%d:%s..%s",
		q.Order, q.Descending, q.Word, q.Contains, q.LoginProfileID, q.DateField, q.From.Format("15:04"), q.To.Format("15:04"))
}

func TestSearchUsersFindsWhatTheReferenceFindsInItsOrderAtEveryPageSize(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		t.Parallel() // the emulators are separate processes
		users := seeded(t, env)
		for _, q := range searches() {
			want := usernames(expect(users, q))
			// Pages of 2 and of 5 end exactly on the last result for some
			// searches and short of it for others; searches with few
			// results fit one page.
			q.Limit = 2
			if q.Descending {
				q.Limit = 5
			}
			if got := usernames(searchAll(t, env, q)); got != want {
				t.Errorf("%s limit %d:\n got %s\nwant %s", describe(q), q.Limit, got, want)
			}
		}
	})
}

func TestSearchUsersSkipPassesOverResultsLikeTheCursorDoes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		t.Parallel()
		users := seeded(t, env)
		for _, q := range []directory.UserSearch{
			{TenantID: "acme"},
			{TenantID: "acme", Order: directory.ByLastName, Descending: true},
			{TenantID: "acme", Order: directory.ByMatch, Word: "a"},
			{TenantID: "acme", Order: directory.ByUpdated, LoginProfileID: 1},
		} {
			want := expect(users, q)
			for skip := 0; skip <= len(want)+1; skip++ {
				q.Skip, q.Limit = skip, 3
				page, err := env.Table.SearchUsers(context.Background(), q)
				if err != nil {
					t.Fatal(err)
				}
				start := min(skip, len(want))
				end := min(skip+3, len(want))
				if got, w := usernames(page.Users), usernames(want[start:end]); got != w || page.Offset != skip || page.More != (end < len(want)) {
					t.Errorf("%s skip %d: got %s (offset %d, more %t), want %s", describe(q), skip, got, page.Offset, page.More, w)
				}
				// The cursor continues after the page, skip included.
				if page.More {
					next, err := env.Table.SearchUsers(context.Background(), directory.UserSearch{
						TenantID: q.TenantID, Order: q.Order, Descending: q.Descending, Word: q.Word, LoginProfileID: q.LoginProfileID,
						Limit: 1, Cursor: page.Next,
					})
					if err != nil || len(next.Users) != 1 || next.Users[0].ID != want[end].ID || next.Offset != end {
						t.Errorf("%s skip %d: next page %s at %d (%v), want %s at %d", describe(q), skip, usernames(next.Users), next.Offset, err, want[end].Username, end)
					}
				}
			}
		}
	})
}

func TestSearchUsersListsTheFieldsOfAPageAndOnlyTheTenantsUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		t.Parallel()
		users := seeded(t, env)
		byID := map[string]*user.User{}
		for _, u := range users {
			byID[u.ID] = u
		}
		for _, o := range []directory.UserOrder{directory.ByCreated, directory.ByUsername, directory.ByEmail, directory.ByFirstName, directory.ByLastName, directory.ByUpdated} {
			page, err := env.Table.SearchUsers(context.Background(), directory.UserSearch{TenantID: "acme", Order: o, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Users) != len(users) || page.More || !page.Indexed {
				t.Fatalf("order %d: %d users, more %t, indexed %t", o, len(page.Users), page.More, page.Indexed)
			}
			for _, got := range page.Users {
				want := byID[got.ID]
				if want == nil {
					t.Fatalf("order %d lists %s (tenant %s), not a user of acme", o, got.ID, got.TenantID)
				}
				if got.TenantID != "acme" || got.Number != want.Number || got.Username != want.Username || got.Email != want.Email ||
					got.FirstName != want.FirstName || got.LastName != want.LastName || got.Active != want.Active ||
					got.LoginProfileID != want.LoginProfileID || !got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) ||
					got.CreatedBy != want.CreatedBy || got.UpdatedBy != want.UpdatedBy {
					t.Errorf("order %d: listed %+v, stored %+v", o, got, want)
				}
			}
		}
	})
}

// edited returns a copy of u changed by edit, with the next version and a
// later change time, as the directory writes a change.
func edited(u *user.User, at time.Time, edit func(*user.User)) *user.User {
	n := *u
	edit(&n)
	n.Version, n.UpdatedAt, n.UpdatedBy = u.Version+1, at, "user:changer"
	return &n
}

// storedSearchKeys reads the index keys stored on a user item.
func storedSearchKeys(t *testing.T, env storetest.Env, u *user.User) map[string]string {
	t.Helper()
	out, err := env.DB.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(env.Table.Name()), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: "TENANT#" + u.TenantID},
			"SK": &types.AttributeValueMemberS{Value: "USER#" + u.ID},
		},
	})
	if err != nil || out.Item == nil {
		t.Fatalf("get user item: %v", err)
	}
	keys := map[string]string{}
	for _, a := range []string{"LSI1SK", "LSI2SK", "LSI3SK", "LSI4SK", "LSI5SK"} {
		if v, ok := out.Item[a].(*types.AttributeValueMemberS); ok {
			keys[a] = v.Value
		}
	}
	return keys
}

func TestEveryWriteOfAUserKeepsItsSearchKeysAndTheNextSearchSeesIt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		t.Parallel()
		ctx := context.Background()
		env.Tenant(t, "t1")
		first := func(q directory.UserSearch) *user.User {
			t.Helper()
			q.TenantID, q.Limit = "t1", 1
			page, err := env.Table.SearchUsers(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Users) == 0 {
				return nil
			}
			return page.Users[0]
		}
		check := func(step string, u *user.User) {
			t.Helper()
			got, err := env.Table.GetUser(ctx, "t1", u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if keys, want := storedSearchKeys(t, env, u), store.SearchKeysOf(got); !maps.Equal(keys, want) {
				t.Errorf("%s: stored keys %q, want %q", step, keys, want)
			}
		}

		// Create: found at once by prefix, and first by creation and change.
		older := newUser("t1", "zed")
		mustCreate(t, env, older)
		u := newUser("t1", "quinn")
		// Created a few milliseconds later, so its id sorts after zed's.
		at := msNow().Add(5 * time.Millisecond)
		u.ID, u.CreatedAt, u.UpdatedAt = store.UserIDAt(at), at, at
		mustCreate(t, env, u)
		check("create", u)
		if got := first(directory.UserSearch{Order: directory.ByMatch, Word: "qui"}); got == nil || got.ID != u.ID {
			t.Fatalf("prefix search right after create found %v", got)
		}
		if got := first(directory.UserSearch{Order: directory.ByCreated, Descending: true}); got == nil || got.ID != u.ID {
			t.Fatalf("newest user right after create is %v", got)
		}

		// An administrative change (directory): the new email is found,
		// the old one is not, and the user is the last changed.
		u = mustGet(t, env, "t1", u.ID)
		next := edited(u, msNow().Add(time.Second), func(n *user.User) { n.Email, n.LastName = "Quinn.New@example.com", "Newname" })
		if err := env.Table.UpdateUser(ctx, directory.UserUpdate{Old: u, New: next}); err != nil {
			t.Fatal(err)
		}
		check("update", next)
		if got := first(directory.UserSearch{Order: directory.ByEmail, Word: "quinn.new"}); got == nil || got.ID != u.ID {
			t.Errorf("new email not found right after the change: %v", got)
		}
		if got := first(directory.UserSearch{Order: directory.ByEmail, Word: "quinn@"}); got != nil {
			t.Errorf("old email still found after the change: %v", got.Email)
		}
		if got := first(directory.UserSearch{Order: directory.ByUpdated, Descending: true}); got == nil || got.ID != u.ID {
			t.Errorf("last changed user is %v", got)
		}

		// A self-service change (sign-in).
		u = mustGet(t, env, "t1", u.ID)
		self := edited(u, msNow().Add(2*time.Second), func(n *user.User) { n.FirstName, n.Email = "Quentin", "q@example.com" })
		if err := env.Table.UpdateSelf(ctx, signin.SelfUpdate{User: self, PrevVersion: u.Version, OldEmail: u.Email}); err != nil {
			t.Fatal(err)
		}
		check("self-service update", self)
		if got := first(directory.UserSearch{Order: directory.ByFirstName, Word: "quent"}); got == nil || got.ID != u.ID {
			t.Errorf("new first name not found right after the change: %v", got)
		}

		// A stored access token counts as a change.
		zed := mustGet(t, env, "t1", older.ID)
		err := env.Table.SetAccessToken(ctx, user.AccessTokenChange{TenantID: "t1", UserID: zed.ID, Email: zed.Email, Sealed: "s", By: "apikey:k", At: msNow().Add(3 * time.Second)})
		if err != nil {
			t.Fatal(err)
		}
		check("access token", mustGet(t, env, "t1", zed.ID))
		if got := first(directory.UserSearch{Order: directory.ByUpdated, Descending: true}); got == nil || got.ID != zed.ID {
			t.Errorf("last changed user after the token is %v", got)
		}

		// A delete leaves every search at once.
		if _, err := env.Table.DeleteUsers(ctx, []*user.User{mustGet(t, env, "t1", zed.ID)}); err != nil {
			t.Fatal(err)
		}
		if got := first(directory.UserSearch{Order: directory.ByUsername, Word: "zed"}); got != nil {
			t.Errorf("deleted user still found: %v", got.Username)
		}
	})
}

func TestSearchUsersRefusesCursorsItDidNotHandOutForThisSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		t.Parallel()
		seeded(t, env)
		ctx := context.Background()
		q := directory.UserSearch{TenantID: "acme", Order: directory.ByUsername, Word: "a", Limit: 1}
		page, err := env.Table.SearchUsers(ctx, q)
		if err != nil || page.Next == "" {
			t.Fatalf("first page: %v, next %q", err, page.Next)
		}
		raw, _ := base64.RawURLEncoding.DecodeString(page.Next)
		forge := func(edit func(m map[string]any)) string {
			var m map[string]any
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatal(err)
			}
			edit(m)
			b, _ := json.Marshal(m)
			return base64.RawURLEncoding.EncodeToString(b)
		}
		pos := func(m map[string]any) map[string]any { return m["p"].([]any)[0].(map[string]any) }
		tests := []struct {
			name   string
			edit   func(q *directory.UserSearch)
			field  string
			reason string
		}{
			{"not base64", func(q *directory.UserSearch) { q.Cursor = "%%%" }, "cursor", "not a cursor"},
			{"not JSON", func(q *directory.UserSearch) { q.Cursor = base64.RawURLEncoding.EncodeToString([]byte("{")) }, "cursor", "not a cursor"},
			{"too long", func(q *directory.UserSearch) { q.Cursor = strings.Repeat("a", 5000) }, "cursor", "not a cursor"},
			{"another tenant", func(q *directory.UserSearch) { q.TenantID = "globex" }, "cursor", "other conditions"},
			{"another word", func(q *directory.UserSearch) { q.Word = "b" }, "cursor", "other conditions"},
			{"another order", func(q *directory.UserSearch) { q.Order = directory.ByEmail }, "cursor", "other conditions"},
			{"another direction", func(q *directory.UserSearch) { q.Descending = true }, "cursor", "other conditions"},
			{"another profile", func(q *directory.UserSearch) { q.LoginProfileID = 2 }, "cursor", "other conditions"},
			{"position outside the prefix", func(q *directory.UserSearch) {
				q.Cursor = forge(func(m map[string]any) { p := pos(m); p["k"] = "zzz" + p["k"].(string)[1:] })
			}, "cursor", "not a cursor"},
			{"position of no user", func(q *directory.UserSearch) {
				q.Cursor = forge(func(m map[string]any) { pos(m)["sk"] = "TENANT" })
			}, "cursor", "not a cursor"},
			{"index key of another user", func(q *directory.UserSearch) {
				q.Cursor = forge(func(m map[string]any) { pos(m)["k"] = "alice\x01" + strings.Repeat("2", 26) })
			}, "cursor", "not a cursor"},
			{"unknown member", func(q *directory.UserSearch) { q.Cursor = forge(func(m map[string]any) { m["x"] = 1 }) }, "cursor", "not a cursor"},
			{"negative offset", func(q *directory.UserSearch) { q.Cursor = forge(func(m map[string]any) { m["o"] = -1 }) }, "cursor", "not a cursor"},
			{"limit 0", func(q *directory.UserSearch) { q.Cursor, q.Limit = "", 0 }, "limit", "from 1"},
			{"limit too large", func(q *directory.UserSearch) { q.Cursor, q.Limit = "", directory.MaxSearchLimit+1 }, "limit", "from 1"},
			{"negative skip", func(q *directory.UserSearch) { q.Cursor, q.Skip = "", -1 }, "skip", "from 0"},
			{"skip too large", func(q *directory.UserSearch) { q.Cursor, q.Skip = "", directory.MaxSearchSkip+1 }, "skip", "from 0"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				bad := q
				bad.Cursor = page.Next
				tt.edit(&bad)
				_, err := env.Table.SearchUsers(ctx, bad)
				wantCode(t, err, fault.Invalid, tt.field)
				if !strings.Contains(err.Error(), tt.reason) {
					t.Errorf("error %q does not say %q", err, tt.reason)
				}
			})
		}
	})
}

func TestSearchUsersWithAConditionNoIndexServesStopsAtTheDiscardBoundAndCanGoOn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		t.Parallel()
		ctx := context.Background()
		// 1,100 users of the default profile, then 3 of profile 7.
		var users []*user.User
		for i := range directory.MaxDiscarded + 103 {
			at := fixtureBase.Add(time.Duration(i) * time.Second)
			u := &user.User{TenantID: "big", ID: store.UserIDAt(at), Number: int64(i + 1), Username: fmt.Sprintf("u%05d", i),
				Email: fmt.Sprintf("u%05d@example.com", i), CreatedAt: at, UpdatedAt: at}
			if i >= directory.MaxDiscarded+100 {
				u.LoginProfileID = 7
			}
			users = append(users, u)
		}
		if err := env.Table.SeedUsers(ctx, users); err != nil {
			t.Fatal(err)
		}
		q := directory.UserSearch{TenantID: "big", LoginProfileID: 7, Limit: 10}
		page, err := env.Table.SearchUsers(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if !page.Partial || !page.More || page.Next == "" || len(page.Users) != 0 || page.Indexed {
			t.Fatalf("first request: partial %t, more %t, %d users, indexed %t", page.Partial, page.More, len(page.Users), page.Indexed)
		}
		if page.Examined > directory.MaxDiscarded+directory.MaxSearchLimit {
			t.Errorf("examined %d users, more than the bound allows", page.Examined)
		}
		q.Cursor = page.Next
		page, err = env.Table.SearchUsers(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if got := usernames(page.Users); got != "u01100,u01101,u01102" || page.Partial || page.More || page.Offset != 0 {
			t.Errorf("second request: %s (partial %t, more %t, offset %d)", got, page.Partial, page.More, page.Offset)
		}
	})
}

// uniformTenant returns n users whose items all have the same size, so a
// page of any search costs the same capacity whichever users it holds:
// half the usernames (and emails) begin with "al", half the first names
// with "be" and half the last names with "no"; one is created each second
// from fixtureBase and changed an hour later.
func uniformTenant(tenantID string, n int) []*user.User {
	users := make([]*user.User, n)
	for i := range n {
		created := fixtureBase.Add(time.Duration(i) * time.Second)
		name := fmt.Sprintf("%s%06d", []string{"al", "bo"}[i%2], i)
		users[i] = &user.User{
			TenantID: tenantID, ID: store.UserIDAt(created), Number: int64(1_000_000 + i),
			Username: name, Email: name + "@example.com",
			FirstName: []string{"Bea", "Cid"}[i/2%2], LastName: []string{"Nord", "Ostr"}[i/4%2],
			Active: i%3 != 0, Role: "member", CreatedAt: created, UpdatedAt: created.Add(time.Hour),
			CreatedBy: "user:creator", UpdatedBy: "user:changer", Version: 1,
		}
	}
	return users
}

// costCase is a search whose pages an index serves in full.
type costCase struct {
	name string
	q    directory.UserSearch
}

// costCases are the indexed searches: a prefix on each text field and on
// any of them, every order both ways, and a date range on each time.
// Pages of limit need at least 2*limit+1 users of uniformTenant to match.
func costCases(tenantID string, limit int) []costCase {
	from := fixtureBase.Add(5 * time.Second)
	to := from.Add(time.Duration(2*limit+15) * time.Second)
	q := func(o directory.UserOrder) directory.UserSearch {
		return directory.UserSearch{TenantID: tenantID, Order: o, Limit: limit}
	}
	cases := []costCase{
		{"prefix-username", q(directory.ByUsername)},
		{"prefix-email", q(directory.ByEmail)},
		{"prefix-firstName", q(directory.ByFirstName)},
		{"prefix-lastName", q(directory.ByLastName)},
		{"prefix-any", q(directory.ByMatch)},
		{"range-createDateTime", q(directory.ByCreated)},
		{"range-updateDateTime", q(directory.ByUpdated)},
	}
	cases[0].q.Word, cases[1].q.Word, cases[2].q.Word, cases[3].q.Word, cases[4].q.Word = "al", "al", "be", "no", "al"
	cases[5].q.From, cases[5].q.To = from, to
	cases[6].q.DateField, cases[6].q.From, cases[6].q.To = directory.Updated, from.Add(time.Hour), to.Add(time.Hour)
	for _, o := range []struct {
		name  string
		order directory.UserOrder
	}{{"id", directory.ByCreated}, {"username", directory.ByUsername}, {"email", directory.ByEmail}, {"firstName", directory.ByFirstName},
		{"lastName", directory.ByLastName}, {"updateDateTime", directory.ByUpdated}} {
		for _, desc := range []bool{false, true} {
			c := costCase{name: "sort-" + o.name + map[bool]string{false: "-asc", true: "-dsc"}[desc], q: q(o.order)}
			c.q.Descending = desc
			cases = append(cases, c)
		}
	}
	return cases
}

// pageCost is what one page of a search cost.
type pageCost struct {
	calls int
	read  float64
}

// firstPages returns the cost of the first page and of the page after it.
func firstPages(t testing.TB, table *store.Table, q directory.UserSearch) [2]pageCost {
	t.Helper()
	var costs [2]pageCost
	for i := range costs {
		ctx, usage := store.WithUsage(context.Background())
		page, err := table.SearchUsers(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Users) != q.Limit || !page.More || !page.Indexed {
			t.Fatalf("%+v: page %d holds %d users (more %t, indexed %t); the case needs more matching users", q, i, len(page.Users), page.More, page.Indexed)
		}
		costs[i].calls = usage.Calls()
		costs[i].read, _ = usage.Capacity()
		q.Cursor = page.Next
	}
	return costs
}

func TestIndexedSearchPagesCostTheSameInASmallAndATenTimesLargerTenant(t *testing.T) {
	for _, ep := range emulator.DynamoDB(t) {
		if ep.Name != emulator.NameDynamoDBLocal {
			continue // moto reports no consumed capacity
		}
		env := storetest.New(t, ep)
		ctx := context.Background()
		if err := env.Table.SeedUsers(ctx, append(uniformTenant("small", 50), uniformTenant("large", 500)...)); err != nil {
			t.Fatal(err)
		}
		for _, c := range costCases("small", 10) {
			small := firstPages(t, env.Table, c.q)
			c.q.TenantID = "large"
			large := firstPages(t, env.Table, c.q)
			t.Logf("%-28s %+v", c.name, small)
			if small != large || small[0].read <= 0 {
				t.Errorf("%s: pages of 50 users' tenant cost %+v, of 500 users' %+v", c.name, small, large)
			}
			want := 1
			if c.q.Order == directory.ByMatch {
				want = 4 // one Query per text field
			}
			if small[0].calls != want {
				t.Errorf("%s: %d calls per page, want %d", c.name, small[0].calls, want)
			}
		}
	}
}
