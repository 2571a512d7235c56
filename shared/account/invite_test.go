package account_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"roster/shared/auth"
	"roster/shared/fault"
	"roster/shared/signin"
	"roster/shared/user"
	"roster/shared/web/webtest"
)

func TestDescribeInviteShowsWhatTheInvitationIsFor(t *testing.T) {
	f := happy(t)
	var got string
	f.describeInvite = func(tok string) (signin.InviteInfo, error) {
		got = tok
		return signin.InviteInfo{TenantID: "acme", TenantName: "Acme", Organization: "Acme Corp", Role: "member",
			EmailHint: "g***@example.com", ExpiresAt: time.Date(2025, 3, 17, 13, 0, 0, 0, time.FixedZone("CET", 3600))}, nil
	}
	res := do(t, f, request{Method: "GET", Target: "/account/invite", Header: map[string]string{"x-invite-token": " " + inviteTok + " "}})

	webtest.AssertJSON(t, res, http.StatusOK, `{"tenantUid":"acme","tenantName":"Acme","organizationName":"Acme Corp",
		"role":"member","email":"g***@example.com","expiresAt":"2025-03-17T12:00:00Z"}`)
	webtest.AssertHeaders(t, res, map[string]string{"Cache-Control": "no-store"})
	if got != inviteTok {
		t.Errorf("DescribeInvite(%q)", got)
	}
}

func TestDescribeInviteRefusesAMissingOrOddToken(t *testing.T) {
	tests := map[string]func(*http.Request){
		"missing":    func(*http.Request) {},
		"empty":      func(r *http.Request) { r.Header["X-Invite-Token"] = []string{""} },
		"blank":      func(r *http.Request) { r.Header["X-Invite-Token"] = []string{"   "} },
		"twice":      func(r *http.Request) { r.Header["X-Invite-Token"] = []string{inviteTok, inviteTok} },
		"oversize":   func(r *http.Request) { r.Header.Set("X-Invite-Token", strings.Repeat("i", 513)) },
		"inner":      func(r *http.Request) { r.Header.Set("X-Invite-Token", "rit_a b") },
		"non-ASCII":  func(r *http.Request) { r.Header.Set("X-Invite-Token", "rit_été") },
		"in a query": func(r *http.Request) { r.URL.RawQuery = "x-invite-token=" + inviteTok },
	}
	for name, edit := range tests {
		t.Run(name, func(t *testing.T) {
			f := happy(t)
			webtest.AssertProblem(t, do(t, f, request{Method: "GET", Target: "/account/invite", Edit: edit}), 400, "x-invite-token")
			webtest.AssertCalls(t, f)
		})
	}
}

func TestDescribeInviteOfAUsedExpiredOrUnknownTokenIs404(t *testing.T) {
	f := failing(t, fault.New(fault.NotFound, "No such invitation."))
	webtest.AssertProblem(t, do(t, f, routeFor(t, "DescribeInvite").request()), http.StatusNotFound)
	webtest.AssertCalls(t, f, "DescribeInvite")
}

func TestAcceptInviteEntersTheTenantWithFreshTokens(t *testing.T) {
	f := happy(t)
	var gotAuth, gotInvite string
	f.acceptInvite = func(a, inv string) (signin.Tokens, *user.User, error) {
		gotAuth, gotInvite = a, inv
		u := theUser()
		u.Version = 1
		return theTokens(), u, nil
	}
	res := do(t, f, request{Method: "PUT", Target: "/account/invite", Header: map[string]string{"Authorization": "Bearer " + authTok},
		Body: `{"inviteToken":"` + inviteTok + `"}`})

	webtest.AssertJSON(t, res, http.StatusOK, theUserJSON[:len(theUserJSON)-1]+","+theTokensJSON+"}")
	webtest.AssertHeaders(t, res, map[string]string{"ETag": `"1"`, "Cache-Control": "no-store"})
	if gotAuth != authTok || gotInvite != inviteTok {
		t.Errorf("AcceptInvite(%q, %q)", gotAuth, gotInvite)
	}
}

func TestAcceptInviteRefusesBadInputWithoutCallingTheService(t *testing.T) {
	for name, body := range map[string]string{
		"missing":  `{}`,
		"empty":    `{"inviteToken":""}`,
		"null":     `{"inviteToken":null}`,
		"spaces":   `{"inviteToken":"rit_a b"}`,
		"oversize": `{"inviteToken":"` + strings.Repeat("i", 513) + `"}`,
	} {
		t.Run(name, func(t *testing.T) {
			f := happy(t)
			rq := routeFor(t, "AcceptInvite").request()
			rq.Body = body
			webtest.AssertProblem(t, do(t, f, rq), 400, "inviteToken")
			webtest.AssertCalls(t, f)
		})
	}
}

func TestAcceptInviteMapsTheServicesFaults(t *testing.T) {
	for code, status := range map[fault.Code]int{fault.NotFound: 404, fault.Unauthorized: 401, fault.Conflict: 409} {
		f := failing(t, webtest.Fault(code))
		webtest.AssertProblem(t, do(t, f, routeFor(t, "AcceptInvite").request()), status)
	}
}

func TestCreateInviteShowsTheTokenOnce(t *testing.T) {
	for name, tc := range map[string]struct {
		as      auth.Principal
		extra   string
		wantTTL time.Duration
	}{
		"owner, default expiry": {as: owner},
		"API key, one day":      {as: adminKey, extra: `,"expiresInHours":24`, wantTTL: 24 * time.Hour},
		"manager, thirty days":  {as: manager, extra: `,"expiresInHours":720`, wantTTL: 720 * time.Hour},
		"one hour":              {as: owner, extra: `,"expiresInHours":1`, wantTTL: time.Hour},
	} {
		t.Run(name, func(t *testing.T) {
			f := happy(t)
			var gotP auth.Principal
			var got signin.NewInvite
			f.createInvite = func(p auth.Principal, in signin.NewInvite) (signin.Issued, error) {
				gotP, got = p, in
				return signin.Issued{ID: "iiiiiiiiiiiiiiii", Token: inviteTok, ExpiresAt: time.Date(2025, 3, 17, 12, 0, 0, 0, time.UTC)}, nil
			}
			res := do(t, f, request{Method: "POST", Target: "/tenants/acme/invitations", As: &tc.as,
				Body: `{"email":"ada@example.com","role":"user_manager","firstname":"Ada","lastname":"Lovelace"` + tc.extra + `}`})

			webtest.AssertJSON(t, res, http.StatusCreated, `{"invitationId":"iiiiiiiiiiiiiiii","inviteToken":"`+inviteTok+`","tenantUid":"acme",
				"email":"ada@example.com","role":"user_manager","firstname":"Ada","lastname":"Lovelace","expiresAt":"2025-03-17T12:00:00Z"}`)
			webtest.AssertHeaders(t, res, map[string]string{"Cache-Control": "no-store"})
			want := signin.NewInvite{Email: "ada@example.com", Role: "user_manager", FirstName: "Ada", LastName: "Lovelace", TTL: tc.wantTTL}
			if got != want || gotP.TenantID != "acme" || gotP.Method != tc.as.Method {
				t.Errorf("CreateInvite(%+v, %+v), want %+v", gotP, got, want)
			}
		})
	}
}

func TestCreateInviteRefusesBadInputWithoutCallingTheService(t *testing.T) {
	valid := map[string]string{"email": `"ada@example.com"`, "role": `"member"`, "firstname": `"Ada"`, "lastname": `"Lovelace"`}
	body := func(over map[string]string) string {
		m := webtest.Headers(valid, over)
		var parts []string
		for _, k := range []string{"email", "role", "firstname", "lastname", "expiresInHours"} {
			if v, ok := m[k]; ok && v != "-" {
				parts = append(parts, `"`+k+`":`+v)
			}
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	tests := []struct {
		name   string
		over   map[string]string
		fields []string
	}{
		{"no email", map[string]string{"email": "-"}, []string{"email"}},
		{"bad email", map[string]string{"email": `"ada"`}, []string{"email"}},
		{"no role", map[string]string{"role": "-"}, []string{"role"}},
		{"unknown role", map[string]string{"role": `"superuser"`}, []string{"role"}},
		{"role in another case", map[string]string{"role": `"Admin"`}, []string{"role"}},
		{"no firstname", map[string]string{"firstname": "-"}, []string{"firstname"}},
		{"no lastname", map[string]string{"lastname": `""`}, []string{"lastname"}},
		{"zero hours", map[string]string{"expiresInHours": "0"}, []string{"expiresInHours"}},
		{"negative hours", map[string]string{"expiresInHours": "-1"}, []string{"expiresInHours"}},
		{"over thirty days", map[string]string{"expiresInHours": "721"}, []string{"expiresInHours"}},
		{"fractional hours", map[string]string{"expiresInHours": "1.5"}, []string{"expiresInHours"}},
		{"hours beyond int", map[string]string{"expiresInHours": "1e30"}, []string{"expiresInHours"}},
		{"everything missing", map[string]string{"email": "-", "role": "-", "firstname": "-", "lastname": "-"}, []string{"email", "role", "firstname", "lastname"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := happy(t)
			res := do(t, f, request{Method: "POST", Target: "/tenants/acme/invitations", As: &owner, Body: body(tt.over)})
			webtest.AssertProblem(t, res, 400, tt.fields...)
			webtest.AssertCalls(t, f)
		})
	}
}

func TestCreateInviteForARoleTheCallerMayNotGrantIs403(t *testing.T) {
	f := failing(t, fault.New(fault.Forbidden, "Only an owner invites admins."))
	res := do(t, f, request{Method: "POST", Target: "/tenants/acme/invitations", As: &manager,
		Body: `{"email":"ada@example.com","role":"admin","firstname":"Ada","lastname":"Lovelace"}`})
	webtest.AssertProblem(t, res, http.StatusForbidden)
	webtest.AssertCalls(t, f, "CreateInvite")
}

func TestCreateInviteOverALimitIs429WithTheSecondsUntilItLifts(t *testing.T) {
	f := failing(t, &fault.Error{Code: fault.TooManyRequests, Message: "Too many mails to this address.", RetryAfter: 1234500 * time.Millisecond})
	res := do(t, f, request{Method: "POST", Target: "/tenants/acme/invitations", As: &owner,
		Body: `{"email":"ada@example.com","role":"member","firstname":"Ada","lastname":"Lovelace"}`})
	webtest.AssertProblem(t, res, http.StatusTooManyRequests)
	webtest.AssertHeaders(t, res, map[string]string{"Retry-After": "1235"})
	webtest.AssertCalls(t, f, "CreateInvite")
}
