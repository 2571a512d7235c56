package account

import (
	"context"
	"net/http"
	"strings"

	"roster/shared/check"
	"roster/shared/fault"
	"roster/shared/signin"
	"roster/shared/user"
	"roster/shared/web"
)

// handleAccount shows the caller's account and every tenant they can enter.
func handleAccount(s signin.Service, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := web.NoBody(r, maxEmptyBody); err != nil {
			errw(w, r, err)
			return
		}
		a, ms, err := s.Account(r.Context(), principal(r.Context()))
		if err != nil {
			errw(w, r, err)
			return
		}
		web.Encode(w, http.StatusOK, newAccount(a, ms))
	})
}

type setDefaultTenantRequest struct {
	DefaultTenantUID string `json:"defaultTenantUid"`
}

// Valid checks the documented pattern; whether the caller belongs to the
// tenant is the service's answer.
func (r setDefaultTenantRequest) Valid(context.Context) []fault.FieldError {
	return checkUID("defaultTenantUid", r.DefaultTenantUID, true)
}

// handleSetDefaultTenant sets the tenant the caller enters by default.
func handleSetDefaultTenant(s signin.Service, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := web.DecodeValid[setDefaultTenantRequest](r, maxBody)
		if err != nil {
			errw(w, r, err)
			return
		}
		a, ms, err := s.SetDefaultTenant(r.Context(), principal(r.Context()), req.DefaultTenantUID)
		if err != nil {
			errw(w, r, err)
			return
		}
		web.Encode(w, http.StatusOK, newAccount(a, ms))
	})
}

// handleTenantUser shows the caller's own user in the path's tenant, which
// must be the tenant of the caller's access token.
func handleTenantUser(s signin.Service, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := ownTenant(r)
		if err != nil {
			errw(w, r, err)
			return
		}
		if err := web.NoBody(r, maxEmptyBody); err != nil {
			errw(w, r, err)
			return
		}
		u, err := s.TenantUser(r.Context(), p, p.TenantID)
		if err != nil {
			errw(w, r, err)
			return
		}
		w.Header().Set("ETag", web.ETag(u.Version))
		web.Encode(w, http.StatusOK, newTenantUser(u))
	})
}

// updateSelfRequest is a self-service change. Nil means "leave alone"
// (JSON null too); the fields a user may not change about themselves
// (role, active, tenant, LDAP) have no member, so sending one is an
// unknown field.
type updateSelfRequest struct {
	DisplayName     *string `json:"displayName"`
	Email           *string `json:"email"`
	Firstname       *string `json:"firstname"`
	Lastname        *string `json:"lastname"`
	Mobile          *string `json:"mobile"`
	Password        *string `json:"password"`
	CurrentPassword *string `json:"currentPassword"`
	LanguageCode    *string `json:"languageCode"`
	DefaultStoreUID *string `json:"defaultStoreUid"`
}

// Valid checks each field given; the password policy, the current
// password and a taken email are the service's answers.
func (r updateSelfRequest) Valid(context.Context) []fault.FieldError {
	var p []fault.FieldError
	if r == (updateSelfRequest{}) {
		return []fault.FieldError{{Field: "body", Message: "must set at least one field"}}
	}
	if r.DisplayName != nil {
		p = append(p, user.CheckName("displayName", *r.DisplayName, false)...)
	}
	if r.Email != nil {
		p = append(p, user.CheckEmail("email", *r.Email)...)
	}
	if r.Firstname != nil {
		p = append(p, user.CheckName("firstname", *r.Firstname, true)...)
	}
	if r.Lastname != nil {
		p = append(p, user.CheckName("lastname", *r.Lastname, true)...)
	}
	if r.Mobile != nil {
		p = append(p, user.CheckMobile("mobile", *r.Mobile)...)
	}
	if r.LanguageCode != nil {
		p = append(p, user.CheckLanguage("languageCode", *r.LanguageCode)...)
	}
	if r.DefaultStoreUID != nil {
		p = append(p, user.CheckStoreID("defaultStoreUid", *r.DefaultStoreUID)...)
	}
	switch {
	case r.Password != nil:
		p = append(p, check.Secret("password", *r.Password, maxPasswordBytes)...)
		if r.CurrentPassword == nil {
			p = append(p, fault.FieldError{Field: "currentPassword", Message: "is required to change the password"})
		} else {
			p = append(p, check.Secret("currentPassword", *r.CurrentPassword, maxPasswordBytes)...)
		}
	case r.CurrentPassword != nil:
		p = append(p, fault.FieldError{Field: "currentPassword", Message: "is only accepted together with password"})
	}
	return p
}

// privileged are the fields of a tenant user that only an administrator
// changes; naming them in a self-service change gets a message that says
// so rather than "unknown field".
var privileged = map[string]bool{
	"role": true, "roles": true, "permissions": true, "active": true,
	"tenantUid": true, "userUid": true, "accountUid": true, "userCode": true,
	"ldap": true, "ldapUser": true, "ldapUserName": true, "groups": true,
	"createdAt": true, "updatedAt": true, "version": true,
}

// refusePrivileged rewords Decode's unknown-field error for a privileged
// field.
func refusePrivileged(err error) error {
	f := fault.As(err)
	if f.Code != fault.Invalid || len(f.Fields) != 1 || !privileged[f.Fields[0].Field] {
		return err
	}
	return fault.InvalidField(f.Fields[0].Field, "cannot be changed through self-service; an administrator changes it")
}

// handleUpdateSelf applies the caller's change to their own user in the
// path's tenant. If-Match makes it conditional on the version read.
func handleUpdateSelf(s signin.Service, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := ownTenant(r)
		if err != nil {
			errw(w, r, err)
			return
		}
		req, err := web.DecodeValid[updateSelfRequest](r, maxBody)
		if err != nil {
			errw(w, r, refusePrivileged(err))
			return
		}
		// After the body: a client with a bad body and a stale tag should
		// learn about the body first, or it re-reads and fails again.
		version, err := web.IfMatchVersion(r.Header, errStale, "from the ETag of a read")
		if err != nil {
			errw(w, r, err)
			return
		}
		u, err := s.UpdateSelf(r.Context(), p, p.TenantID, signin.SelfChange{
			DisplayName: req.DisplayName, Email: req.Email, FirstName: req.Firstname, LastName: req.Lastname,
			Mobile: req.Mobile, LanguageCode: req.LanguageCode, DefaultStoreID: req.DefaultStoreUID,
			Password: req.Password, CurrentPassword: req.CurrentPassword, IfVersion: version,
		})
		if err != nil {
			errw(w, r, err)
			return
		}
		w.Header().Set("ETag", web.ETag(u.Version))
		out := updatedSelfResponse{tenantUserResponse: newTenantUser(u)}
		if req.Email != nil && user.NormalizeEmail(*req.Email) != user.NormalizeEmail(u.Email) {
			out.PendingEmail = strings.TrimSpace(*req.Email) // mailed a link, not applied yet
		}
		web.Encode(w, http.StatusOK, out)
	})
}
