package users

import (
	"errors"
	"fmt"
	"net/http"

	"roster/shared/auth"
	"roster/shared/fault"
	"roster/shared/role"
	"roster/shared/user"
	"roster/shared/web"
)

// maskedKey stands for a stored Azure application key. The key is shown
// neither in clear nor sealed; the mask only says that one is set.
const maskedKey = "********"

// userResponse is a user as the Users API shows it. Every member the API
// marks required is always present: empty strings and empty arrays rather
// than missing keys or null. cloudSyncLicenseInformation is not tracked
// and never sent.
type userResponse struct {
	PublicID                    string                       `json:"publicId"`
	AssignedWorkingEnvironments []string                     `json:"assignedWorkingEnvironments"`
	FirstName                   string                       `json:"firstName"`
	LastName                    string                       `json:"lastName"`
	Email                       string                       `json:"email"`
	RoleID                      string                       `json:"roleId"`
	TenantID                    string                       `json:"tenantId"`
	CreatedWorkingEnvironments  []workingEnvironmentResponse `json:"createdWorkingEnvironments"`
	AzureCredentials            *azureCredentialsResponse    `json:"azureCredentials,omitempty"`
	IsLDAP                      bool                         `json:"isLdap"`
	LDAPUserName                string                       `json:"ldapUserName"`
	NotificationsOptIn          bool                         `json:"notificationsOptIn"`
	EmailVerified               bool                         `json:"emailVerified"` // an extension (decision 023)
	Permissions                 []role.Permission            `json:"permissions"`
}

// workingEnvironmentResponse is a system the user created.
type workingEnvironmentResponse struct {
	PublicID               string `json:"publicId"`
	Name                   string `json:"name"`
	WorkingEnvironmentType string `json:"workingEnvironmentType"`
}

// azureCredentialsResponse shows a user's Azure credentials with the
// application key masked.
type azureCredentialsResponse struct {
	SubscriptionID string `json:"subscriptionId,omitempty"`
	TenantID       string `json:"tenantId,omitempty"`
	ApplicationID  string `json:"applicationId,omitempty"`
	ApplicationKey string `json:"applicationKey,omitempty"` // maskedKey when a key is stored
}

func newUser(u *user.User) userResponse {
	out := userResponse{
		PublicID:                    u.ID,
		AssignedWorkingEnvironments: append([]string{}, u.WorkingEnvironments...),
		FirstName:                   u.FirstName,
		LastName:                    u.LastName,
		Email:                       u.Email,
		RoleID:                      u.Role,
		TenantID:                    u.TenantID,
		CreatedWorkingEnvironments:  make([]workingEnvironmentResponse, len(u.CreatedWorkingEnvironments)),
		IsLDAP:                      u.IsLDAP(),
		LDAPUserName:                u.LDAPUserName,
		NotificationsOptIn:          u.NotificationsOptIn,
		EmailVerified:               u.EmailVerified,
		Permissions:                 append([]role.Permission{}, role.Permissions(u.Role)...),
	}
	for i, we := range u.CreatedWorkingEnvironments {
		out.CreatedWorkingEnvironments[i] = workingEnvironmentResponse{PublicID: we.PublicID, Name: we.Name, WorkingEnvironmentType: we.Type}
	}
	if a := u.Azure; a != nil {
		out.AzureCredentials = &azureCredentialsResponse{SubscriptionID: a.SubscriptionID, TenantID: a.TenantID, ApplicationID: a.ApplicationID}
		if a.ApplicationKey != "" {
			out.AzureCredentials.ApplicationKey = maskedKey
		}
	}
	return out
}

// listResponse is one page of users. NextCursor is null on the last page.
type listResponse struct {
	Users      []userResponse `json:"users"`
	NextCursor *string        `json:"nextCursor"`
}

// sameTenant guards tenant isolation at the edge as well: a user of another
// tenant from the directory is a bug, answered as an internal error rather
// than shown.
func sameTenant(p auth.Principal, u *user.User) error {
	if u == nil {
		return errors.New("directory returned no user and no error")
	}
	if u.TenantID != p.TenantID {
		return fmt.Errorf("directory returned a user of tenant %q to a caller of tenant %q", u.TenantID, p.TenantID)
	}
	return nil
}

// writeUser answers with one user, its version in the ETag. A user is
// personal data: no cache may keep it.
func writeUser(w http.ResponseWriter, r *http.Request, errw web.ErrorWriter, p auth.Principal, status int, u *user.User) {
	if err := sameTenant(p, u); err != nil {
		errw(w, r, fault.Wrap(err, fault.Internal, "An internal error occurred."))
		return
	}
	if status == http.StatusCreated {
		w.Header().Set("Location", "/users/"+u.ID)
	}
	w.Header().Set("ETag", web.ETag(u.Version))
	web.Encode(w, status, newUser(u))
}
