package secrets

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"roster/shared/emulator"
)

// emulatorConfig returns an AWS config pointed at moto_server, skipping the
// test (or failing it, when emulators are required) if there is none.
func emulatorConfig(t *testing.T) aws.Config {
	t.Helper()
	cfg, err := emulator.AWSConfig(context.Background(), emulator.Moto(t).URL)
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
