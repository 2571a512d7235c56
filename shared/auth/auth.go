// Package auth owns who a request acts for: the Principal every handler
// reads its tenant from, and the API-key check that establishes it. The
// tenant of a request comes only from verified credentials, never from a
// header, path or body the caller controls.
package auth

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"roster/shared/apikey"
	"roster/shared/fault"
	"roster/shared/web"
)

// Principal is the verified caller of a request.
type Principal struct {
	TenantID string // the tenant every read and write is confined to
	KeyID    string // the API key used, when authenticated by key
}

// APIKey is a stored tenant API key. Only the HMAC of the key is kept.
type APIKey struct {
	ID        string    // public key id, part of the token
	TenantID  string    // the tenant the key acts for
	Name      string    // a label for people
	Hash      []byte    `json:"-"` // HMAC-SHA256(pepper, token)
	CreatedAt time.Time // creation time
	Revoked   bool      // a revoked key authenticates nothing
}

// KeyStore finds API keys.
type KeyStore interface {
	// GetAPIKey returns the key with the given id. Returns fault.NotFound.
	GetAPIKey(ctx context.Context, id string) (*APIKey, error)
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the verified caller, if any.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// errBadKey is the one answer for a missing, malformed, unknown, revoked or
// wrong key, so a caller learns nothing about which it was.
var errBadKey = fault.New(fault.Unauthorized, "A valid API key is required in the Authorization header.")

// dummyHash stands in for a stored hash when the key id is unknown, so an
// unknown key costs the same HMAC and comparison as a wrong one.
var dummyHash = make([]byte, 32)

// RequireAPIKey authenticates requests by the tenant API key in the
// Authorization header (the key itself, or "Bearer <key>") and stores the
// Principal in the request context.
func RequireAPIKey(keys KeyStore, pepper []byte, errw web.ErrorWriter) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, err := verifyKey(r.Context(), keys, pepper, r.Header.Get("Authorization"))
			if err != nil {
				if fault.CodeOf(err) != fault.Unauthorized {
					errw(w, r, err)
					return
				}
				web.Logger(r.Context()).Info("api key rejected", slog.String("reason", err.Error()))
				w.Header().Set("WWW-Authenticate", `Bearer realm="roster"`)
				errw(w, r, errBadKey)
				return
			}
			web.AddLogAttrs(r.Context(), slog.String("tenant", p.TenantID))
			next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
		})
	}
}

func verifyKey(ctx context.Context, keys KeyStore, pepper []byte, header string) (Principal, error) {
	token := strings.TrimSpace(header)
	if len(token) > 7 && strings.EqualFold(token[:7], "bearer ") {
		token = strings.TrimSpace(token[7:])
	}
	id, err := apikey.Parse(token)
	if err != nil {
		return Principal{}, fault.New(fault.Unauthorized, "malformed key")
	}
	k, err := keys.GetAPIKey(ctx, id)
	switch {
	case fault.CodeOf(err) == fault.NotFound:
		apikey.Verify(pepper, token, dummyHash)
		return Principal{}, fault.New(fault.Unauthorized, "unknown key id")
	case err != nil:
		return Principal{}, err
	}
	if !apikey.Verify(pepper, token, k.Hash) {
		return Principal{}, fault.New(fault.Unauthorized, "wrong key secret")
	}
	if k.Revoked {
		return Principal{}, fault.New(fault.Unauthorized, "revoked key")
	}
	return Principal{TenantID: k.TenantID, KeyID: k.ID}, nil
}
