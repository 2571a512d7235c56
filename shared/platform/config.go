package platform

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"roster/shared/awsenv"
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
	// PasskeyRPID and PasskeyOrigins name the WebAuthn relying party
	// (PASSKEY_RP_ID, and PASSKEY_ORIGINS, comma-separated): its domain and
	// the origins of its pages. Without an RP id no passkey is offered.
	PasskeyRPID    string
	PasskeyOrigins []string
	// NotificationsQueue is the URL of the queue mail is posted to
	// (NOTIFICATIONS_QUEUE_URL); optional: without it no mail is posted
	// and password recovery answers 503.
	NotificationsQueue string
	// LocalWebhooks lets webhooks be registered on and delivered to
	// loopback addresses: the local stack's receivers. Never set in AWS
	// (no variable sets it), where the guard refuses loopback.
	LocalWebhooks bool
}

// ConfigFromEnv reads Config; TABLE_NAME and SECRET_ID are required, and so
// is every name in required (a variable only one function reads).
func ConfigFromEnv(getenv func(string) string, required ...string) (Config, error) {
	c := Config{TableName: getenv("TABLE_NAME"), SecretID: getenv("SECRET_ID"), LogLevel: getenv("LOG_LEVEL"),
		PasskeyRPID: getenv("PASSKEY_RP_ID"), NotificationsQueue: getenv("NOTIFICATIONS_QUEUE_URL")}
	if o := getenv("PASSKEY_ORIGINS"); o != "" {
		c.PasskeyOrigins = strings.Split(o, ",")
	}
	var missing []string
	for _, name := range append([]string{"TABLE_NAME", "SECRET_ID"}, required...) {
		if getenv(name) == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return c, fmt.Errorf("missing environment: %s", strings.Join(missing, ", "))
	}
	if c.LogLevel == "" {
		c.LogLevel = "info"
	}
	return c, nil
}

// AWSFromEnv builds the SDK configuration from the variables Lambda sets
// (awsenv.Config, which says why not config.LoadDefaultConfig).
func AWSFromEnv(getenv func(string) string) aws.Config { return awsenv.Config(getenv) }

// Function is a Lambda function at the start of its init phase: its
// configuration, read and checked, and what builds its platform. Nothing in
// it has made a network call yet.
type Function struct {
	Name   string              // for logs: "users", "authorizer"
	Config Config              // checked: TABLE_NAME and SECRET_ID are set
	AWS    aws.Config          // the SDK configuration the clients are built from
	Log    *slog.Logger        // JSON, at Config.LogLevel
	Getenv func(string) string // the function's environment, for what only it reads
	// Load builds the platform: New over Config and AWS. A test replaces
	// it to fail a start on purpose.
	Load func(ctx context.Context) (*Platform, error)
}

// Configure reads a function's configuration from getenv: [Config], the
// SDK configuration ([AWSFromEnv]) and each variable in required, which
// must be set too. Logs go to logOut.
func Configure(name string, getenv func(string) string, logOut io.Writer, required ...string) (Function, error) {
	cfg, err := ConfigFromEnv(getenv, required...)
	if err != nil {
		return Function{}, fmt.Errorf("%s: %w", name, err)
	}
	awsCfg, log := AWSFromEnv(getenv), web.NewLogger(logOut, cfg.LogLevel)
	return Function{Name: name, Config: cfg, AWS: awsCfg, Log: log, Getenv: getenv,
		Load: func(ctx context.Context) (*Platform, error) { return New(ctx, cfg, awsCfg, log) }}, nil
}

// MustConfigure is [Configure] over the process environment, logging to
// stdout. A configuration error cannot mend itself on a retry, so it ends
// the process with status 1 before it polls for an event, and the
// deployment fails visibly instead of answering 503 forever.
func MustConfigure(name string, required ...string) Function {
	f, err := Configure(name, os.Getenv, os.Stdout, required...)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	return f
}
