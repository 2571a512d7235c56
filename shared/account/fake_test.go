package account_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"roster/shared/account"
	"roster/shared/auth"
	"roster/shared/events"
	"roster/shared/signin"
	"roster/shared/user"
	"roster/shared/web/webtest"
	"roster/shared/webhook"
)

// fixedNow is the handlers' clock; token expiries are set from it.
var fixedNow = time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)

// The secrets the fake hands out. A test that looks for leaks searches
// logs and bodies for them.
const (
	accessTok = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ1c3IxIn0.c2lnbmF0dXJl"
	authTok   = "rat_aaaaaaaaaaaaaaaa_fresh-auth-token-secret-0000000000000000000"
	deviceTok = "rdt_dddddddddddddddd_device-token-secret-00000000000000000000000"
	inviteTok = "rit_iiiiiiiiiiiiiiii_invite-token-secret-00000000000000000000000"
	apiKeyTok = "rst_kkkkkkkkkkkkkkkk_api-key-secret-00000000000000000000000000000"
	passwd    = "correct horse battery staple"
)

// The callers tests act as.
var owner, manager, member, adminKey, managerKey, memberKey, otherOwner = webtest.Callers()

// theUser is the tenant user the fake returns.
func theUser() *user.User {
	return &user.User{
		TenantID: "acme", ID: "usr1", Number: 42, Username: "grace", Email: "grace@example.com",
		FirstName: "Grace", LastName: "Hopper", Active: true, Role: "member",
		CreatedAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), UpdatedAt: time.Date(2025, 2, 3, 4, 5, 6, 0, time.UTC),
		CreatedBy: "user:usr9", UpdatedBy: "user:usr1", Version: 7,
		AccountID: "acc1", DisplayName: "Amazing Grace", Mobile: "+47 912 34 567", LanguageCode: "en", DefaultStoreID: "store-1",
		TokenVersion: 3,
	}
}

// theUserJSON is theUser as the API shows it.
const theUserJSON = `{
	"tenantUid":"acme","userUid":"usr1","userCode":"grace","displayName":"Amazing Grace",
	"email":"grace@example.com","emailVerified":false,"firstname":"Grace","lastname":"Hopper","mobile":"+47 912 34 567",
	"languageCode":"en","defaultStoreUid":"store-1","role":"member","permissions":["self:read","self:write"],
	"active":true,"createdAt":"2025-01-02T03:04:05Z","updatedAt":"2025-02-03T04:05:06Z"}`

// theTokens are what the fake's login, exchange and acceptance issue.
func theTokens() signin.Tokens {
	return signin.Tokens{
		AccessToken: accessTok, AccessExpires: fixedNow.Add(15 * time.Minute),
		AuthToken: authTok, AuthExpires: time.Date(2025, 3, 11, 12, 0, 0, 0, time.UTC),
		TenantID: "acme", UserID: "usr1", AccountID: "acc1",
	}
}

// theTokensJSON are the token members of a response that issues theTokens.
const theTokensJSON = `"authToken":"` + authTok + `","authTokenExpiresAt":"2025-03-11T12:00:00Z",
	"accessToken":"` + accessTok + `","tokenType":"Bearer","expiresIn":900`

func theAccount() (*signin.Account, []signin.Membership) {
	return &signin.Account{ID: "acc1", DefaultTenant: "acme", Version: 4, PasswordHash: "$argon2id$v=19$secret", FailedLogins: 2},
		[]signin.Membership{
			{TenantID: "acme", TenantName: "Acme", Organization: "Acme Corp", UserID: "usr1", Role: "member"},
			{TenantID: "globex", TenantName: "Globex", Organization: "Globex Inc", UserID: "usr8", Role: "admin"},
		}
}

const theAccountJSON = `{"accountUid":"acc1","defaultTenantUid":"acme","tenants":[
	{"tenantUid":"acme","tenantName":"Acme","organizationName":"Acme Corp","userUid":"usr1","role":"member"},
	{"tenantUid":"globex","tenantName":"Globex","organizationName":"Globex Inc","userUid":"usr8","role":"admin"}]}`

// fake is a signin.Service whose methods are fields. It records every
// call; a method whose field is nil fails the test.
type fake struct {
	webtest.Calls

	login            func(deviceToken, userCode, password string) (signin.Tokens, error)
	exchange         func(authToken, tenantID string) (signin.Tokens, *user.User, error)
	account          func(p auth.Principal) (*signin.Account, []signin.Membership, error)
	setDefaultTenant func(p auth.Principal, tenantID string) (*signin.Account, []signin.Membership, error)
	tenantUser       func(p auth.Principal, tenantID string) (*user.User, error)
	updateSelf       func(p auth.Principal, tenantID string, c signin.SelfChange) (*user.User, error)
	describeInvite   func(inviteToken string) (signin.InviteInfo, error)
	acceptInvite     func(authToken, inviteToken string) (signin.Tokens, *user.User, error)
	createInvite     func(p auth.Principal, in signin.NewInvite) (signin.Issued, error)
	createDevice     func(p auth.Principal, name string) (signin.Issued, error)
	revokeDevice     func(p auth.Principal, id string) error
	createAPIKey     func(p auth.Principal, name string, roles []string) (signin.Issued, error)
	revokeAPIKey     func(p auth.Principal, id string) error

	factorFns // the second-factor methods (mfa_fake_test.go)
	// Recovery and Verification (recovery_fake_test.go).
	requestReset        func(tenantID string, r signin.ResetRequest) error
	reset               func(tenantID, token, password string) error
	sendReset           func(p auth.Principal, userID string) error
	requestVerification func(p auth.Principal, tenantID string) error
	confirmEmail        func(tenantID, token string) error
	queryAudit          func(q events.AuditQuery) (events.AuditPage, error)
	setRetention        func(tenantID string, days int) error
	registerWebhook     func(tenantID, url string, types []string) (*webhook.Registered, error)
	listWebhooks        func(tenantID string) ([]*webhook.Endpoint, error)
	setWebhook          func(tenantID, id string, enabled bool) (*webhook.Endpoint, error)
	deleteWebhook       func(tenantID, id string) error
	replayWebhook       func(tenantID, id string, from, to time.Time) (string, error)
}

var _ signin.Service = (*fake)(nil)

// happy returns a fake whose every method succeeds with the values above.
func happy(t *testing.T) *fake {
	return &fake{
		Calls: webtest.Calls{T: t},
		login: func(string, string, string) (signin.Tokens, error) { return theTokens(), nil },
		exchange: func(string, string) (signin.Tokens, *user.User, error) {
			return theTokens(), theUser(), nil
		},
		account: func(auth.Principal) (*signin.Account, []signin.Membership, error) {
			a, ms := theAccount()
			return a, ms, nil
		},
		setDefaultTenant: func(auth.Principal, string) (*signin.Account, []signin.Membership, error) {
			a, ms := theAccount()
			return a, ms, nil
		},
		tenantUser: func(auth.Principal, string) (*user.User, error) { return theUser(), nil },
		updateSelf: func(auth.Principal, string, signin.SelfChange) (*user.User, error) {
			u := theUser()
			u.Version = 8
			return u, nil
		},
		describeInvite: func(string) (signin.InviteInfo, error) {
			return signin.InviteInfo{TenantID: "acme", TenantName: "Acme", Organization: "Acme Corp", Role: "member",
				EmailHint: "g***@example.com", ExpiresAt: time.Date(2025, 3, 17, 12, 0, 0, 0, time.UTC)}, nil
		},
		acceptInvite: func(string, string) (signin.Tokens, *user.User, error) { return theTokens(), theUser(), nil },
		createInvite: func(auth.Principal, signin.NewInvite) (signin.Issued, error) {
			return signin.Issued{ID: "iiiiiiiiiiiiiiii", Token: inviteTok, ExpiresAt: time.Date(2025, 3, 17, 12, 0, 0, 0, time.UTC)}, nil
		},
		createDevice: func(auth.Principal, string) (signin.Issued, error) {
			return signin.Issued{ID: "dddddddddddddddd", Token: deviceTok}, nil
		},
		revokeDevice: func(auth.Principal, string) error { return nil },
		createAPIKey: func(auth.Principal, string, []string) (signin.Issued, error) {
			return signin.Issued{ID: "kkkkkkkkkkkkkkkk", Token: apiKeyTok}, nil
		},
		revokeAPIKey: func(auth.Principal, string) error { return nil },
		factorFns:    happyFactors(),

		requestReset:        func(string, signin.ResetRequest) error { return nil },
		reset:               func(string, string, string) error { return nil },
		sendReset:           func(auth.Principal, string) error { return nil },
		requestVerification: func(auth.Principal, string) error { return nil },
		confirmEmail:        func(string, string) error { return nil },
		queryAudit: func(events.AuditQuery) (events.AuditPage, error) {
			return events.AuditPage{Records: []events.Record{{Event: json.RawMessage(theEvent)}}}, nil
		},
		setRetention: func(string, int) error { return nil },
		registerWebhook: func(string, string, []string) (*webhook.Registered, error) {
			return &webhook.Registered{Endpoint: theWebhook(), Secret: "whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"}, nil
		},
		listWebhooks:  func(string) ([]*webhook.Endpoint, error) { return []*webhook.Endpoint{theWebhook()}, nil },
		setWebhook:    func(string, string, bool) (*webhook.Endpoint, error) { return theWebhook(), nil },
		deleteWebhook: func(string, string) error { return nil },
		replayWebhook: func(string, string, time.Time, time.Time) (string, error) { return "rrrrrrrrrrrrrrrr", nil },
	}
}

// failing returns a fake whose every method returns err.
func failing(t *testing.T, err error) *fake {
	return &fake{
		Calls:            webtest.Calls{T: t},
		login:            func(string, string, string) (signin.Tokens, error) { return signin.Tokens{}, err },
		exchange:         func(string, string) (signin.Tokens, *user.User, error) { return signin.Tokens{}, nil, err },
		account:          func(auth.Principal) (*signin.Account, []signin.Membership, error) { return nil, nil, err },
		setDefaultTenant: func(auth.Principal, string) (*signin.Account, []signin.Membership, error) { return nil, nil, err },
		tenantUser:       func(auth.Principal, string) (*user.User, error) { return nil, err },
		updateSelf:       func(auth.Principal, string, signin.SelfChange) (*user.User, error) { return nil, err },
		describeInvite:   func(string) (signin.InviteInfo, error) { return signin.InviteInfo{}, err },
		acceptInvite:     func(string, string) (signin.Tokens, *user.User, error) { return signin.Tokens{}, nil, err },
		createInvite:     func(auth.Principal, signin.NewInvite) (signin.Issued, error) { return signin.Issued{}, err },
		createDevice:     func(auth.Principal, string) (signin.Issued, error) { return signin.Issued{}, err },
		revokeDevice:     func(auth.Principal, string) error { return err },
		createAPIKey:     func(auth.Principal, string, []string) (signin.Issued, error) { return signin.Issued{}, err },
		revokeAPIKey:     func(auth.Principal, string) error { return err },
		factorFns:        failingFactors(err),

		requestReset:        func(string, signin.ResetRequest) error { return err },
		reset:               func(string, string, string) error { return err },
		sendReset:           func(auth.Principal, string) error { return err },
		requestVerification: func(auth.Principal, string) error { return err },
		confirmEmail:        func(string, string) error { return err },
		queryAudit:          func(events.AuditQuery) (events.AuditPage, error) { return events.AuditPage{}, err },
		setRetention:        func(string, int) error { return err },
		registerWebhook:     func(string, string, []string) (*webhook.Registered, error) { return nil, err },
		listWebhooks:        func(string) ([]*webhook.Endpoint, error) { return nil, err },
		setWebhook:          func(string, string, bool) (*webhook.Endpoint, error) { return nil, err },
		deleteWebhook:       func(string, string) error { return err },
		replayWebhook:       func(string, string, time.Time, time.Time) (string, error) { return "", err },
	}
}

func (f *fake) Login(_ context.Context, deviceToken, userCode, password string) (signin.Tokens, error) {
	if !f.Called("Login", f.login) {
		return signin.Tokens{}, webtest.ErrUnexpected
	}
	return f.login(deviceToken, userCode, password)
}

func (f *fake) Exchange(_ context.Context, authToken, tenantID string) (signin.Tokens, *user.User, error) {
	if !f.Called("Exchange", f.exchange) {
		return signin.Tokens{}, nil, webtest.ErrUnexpected
	}
	return f.exchange(authToken, tenantID)
}

func (f *fake) Account(_ context.Context, p auth.Principal) (*signin.Account, []signin.Membership, error) {
	if !f.Called("Account", f.account) {
		return nil, nil, webtest.ErrUnexpected
	}
	return f.account(p)
}

func (f *fake) SetDefaultTenant(_ context.Context, p auth.Principal, tenantID string) (*signin.Account, []signin.Membership, error) {
	if !f.Called("SetDefaultTenant", f.setDefaultTenant) {
		return nil, nil, webtest.ErrUnexpected
	}
	return f.setDefaultTenant(p, tenantID)
}

func (f *fake) TenantUser(_ context.Context, p auth.Principal, tenantID string) (*user.User, error) {
	if !f.Called("TenantUser", f.tenantUser) {
		return nil, webtest.ErrUnexpected
	}
	return f.tenantUser(p, tenantID)
}

func (f *fake) UpdateSelf(_ context.Context, p auth.Principal, tenantID string, c signin.SelfChange) (*user.User, error) {
	if !f.Called("UpdateSelf", f.updateSelf) {
		return nil, webtest.ErrUnexpected
	}
	return f.updateSelf(p, tenantID, c)
}

func (f *fake) DescribeInvite(_ context.Context, inviteToken string) (signin.InviteInfo, error) {
	if !f.Called("DescribeInvite", f.describeInvite) {
		return signin.InviteInfo{}, webtest.ErrUnexpected
	}
	return f.describeInvite(inviteToken)
}

func (f *fake) AcceptInvite(_ context.Context, authToken, inviteToken string) (signin.Tokens, *user.User, error) {
	if !f.Called("AcceptInvite", f.acceptInvite) {
		return signin.Tokens{}, nil, webtest.ErrUnexpected
	}
	return f.acceptInvite(authToken, inviteToken)
}

func (f *fake) CreateInvite(_ context.Context, p auth.Principal, in signin.NewInvite) (signin.Issued, error) {
	if !f.Called("CreateInvite", f.createInvite) {
		return signin.Issued{}, webtest.ErrUnexpected
	}
	return f.createInvite(p, in)
}

func (f *fake) CreateDevice(_ context.Context, p auth.Principal, name string) (signin.Issued, error) {
	if !f.Called("CreateDevice", f.createDevice) {
		return signin.Issued{}, webtest.ErrUnexpected
	}
	return f.createDevice(p, name)
}

func (f *fake) RevokeDevice(_ context.Context, p auth.Principal, id string) error {
	if !f.Called("RevokeDevice", f.revokeDevice) {
		return webtest.ErrUnexpected
	}
	return f.revokeDevice(p, id)
}

func (f *fake) CreateAPIKey(_ context.Context, p auth.Principal, name string, roles []string) (signin.Issued, error) {
	if !f.Called("CreateAPIKey", f.createAPIKey) {
		return signin.Issued{}, webtest.ErrUnexpected
	}
	return f.createAPIKey(p, name, roles)
}

// QueryAudit makes the fake the group's audit log too.
func (f *fake) QueryAudit(_ context.Context, q events.AuditQuery) (events.AuditPage, error) {
	if !f.Called("QueryAudit", f.queryAudit) {
		return events.AuditPage{}, webtest.ErrUnexpected
	}
	return f.queryAudit(q)
}

// SetAuditRetention makes the fake the audit log's settings too.
func (f *fake) SetAuditRetention(_ context.Context, tenantID string, days int) error {
	if !f.Called("SetAuditRetention", f.setRetention) {
		return webtest.ErrUnexpected
	}
	return f.setRetention(tenantID, days)
}

// theWebhook is a registered webhook.
func theWebhook() *webhook.Endpoint {
	return &webhook.Endpoint{TenantID: "acme", ID: "wwwwwwwwwwwwwwww", URL: "https://hooks.example.com/roster",
		Types: []string{"roster.user.created"}, Enabled: true, CreatedAt: fixedNow}
}

// Register, List, SetEnabled and Delete make the fake the group's webhooks too.
func (f *fake) Register(_ context.Context, tenantID, _, url string, types []string) (*webhook.Registered, error) {
	if !f.Called("Register", f.registerWebhook) {
		return nil, webtest.ErrUnexpected
	}
	return f.registerWebhook(tenantID, url, types)
}

func (f *fake) List(_ context.Context, tenantID string) ([]*webhook.Endpoint, error) {
	if !f.Called("List", f.listWebhooks) {
		return nil, webtest.ErrUnexpected
	}
	return f.listWebhooks(tenantID)
}

func (f *fake) SetEnabled(_ context.Context, tenantID, id string, enabled bool) (*webhook.Endpoint, error) {
	if !f.Called("SetEnabled", f.setWebhook) {
		return nil, webtest.ErrUnexpected
	}
	return f.setWebhook(tenantID, id, enabled)
}

func (f *fake) Delete(_ context.Context, tenantID, id string) error {
	if !f.Called("Delete", f.deleteWebhook) {
		return webtest.ErrUnexpected
	}
	return f.deleteWebhook(tenantID, id)
}

func (f *fake) RequestReplay(_ context.Context, tenantID, id, _ string, from, to time.Time) (string, error) {
	if !f.Called("RequestReplay", f.replayWebhook) {
		return "", webtest.ErrUnexpected
	}
	return f.replayWebhook(tenantID, id, from, to)
}

// theEvent is an audit record's event as the log keeps it.
const theEvent = `{"specversion":"1.0","id":"r1-0","source":"/roster/tenants/acme","type":"roster.user.created","subject":"u1","time":"2025-03-10T12:00:00Z","datacontenttype":"application/json","tenant":"acme","actor":"apikey:k1","sequence":"1","data":{"userId":"u1","changed":[]}}`

func (f *fake) RevokeAPIKey(_ context.Context, p auth.Principal, id string) error {
	if !f.Called("RevokeAPIKey", f.revokeAPIKey) {
		return webtest.ErrUnexpected
	}
	return f.revokeAPIKey(p, id)
}

// theJWKS is what the fake key source publishes.
const theJWKS = `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"k1","use":"sig","alg":"EdDSA"}]}`

// request and response are the shared shapes under the names the tests
// use.
type (
	request  = webtest.Request
	response = webtest.Response
)

// deps are the group's dependencies around a service.
func deps(s signin.Service) account.Deps {
	d := account.Deps{
		Service: s,
		JWKS:    func() ([]byte, error) { return []byte(theJWKS), nil },
		Now:     func() time.Time { return fixedNow },
	}
	if f, ok := s.(signin.Factors); ok {
		d.Factors = f
	}
	if ss, ok := s.(signin.Sessions); ok {
		d.Sessions = ss
	}
	if k, ok := s.(signin.Passkeys); ok {
		d.Passkeys = k
	}
	if r, ok := s.(signin.Recovery); ok {
		d.Recovery = r
	}
	if v, ok := s.(signin.Verification); ok {
		d.Verification = v
	}
	if a, ok := s.(account.AuditReader); ok {
		d.Audit = a
	}
	if w, ok := s.(account.WebhookAdmin); ok {
		d.Webhooks = w
	}
	return d
}

// do sends rq to the group, backed by s.
func do(t *testing.T, s signin.Service, rq request) response {
	t.Helper()
	return doWith(t, deps(s), rq)
}

// doWith sends rq to the group over d.
func doWith(t *testing.T, d account.Deps, rq request) response {
	t.Helper()
	return webtest.Do(account.Handler, d, rq)
}
