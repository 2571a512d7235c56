package identity

import (
	"fmt"
	"net/http"

	"roster/shared/auth"
	"roster/shared/platform"
)

// FromPlatform builds the group from a function's platform: the directory
// over the table, with passwords hashed with the pepper and stored secrets
// sealed with the field key; the table also answers tenant lookups.
func FromPlatform(p *platform.Platform, authn auth.Middleware) (http.Handler, error) {
	dir, err := p.Directory()
	if err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	return Handler(Deps{Directory: dir, Tenants: p.Table}, p.Log, authn), nil
}
