package account

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"roster/shared/check"
	"roster/shared/fault"
	"roster/shared/signin"
	"roster/shared/user"
	"roster/shared/web"
)

// inviteHeader carries the invite token to GET /account/invite, as the API
// documents.
const inviteHeader = "X-Invite-Token"

// checkToken checks an opaque token given as input: present, bounded and
// plain ASCII. Whether it is genuine is the service's answer.
func checkToken(field, v string) []fault.FieldError {
	if strings.TrimSpace(v) == "" {
		return check.Missing(field)
	}
	if p := check.Size(field, v, maxCredential); p != nil {
		return p
	}
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] > '~' {
			return []fault.FieldError{{Field: field, Message: "must be printable ASCII without spaces"}}
		}
	}
	return nil
}

// handleDescribeInvite tells whoever holds an invite token what it is for.
// Used, expired and unknown tokens are the same 404.
func handleDescribeInvite(s signin.Service, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		vs := r.Header.Values(inviteHeader)
		if len(vs) > 1 {
			errw(w, r, fault.InvalidField("x-invite-token", "must be given once"))
			return
		}
		tok := strings.TrimSpace(r.Header.Get(inviteHeader))
		if err := fault.InvalidFields(checkToken("x-invite-token", tok)); err != nil {
			errw(w, r, err)
			return
		}
		if err := web.NoBody(r, maxEmptyBody); err != nil {
			errw(w, r, err)
			return
		}
		in, err := s.DescribeInvite(r.Context(), tok)
		if err != nil {
			errw(w, r, err)
			return
		}
		web.Encode(w, http.StatusOK, inviteResponse{
			TenantUID: in.TenantID, TenantName: in.TenantName, OrganizationName: in.Organization,
			Role: in.Role, Email: in.EmailHint, ExpiresAt: in.ExpiresAt.UTC(),
		})
	})
}

type acceptInviteRequest struct {
	InviteToken string `json:"inviteToken"`
}

// Valid checks that the token is there.
func (r acceptInviteRequest) Valid(context.Context) []fault.FieldError {
	return checkToken("inviteToken", r.InviteToken)
}

// handleAcceptInvite makes the person proven by the auth token a user of
// the invitation's tenant and returns tokens for it.
func handleAcceptInvite(s signin.Service, now func() time.Time, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		authToken, err := bearer(r, "auth token")
		if err != nil {
			errw(w, r, err)
			return
		}
		req, err := web.DecodeValid[acceptInviteRequest](r, maxBody)
		if err != nil {
			errw(w, r, err)
			return
		}
		t, u, err := s.AcceptInvite(r.Context(), authToken, req.InviteToken)
		if err != nil {
			errw(w, r, err)
			return
		}
		writeEntered(w, r, http.StatusOK, t, u, now())
	})
}

type createInviteRequest struct {
	Email          string `json:"email"`
	Role           string `json:"role"`
	Firstname      string `json:"firstname"`
	Lastname       string `json:"lastname"`
	ExpiresInHours *int   `json:"expiresInHours"` // nil: the service's default (7 days)
}

// Valid checks the invitation; whether the caller may hand out the role is
// the service's answer.
func (r createInviteRequest) Valid(context.Context) []fault.FieldError {
	p := user.CheckEmail("email", r.Email)
	switch {
	case r.Role == "":
		p = append(p, check.Missing("role")...)
	default:
		p = append(p, user.CheckRole("role", r.Role)...)
	}
	p = append(p, user.CheckName("firstname", r.Firstname, true)...)
	p = append(p, user.CheckName("lastname", r.Lastname, true)...)
	if r.ExpiresInHours != nil && (*r.ExpiresInHours < 1 || *r.ExpiresInHours > maxInviteTTL) {
		p = append(p, fault.FieldError{Field: "expiresInHours", Message: "must be an integer from 1 to " + strconv.Itoa(maxInviteTTL)})
	}
	return p
}

// handleCreateInvite invites a person into the caller's tenant and shows
// the invite token once, to be passed on to the invitee.
func handleCreateInvite(s signin.Service, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := ownTenant(r)
		if err != nil {
			errw(w, r, err)
			return
		}
		req, err := web.DecodeValid[createInviteRequest](r, maxBody)
		if err != nil {
			errw(w, r, err)
			return
		}
		in := signin.NewInvite{Email: req.Email, Role: req.Role, FirstName: req.Firstname, LastName: req.Lastname}
		if req.ExpiresInHours != nil {
			in.TTL = time.Duration(*req.ExpiresInHours) * time.Hour
		}
		iss, err := s.CreateInvite(r.Context(), p, in)
		if err != nil {
			errw(w, r, err)
			return
		}
		web.Encode(w, http.StatusCreated, invitationResponse{
			InvitationID: iss.ID, InviteToken: iss.Token, TenantUID: p.TenantID, Email: req.Email,
			Role: req.Role, Firstname: req.Firstname, Lastname: req.Lastname, ExpiresAt: iss.ExpiresAt.UTC(),
		})
	})
}
