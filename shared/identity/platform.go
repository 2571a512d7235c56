package identity

import (
	"fmt"
	"net/http"

	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/password"
	"roster/shared/platform"
	"roster/shared/seal"
)

// FromPlatform builds the group from a function's platform: the directory
// over the table, with passwords hashed with the pepper and stored secrets
// sealed with the field key; the table also answers tenant lookups.
func FromPlatform(p *platform.Platform, authn auth.Middleware) (http.Handler, error) {
	hasher, err := password.New(p.Keys.Pepper, password.DefaultParams())
	if err != nil {
		return nil, fmt.Errorf("identity password hasher: %w", err)
	}
	sealer, err := seal.New(p.Keys.FieldKey)
	if err != nil {
		return nil, fmt.Errorf("identity sealer: %w", err)
	}
	dir, err := directory.New(p.Table, hasher, sealer, directory.Options{})
	if err != nil {
		return nil, fmt.Errorf("identity directory: %w", err)
	}
	return Handler(Deps{Directory: dir, Tenants: p.Table}, p.Log, authn), nil
}
