// Package user owns the tenant user: the record every endpoint group reads
// and writes, its constructor (New) and its invariants. Callers reach
// users through package directory, whose store contract speaks in them.
package user

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"strings"
	"time"

	"golang.org/x/net/idna"
	"golang.org/x/text/secure/precis"
	"golang.org/x/text/unicode/norm"
)

// User is a person's account within one tenant. All endpoint groups work on
// this one record.
type User struct {
	TenantID  string    // owning tenant; never changes
	ID        string    // string id (publicId / userId of the dialects)
	Number    int64     // tenant-scoped numeric id (the Access User API's id)
	Username  string    // login name, unique per tenant case-insensitively
	Email     string    // unique per tenant case-insensitively
	FirstName string    // given name
	LastName  string    // family name
	Active    bool      // an inactive user cannot log in
	Role      string    // role id; grants permissions
	CreatedAt time.Time // creation time
	UpdatedAt time.Time // last change
	CreatedBy string    // principal that created the user
	UpdatedBy string    // principal that last changed the user
	Version   int64     // optimistic-concurrency version, starts at 1
	// RequestID is the request (or provisioning event) that made the last
	// change, which the change feed and the audit log show. The store sets
	// it from the request as it writes.
	RequestID string

	AccountID      string // the person behind this user (see package signin)
	DisplayName    string // how the user is shown
	Mobile         string // phone number, as given
	LanguageCode   string // ISO 639-1
	DefaultStoreID string // the account API's defaultStoreUid

	// EmailVerified says the address was proved: its holder followed a
	// verification link sent to it (decision 023), or an administrator or
	// provisioning vouched for it. A change of address clears it
	// (Reverify) unless the change vouches for the new one.
	EmailVerified bool

	// TokenVersion revokes access tokens: a token carrying another version
	// is refused. A password change (the password belongs to the account)
	// bumps it on every user of the account.
	TokenVersion int64 `json:"-"`

	// SessionsRevokedAt ends sessions (see package signin) in this user: a
	// session that began at or before it (to the millisecond) cannot be
	// exchanged for this user's tokens. Deactivation sets it, so a user
	// reactivated later opens only to new logins.
	SessionsRevokedAt time.Time `json:"-"`

	// Administration (the Users and Identity APIs).
	NotificationsOptIn         bool                 // email notifications opt-in
	LDAPUserName               string               // directory (LDAP/AD) user name; set means an LDAP user
	BypassBasicAuth            bool                 // may use basic auth where the tenant restricts it
	InvitationAccepted         bool                 // the user accepted their invitation
	Groups                     []string             // ids of the tenant groups the user belongs to, sorted
	WorkingEnvironments        []string             // public ids of the systems assigned to the user
	CreatedWorkingEnvironments []WorkingEnvironment // systems the user created
	Azure                      *AzureCredentials    // optional cloud credentials
	LoginProfileID             int64                // the Access User API's authId / loginProfileId; 0: the tenant's default
}

// IsLDAP reports whether the user signs in through a directory.
func (u *User) IsLDAP() bool { return u.LDAPUserName != "" }

// WorkingEnvironment is a system a user created.
type WorkingEnvironment struct {
	PublicID string
	Name     string
	Type     string
}

// AzureCredentials are a user's cloud credentials. ApplicationKey is a
// secret: in clear only on its way in, sealed before it reaches the store
// and never returned in clear. An ordinary read gives Withheld in its
// place; the sealed key comes only from a privileged read (Secrets).
type AzureCredentials struct {
	SubscriptionID string
	TenantID       string
	ApplicationID  string
	ApplicationKey string `json:"-"` // sealed; Withheld on an ordinary read
}

// Withheld stands, on an ordinary read, for a secret that is stored but
// not read: it says a key is there (so a dialect can show it masked)
// without carrying it. A write that carries Withheld keeps the stored
// secret.
const Withheld = "(withheld)"

// Secrets are the sealed third-party secrets stored with a user: the
// UserInfo access token and the Azure application key. Ordinary reads
// (GetUser, listing, search) never return them, as Kratos's identity pool
// never returns credentials; only a privileged read (SecretReader) does,
// for the code that must open or re-seal them.
type Secrets struct {
	AccessToken    string `json:"-"` // sealed; empty when none is stored
	ApplicationKey string `json:"-"` // sealed; empty when none is stored
}

// SecretReader is the privileged read of a user's sealed secrets. It is
// kept apart from the ordinary reads so that holding those never gives
// access to them.
type SecretReader interface {
	// UserSecrets returns the user's sealed secrets. fault.NotFound.
	UserSecrets(ctx context.Context, tenantID, id string) (*Secrets, error)
}

// AccessTokenChange stores a sealed third-party access token on a user.
type AccessTokenChange struct {
	TenantID string
	UserID   string
	Email    string    // the email the user was found by; the change applies only while it holds
	Sealed   string    // the token, sealed by the caller
	By       string    // principal making the change
	At       time.Time // time of the change
}

// NormalizeEmail returns the form of an email under which uniqueness is
// enforced, so look-alike addresses are one address: the local part in
// NFKC (full-width and compatibility forms folded to their plain letters,
// accents composed) and lower case, the domain as IDNA's lookup profile
// writes it (UTS 46: a Unicode domain and its xn-- form are one). An
// address IDNA refuses keeps its NFKC lower-case domain; the field rules
// have already judged it.
func NormalizeEmail(email string) string {
	email = norm.NFKC.String(strings.TrimSpace(email))
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return strings.ToLower(email)
	}
	local, domain := strings.ToLower(email[:at]), email[at+1:]
	if ascii, err := idna.Lookup.ToASCII(domain); err == nil {
		domain = ascii
	}
	return local + "@" + strings.ToLower(domain)
}

// NormalizeUsername returns the form of a username under which uniqueness is
// enforced: RFC 8265's UsernameCaseMapped profile (PRECIS), which maps
// full-width letters to their plain forms, lower-cases and composes, so
// "ａｄａ" and "ada" are one name. A name the profile refuses (the field
// rules have judged it already) is compared in NFKC lower case.
func NormalizeUsername(name string) string {
	name = strings.TrimSpace(name)
	if mapped, err := precis.UsernameCaseMapped.String(name); err == nil {
		return mapped
	}
	return strings.ToLower(norm.NFKC.String(name))
}

// idAlphabet is base32 with its characters in ASCII order, so ids sort
// as strings in the order of the bytes they encode.
const idAlphabet = "234567abcdefghijklmnopqrstuvwxyz"

var idEncoding = base32.NewEncoding(idAlphabet).WithPadding(base32.NoPadding)

// NewID returns a new user id: 26 lower-case characters encoding a 48-bit
// millisecond timestamp and 80 random bits. Ids sort by creation time, so a
// tenant's users listed by key come out oldest first; they are safe in
// keys, paths and the `^[A-Za-z0-9-_]+` uid pattern.
func NewID() string { return newIDAt(time.Now()) }

func newIDAt(t time.Time) string {
	var b [16]byte
	ms := uint64(t.UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	_, _ = rand.Read(b[6:]) // crypto/rand.Read never fails on supported platforms
	return idEncoding.EncodeToString(b[:])
}

// numberEpoch is the origin of user numbers; it keeps them small.
var numberEpoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// NewNumber returns a candidate tenant-scoped numeric id: seconds since 2024
// in the high bits and 20 random bits below, so numbers grow with creation
// time, stay below 2^53 (exact in JSON clients) and need no counter item
// (a create stays one transaction). Stores reject a collision and the caller
// draws again.
func NewNumber(now time.Time) int64 {
	secs := int64(now.Sub(numberEpoch) / time.Second)
	if secs < 0 {
		secs = 0
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	r := int64(b[0])<<16 | int64(b[1])<<8 | int64(b[2])
	return secs<<20 | r&(1<<20-1)
}
