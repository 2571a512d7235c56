// Package platform owns what every function builds once per container: its
// configuration from the environment, the AWS clients, the table and the
// key material. Nothing here runs per request.
package platform

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/password"
	"roster/shared/seal"
	"roster/shared/secrets"
	"roster/shared/store"
	"roster/shared/token"
	"roster/shared/web"
)

// Env names the variables every function reads. template.yaml must set each
// of them on every function (a test checks).
var Env = []string{"TABLE_NAME", "SECRET_ID", "LOG_LEVEL"}

// Config is a function's configuration.
type Config struct {
	TableName string // the Roster table
	SecretID  string // ARN or name of the key-material secret
	LogLevel  string // debug, info, warn or error
}

// ConfigFromEnv reads Config; TABLE_NAME and SECRET_ID are required.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{TableName: getenv("TABLE_NAME"), SecretID: getenv("SECRET_ID"), LogLevel: getenv("LOG_LEVEL")}
	var missing []string
	if c.TableName == "" {
		missing = append(missing, "TABLE_NAME")
	}
	if c.SecretID == "" {
		missing = append(missing, "SECRET_ID")
	}
	if len(missing) > 0 {
		return c, fmt.Errorf("missing environment: %s", strings.Join(missing, ", "))
	}
	if c.LogLevel == "" {
		c.LogLevel = "info"
	}
	return c, nil
}

// Platform is the per-container set of clients and keys.
type Platform struct {
	Config Config
	Log    *slog.Logger
	Table  *store.Table
	Keys   secrets.Keys
}

// New reads the configuration, builds the AWS clients and loads the key
// material once.
func New(ctx context.Context, getenv func(string) string, logOut io.Writer) (*Platform, error) {
	cfg, err := ConfigFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	log := web.NewLogger(logOut, cfg.LogLevel)
	return FromAWS(ctx, cfg, AWSFromEnv(getenv), log)
}

// AWSFromEnv builds the SDK configuration from the variables Lambda sets
// (region and the execution role's credentials) and AWS_ENDPOINT_URL, which
// is how the local stack points functions at its emulators. The SDK's
// config.LoadDefaultConfig would also do this, but it links the SSO, STS
// and instance-metadata clients a Lambda function never uses, about 2 MB of
// the binary budget.
func AWSFromEnv(getenv func(string) string) aws.Config {
	region := getenv("AWS_REGION")
	if region == "" {
		region = getenv("AWS_DEFAULT_REGION")
	}
	cfg := aws.Config{
		Region: region,
		Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(
			getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"), getenv("AWS_SESSION_TOKEN"))),
		RetryMaxAttempts: 3,
	}
	if url := getenv("AWS_ENDPOINT_URL"); url != "" {
		cfg.BaseEndpoint = aws.String(url)
	}
	return cfg
}

// FromAWS builds the platform from an AWS configuration, for the local
// server and tests that point it at emulators.
func FromAWS(ctx context.Context, cfg Config, awsCfg aws.Config, log *slog.Logger) (*Platform, error) {
	cache, err := secrets.NewCache(awsCfg)
	if err != nil {
		return nil, fmt.Errorf("secrets cache: %w", err)
	}
	keys, err := secrets.Load(ctx, cache, cfg.SecretID)
	if err != nil {
		return nil, fmt.Errorf("load key material: %w", err)
	}
	db := dynamodb.NewFromConfig(awsCfg, store.CountUsage)
	return &Platform{Config: cfg, Log: log, Table: store.New(db, cfg.TableName), Keys: keys}, nil
}

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

// Tokens returns the access-token issuer and verifier for the platform's
// signing keys.
func (p *Platform) Tokens() (*token.Issuer, *token.Verifier, error) {
	iss, err := token.NewIssuer(p.Keys.Signing, TokenIssuer, TokenAudience, TokenTTL, time.Now)
	if err != nil {
		return nil, nil, fmt.Errorf("token issuer: %w", err)
	}
	ver, err := token.NewVerifier(p.Keys.Signing, TokenIssuer, TokenAudience, time.Now, tokenLeeway)
	if err != nil {
		return nil, nil, fmt.Errorf("token verifier: %w", err)
	}
	return iss, ver, nil
}

// Authenticator returns what the Lambda authorizer runs, and what the local
// server runs in its place: API keys and access tokens checked against the
// table and the signing keys.
func (p *Platform) Authenticator() (*auth.Authenticator, error) {
	_, ver, err := p.Tokens()
	if err != nil {
		return nil, err
	}
	return &auth.Authenticator{Keys: p.Table, Pepper: p.Keys.Pepper, Tokens: ver, Users: p.Table}, nil
}

// Directory returns the user-administration service the Users, Identity
// and Access User groups share: the table, passwords hashed with the
// pepper, stored secrets sealed with the field-encryption key.
func (p *Platform) Directory() (directory.Service, error) {
	hasher, err := password.New(p.Keys.Pepper, password.DefaultParams())
	if err != nil {
		return nil, fmt.Errorf("password hasher: %w", err)
	}
	sealer, err := seal.New(p.Keys.FieldKey)
	if err != nil {
		return nil, fmt.Errorf("sealer: %w", err)
	}
	dir, err := directory.New(p.Table, hasher, sealer, directory.Options{})
	if err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	return dir, nil
}
