package directory

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"roster/shared/auth"
	"roster/shared/role"
	"roster/shared/user"
)

// Searching a tenant's users: what a search asks and what a page holds.
// How a store answers it (indexes, cursors) is its own affair; see
// docs/decisions/011-search.md for the table's.

// SearchUsers returns one page of a search of the caller's tenant
// (users:read); q.TenantID is set from the principal.
func (s *service) SearchUsers(ctx context.Context, p auth.Principal, q UserSearch) (UserPage, error) {
	if err := require(p, role.UsersRead); err != nil {
		return UserPage{}, err
	}
	q.TenantID = p.TenantID
	return s.st.SearchUsers(ctx, q)
}

// UserOrder is the order a search lists users in.
type UserOrder int

// The orders. Each is one index, so paging through any of them costs the
// same at every tenant size.
const (
	ByCreated   UserOrder = iota // creation order (the id's time); the default
	ByUsername                   // username, case-insensitively
	ByEmail                      // email, case-insensitively
	ByFirstName                  // first name, case-insensitively
	ByLastName                   // last name, case-insensitively
	ByUpdated                    // time of the last change
	// ByMatch orders by the text a prefix search word matched in username,
	// email, first or last name: four indexes merged, each user once.
	ByMatch
)

// DateField is the time a date range bounds.
type DateField int

// The times a range can bound.
const (
	Created DateField = iota // createdAt, by the time in the user's id
	Updated                  // updatedAt
)

// Search limits, documented in docs/api/accessusers.md.
const (
	MaxSearchLimit = 100    // users per page
	MaxSearchSkip  = 10_000 // results a request may pass over (Skip); the cost grows with it
	// MaxDiscarded bounds the users a request reads and drops because
	// a condition no index serves rules them out (or, for ByMatch, because
	// another of their fields lists them). When it is reached the page
	// ends early and Partial is set.
	MaxDiscarded = 1_000
)

// UserSearch asks for one page of a tenant's users. Word, LoginProfileID
// and the date range all apply (AND).
type UserSearch struct {
	TenantID string
	// Word, folded (FoldSearchText), must begin (or with Contains, occur
	// in) the field the order sorts by for ByUsername, ByEmail, ByFirstName
	// and ByLastName, and any of the four otherwise. "" matches everyone.
	Word     string
	Contains bool
	Order    UserOrder
	// Descending reverses the order.
	Descending bool
	// LoginProfileID keeps the users of one profile (0: any); a user that
	// stores none has loginprofile.DefaultID.
	LoginProfileID int64
	// From and To bound DateField, both inclusive, to the millisecond;
	// a zero one leaves its end open.
	DateField DateField
	From, To  time.Time
	Skip      int    // results to pass over before the page (0..MaxSearchSkip)
	Limit     int    // page size (1..MaxSearchLimit)
	Cursor    string // Next of the previous page of the same search; Skip counts from it
}

// UserPage is one page of a search. Its users carry the fields a listing
// shows: number, names, email, active, login profile, times and actors.
type UserPage struct {
	Users  []*user.User
	Offset int    // the index of Users[0] in the whole result
	More   bool   // results may follow; false means this page ends the result
	Next   string // the Cursor of the next page when More; "" otherwise
	// Partial: the request reached MaxDiscarded before the page was full.
	// Users holds what it found; Next continues where it stopped.
	Partial bool
	// Indexed: every condition was a key condition, so the page's cost
	// does not depend on the tenant's size.
	Indexed  bool
	Examined int // users read (and paid for) by the request
}

// maxFoldedBytes bounds folded text: a store keys its search indexes by it
// (DynamoDB's LSI keys may hold 1024 bytes); every field a search can match
// is shorter.
const maxFoldedBytes = 512

// FoldSearchText returns the form of a field or search word under which
// searches compare: trimmed, lower-cased, without control characters (or
// the noncharacter U+10FFFF, which a store may use to bound a prefix), at
// most maxFoldedBytes long.
func FoldSearchText(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.MaxRune {
			return -1
		}
		return r
	}, s)
	if len(s) > maxFoldedBytes {
		cut := maxFoldedBytes
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return s
}
