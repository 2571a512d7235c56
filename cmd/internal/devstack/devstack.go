// Package devstack runs Roster's backing services on this machine, without
// AWS or Docker: it starts moto_server (DynamoDB, Secrets Manager and SQS)
// on loopback, creates the table from template.yaml's own definition, the
// key-material secret and the provisioning and notifications queues, and
// seeds a demo tenant with a fixed API key.
// The local server (cmd/local) and the invoker (cmd/invoke) share it.
package devstack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"roster/shared/auth"
	"roster/shared/fault"
	"roster/shared/mail"
	"roster/shared/opaque"
	"roster/shared/platform"
	"roster/shared/role"
	"roster/shared/samtemplate"
	"roster/shared/secrets"
	"roster/shared/signin"
	"roster/shared/store"
	"roster/shared/tenant"
	"roster/shared/user"
)

// The demo tenant and its credentials. They exist only in a local stack;
// they are fixed so the files in events/ and the README's examples work as
// written.
const (
	DemoTenant    = "demo"
	DemoKeyID     = "demodemodemodemo"
	DemoKeySecret = "local-demo-key-never-valid-in-aws-000000000"

	DemoOwnerUserCode = "ada"
	DemoOwnerEmail    = "ada@demo.example"
	DemoOwnerPassword = "correct horse battery staple"

	demoDeviceID     = "demodevicedemode"
	demoDeviceSecret = "local-demo-device-never-valid-in-aws-000000"
	demoInviteID     = "demoinvitedemoin"
	demoInviteSecret = "local-demo-invite-never-valid-in-aws-000000"
	demoInviteEmail  = "grace@demo.example"
	demoAuthID       = "demoauthdemoauth"
	demoAuthSecret   = "local-demo-auth-never-valid-in-aws-00000000"

	region     = "us-east-1"
	tableName  = "roster-local"
	secretName = "roster-local-keys"

	provisioningQueue  = "roster-local-provisioning"
	provisioningDLQ    = "roster-local-provisioning-dlq"
	notificationsQueue = "roster-local-notifications"
	notificationsDLQ   = "roster-local-notifications-dlq"

	// MailFrom is the local mailer's sender; its domain is a verified
	// identity in moto's SES, as MailIdentity is in AWS.
	MailFrom     = "roster@demo.example"
	mailIdentity = "demo.example"
	// MailLinkBase is where the local mails' links point: the local server.
	MailLinkBase  = "http://127.0.0.1:3000"
	eventsDLQ     = "roster-local-events-dlq"
	eventBus      = "roster-local-events"
	webhookQueue  = "roster-local-webhooks.fifo"
	webhookParked = "roster-local-webhooks-parked"
	// maxReceiveCount as template.yaml sets it on ProvisioningQueue.
	maxReceiveCount = 3
)

// Options configure Start.
type Options struct {
	MotoURL  string    // use a running moto_server instead of starting one
	Template string    // path of template.yaml
	Logs     io.Writer // moto_server's output; nil discards it
	// Table, when set, adjusts the DynamoDB client of the table alone: the
	// local server points it at DynamoDB Local. Unset, the table lives in
	// moto_server beside everything else.
	Table func(*dynamodb.Options)
	// DataDir, when set, keeps what a persistent table needs across
	// restarts: the key material its hashes and sealed secrets depend on,
	// and the demo credentials. A table that already exists is then kept
	// as it is and not seeded again.
	DataDir string
	// Log is the log of the stack's platform (what the local server
	// serves with); nil discards it.
	Log *slog.Logger
	// PasskeyOrigin is the origin passkey ceremonies run on; empty:
	// LocalPasskeyOrigin.
	PasskeyOrigin string
	// TableName names the table; empty: roster-local. Servers sharing one
	// DynamoDB Local (tests) each need their own.
	TableName string
}

// Stack is a running local backend.
type Stack struct {
	MotoURL string
	Config  platform.Config
	AWS     aws.Config
	// Platform is the graph every function builds (package platform),
	// over this stack: the local server serves from it, and seeding used
	// it, so both hash and seal exactly as the functions do.
	Platform *platform.Platform
	DemoKey  string // the demo tenant's API key token
	Demo     Demo   // every demo credential, as written to the demo file

	ProvisioningQueueURL  string // takes provisioning events, as ProvisioningQueue
	NotificationsQueueURL string // receives new owners' invitations, as NotificationsQueue
	EventsDLQURL          string // keeps stream records the change feed cannot handle, as EventsDLQ
	EventBusName          string // the change feed's EventBridge bus, as EventBus
	WebhookQueueURL       string // webhook deliveries, as WebhookQueue (FIFO)
	WebhookParkedURL      string // deliveries given up on, as WebhookParkedQueue
	moto                  *exec.Cmd
}

// The local stack's WebAuthn relying party: browsers treat localhost as a
// secure context, and passkeys need a domain, so the local server's pages
// are opened as http://localhost:3000 (not 127.0.0.1) to use them.
const (
	LocalPasskeyRPID   = "localhost"
	LocalPasskeyOrigin = "http://localhost:3000"
)

// Start brings the backend up and seeds it. Close stops what it started.
func Start(ctx context.Context, opts Options) (*Stack, error) {
	s := &Stack{MotoURL: opts.MotoURL}
	if s.MotoURL == "" {
		if err := s.startMoto(ctx, opts.Logs); err != nil {
			return nil, err
		}
	}
	cfg, err := AWSConfig(ctx, s.MotoURL)
	if err != nil {
		s.Close()
		return nil, err
	}
	s.AWS = cfg
	name := opts.TableName
	if name == "" {
		name = tableName
	}
	s.Config = platform.Config{TableName: name, SecretID: secretName, LogLevel: "info",
		PasskeyRPID: LocalPasskeyRPID, PasskeyOrigins: []string{LocalPasskeyOrigin}, LocalWebhooks: true}
	if opts.PasskeyOrigin != "" {
		s.Config.PasskeyOrigins = []string{opts.PasskeyOrigin}
	}
	if err := s.provision(ctx, opts); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// AWSConfig returns SDK configuration for an emulator at url: static dummy
// credentials, one region, every service's endpoint at url.
func AWSConfig(ctx context.Context, url string) (aws.Config, error) {
	return awsconfig.LoadDefaultConfig(ctx,
		awsconfig.WithRegion(region),
		awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")),
		awsconfig.WithBaseEndpoint(url),
	)
}

// Env returns the environment a function process needs to use this stack,
// as the template would set it in AWS.
func (s *Stack) Env() []string {
	return []string{
		"AWS_ENDPOINT_URL=" + s.MotoURL,
		"AWS_REGION=" + region,
		"AWS_ACCESS_KEY_ID=local",
		"AWS_SECRET_ACCESS_KEY=local",
		"TABLE_NAME=" + s.Config.TableName,
		"SECRET_ID=" + s.Config.SecretID,
		"LOG_LEVEL=" + s.Config.LogLevel,
		"NOTIFICATIONS_QUEUE_URL=" + s.NotificationsQueueURL,
		"PASSKEY_RP_ID=" + s.Config.PasskeyRPID,
		"PASSKEY_ORIGINS=" + strings.Join(s.Config.PasskeyOrigins, ","),
		"MAIL_FROM=" + MailFrom,
		"MAIL_LINK_BASE=" + MailLinkBase,
		"EVENT_BUS_NAME=" + s.EventBusName,
		"EVENTS_DLQ_URL=" + s.EventsDLQURL,
		"WEBHOOK_QUEUE_URL=" + s.WebhookQueueURL,
		"WEBHOOK_PARKED_URL=" + s.WebhookParkedURL,
	}
}

// Close stops moto_server if Start started it.
func (s *Stack) Close() {
	if s.moto != nil && s.moto.Process != nil {
		_ = s.moto.Process.Kill()
		_ = s.moto.Wait()
		s.moto = nil
	}
}

// MotoBinary finds moto_server on PATH or in the project's tool folder.
func MotoBinary() (string, error) {
	if p, err := exec.LookPath("moto_server"); err == nil {
		return p, nil
	}
	for _, dir := range []string{".", "..", "../.."} {
		p := filepath.Join(dir, ".tools", "venv", "bin", "moto_server")
		if _, err := os.Stat(p); err == nil {
			return filepath.Abs(p)
		}
	}
	return "", errors.New("moto_server not found: run `make tools` (or `make run`, which installs it)")
}

func (s *Stack) startMoto(ctx context.Context, logs io.Writer) error {
	bin, err := MotoBinary()
	if err != nil {
		return err
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	if logs == nil {
		logs = io.Discard
	}
	cmd.Stdout, cmd.Stderr = logs, logs
	// The kernel ends moto_server when this process dies, however it dies.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start moto_server: %w", err)
	}
	s.moto = cmd
	s.MotoURL = fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			s.Close()
			return fmt.Errorf("moto_server did not start on port %d", port)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// provision creates the table and secret and seeds the demo tenant; with
// a DataDir and a table kept from an earlier run, it reuses both as they
// are.
func (s *Stack) provision(ctx context.Context, opts Options) error {
	var tableOpts []func(*dynamodb.Options)
	if opts.Table != nil {
		tableOpts = append(tableOpts, opts.Table)
	}
	db := dynamodb.NewFromConfig(s.AWS, tableOpts...)
	kept := false
	if opts.DataDir != "" {
		_, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(s.Config.TableName)})
		kept = err == nil
	}
	if !kept {
		if err := CreateTable(ctx, db, opts.Template, s.Config.TableName); err != nil {
			return err
		}
	}
	secret, err := keyMaterial(opts.DataDir)
	if err != nil {
		return err
	}
	sm := secretsmanager.NewFromConfig(s.AWS)
	_, err = sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(s.Config.SecretID), SecretString: aws.String(secret)})
	if err != nil {
		return fmt.Errorf("create secret: %w", err)
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	p, err := platform.New(ctx, s.Config, s.AWS, log, tableOpts...)
	if err != nil {
		return err
	}
	s.Platform = p
	if kept {
		if s.Demo, err = readDemo(filepath.Join(opts.DataDir, "demo.json")); err != nil {
			return fmt.Errorf("table kept in %s, but %w", opts.DataDir, err)
		}
		s.DemoKey = s.Demo.APIKey
	} else if err := s.seed(ctx, p); err != nil {
		return err
	}
	if err := s.createQueues(ctx); err != nil {
		return err
	}
	// The Account function posts its mail as it does in AWS.
	p.Mail = mail.NewQueue(sqs.NewFromConfig(s.AWS), s.NotificationsQueueURL)
	s.Demo.ProvisioningQueueURL, s.Demo.NotificationsQueueURL = s.ProvisioningQueueURL, s.NotificationsQueueURL
	if opts.DataDir != "" {
		return WriteDemo(filepath.Join(opts.DataDir, "demo.json"), s.Demo)
	}
	return nil
}

// keyMaterial returns the secret's value: new each time, or, with a
// DataDir, the one kept there (created on first use, readable by its
// owner alone), since a kept table's hashes and sealed secrets need it.
func keyMaterial(dataDir string) (string, error) {
	if dataDir == "" {
		return secrets.SecretString(secrets.NewMasterKey()), nil
	}
	path := filepath.Join(dataDir, "key-material.json")
	if b, err := os.ReadFile(path); err == nil {
		return string(b), nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("read key material: %w", err)
	}
	secret := secrets.SecretString(secrets.NewMasterKey())
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return "", err
	}
	if err := os.WriteFile(path, []byte(secret), 0o600); err != nil {
		return "", fmt.Errorf("keep key material: %w", err)
	}
	return secret, nil
}

// readDemo reads the demo credentials an earlier run kept.
func readDemo(path string) (Demo, error) {
	var d Demo
	b, err := os.ReadFile(path)
	if err != nil {
		return d, fmt.Errorf("its demo credentials are not: %w", err)
	}
	if err := json.Unmarshal(b, &d); err != nil {
		return d, fmt.Errorf("its demo credentials are unreadable: %w", err)
	}
	return d, nil
}

// seed writes the demo tenant and its people.
func (s *Stack) seed(ctx context.Context, p *platform.Platform) error {
	key, err := SeedTenant(ctx, p, DemoTenant, DemoKeyID, DemoKeySecret)
	if err != nil {
		return err
	}
	s.DemoKey = key
	s.Demo, err = seedPeople(ctx, p)
	if err != nil {
		return err
	}
	s.Demo.TenantID, s.Demo.APIKey = DemoTenant, key
	return nil
}

// createQueues creates the provisioning queue with its dead-letter queue,
// the notifications queue, the events dead-letter queue and the events
// bus, shaped as template.yaml shapes them.
func (s *Stack) createQueues(ctx context.Context) error {
	q := sqs.NewFromConfig(s.AWS)
	create := func(name string, attrs map[string]string) (string, error) {
		out, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
		if err != nil {
			return "", fmt.Errorf("create queue %s: %w", name, err)
		}
		return *out.QueueUrl, nil
	}
	dlq, err := create(provisioningDLQ, nil)
	if err != nil {
		return err
	}
	attrs, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &dlq, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		return fmt.Errorf("read queue %s: %w", provisioningDLQ, err)
	}
	redrive := fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":"%d"}`, attrs.Attributes["QueueArn"], maxReceiveCount)
	if s.ProvisioningQueueURL, err = create(provisioningQueue, map[string]string{"RedrivePolicy": redrive, "VisibilityTimeout": "30"}); err != nil {
		return err
	}
	mailDLQ, err := create(notificationsDLQ, nil)
	if err != nil {
		return err
	}
	attrs, err = q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &mailDLQ, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		return fmt.Errorf("read queue %s: %w", notificationsDLQ, err)
	}
	redrive = fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":"%d"}`, attrs.Attributes["QueueArn"], maxReceiveCount)
	if s.NotificationsQueueURL, err = create(notificationsQueue, map[string]string{"RedrivePolicy": redrive, "VisibilityTimeout": "30"}); err != nil {
		return err
	}
	// The mailer's sender identity, so the real mailer sends through
	// moto's SES v2 as it does through SES (cmd/invoke, make bench).
	_, err = sesv2.NewFromConfig(s.AWS).CreateEmailIdentity(ctx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String(mailIdentity)})
	if err != nil && !strings.Contains(err.Error(), "AlreadyExists") {
		return fmt.Errorf("create mail identity: %w", err)
	}
	if s.EventsDLQURL, err = create(eventsDLQ, nil); err != nil {
		return err
	}
	if s.WebhookQueueURL, err = create(webhookQueue, map[string]string{"FifoQueue": "true", "VisibilityTimeout": "60"}); err != nil {
		return err
	}
	if s.WebhookParkedURL, err = create(webhookParked, nil); err != nil {
		return err
	}
	// The change feed's bus; an existing one (a kept moto) is the same bus.
	s.EventBusName = eventBus
	_, err = eventbridge.NewFromConfig(s.AWS).CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(eventBus)})
	var exists *ebtypes.ResourceAlreadyExistsException
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("create event bus %s: %w", eventBus, err)
	}
	return nil
}

// seedPeople gives the demo tenant an owner with a known password, a
// registered device, an open invitation and an auth token for the owner,
// all with fixed tokens.
func seedPeople(ctx context.Context, p *platform.Platform) (Demo, error) {
	now := time.Now().UTC().Truncate(time.Second)
	owner := user.New(user.Fields{
		TenantID: DemoTenant, AccountID: demoOwnerAccountID, Username: DemoOwnerUserCode, Email: DemoOwnerEmail,
		FirstName: "Ada", LastName: "Lovelace", DisplayName: "Ada Lovelace", Active: true, Role: string(role.Owner),
	}, now, "seed")
	owner.ID = DemoOwnerID // fixed, so the files in events/ can name it
	if err := p.Table.CreateUser(ctx, owner); err != nil {
		return Demo{}, fmt.Errorf("seed owner: %w", err)
	}
	phc, err := p.Hasher.Hash(DemoOwnerPassword)
	if err != nil {
		return Demo{}, err
	}
	if err := p.Table.SetAccountPassword(ctx, owner.AccountID, phc); err != nil {
		return Demo{}, fmt.Errorf("seed owner password: %w", err)
	}
	device, err := opaque.Device.FromSecret(demoDeviceID, demoDeviceSecret)
	if err != nil {
		return Demo{}, err
	}
	err = p.Table.PutDevice(ctx, &signin.Device{
		ID: device.ID, TenantID: DemoTenant, Name: "demo device", Hash: opaque.Hash(p.Keys.Pepper, device.Token),
		CreatedAt: now, CreatedBy: "seed",
	})
	if err != nil {
		return Demo{}, fmt.Errorf("seed device: %w", err)
	}
	invite, err := opaque.Invite.FromSecret(demoInviteID, demoInviteSecret)
	if err != nil {
		return Demo{}, err
	}
	err = p.Table.PutInvite(ctx, &signin.Invite{
		ID: invite.ID, TenantID: DemoTenant, Email: demoInviteEmail, Role: string(role.Member),
		FirstName: "Grace", LastName: "Hopper", Hash: opaque.Hash(p.Keys.Pepper, invite.Token),
		CreatedAt: now, CreatedBy: "seed", ExpiresAt: now.Add(30 * 24 * time.Hour),
	})
	if err != nil {
		return Demo{}, fmt.Errorf("seed invitation: %w", err)
	}
	authTok, err := opaque.Auth.FromSecret(demoAuthID, demoAuthSecret)
	if err != nil {
		return Demo{}, err
	}
	err = p.Table.CompleteLogin(ctx, signin.LoginSuccess{Token: &signin.AuthToken{
		ID: authTok.ID, AccountID: owner.AccountID, Hash: opaque.Hash(p.Keys.Pepper, authTok.Token),
		CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour),
	}})
	if err != nil {
		return Demo{}, fmt.Errorf("seed auth token: %w", err)
	}
	inviteeAuth, err := seedExamples(ctx, p, now)
	if err != nil {
		return Demo{}, err
	}
	return Demo{
		Owner:       DemoUser{UserCode: DemoOwnerUserCode, Email: DemoOwnerEmail, Password: DemoOwnerPassword, UserID: owner.ID},
		DeviceToken: device.Token, InviteToken: invite.Token, AuthToken: authTok.Token, InviteeAuthToken: inviteeAuth,
		SCIMToken: DemoSCIMToken(),
	}, nil
}

// CreateTable creates the table from template.yaml's Table resource, with
// its TTL attribute.
func CreateTable(ctx context.Context, db *dynamodb.Client, templatePath, name string) error {
	tpl, err := samtemplate.Load(templatePath)
	if err != nil {
		return err
	}
	in, err := tpl.TableInput("Table", name)
	if err != nil {
		return err
	}
	return store.CreateTable(ctx, db, in, tpl.TTLAttribute("Table"))
}

// SeedTenant creates an active tenant and an API key for it built from the
// given id and secret, and returns the key's token. An existing tenant or
// key is left as it is.
func SeedTenant(ctx context.Context, p *platform.Platform, tenantID, keyID, keySecret string) (string, error) {
	err := p.Table.CreateTenant(ctx, &tenant.Tenant{
		ID: tenantID, Organization: tenantID, Name: tenantID, Active: true, CreatedAt: time.Now(),
	})
	if err != nil && fault.CodeOf(err) != fault.Conflict {
		return "", fmt.Errorf("seed tenant %s: %w", tenantID, err)
	}
	k, err := opaque.APIKey.FromSecret(keyID, keySecret)
	if err != nil {
		return "", fmt.Errorf("seed api key: %w", err)
	}
	err = p.Table.PutAPIKey(ctx, &auth.APIKey{
		ID: k.ID, TenantID: tenantID, Name: "demo", Hash: opaque.Hash(p.Keys.Pepper, k.Token), CreatedAt: time.Now(),
	})
	if err != nil && fault.CodeOf(err) != fault.Conflict {
		return "", fmt.Errorf("seed api key: %w", err)
	}
	return k.Token, nil
}

// Demo is the content of the demo credentials file.
type Demo struct {
	APIURL      string   `json:"apiUrl"`
	TenantID    string   `json:"tenantId"`
	APIKey      string   `json:"apiKey"`      // admin API key of the demo tenant
	Owner       DemoUser `json:"owner"`       // logs in with the device token
	DeviceToken string   `json:"deviceToken"` // for POST /account
	InviteToken string   `json:"inviteToken"` // an open invitation (grace@demo.example)
	AuthToken   string   `json:"authToken"`   // the owner's; single use, valid 24 h

	// InviteeAuthToken is grace@demo.example's (single use, valid 24 h):
	// she holds a user in another tenant and accepts the invitation with it.
	InviteeAuthToken string `json:"inviteeAuthToken"`

	// SCIMToken is the demo tenant's SCIM token, for an identity
	// provider's SCIM setup (base URL apiUrl + /scim/v2).
	SCIMToken string `json:"scimToken"`

	ProvisioningQueueURL  string `json:"provisioningQueueUrl"`  // send provisioning events here (scripts/send-event.sh)
	NotificationsQueueURL string `json:"notificationsQueueUrl"` // new owners' invitations arrive here
}

// DemoUser is a seeded person who can log in.
type DemoUser struct {
	UserCode string `json:"userCode"`
	Email    string `json:"email"`
	Password string `json:"password"`
	UserID   string `json:"userUid"`
}

// WriteDemo writes the demo credentials as JSON for scripts, readable by the
// owner only.
func WriteDemo(path string, d Demo) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o600)
}
