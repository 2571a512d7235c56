// Package passkeytest is a software WebAuthn authenticator for tests: it
// answers the creation and request options a relying party sends
// (navigator.credentials.create and .get) as a platform authenticator
// would, with ES256 keys, "none" attestation, and user presence and
// verification, so passkey ceremonies run end to end without a browser.
package passkeytest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
)

// Flags the authenticator sets: user present, user verified, attested data.
const (
	flagUP = 0x01
	flagUV = 0x04
	flagAT = 0x40
)

// Authenticator holds the credentials it made, each with its key and the
// user handle it was made for.
type Authenticator struct {
	RPID, Origin string

	mu    sync.Mutex
	creds map[string]*credential // by credential id
	count uint32
}

type credential struct {
	key        *ecdsa.PrivateKey
	userHandle []byte
}

// New returns an authenticator for the relying party rpID whose pages have
// the origin origin.
func New(rpID, origin string) *Authenticator {
	return &Authenticator{RPID: rpID, Origin: origin, creds: map[string]*credential{}}
}

var b64 = base64.RawURLEncoding

// Create answers creation options ({"publicKey":{…}}) with the JSON a
// browser sends back: a new credential.
func (a *Authenticator) Create(options []byte) ([]byte, error) {
	var o struct {
		PublicKey struct {
			Challenge string `json:"challenge"`
			User      struct {
				ID string `json:"id"`
			} `json:"user"`
		} `json:"publicKey"`
	}
	if err := json.Unmarshal(options, &o); err != nil {
		return nil, fmt.Errorf("creation options: %w", err)
	}
	userHandle, err := b64.DecodeString(o.PublicKey.User.ID)
	if err != nil {
		return nil, fmt.Errorf("user id: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return nil, err
	}
	a.mu.Lock()
	a.creds[string(id)] = &credential{key: key, userHandle: userHandle}
	a.mu.Unlock()

	pub, err := webauthncbor.Marshal(map[int64]any{
		1: int64(2), 3: int64(-7), -1: int64(1),
		-2: key.X.FillBytes(make([]byte, 32)), -3: key.Y.FillBytes(make([]byte, 32)),
	})
	if err != nil {
		return nil, err
	}
	attested := make([]byte, 16) // AAGUID: none
	attested = binary.BigEndian.AppendUint16(attested, uint16(len(id)))
	attested = append(attested, id...)
	attested = append(attested, pub...)
	authData := a.authData(flagUP|flagUV|flagAT, 0, attested)
	att, err := webauthncbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": authData})
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{
		"id": b64.EncodeToString(id), "rawId": b64.EncodeToString(id), "type": "public-key",
		"response": map[string]any{
			"attestationObject": b64.EncodeToString(att),
			"clientDataJSON":    b64.EncodeToString(a.clientData("webauthn.create", o.PublicKey.Challenge)),
			"transports":        []string{"internal"},
		},
	})
}

// Get answers request options ({"publicKey":{…}}) with an assertion by
// the first allowed credential it holds, or, when none are listed (a
// discoverable login), by any it holds.
func (a *Authenticator) Get(options []byte) ([]byte, error) {
	var o struct {
		PublicKey struct {
			Challenge string `json:"challenge"`
			Allow     []struct {
				ID string `json:"id"`
			} `json:"allowCredentials"`
		} `json:"publicKey"`
	}
	if err := json.Unmarshal(options, &o); err != nil {
		return nil, fmt.Errorf("request options: %w", err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	var id []byte
	var c *credential
	for _, allow := range o.PublicKey.Allow {
		raw, err := b64.DecodeString(allow.ID)
		if err == nil && a.creds[string(raw)] != nil {
			id, c = raw, a.creds[string(raw)]
			break
		}
	}
	if c == nil && len(o.PublicKey.Allow) == 0 {
		for k, v := range a.creds {
			id, c = []byte(k), v
			break
		}
	}
	if c == nil {
		return nil, errors.New("no credential for these options")
	}
	a.count++
	authData := a.authData(flagUP|flagUV, a.count, nil)
	clientData := a.clientData("webauthn.get", o.PublicKey.Challenge)
	hash := sha256.Sum256(clientData)
	digest := sha256.Sum256(append(append([]byte{}, authData...), hash[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, c.key, digest[:])
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{
		"id": b64.EncodeToString(id), "rawId": b64.EncodeToString(id), "type": "public-key",
		"response": map[string]any{
			"authenticatorData": b64.EncodeToString(authData),
			"clientDataJSON":    b64.EncodeToString(clientData),
			"signature":         b64.EncodeToString(sig),
			"userHandle":        b64.EncodeToString(c.userHandle),
		},
	})
}

func (a *Authenticator) authData(flags byte, count uint32, attested []byte) []byte {
	rp := sha256.Sum256([]byte(a.RPID))
	out := append([]byte{}, rp[:]...)
	out = append(out, flags)
	out = binary.BigEndian.AppendUint32(out, count)
	return append(out, attested...)
}

func (a *Authenticator) clientData(typ, challenge string) []byte {
	b, _ := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": a.Origin, "crossOrigin": false})
	return b
}
