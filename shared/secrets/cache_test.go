package secrets

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// fakeSM answers GetSecretValue from its fields and counts calls.
type fakeSM struct {
	value *string
	err   error
	calls int
}

func (f *fakeSM) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	return &secretsmanager.GetSecretValueOutput{Name: in.SecretId, SecretString: f.value}, nil
}

func TestCacheServesFromMemoryUntilTTLThenRereads(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	sm := &fakeSM{value: aws.String("v1")}
	c := NewCacheWith(sm, time.Hour, func() time.Time { return now })
	for range 3 {
		if v, err := c.GetSecretStringWithContext(context.Background(), "s"); err != nil || v != "v1" {
			t.Fatalf("got %q, %v", v, err)
		}
	}
	if sm.calls != 1 {
		t.Fatalf("%d reads within the TTL, want 1", sm.calls)
	}
	now = now.Add(time.Hour)
	sm.value = aws.String("v2")
	if v, _ := c.GetSecretStringWithContext(context.Background(), "s"); v != "v2" || sm.calls != 2 {
		t.Fatalf("after the TTL got %q with %d reads, want v2 with 2", v, sm.calls)
	}
}

func TestCacheKeepsServingTheOldValueWhenARereadFails(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	sm := &fakeSM{value: aws.String("v1")}
	c := NewCacheWith(sm, time.Minute, func() time.Time { return now })
	if _, err := c.GetSecretStringWithContext(context.Background(), "s"); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Hour)
	sm.err = errors.New("throttled")
	if v, err := c.GetSecretStringWithContext(context.Background(), "s"); err != nil || v != "v1" {
		t.Fatalf("got %q, %v; want the stale v1", v, err)
	}
}

func TestCacheFailsWithoutAValueToFallBackOn(t *testing.T) {
	for name, sm := range map[string]*fakeSM{
		"read fails":      {err: errors.New("access denied")},
		"no string value": {},
	} {
		t.Run(name, func(t *testing.T) {
			c := NewCacheWith(sm, time.Hour, time.Now)
			if _, err := c.GetSecretStringWithContext(context.Background(), "s"); err == nil {
				t.Fatal("want an error")
			}
		})
	}
}
