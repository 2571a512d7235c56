// Package platform is Roster's composition root: the one place that builds
// what a function runs on, from its configuration, in one order —
// configuration, AWS clients, the table, the key material, then each
// credential tool once (password hasher, sealer, token issuer and
// verifier), then the services over them (directory, sign-in,
// authenticator), then the endpoint group or processor a function serves.
// The Lambda functions, the local server, the catalog and the tests all
// build through it, so they run the same graph. Endpoint groups never
// import it: they take their dependencies explicitly (each group's Deps),
// and this package fills them.
//
// It also owns when the graph is built ([Prepare]): during Lambda's init
// phase, with a retry on the next event when that fails.
package platform

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/mail"
	"roster/shared/password"
	"roster/shared/seal"
	"roster/shared/secrets"
	"roster/shared/signin"
	"roster/shared/store"
	"roster/shared/token"
	"roster/shared/user"
)

// Access-token settings. Issuer and audience are fixed names of the
// service rather than configuration: every function must agree on them, and
// a token minted for one stack is refused by another because its signing
// keys differ.
const (
	TokenIssuer   = "roster"
	TokenAudience = "roster-api"
	TokenTTL      = 15 * time.Minute
	tokenLeeway   = 30 * time.Second
)

// Platform is the per-container graph: the table and the key material, and
// everything built from them, each built once. Build one with [New] (from
// AWS) or [Assemble] (from a table and keys already in hand).
type Platform struct {
	Config Config
	Log    *slog.Logger
	Table  *store.Table
	Keys   secrets.Keys

	Hasher   *password.Hasher // passwords, with the pepper
	Sealer   *seal.Sealer     // stored third-party secrets, with the field key
	Issuer   *token.Issuer    // access tokens, with the signing keys
	Verifier *token.Verifier  // access tokens, with the signing keys' public halves
	JWKS     []byte           // those public halves, encoded once

	Directory     directory.Service   // user administration: Users, Identity, Access User
	SignIn        signin.Service      // sign-in and self-service: Account
	Factors       signin.Factors      // second factors and the second step of a login: Account
	Sessions      signin.Sessions     // a person's sessions: Account
	Authenticator *auth.Authenticator // API keys and access tokens: the authorizer, or in process locally

	// Mail posts mail to the notifications queue (New sets it when
	// Config.NotificationsQueue is set; the local stack and tests set it
	// themselves); nil posts nothing, and recovery answers 503.
	Mail mail.Poster
}

// New builds the platform from an AWS configuration: the Secrets Manager
// client reads the key material (the one network call of a start), the
// DynamoDB client backs the table, and [Assemble] does the rest. table
// adjusts the DynamoDB client alone (the local stack's table is reached
// through a socket of its own).
func New(ctx context.Context, cfg Config, awsCfg aws.Config, log *slog.Logger, table ...func(*dynamodb.Options)) (*Platform, error) {
	cache, err := secrets.NewCache(awsCfg)
	if err != nil {
		return nil, fmt.Errorf("secrets cache: %w", err)
	}
	keys, err := secrets.Load(ctx, cache, cfg.SecretID)
	if err != nil {
		return nil, fmt.Errorf("load key material: %w", err)
	}
	db := dynamodb.NewFromConfig(awsCfg, append([]func(*dynamodb.Options){store.CountUsage}, table...)...)
	p, err := Assemble(cfg, log, store.New(db, cfg.TableName), keys)
	if err == nil && cfg.NotificationsQueue != "" {
		p.Mail = mail.NewQueue(sqs.NewFromConfig(awsCfg), cfg.NotificationsQueue)
	}
	return p, err
}

// platformPoster posts through p.Mail as it is when it posts, and logs a
// failure (by the message's type, id and tenant alone), which the service
// may not answer with (an invitation still answers with its token).
type platformPoster struct {
	p   *Platform
	log *slog.Logger
}

// Post posts m through p.Mail: fault.Unavailable when there is none.
func (pp platformPoster) Post(ctx context.Context, m mail.Message) error {
	if pp.p.Mail == nil {
		return fault.New(fault.Unavailable, "The mail could not be sent: no mail sender is configured.")
	}
	err := pp.p.Mail.Post(ctx, m)
	if err != nil && pp.log != nil {
		pp.log.WarnContext(ctx, "mail not posted", "mail", m, "err", err)
	}
	return err
}

// Configured says whether p has a mail poster, so that what needs mail can
// refuse before it writes.
func (pp platformPoster) Configured() bool { return pp.p.Mail != nil }

// welcome mails a new user the link that proves their address (decision
// 023). A failure (the queue down) is logged and leaves the user as
// created: the person can ask for a link, and an administrator can vouch.
func (p *Platform) welcome(ctx context.Context, u *user.User) {
	if err := p.Verification().Welcome(ctx, u); err != nil && p.Log != nil {
		p.Log.WarnContext(ctx, "verification mail not sent", "tenant", u.TenantID, "user", u.ID, "err", err)
	}
}

// Assemble builds everything over table and keys. It makes no network call;
// it fails when keys lack what a tool needs (no pepper, no field key, no
// signing key), so a platform is whole or not at all.
func Assemble(cfg Config, log *slog.Logger, table *store.Table, keys secrets.Keys) (*Platform, error) {
	p := &Platform{Config: cfg, Log: log, Table: table, Keys: keys}
	var err error
	if p.Hasher, err = password.New(keys.Pepper, password.DefaultParams()); err != nil {
		return nil, fmt.Errorf("password hasher: %w", err)
	}
	if p.Sealer, err = seal.New(keys.FieldKey); err != nil {
		return nil, fmt.Errorf("sealer: %w", err)
	}
	if p.Issuer, err = token.NewIssuer(keys.Signing, TokenIssuer, TokenAudience, TokenTTL, time.Now); err != nil {
		return nil, fmt.Errorf("token issuer: %w", err)
	}
	if p.Verifier, err = token.NewVerifier(keys.Signing, TokenIssuer, TokenAudience, time.Now, tokenLeeway); err != nil {
		return nil, fmt.Errorf("token verifier: %w", err)
	}
	if p.JWKS, err = token.JWKS(keys.Signing); err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	if p.Directory, err = directory.New(table, p.Hasher, p.Sealer, directory.Options{Welcome: p.welcome}); err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	// p.Mail is set after Assemble (by New, the local stack or a test), so
	// the service's poster reads it when it posts.
	posted := platformPoster{p: p, log: log}
	if p.SignIn, err = signin.New(table, p.Directory, p.Hasher, p.Issuer, keys.Pepper, signin.Options{Mail: posted}); err != nil {
		return nil, fmt.Errorf("sign-in service: %w", err)
	}
	if p.Factors, err = signin.NewFactors(p.SignIn, p.Sealer); err != nil {
		return nil, fmt.Errorf("second factors: %w", err)
	}
	if p.Sessions, err = signin.NewSessions(p.SignIn); err != nil {
		return nil, fmt.Errorf("sessions: %w", err)
	}
	p.Authenticator = &auth.Authenticator{Keys: table, Pepper: keys.Pepper, Tokens: p.Verifier, Users: table}
	return p, nil
}
