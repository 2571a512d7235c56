package token

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"

	"roster/shared/secrets"
)

// jwk is the public JSON Web Key of one signing key (RFC 7517, RFC 8037).
// It has no "d" member: only public halves are ever copied into it.
type jwk struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
}

// JWKS returns the JSON Web Key Set that /.well-known/jwks.json serves: the
// public half of every listed key, so other services can verify tokens
// signed before and after a rotation.
func JWKS(keys []secrets.SigningKey) ([]byte, error) {
	set := struct {
		Keys []jwk `json:"keys"`
	}{Keys: make([]jwk, 0, len(keys))}
	for _, k := range keys {
		if k.ID == "" || len(k.Private) != ed25519.PrivateKeySize {
			return nil, errors.New("jwks: a signing key has no kid or is not an Ed25519 key")
		}
		set.Keys = append(set.Keys, jwk{
			Kty: "OKP",
			Crv: "Ed25519",
			X:   b64.EncodeToString(k.Public()),
			Kid: k.ID,
			Use: "sig",
			Alg: algorithm,
		})
	}
	return json.Marshal(set)
}
