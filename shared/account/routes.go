// Package account is the Account endpoint group: login with a device token,
// the exchange of an auth token for a tenant's access token, the caller's
// account and tenant user (read and self-service change), invitations
// (described and accepted by the invitee, created by an administrator), the
// administration of devices and API keys, and the public keys that verify
// access tokens. The rules live in package signin; this package owns the
// HTTP shape.
package account

import (
	"log/slog"
	"net/http"
	"time"

	"roster/shared/auth"
	"roster/shared/role"
	"roster/shared/signin"
	"roster/shared/web"
)

// Deps are what the group needs, built once per container.
type Deps struct {
	Service signin.Service
	// Factors is the second-factor service (mfa.go).
	Factors signin.Factors
	// Sessions lists and ends sessions (sessions.go).
	Sessions signin.Sessions
	// Passkeys registers passkeys and begins their logins (passkeys.go).
	Passkeys signin.Passkeys
	// JWKS returns the JSON Web Key Set of the token signing keys, already
	// encoded. Keys change only with a new container, so it is usually a
	// value computed once.
	JWKS func() ([]byte, error)
	Now  func() time.Time
	// Recovery is password recovery (decision 021); nil answers its
	// routes 503.
	Recovery signin.Recovery
	// Verification proves email addresses (decision 023); nil answers its
	// routes 503.
	Verification signin.Verification
	// Audit reads the tenant's audit log (decision 026).
	Audit AuditReader
	// Webhooks manages the tenant's webhooks (decision 027).
	Webhooks WebhookAdmin
}

// Routes lists every route of the group. Sign-in routes are public: the
// credential they take (device, auth or invite token) is the service's to
// check. Self-service routes take a user's access token; administration
// routes take an access token or a tenant API key whose role grants the
// route's permission. A route that takes no body (every GET and DELETE,
// and the exchange) still refuses one that is not empty or {}, with the
// 400, 413 or 415 a body route gives, so a client that sends data the route
// ignores finds out.
func Routes(d Deps) []web.Route {
	if d.Now == nil {
		d.Now = time.Now
	}
	s, f, ss, k, now, errw := d.Service, d.Factors, d.Sessions, d.Passkeys, d.Now, web.WriteProblemWithChallenge
	rec := func() signin.Recovery { return d.Recovery }
	if d.Recovery == nil {
		rec = func() signin.Recovery { return signin.NoRecovery }
	}
	ver := func() signin.Verification { return d.Verification }
	if d.Verification == nil {
		ver = func() signin.Verification { return signin.NoVerification }
	}
	self := func(p role.Permission, h http.Handler) http.Handler {
		return auth.Require(p, errw, auth.ViaAccessToken)(h)
	}
	admin := func(p role.Permission, h http.Handler) http.Handler {
		return auth.Require(p, errw, auth.ViaAccessToken, auth.ViaAPIKey)(h)
	}
	return []web.Route{
		// Sign-in (public).
		{Method: http.MethodPost, Path: "/account", Public: true, Handler: handleLogin(s, now, errw)},
		{Method: http.MethodPost, Path: "/tenants/{tenantUid}/account", Public: true, Handler: handleExchange(s, now, errw)},
		{Method: http.MethodGet, Path: "/account/invite", Public: true, Handler: handleDescribeInvite(s, errw)},
		{Method: http.MethodPut, Path: "/account/invite", Public: true, Handler: handleAcceptInvite(s, now, errw)},
		{Method: http.MethodPost, Path: "/account/mfa/verify", Public: true, Handler: handleVerify(f, k, now, errw)},
		{Method: http.MethodPost, Path: "/account/passkey/options", Public: true, Handler: handlePasskeyLoginOptions(k, errw)},
		{Method: http.MethodPost, Path: "/account/mfa/enrol", Public: true, Handler: handleStartEnrolment(f, errw)},
		{Method: http.MethodPost, Path: "/tenants/{tenantUid}/account/recovery", Public: true, Handler: handleRequestReset(rec, errw)},
		{Method: http.MethodPut, Path: "/tenants/{tenantUid}/account/recovery", Public: true, Handler: handleReset(rec, errw)},
		{Method: http.MethodPut, Path: "/tenants/{tenantUid}/account/verification", Public: true, Handler: handleConfirmEmail(ver, errw)},

		// Self-service (access token).
		{Method: http.MethodGet, Path: "/account", Handler: self(role.SelfRead, handleAccount(s, errw))},
		{Method: http.MethodPut, Path: "/account", Handler: self(role.SelfWrite, handleSetDefaultTenant(s, errw))},
		{Method: http.MethodGet, Path: "/tenants/{tenantUid}/account", Handler: self(role.SelfRead, handleTenantUser(s, errw))},
		{Method: http.MethodPut, Path: "/tenants/{tenantUid}/account", Handler: self(role.SelfWrite, handleUpdateSelf(s, errw))},
		{Method: http.MethodGet, Path: "/account/mfa", Handler: self(role.SelfRead, handleFactors(f, errw))},
		{Method: http.MethodPost, Path: "/account/mfa/totp", Handler: self(role.SelfWrite, handleStartTOTP(f, errw))},
		{Method: http.MethodPut, Path: "/account/mfa/totp", Handler: self(role.SelfWrite, handleConfirmTOTP(f, errw))},
		{Method: http.MethodPost, Path: "/account/mfa/totp/delete", Handler: self(role.SelfWrite, handleRemoveTOTP(f, errw))},
		{Method: http.MethodPost, Path: "/account/passkeys/options", Handler: self(role.SelfWrite, handlePasskeyRegistrationOptions(k, errw))},
		{Method: http.MethodPost, Path: "/account/passkeys", Handler: self(role.SelfWrite, handleRegisterPasskey(k, errw))},
		{Method: http.MethodGet, Path: "/account/sessions", Handler: self(role.SelfRead, handleListSessions(ss, errw))},
		{Method: http.MethodDelete, Path: "/account/sessions", Handler: self(role.SelfWrite, handleEndAllSessions(ss, errw))},
		{Method: http.MethodDelete, Path: "/account/sessions/{sessionUid}", Handler: self(role.SelfWrite, handleEndSession(ss, errw))},
		{Method: http.MethodPost, Path: "/tenants/{tenantUid}/account/verification", Handler: self(role.SelfWrite, handleRequestVerification(ver, errw))},

		// Administration (access token or API key).
		{Method: http.MethodPost, Path: "/tenants/{tenantUid}/invitations", Handler: admin(role.InvitationsWrite, handleCreateInvite(s, errw))},
		{Method: http.MethodPost, Path: "/tenants/{tenantUid}/devices", Handler: admin(role.DevicesWrite, handleCreateDevice(s, errw))},
		{Method: http.MethodDelete, Path: "/tenants/{tenantUid}/devices/{deviceId}", Handler: admin(role.DevicesWrite, handleRevokeDevice(s, errw))},
		{Method: http.MethodPost, Path: "/tenants/{tenantUid}/apikeys", Handler: admin(role.APIKeysWrite, handleCreateAPIKey(s, errw))},
		{Method: http.MethodDelete, Path: "/tenants/{tenantUid}/apikeys/{keyId}", Handler: admin(role.APIKeysWrite, handleRevokeAPIKey(s, errw))},
		{Method: http.MethodGet, Path: "/tenants/{tenantUid}/mfa-policy", Handler: admin(role.TenantAdmin, handleMFAPolicy(f, errw))},
		{Method: http.MethodPut, Path: "/tenants/{tenantUid}/mfa-policy", Handler: admin(role.TenantAdmin, handleSetMFAPolicy(f, errw))},
		{Method: http.MethodDelete, Path: "/tenants/{tenantUid}/users/{userUid}/sessions", Handler: admin(role.UsersPrivileged, handleEndUserSessions(ss, errw))},
		{Method: http.MethodDelete, Path: "/tenants/{tenantUid}/users/{userUid}/mfa", Handler: admin(role.UsersPrivileged, handleResetFactors(f, errw))},
		{Method: http.MethodPost, Path: "/tenants/{tenantUid}/users/{userUid}/recovery", Handler: admin(role.UsersWrite, handleSendReset(rec, errw))},
		{Method: http.MethodGet, Path: "/tenants/{tenantUid}/audit", Handler: admin(role.AuditRead, handleAudit(d.Audit, now, errw))},
		{Method: http.MethodPut, Path: "/tenants/{tenantUid}/audit", Handler: admin(role.TenantAdmin, handleAuditRetention(d.Audit, errw))},
		{Method: http.MethodPost, Path: "/tenants/{tenantUid}/webhooks", Handler: admin(role.TenantAdmin, handleCreateWebhook(d.Webhooks, errw))},
		{Method: http.MethodGet, Path: "/tenants/{tenantUid}/webhooks", Handler: admin(role.TenantAdmin, handleListWebhooks(d.Webhooks, errw))},
		{Method: http.MethodPut, Path: "/tenants/{tenantUid}/webhooks/{webhookId}", Handler: admin(role.TenantAdmin, handleSetWebhook(d.Webhooks, errw))},
		{Method: http.MethodDelete, Path: "/tenants/{tenantUid}/webhooks/{webhookId}", Handler: admin(role.TenantAdmin, handleDeleteWebhook(d.Webhooks, errw))},
		{Method: http.MethodPost, Path: "/tenants/{tenantUid}/webhooks/{webhookId}/replay", Handler: admin(role.TenantAdmin, handleReplayWebhook(d.Webhooks, errw))},

		// Public keys of the access-token signers.
		{Method: http.MethodGet, Path: "/.well-known/jwks.json", Public: true, Handler: handleJWKS(d.JWKS, errw)},
	}
}

// Handler returns the group as one http.Handler, with request ids, logging,
// panic recovery and authn, which establishes the caller (auth.FromGateway
// in Lambda, auth.InProcess locally and in tests).
func Handler(d Deps, log *slog.Logger, authn auth.Middleware) http.Handler {
	return web.NewHandler(web.WrapAll(Routes(d), authn), log, web.WriteProblem)
}

// WriteError answers err as the group answers every error: a problem
// details body, with the bearer challenge on a 401.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	web.WriteProblemWithChallenge(w, r, err)
}
