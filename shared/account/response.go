package account

import (
	"time"

	"roster/shared/role"
	"roster/shared/signin"
	"roster/shared/user"
)

// The response bodies of the group. Every member is always present (empty
// strings rather than missing keys), times are RFC 3339 in UTC, and no body
// carries a secret other than the token the response has just issued.

// tokensResponse is what a login, exchange or invitation acceptance issues.
type tokensResponse struct {
	AuthToken          string    `json:"authToken"`
	AuthTokenExpiresAt time.Time `json:"authTokenExpiresAt"`
	AccessToken        string    `json:"accessToken"`
	TokenType          string    `json:"tokenType"` // always Bearer
	ExpiresIn          int64     `json:"expiresIn"` // seconds the access token is valid for
}

func newTokens(t signin.Tokens, now time.Time) tokensResponse {
	return tokensResponse{
		AuthToken:          t.AuthToken,
		AuthTokenExpiresAt: t.AuthExpires.UTC(),
		AccessToken:        t.AccessToken,
		TokenType:          "Bearer",
		ExpiresIn:          max(int64(t.AccessExpires.Sub(now)/time.Second), 0),
	}
}

// loginResponse answers POST /account.
type loginResponse struct {
	tokensResponse
	TenantUID  string `json:"tenantUid"`
	UserUID    string `json:"userUid"`
	AccountUID string `json:"accountUid"`
}

// tenantResponse is one tenant the caller can enter.
type tenantResponse struct {
	TenantUID        string `json:"tenantUid"`
	TenantName       string `json:"tenantName"`
	OrganizationName string `json:"organizationName"`
	UserUID          string `json:"userUid"`
	Role             string `json:"role"`
}

// accountResponse answers GET and PUT /account.
type accountResponse struct {
	AccountUID       string           `json:"accountUid"`
	DefaultTenantUID string           `json:"defaultTenantUid"`
	Tenants          []tenantResponse `json:"tenants"`
}

func newAccount(a *signin.Account, ms []signin.Membership) accountResponse {
	out := accountResponse{AccountUID: a.ID, DefaultTenantUID: a.DefaultTenant, Tenants: make([]tenantResponse, len(ms))}
	for i, m := range ms {
		out.Tenants[i] = tenantResponse{
			TenantUID: m.TenantID, TenantName: m.TenantName, OrganizationName: m.Organization, UserUID: m.UserID, Role: m.Role,
		}
	}
	return out
}

// tenantUserResponse is the caller's user in one tenant, as GET and PUT
// /tenants/{tenantUid}/account show it. Its version travels in the ETag.
type tenantUserResponse struct {
	TenantUID       string            `json:"tenantUid"`
	UserUID         string            `json:"userUid"`
	UserCode        string            `json:"userCode"`
	DisplayName     string            `json:"displayName"`
	Email           string            `json:"email"`
	EmailVerified   bool              `json:"emailVerified"` // decision 023
	Firstname       string            `json:"firstname"`
	Lastname        string            `json:"lastname"`
	Mobile          string            `json:"mobile"`
	LanguageCode    string            `json:"languageCode"`
	DefaultStoreUID string            `json:"defaultStoreUid"`
	Role            string            `json:"role"`
	Permissions     []role.Permission `json:"permissions"`
	Active          bool              `json:"active"`
	CreatedAt       time.Time         `json:"createdAt"`
	UpdatedAt       time.Time         `json:"updatedAt"`
}

func newTenantUser(u *user.User) tenantUserResponse {
	perms := role.Permissions(u.Role)
	if perms == nil {
		perms = []role.Permission{}
	}
	return tenantUserResponse{
		TenantUID: u.TenantID, UserUID: u.ID, UserCode: u.Username, DisplayName: u.DisplayName,
		Email: u.Email, EmailVerified: u.EmailVerified, Firstname: u.FirstName, Lastname: u.LastName, Mobile: u.Mobile,
		LanguageCode: u.LanguageCode, DefaultStoreUID: u.DefaultStoreID, Role: u.Role,
		Permissions: perms, Active: u.Active, CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC(),
	}
}

// updatedSelfResponse answers PUT /tenants/{tenantUid}/account: the user
// as it now is and, when the change asked for a new address, that
// address, which becomes the user's when the link mailed to it is used
// (decision 023).
type updatedSelfResponse struct {
	tenantUserResponse
	PendingEmail string `json:"pendingEmail,omitempty"`
}

// enteredResponse answers an exchange or an accepted invitation: the user
// the caller now acts as, and the tokens to act with.
type enteredResponse struct {
	tenantUserResponse
	tokensResponse
}

// inviteResponse answers GET /account/invite.
type inviteResponse struct {
	TenantUID        string    `json:"tenantUid"`
	TenantName       string    `json:"tenantName"`
	OrganizationName string    `json:"organizationName"`
	Role             string    `json:"role"`
	Email            string    `json:"email"` // masked: a***@example.com
	ExpiresAt        time.Time `json:"expiresAt"`
}

// invitationResponse answers POST /tenants/{tenantUid}/invitations. The
// invite token is shown this once.
type invitationResponse struct {
	InvitationID string    `json:"invitationId"`
	InviteToken  string    `json:"inviteToken"`
	TenantUID    string    `json:"tenantUid"`
	Email        string    `json:"email"`
	Role         string    `json:"role"`
	Firstname    string    `json:"firstname"`
	Lastname     string    `json:"lastname"`
	ExpiresAt    time.Time `json:"expiresAt"`
}

// deviceResponse answers POST /tenants/{tenantUid}/devices. The device
// token is shown this once.
type deviceResponse struct {
	DeviceID    string    `json:"deviceId"`
	DeviceToken string    `json:"deviceToken"`
	TenantUID   string    `json:"tenantUid"`
	Name        string    `json:"name"`
	ExpiresAt   time.Time `json:"expiresAt,omitzero"` // absent: the token does not expire
}

// apiKeyResponse answers POST /tenants/{tenantUid}/apikeys. The key is
// shown this once.
type apiKeyResponse struct {
	KeyID     string    `json:"keyId"`
	APIKey    string    `json:"apiKey"`
	TenantUID string    `json:"tenantUid"`
	Name      string    `json:"name"`
	Roles     []string  `json:"roles"`
	ExpiresAt time.Time `json:"expiresAt,omitzero"` // absent: the key does not expire
}
