package secrets

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// DefaultCacheTTL is how long a cached secret is served before it is read
// again.
const DefaultCacheTTL = time.Hour

// GetSecretValueAPI is the Secrets Manager call the cache makes.
type GetSecretValueAPI interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// Cache is a small read-through cache of secret strings, the equivalent of
// aws-secretsmanager-caching-go for the one call Roster makes. That library
// builds its default client with config.LoadDefaultConfig, which links the
// SSO, STS and instance-metadata clients into every function (about 2 MB of
// a 12 MB binary budget) even when a client is supplied; this cache needs
// only GetSecretValue, so the functions' roles need nothing else.
//
// A value is served for TTL; after that it is read again, and if that read
// fails the old value keeps being served (a Secrets Manager hiccup must not
// take the service down) until a read succeeds.
type Cache struct {
	client GetSecretValueAPI
	ttl    time.Duration
	now    func() time.Time

	mu      sync.Mutex
	entries map[string]cached
}

type cached struct {
	value   string
	fetched time.Time
}

// NewCache returns a cache reading through a Secrets Manager client built
// from cfg, so it shares the function's region, credentials and endpoint
// (the local stack points cfg at an emulator). Build it once per container.
func NewCache(cfg aws.Config) (*Cache, error) {
	return NewCacheWith(secretsmanager.NewFromConfig(cfg), DefaultCacheTTL, time.Now), nil
}

// NewCacheWith returns a cache over any client, TTL and clock, for tests.
func NewCacheWith(client GetSecretValueAPI, ttl time.Duration, now func() time.Time) *Cache {
	return &Cache{client: client, ttl: ttl, now: now, entries: map[string]cached{}}
}

// GetSecretStringWithContext returns the secret's current string value.
func (c *Cache) GetSecretStringWithContext(ctx context.Context, secretID string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[secretID]
	if ok && c.now().Sub(e.fetched) < c.ttl {
		return e.value, nil
	}
	out, err := c.client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &secretID})
	switch {
	case err != nil && ok:
		return e.value, nil
	case err != nil:
		return "", fmt.Errorf("get secret value: %w", err)
	case out.SecretString == nil:
		return "", fmt.Errorf("get secret value: the secret has no string value")
	}
	c.entries[secretID] = cached{value: *out.SecretString, fetched: c.now()}
	return *out.SecretString, nil
}
