package platform

import (
	"net/http"

	"roster/shared/accessusers"
	"roster/shared/account"
	"roster/shared/auth"
	"roster/shared/identity"
	"roster/shared/lambdahttp"
	"roster/shared/provision"
	"roster/shared/scim"
	"roster/shared/signin"
	"roster/shared/userinfo"
	"roster/shared/users"
	"roster/shared/web"
)

// What each function serves, filled from the platform. authn establishes
// the caller: auth.FromGateway in Lambda (the authorizer verified it),
// auth.InProcess(p.Authenticator, ...) locally and in tests.

// Account is the Account group: the sign-in service, and the public keys of
// the token signers for the JWKS route.
func (p *Platform) Account(authn auth.Middleware) http.Handler {
	jwks := p.JWKS
	return account.Handler(account.Deps{Service: p.SignIn, JWKS: func() ([]byte, error) { return jwks, nil }, Recovery: p.Recovery(), Verification: p.Verification()}, p.Log, authn)
}

// Verification is email verification over the table, posting its mail to
// p.Mail; signin.NoVerification (503) when p has no mail poster.
func (p *Platform) Verification() signin.Verification {
	if p.Mail == nil {
		return signin.NoVerification
	}
	v, err := signin.NewVerification(p.Table, p.Keys.Pepper, p.Mail, nil)
	if err != nil {
		p.Log.Error("email verification unavailable", "error", err)
		return signin.NoVerification
	}
	return v
}

// Recovery is password recovery over the table, posting its mail to
// p.Mail; signin.NoRecovery (503) when p has no mail poster.
func (p *Platform) Recovery() signin.Recovery {
	if p.Mail == nil {
		return signin.NoRecovery
	}
	r, err := signin.NewRecovery(p.Table, p.Hasher, p.Keys.Pepper, p.Mail, signin.RecoveryOptions{})
	if err != nil { // only for a missing dependency, which Assemble has built
		p.Log.Error("password recovery unavailable", "error", err)
		return signin.NoRecovery
	}
	return r
}

// Users is the Users group over the directory.
func (p *Platform) Users(authn auth.Middleware) http.Handler {
	return users.Handler(users.Deps{Service: p.Directory}, p.Log, authn)
}

// Identity is the Identity group over the directory; the table answers
// tenant lookups.
func (p *Platform) Identity(authn auth.Middleware) http.Handler {
	return identity.Handler(identity.Deps{Directory: p.Directory, Tenants: p.Table}, p.Log, authn)
}

// AccessUsers is the Access User group over the directory, with the
// table's login profiles.
func (p *Platform) AccessUsers(authn auth.Middleware) http.Handler {
	return accessusers.Handler(accessusers.Deps{Directory: p.Directory, Profiles: p.Table}, p.Log, authn)
}

// UserInfo is the UserInfo group over the directory, which seals stored
// access tokens with the field key.
func (p *Platform) UserInfo(authn auth.Middleware) http.Handler {
	return userinfo.Handler(userinfo.Deps{Directory: p.Directory}, p.Log, authn)
}

// SCIM is the SCIM 2.0 group over the directory: identity providers
// provision the tenant's users and groups with a SCIM token.
func (p *Platform) SCIM(authn auth.Middleware) http.Handler {
	return scim.Handler(scim.Deps{Directory: p.Directory}, p.Log, authn)
}

// Provisioning is the processor of the provisioning queue over the table,
// admitting new users through the directory; new owners' invitations go
// to notifier.
func (p *Platform) Provisioning(notifier provision.Notifier) (*provision.Processor, error) {
	return provision.New(p.Table, p.Directory, p.Keys.Pepper, provision.Options{Notifier: notifier})
}

// HTTPHandler is the Lambda handler of an HTTP function: it prepares the
// function's group (Prepare: built now, in the init phase), with the caller
// the principal the Lambda authorizer verified (auth.FromGateway). While no
// build has succeeded, each event is answered 503 in the group's own error
// shape, errw (lambdahttp.Serve).
func HTTPHandler(fn Function, group func(p *Platform, authn auth.Middleware) http.Handler, errw web.ErrorWriter) lambdahttp.Handler {
	ready := Prepare(fn, func(p *Platform) (lambdahttp.Handler, error) {
		return lambdahttp.New(group(p, auth.FromGateway)), nil
	})
	return lambdahttp.Serve(ready.Get, errw, fn.Log)
}
