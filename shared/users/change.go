package users

import (
	"context"
	"net/http"
	"slices"
	"strconv"

	"roster/shared/auth"
	"roster/shared/check"
	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/user"
	"roster/shared/web"
)

// handleChange is a PUT on one user: the body, of type T, becomes a
// directory change, made conditional on If-Match when the caller sends
// one. change may refuse what the caller's role does not cover.
func handleChange[T web.Validator](s directory.Service, errw web.ErrorWriter, change func(auth.Principal, T) (directory.Change, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathUserID(r)
		if err != nil {
			errw(w, r, err)
			return
		}
		req, err := web.DecodeValid[T](r, maxBody)
		if err != nil {
			errw(w, r, reword(err))
			return
		}
		p := principal(r.Context())
		c, err := change(p, req)
		if err != nil {
			errw(w, r, err)
			return
		}
		// After the body: a client with a bad body and a stale tag should
		// learn about the body first, or it re-reads and fails again.
		if c.IfVersion, err = ifVersion(r.Header); err != nil {
			errw(w, r, err)
			return
		}
		u, err := s.Update(r.Context(), p, id, c)
		if err != nil {
			errw(w, r, inDialect(err, nil))
			return
		}
		writeUser(w, r, errw, p, http.StatusOK, u)
	})
}

// updateRequest is PUT /users/{userId}. Nil means "leave alone" (JSON null
// too); at least one field must be set.
type updateRequest struct {
	FirstName          *string `json:"firstName"`
	LastName           *string `json:"lastName"`
	Email              *string `json:"email"`
	LDAPUserName       *string `json:"ldapUserName"`
	NotificationsOptIn *bool   `json:"notificationsOptIn"`
	EmailVerified      *bool   `json:"emailVerified"` // an extension: the caller vouches for the address
}

// Valid checks each field given; a taken email is the directory's answer.
func (r updateRequest) Valid(context.Context) []fault.FieldError {
	if r == (updateRequest{}) {
		return []fault.FieldError{{Field: "body", Message: "must set at least one of firstName, lastName, email, ldapUserName, notificationsOptIn, emailVerified"}}
	}
	var p []fault.FieldError
	if r.FirstName != nil {
		p = append(p, user.CheckName("firstName", *r.FirstName, true)...)
	}
	if r.LastName != nil {
		p = append(p, user.CheckName("lastName", *r.LastName, true)...)
	}
	if r.Email != nil {
		p = append(p, user.CheckEmail("email", *r.Email)...)
	}
	if r.LDAPUserName != nil {
		p = append(p, user.CheckLDAPUserName("ldapUserName", *r.LDAPUserName)...)
	}
	return p
}

// handleUpdate changes a user's profile. Linking or unlinking an LDAP name
// is privileged.
func handleUpdate(s directory.Service, errw web.ErrorWriter) http.Handler {
	return handleChange(s, errw, func(p auth.Principal, req updateRequest) (directory.Change, error) {
		if req.LDAPUserName != nil {
			if err := requirePrivileged(p); err != nil {
				return directory.Change{}, err
			}
		}
		return directory.Change{
			FirstName: req.FirstName, LastName: req.LastName, Email: req.Email,
			LDAPUserName: req.LDAPUserName, NotificationsOptIn: req.NotificationsOptIn, EmailVerified: req.EmailVerified,
		}, nil
	})
}

// setRoleRequest is PUT /users/{userId}/role.
type setRoleRequest struct {
	RoleID string `json:"roleId"`
}

// Valid checks the role exists; whether the caller may hand it out is the
// directory's answer.
func (r setRoleRequest) Valid(context.Context) []fault.FieldError {
	return user.CheckRole("roleId", r.RoleID)
}

// handleSetRole gives a user another role (users:privileged).
func handleSetRole(s directory.Service, errw web.ErrorWriter) http.Handler {
	return handleChange(s, errw, func(_ auth.Principal, req setRoleRequest) (directory.Change, error) {
		return directory.Change{Role: &req.RoleID}, nil
	})
}

// workingEnvironmentsRequest is PUT /users/{userId}/working-environments:
// the complete list of systems assigned to the user.
type workingEnvironmentsRequest struct {
	PublicIDs []string `json:"publicIds"`
}

// Valid checks the list: present (an empty list unassigns everything), at
// most maxWorkingEnvironments ids, each an id and listed once.
func (r workingEnvironmentsRequest) Valid(context.Context) []fault.FieldError {
	const field = "publicIds"
	switch {
	case r.PublicIDs == nil:
		return []fault.FieldError{{Field: field, Message: "is required; send [] to unassign every working environment"}}
	case len(r.PublicIDs) > maxWorkingEnvironments:
		return []fault.FieldError{{Field: field, Message: "must list at most " + strconv.Itoa(maxWorkingEnvironments) + " working environments"}}
	}
	for i, id := range r.PublicIDs {
		item := field + "[" + strconv.Itoa(i) + "]"
		if p := checkID(item, id); p != nil {
			return p
		}
		if slices.Contains(r.PublicIDs[:i], id) {
			return []fault.FieldError{{Field: item, Message: "must list each working environment once"}}
		}
	}
	return nil
}

// handleSetWorkingEnvironments replaces the systems assigned to a user.
func handleSetWorkingEnvironments(s directory.Service, errw web.ErrorWriter) http.Handler {
	return handleChange(s, errw, func(_ auth.Principal, req workingEnvironmentsRequest) (directory.Change, error) {
		return directory.Change{WorkingEnvironments: &req.PublicIDs}, nil
	})
}

// azureCredentialsRequest is PUT /users/{userId}/azure-credentials. The
// application key is a secret: the directory seals it, and no response
// shows it again.
type azureCredentialsRequest struct {
	SubscriptionID string `json:"subscriptionId"`
	TenantID       string `json:"tenantId"`
	ApplicationID  string `json:"applicationId"`
	ApplicationKey string `json:"applicationKey"`
}

// Valid checks the ids look like Azure ids and the key is present and
// bounded.
func (r azureCredentialsRequest) Valid(context.Context) []fault.FieldError {
	p := checkAzureID("subscriptionId", r.SubscriptionID)
	p = append(p, checkAzureID("tenantId", r.TenantID)...)
	p = append(p, checkAzureID("applicationId", r.ApplicationID)...)
	return append(p, check.Token("applicationKey", r.ApplicationKey, maxAppKey)...)
}

// handleSetAzureCredentials sets a user's Azure credentials, replacing any
// earlier ones.
func handleSetAzureCredentials(s directory.Service, errw web.ErrorWriter) http.Handler {
	return handleChange(s, errw, func(_ auth.Principal, req azureCredentialsRequest) (directory.Change, error) {
		return directory.Change{Azure: &user.AzureCredentials{
			SubscriptionID: req.SubscriptionID, TenantID: req.TenantID,
			ApplicationID: req.ApplicationID, ApplicationKey: req.ApplicationKey,
		}}, nil
	})
}

// elsewhere are members of the user that a body may not set: where they
// are changed, or that they are read-only. Naming one gets that answer
// rather than "unknown field".
var elsewhere = map[string]string{
	"roleId":                      "is changed with PUT /users/{userId}/role",
	"assignedWorkingEnvironments": "is changed with PUT /users/{userId}/working-environments",
	"azureCredentials":            "is changed with PUT /users/{userId}/azure-credentials",
	"publicId":                    "is read-only",
	"tenantId":                    "is read-only",
	"isLdap":                      "is read-only; it follows ldapUserName",
	"permissions":                 "is read-only; it follows roleId",
	"createdWorkingEnvironments":  "is read-only",
	"cloudSyncLicenseInformation": "is read-only",
}

// reword rewords Decode's unknown-field error for a member of the user
// that the body cannot set.
func reword(err error) error {
	f := fault.As(err)
	if f.Code != fault.Invalid || len(f.Fields) != 1 {
		return err
	}
	msg, ok := elsewhere[f.Fields[0].Field]
	if !ok || f.Fields[0].Message != "is not a known field" && f.Fields[0].Message != "is not a known field (names are case-sensitive)" {
		return err
	}
	return fault.InvalidField(f.Fields[0].Field, msg)
}
