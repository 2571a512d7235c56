package contract_test

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"roster/shared/throttle"
)

// TestAccountInvitationsAreThrottledPerAddress: an address takes
// throttle.MailPerAddress invitations an hour from a tenant; the next is
// 429 with the seconds until the hour ends in Retry-After and writes
// nothing, while another address, and the same address in another tenant,
// are still invited. A repeat invitation replaces the earlier one.
func TestAccountInvitationsAreThrottledPerAddress(t *testing.T) {
	a := newAPI(t)
	globex := a.env.Tenant(t, "globex")
	globexKey := a.env.APIKey(t, globex.ID, a.keys.Pepper)
	body := func(email string) string {
		return fmt.Sprintf(`{"email":%q,"role":"member","firstname":"Grace","lastname":"Hopper"}`, email)
	}
	var tokens []string
	for range throttle.MailPerAddress {
		tokens = append(tokens, accountInvite(t, a, "acme", a.APIKey, "grace@example.com", "member"))
	}
	// Only the last invitation still works.
	a.Do(t, Request{Method: "GET", Path: "/account/invite", Header: map[string]string{"x-invite-token": tokens[0]}}, http.StatusNotFound)
	a.Do(t, Request{Method: "GET", Path: "/account/invite", Header: map[string]string{"x-invite-token": tokens[len(tokens)-1]}}, http.StatusOK)

	before := a.Count(t)
	res := a.Do(t, Request{Method: "POST", Path: "/tenants/acme/invitations", Credential: a.APIKey, Body: body("Grace@Example.com")}, http.StatusTooManyRequests)
	if secs, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || secs < 1 || secs > 3600 {
		t.Errorf("Retry-After = %q, want the seconds until the hour ends", res.Header.Get("Retry-After"))
	}
	var p struct {
		Status int    `json:"status"`
		Detail string `json:"detail"`
	}
	if res.JSON(t, &p); p.Status != http.StatusTooManyRequests || p.Detail == "" {
		t.Errorf("problem %s", res.Body)
	}
	if after := a.Count(t); after != before {
		t.Errorf("the refused invitation changed the table: %d items, then %d", before, after)
	}
	a.Do(t, Request{Method: "POST", Path: "/tenants/acme/invitations", Credential: a.APIKey, Body: body("alan@example.com")}, http.StatusCreated)
	a.Do(t, Request{Method: "POST", Path: "/tenants/globex/invitations", Credential: globexKey, Body: body("grace@example.com")}, http.StatusCreated)
}
