// Package roster holds Roster's API description, openapi.yaml, embedded so
// that the local server serves and the contract tests check the same bytes.
package roster

import _ "embed"

// OpenAPI is openapi.yaml: every route of every endpoint group, in OpenAPI 3.1.
//
//go:embed openapi.yaml
var OpenAPI []byte
