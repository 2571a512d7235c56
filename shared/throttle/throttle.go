// Package throttle owns the limits on what Roster sends to people on a
// caller's behalf: invitations today, and every mail a later feature sends
// (recovery, verification) tomorrow. A limit is a fixed window with a
// maximum count; a send takes one from each counter it falls under (its
// address in the tenant, and the tenant as a whole), and a send whose
// counter is spent is refused with fault.TooManyRequests and the time
// until its window ends. The store keeps the counts, and takes them in the
// same transaction as the write they limit, so a refused send writes
// nothing and a counted one cannot go unwritten.
package throttle

import (
	"fmt"
	"time"

	"roster/shared/fault"
	"roster/shared/user"
)

// Limit is at most Max sends in each Window. Windows are fixed and aligned
// on multiples of Window since the Unix epoch, so every counter of a limit
// restarts at the same moment and a window is named by its start alone. A
// burst can reach twice Max across the turn of a window, the price of one
// counter item per window instead of a log of sends.
type Limit struct {
	Max    int64
	Window time.Duration
}

// Span returns the start and the end of the window holding now.
func (l Limit) Span(now time.Time) (start, end time.Time) {
	start = now.Truncate(l.Window)
	return start, start.Add(l.Window)
}

// The limits on mail: a person gets at most MailPerAddress mails an hour
// from one tenant, and a tenant sends at most MailPerTenant an hour. Five
// covers an administrator who resends an invitation a few times; a
// hundred covers inviting a team by hand, while bulk onboarding goes
// through provisioning or SCIM, which send no throttled mail. Together
// they bound what a stolen administrator credential can spray at
// strangers' inboxes.
const (
	MailPerAddress = 5
	MailPerTenant  = 100
	MailWindow     = time.Hour
)

// Counter is one count a send takes from: Key names it within the
// tenant's partition, and Of says what it counts, for the refusal.
type Counter struct {
	TenantID string
	Key      string
	Of       string
	Limit    Limit
}

// Mail returns the counters a mail to address from tenantID takes from,
// the address's first: its refusal is the one a caller can do something
// about. The address is counted in its normalised form (user.NormalizeEmail),
// so look-alike spellings of one inbox share a count.
func Mail(tenantID, address string) []Counter {
	return []Counter{
		{TenantID: tenantID, Key: "MAILTO#" + user.NormalizeEmail(address), Of: "this address", Limit: Limit{Max: MailPerAddress, Window: MailWindow}},
		{TenantID: tenantID, Key: "MAIL", Of: "this tenant", Limit: Limit{Max: MailPerTenant, Window: MailWindow}},
	}
}

// Refused is the error of a send whose counter c is spent at now: the
// caller may retry when c's window ends.
func Refused(c Counter, now time.Time) *fault.Error {
	_, end := c.Limit.Span(now)
	return &fault.Error{
		Code:       fault.TooManyRequests,
		Message:    fmt.Sprintf("Too many mails to %s: at most %d every %s. Retry after the time Retry-After gives.", c.Of, c.Limit.Max, window(c.Limit.Window)),
		RetryAfter: end.Sub(now),
	}
}

// window says a window's length the way a person would.
func window(d time.Duration) string {
	switch {
	case d == time.Hour:
		return "hour"
	case d%time.Hour == 0:
		return fmt.Sprintf("%d hours", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%d minutes", d/time.Minute)
	}
	return d.String()
}

// The limit on password-recovery requests from one source (an IP address)
// into one tenant: enough for a person who mistypes their address a few
// times, far too few to walk a list of addresses (decision 021).
const RecoveryPerSource = 20

// RecoveryFrom is the counter of recovery requests from source into
// tenantID. Unlike an address's counter, its refusal is shown (429): it
// depends only on what the caller itself sent, so it tells nothing about
// the people of the tenant.
func RecoveryFrom(tenantID, source string) Counter {
	return Counter{TenantID: tenantID, Key: "RECOVERFROM#" + source, Of: "this tenant from your address", Limit: Limit{Max: RecoveryPerSource, Window: MailWindow}}
}

// Address is the counter of mail to one address in a tenant, the first of
// Mail's: invitations, resets and verifications share it, so no mix of
// them floods an inbox.
func Address(tenantID, address string) Counter { return Mail(tenantID, address)[0] }

// Keyed is a per-recipient counter for a recipient known only by a keyed
// hash (a user code that names nobody): it counts like an address's, and
// the table never holds what someone typed.
func Keyed(tenantID, h string) Counter {
	return Counter{TenantID: tenantID, Key: "MAILTOKEY#" + h, Of: "this address", Limit: Limit{Max: MailPerAddress, Window: MailWindow}}
}
