// Package devstack runs Roster's backing services on this machine, without
// AWS or Docker: it starts moto_server (DynamoDB and Secrets Manager) on
// loopback, creates the table from template.yaml's own definition, creates
// the key-material secret, and seeds a demo tenant with a fixed API key.
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
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"roster/shared/auth"
	"roster/shared/fault"
	"roster/shared/opaque"
	"roster/shared/platform"
	"roster/shared/samtemplate"
	"roster/shared/secrets"
	"roster/shared/store"
	"roster/shared/tenant"
)

// The demo tenant and its API key. They exist only in a local stack; the key
// is fixed so the files in events/ and the README's examples work as written.
const (
	DemoTenant    = "demo"
	DemoKeyID     = "demodemodemodemo"
	DemoKeySecret = "local-demo-key-never-valid-in-aws-000000000"
	region        = "us-east-1"
	tableName     = "roster-local"
	secretName    = "roster-local-keys"
)

// Options configure Start.
type Options struct {
	MotoURL  string    // use a running moto_server instead of starting one
	Template string    // path of template.yaml
	Logs     io.Writer // moto_server's output; nil discards it
}

// Stack is a running local backend.
type Stack struct {
	MotoURL string
	Config  platform.Config
	AWS     aws.Config
	DemoKey string // the demo tenant's API key token
	moto    *exec.Cmd
}

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
	s.Config = platform.Config{TableName: tableName, SecretID: secretName, LogLevel: "info"}
	if err := s.provision(ctx, opts.Template); err != nil {
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

// provision creates the table and secret and seeds the demo tenant.
func (s *Stack) provision(ctx context.Context, templatePath string) error {
	db := dynamodb.NewFromConfig(s.AWS)
	if err := CreateTable(ctx, db, templatePath, s.Config.TableName); err != nil {
		return err
	}
	sm := secretsmanager.NewFromConfig(s.AWS)
	_, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name: aws.String(s.Config.SecretID), SecretString: aws.String(secrets.SecretString(secrets.NewMasterKey())),
	})
	if err != nil {
		return fmt.Errorf("create secret: %w", err)
	}
	p, err := platform.FromAWS(ctx, s.Config, s.AWS, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	key, err := SeedTenant(ctx, p, DemoTenant, DemoKeyID, DemoKeySecret)
	if err != nil {
		return err
	}
	s.DemoKey = key
	return nil
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
	APIURL   string `json:"apiUrl"`
	TenantID string `json:"tenantId"`
	APIKey   string `json:"apiKey"`
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
