package secrets

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// emulatorConfig returns an AWS config pointed at the Secrets Manager
// emulator named by ROSTER_MOTO_ENDPOINT. Without one the test is skipped,
// unless ROSTER_REQUIRE_EMULATORS=1 says a skip would hide a gap.
func emulatorConfig(t *testing.T) aws.Config {
	t.Helper()
	endpoint := os.Getenv("ROSTER_MOTO_ENDPOINT")
	if endpoint == "" {
		if os.Getenv("ROSTER_REQUIRE_EMULATORS") == "1" {
			t.Fatal("ROSTER_MOTO_ENDPOINT is unset but ROSTER_REQUIRE_EMULATORS=1")
		}
		t.Skip("ROSTER_MOTO_ENDPOINT is unset")
	}
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("test", "test", "")),
		config.WithBaseEndpoint(endpoint),
	)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestLoadThroughCacheFromSecretsManager(t *testing.T) {
	cfg := emulatorConfig(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// A fresh name per run, so reruns against a long-lived emulator never
	// collide with an old or pending-deletion secret.
	name := "roster-test/keys-" + NewMasterKey()[:12]
	master := NewMasterKey()
	sm := secretsmanager.NewFromConfig(cfg)
	if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name:         aws.String(name),
		SecretString: aws.String(SecretString(master)),
	}); err != nil {
		t.Fatalf("create secret: %v", err)
	}
	t.Cleanup(func() {
		_, _ = sm.DeleteSecret(context.Background(), &secretsmanager.DeleteSecretInput{
			SecretId:                   aws.String(name),
			ForceDeleteWithoutRecovery: aws.Bool(true),
		})
	})

	cache, err := NewCache(cfg)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Load(ctx, cache, name)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want, err := Parse(SecretString(master))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Pepper, want.Pepper) || !bytes.Equal(got.FieldKey, want.FieldKey) {
		t.Fatal("keys loaded from Secrets Manager differ from keys parsed locally")
	}
}

func TestLoadOfMissingSecretFails(t *testing.T) {
	cfg := emulatorConfig(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cache, err := NewCache(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Load(ctx, cache, "roster-test/no-such-secret-"+NewMasterKey()[:12]); err == nil {
		t.Fatal("Load of a missing secret succeeded")
	}
}
