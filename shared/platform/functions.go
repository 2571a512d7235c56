package platform

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	awsevents "github.com/aws/aws-lambda-go/events"

	"roster/shared/accessusers"
	"roster/shared/account"
	"roster/shared/auth"
	"roster/shared/events"
	"roster/shared/fault"
	"roster/shared/identity"
	"roster/shared/lambdahttp"
	"roster/shared/provision"
	"roster/shared/scim"
	"roster/shared/signin"
	"roster/shared/store"
	"roster/shared/userinfo"
	"roster/shared/users"
	"roster/shared/web"
	"roster/shared/webhook"
)

// What each function serves, filled from the platform. authn establishes
// the caller: auth.FromGateway in Lambda (the authorizer verified it),
// auth.InProcess(p.Authenticator, ...) locally and in tests.

// AccountDeps is what the Account group serves over: the sign-in service,
// the public keys of the token signers for the JWKS route, the table's
// audit log and the tenants' webhooks. Its passkeys are left to
// shared/platform/accountfn, the Account function's builder, so that only
// that function links the WebAuthn library; without them every passkey
// route answers 404.
func (p *Platform) AccountDeps() account.Deps {
	jwks := p.JWKS
	nopasskeys, err := signin.NewPasskeys(p.Factors, nil)
	if err != nil { // only for factors not from signin.NewFactors, which Assemble has built
		p.Log.Error("passkeys unavailable", "error", err)
	}
	hooks := &webhook.Admin{Store: p.Table, Replays: p.Table, Sealer: p.Sealer, Audit: p.Table, Now: time.Now, Guard: webhook.Guard{AllowLoopback: p.Config.LocalWebhooks}}
	return account.Deps{
		Service: p.SignIn, JWKS: func() ([]byte, error) { return jwks, nil },
		Factors: p.Factors, Sessions: p.Sessions, Passkeys: nopasskeys,
		Recovery: p.Recovery(), Verification: p.Verification(),
		Audit: p.Table, Webhooks: hooks,
	}
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

// Events is the consumer of the table's stream: the table turns records
// into events and keeps the audit log; the events go to each publisher
// (the EventBridge bus, the webhooks) and unreadable records to parker.
func (p *Platform) Events(parker events.Parker, publishers ...events.Publisher) *events.Processor {
	return &events.Processor{Source: p.Table, Audit: p.Table, Publishers: publishers, Parker: parker, Log: p.Log}
}

// Webhooks is the consumer of the webhook queue: deliveries signed with
// each endpoint's secret (opened with the field key), sent through
// sender, retried on queueURL, parked on parkedURL.
func (p *Platform) Webhooks(api webhook.QueueAPI, sender *webhook.Sender, queueURL, parkedURL string) *webhook.Deliverer {
	return &webhook.Deliverer{Store: p.Table, Sealer: p.Sealer, Sender: sender, API: api, QueueURL: queueURL, ParkedURL: parkedURL, Log: p.Log}
}

// WebhookFanout is the change feed's publisher to the tenants' webhooks.
func (p *Platform) WebhookFanout(api webhook.QueueAPI, queueURL string) *webhook.Fanout {
	return &webhook.Fanout{Store: p.Table, API: api, URL: queueURL}
}

// WebhookReplays acts on the replay requests the stream carries: each
// queues, through fanout, the audit log's events of its range for its
// endpoint.
func (p *Platform) WebhookReplays(fanout *webhook.Fanout) func(ctx context.Context, rec awsevents.DynamoDBEventRecord) error {
	admin := &webhook.Admin{Store: p.Table, Audit: p.Table, Fanout: fanout}
	return func(ctx context.Context, rec awsevents.DynamoDBEventRecord) error {
		r, ok, err := store.ReplayOf(rec)
		if err != nil || !ok {
			return err // an unreadable request fails its record, which bisection and the DLQ then park
		}
		n, err := admin.Replay(ctx, r.TenantID, r.EndpointID, r.From, r.To)
		if fault.CodeOf(err) == fault.NotFound || fault.CodeOf(err) == fault.Conflict {
			p.Log.InfoContext(ctx, "webhook replay dropped", slog.String("replay", r.ID), slog.String("reason", err.Error()))
			return nil // the webhook is gone or disabled: nothing to replay to
		}
		if err == nil {
			p.Log.InfoContext(ctx, "webhook replay queued", slog.String("replay", r.ID), slog.Int("events", n))
		}
		return err
	}
}
