// Package userinfo is the UserInfo endpoint group: look a user up by email,
// register a user, and store a user's third-party access token. Callers
// authenticate with a tenant API key in the Authorization header.
package userinfo

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"roster/shared/auth"
	"roster/shared/platform"
	"roster/shared/seal"
	"roster/shared/user"
	"roster/shared/web"
)

// Deps are what the group needs, built once per container.
type Deps struct {
	Users  user.Store
	Keys   auth.KeyStore
	Pepper []byte       // HMAC key for API keys
	Sealer *seal.Sealer // encrypts stored access tokens
	Now    func() time.Time
}

// Routes lists every route of the group, each behind the API-key check.
func Routes(d Deps) []web.Route {
	if d.Now == nil {
		d.Now = time.Now
	}
	errw := web.WriteProblem
	key := auth.RequireAPIKey(d.Keys, d.Pepper, errw)
	return []web.Route{
		{Method: http.MethodGet, Path: "/UserInfo/UserId", Handler: key(handleUserID(d.Users, errw))},
		{Method: http.MethodPost, Path: "/UserInfo/RegisterNewUser", Handler: key(handleRegister(d.Users, d.Now, errw))},
		{Method: http.MethodPatch, Path: "/UserInfo/UpdateAccessToken", Handler: key(handleUpdateAccessToken(d.Users, d.Sealer, d.Now, errw))},
	}
}

// Handler returns the group as one http.Handler, with request ids, logging
// and panic recovery.
func Handler(d Deps, log *slog.Logger) http.Handler {
	return web.Middleware(web.NewMux(Routes(d), web.WriteProblem), log, web.WriteProblem)
}

// FromPlatform builds the group from a function's platform: the table is
// both the user store and the key store, and stored access tokens are
// sealed with the field-encryption key.
func FromPlatform(p *platform.Platform) (http.Handler, error) {
	sealer, err := seal.New(p.Keys.FieldKey)
	if err != nil {
		return nil, fmt.Errorf("userinfo sealer: %w", err)
	}
	return Handler(Deps{Users: p.Table, Keys: p.Table, Pepper: p.Keys.Pepper, Sealer: sealer}, p.Log), nil
}
