package users

import (
	"context"
	"net/http"
	"strconv"
	"unicode/utf8"

	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/role"
	"roster/shared/user"
	"roster/shared/web"
)

// createRequest makes a user. userName, an extension to the documented
// fields, is the login name; it defaults to the email.
type createRequest struct {
	Email              string  `json:"email"`
	FirstName          string  `json:"firstName"`
	LastName           string  `json:"lastName"`
	UserName           *string `json:"userName"`
	RoleID             *string `json:"roleId"`
	LDAPUserName       *string `json:"ldapUserName"`
	NotificationsOptIn *bool   `json:"notificationsOptIn"`
	EmailVerified      *bool   `json:"emailVerified"` // an extension: the caller vouches for the address
}

// Valid checks every field; a taken email or userName is the directory's
// answer.
func (r createRequest) Valid(context.Context) []fault.FieldError {
	p := user.CheckEmail("email", r.Email)
	switch {
	case r.UserName != nil:
		p = append(p, user.CheckUsername("userName", *r.UserName)...)
	case p == nil && utf8.RuneCountInString(r.Email) > user.MaxUsername:
		p = append(p, fault.FieldError{Field: "email", Message: "must be at most " + strconv.Itoa(user.MaxUsername) + " characters when it is also the userName; send a shorter userName"})
	}
	p = append(p, user.CheckName("firstName", r.FirstName, true)...)
	p = append(p, user.CheckName("lastName", r.LastName, true)...)
	if r.RoleID != nil {
		p = append(p, user.CheckRole("roleId", *r.RoleID)...)
	}
	if r.LDAPUserName != nil {
		p = append(p, user.CheckLDAPUserName("ldapUserName", *r.LDAPUserName)...)
	}
	return p
}

// privileged reports whether the new user needs more than users:write: a
// role other than member, or an LDAP link.
func (r createRequest) privileged() bool {
	return r.RoleID != nil && *r.RoleID != string(role.Member) || r.LDAPUserName != nil && *r.LDAPUserName != ""
}

// asNewUser is the directory's view of the request; a new user is active.
func (r createRequest) asNewUser() directory.NewUser {
	in := directory.NewUser{
		Username: r.Email, Email: r.Email, FirstName: r.FirstName, LastName: r.LastName, Active: true,
	}
	if r.UserName != nil {
		in.Username = *r.UserName
	}
	if r.RoleID != nil {
		in.Role = *r.RoleID
	}
	if r.LDAPUserName != nil {
		in.LDAPUserName = *r.LDAPUserName
	}
	if r.NotificationsOptIn != nil {
		in.NotificationsOptIn = *r.NotificationsOptIn
	}
	if r.EmailVerified != nil {
		in.EmailVerified = *r.EmailVerified
	}
	return in
}

// fieldNames maps the directory's username to the member it came from:
// userName when given, otherwise email.
func (r createRequest) fieldNames() map[string]string {
	if r.UserName == nil {
		return map[string]string{"username": "email"}
	}
	return nil
}

// handleCreate makes a user in the caller's tenant: 201 with its Location,
// ETag and the full user.
func handleCreate(s directory.Service, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := web.DecodeValid[createRequest](r, maxBody)
		if err != nil {
			errw(w, r, reword(err))
			return
		}
		p := principal(r.Context())
		if req.privileged() {
			if err := requirePrivileged(p); err != nil {
				errw(w, r, err)
				return
			}
		}
		u, err := s.Create(r.Context(), p, req.asNewUser())
		if err != nil {
			errw(w, r, inDialect(err, req.fieldNames()))
			return
		}
		writeUser(w, r, errw, p, http.StatusCreated, u)
	})
}
