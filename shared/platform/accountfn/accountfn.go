// Package accountfn builds the Account function's group on the platform
// (decision 015's composition root, one step further for one function):
// the group serves passkeys, whose relying party (shared/passkey) links
// the WebAuthn library, so it is built here rather than in
// platform.Assemble, which every function runs. Only functions/account and
// the development tools (the catalog, the local stack, the tests) import
// this package; the other functions do not link WebAuthn.
package accountfn

import (
	"fmt"
	"net/http"

	"roster/shared/account"
	"roster/shared/auth"
	"roster/shared/passkey"
	"roster/shared/platform"
	"roster/shared/signin"
)

// Passkeys is the passkey service over p's second factors, with the
// relying party p's configuration names (PASSKEY_RP_ID,
// PASSKEY_ORIGINS); without an RP id every passkey call is fault.NotFound.
func Passkeys(p *platform.Platform) (signin.Passkeys, error) {
	k, err := passkey.New(p.Factors, passkey.Config{RPID: p.Config.PasskeyRPID, Origins: p.Config.PasskeyOrigins})
	if err != nil {
		return nil, fmt.Errorf("passkeys: %w", err)
	}
	return k, nil
}

// Build is the Account group over p (platform.Platform.AccountDeps) with
// its passkeys. It fails when the relying party's configuration does not
// make one (an RP id that is no domain, no origins).
func Build(p *platform.Platform, authn auth.Middleware) (http.Handler, error) {
	k, err := Passkeys(p)
	if err != nil {
		return nil, err
	}
	d := p.AccountDeps()
	d.Passkeys = k
	return account.Handler(d, p.Log, authn), nil
}

// Account is the Account function's builder, as platform's are for the
// other groups (platform.HTTPHandler, catalog.Function.Build): Build, with
// a relying party the configuration cannot make logged at error level and
// the passkey routes answering 404 (as without an RP id) while every other
// route serves.
func Account(p *platform.Platform, authn auth.Middleware) http.Handler {
	h, err := Build(p, authn)
	if err != nil {
		p.Log.Error("passkeys unavailable", "error", err)
		return account.Handler(p.AccountDeps(), p.Log, authn)
	}
	return h
}
