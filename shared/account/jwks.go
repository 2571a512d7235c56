package account

import (
	"errors"
	"net/http"

	"roster/shared/fault"
	"roster/shared/web"
)

// handleJWKS serves the public keys that verify access tokens. Caches may
// keep them for five minutes: a new key is published well before it signs
// (see secrets.SigningKey), so nobody meets a token whose key they cannot
// fetch.
func handleJWKS(jwks func() ([]byte, error), errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if jwks == nil {
			errw(w, r, fault.Wrap(errors.New("no JWKS configured"), fault.Internal, "jwks"))
			return
		}
		if err := web.NoBody(r, maxEmptyBody); err != nil {
			errw(w, r, err)
			return
		}
		body, err := jwks()
		if err != nil {
			errw(w, r, fault.Wrap(err, fault.Internal, "jwks"))
			return
		}
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", "public, max-age=300")
		h.Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusOK)
		w.Write(body)
	})
}
