// Package password owns how Roster stores and judges passwords: argon2id
// hashing with a pepper, in PHC strings whose parameters can be raised over
// time (Hasher), and the policy a new password must meet (Check).
//
// Nothing here knows about users or tenants: callers pass the password, the
// stored hash and the identity strings a password must not contain.
package password

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"

	"roster/shared/fault"
)

// MaxInputBytes is the longest raw password, in bytes, that Check, Hash and
// Verify accept. It is enforced before normalisation or hashing so a caller
// cannot make the service normalise or HMAC megabytes; it is four bytes for
// each of MaxLength characters, so no password the policy allows is cut off
// by it in practice.
const MaxInputBytes = 1024

// MinPepperBytes is the shortest pepper New accepts: the pepper is an
// HMAC-SHA256 key, and a shorter one would be the weakest link.
const MinPepperBytes = 32

// Sizes of what Hash stores. 16 bytes of salt make collisions between users
// negligible; 32 bytes of key match the strength of the pepper.
const (
	saltLen = 16
	keyLen  = 32
)

// The OWASP (2024) minimum for argon2id: 19 MiB of memory and two passes.
// New refuses anything weaker, so a mistyped setting cannot quietly weaken
// every new hash.
const (
	minMemoryKiB = 19 * 1024
	minTime      = 2
)

// Ceilings on the parameters of a stored hash. Verify spends whatever a
// stored hash asks for, so a tampered or corrupt item could otherwise make
// one login allocate gigabytes or run for minutes. They sit far above any
// setting a Lambda function could afford.
const (
	maxMemoryKiB = 1 << 20 // 1 GiB
	maxTime      = 20
	maxThreads   = 16
)

// ErrTooLong is in the chain of the error Hash and Verify return for a
// password over MaxInputBytes. That error has code fault.Invalid.
var ErrTooLong = errors.New("password is longer than the input limit")

// ErrInvalidHash is in the chain of the error Verify returns for a stored
// hash that is not an argon2id PHC string it can trust: malformed, another
// algorithm or version, or parameters over the ceilings. Those errors carry
// no code (fault.CodeOf reports fault.Internal): a bad stored hash is a fault
// in the data, not in the caller's request.
var ErrInvalidHash = errors.New("invalid password hash")

// Params are the argon2id cost parameters. Raising them later is safe:
// every hash records its own, and Verify reports hashes made with lower ones
// so they can be replaced at the next successful login.
type Params struct {
	// Memory is the memory cost in KiB.
	Memory uint32
	// Time is the number of passes over the memory.
	Time uint32
	// Threads is the degree of parallelism. One suits a Lambda function,
	// which has at most one vCPU below 1,769 MB of memory.
	Threads uint8
}

// DefaultParams returns the OWASP (2024) minimum for argon2id: m=19456 KiB,
// t=2, p=1. It is a function so no caller can change the default for
// everyone else.
func DefaultParams() Params {
	return Params{Memory: minMemoryKiB, Time: minTime, Threads: 1}
}

// check reports parameters argon2 cannot use or that exceed the ceilings.
func (p Params) check() error {
	switch {
	case p.Threads < 1 || p.Threads > maxThreads:
		return fmt.Errorf("parallelism %d is outside 1..%d", p.Threads, maxThreads)
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("time %d is outside 1..%d", p.Time, maxTime)
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemoryKiB:
		// argon2 needs at least 8 KiB per lane.
		return fmt.Errorf("memory %d KiB is outside %d..%d", p.Memory, 8*uint32(p.Threads), maxMemoryKiB)
	}
	return nil
}

// Hasher hashes and verifies passwords with one pepper and the current
// parameters. Build it once per container with New; it is safe for
// concurrent use. Its pepper never appears in formatted or logged output.
type Hasher struct {
	pepper []byte
	params Params
	// dummy is a stored hash no password matches, at the current
	// parameters, for VerifyDummy.
	dummy string
}

// New returns a Hasher that peppers with pepper (secrets.Keys.Pepper) and
// hashes with p. It refuses a pepper shorter than MinPepperBytes and
// parameters weaker than DefaultParams in memory or time.
func New(pepper []byte, p Params) (*Hasher, error) {
	if len(pepper) < MinPepperBytes {
		return nil, fmt.Errorf("new password hasher: pepper is %d bytes, want at least %d", len(pepper), MinPepperBytes)
	}
	if err := p.check(); err != nil {
		return nil, fmt.Errorf("new password hasher: %w", err)
	}
	if p.Memory < minMemoryKiB || p.Time < minTime {
		return nil, fmt.Errorf("new password hasher: m=%d,t=%d is below the minimum m=%d,t=%d", p.Memory, p.Time, minMemoryKiB, minTime)
	}
	// Random bytes in place of a real key: the dummy must only cost what a
	// real hash costs to verify, and no password can match random bytes.
	dummy := phc{params: p, salt: make([]byte, saltLen), key: make([]byte, keyLen)}
	rand.Read(dummy.salt) // never fails; the runtime aborts if randomness is unavailable
	rand.Read(dummy.key)
	return &Hasher{pepper: bytes.Clone(pepper), params: p, dummy: dummy.encode()}, nil
}

// Hash returns the PHC string of password under a fresh random salt and the
// Hasher's parameters, for example
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key> (unpadded standard base64).
// It does not apply the policy: run Check on a new password first. The
// only error is ErrTooLong (code fault.Invalid).
func (h *Hasher) Hash(password string) (string, error) {
	if len(password) > MaxInputBytes {
		return "", tooLong()
	}
	stored := phc{params: h.params, salt: make([]byte, saltLen)}
	rand.Read(stored.salt) // never fails; the runtime aborts if randomness is unavailable
	stored.key = h.derive(password, stored.salt, h.params, keyLen)
	return stored.encode(), nil
}

// Verify reports whether password matches the stored PHC string, and, when
// it does, whether the hash should be replaced with a fresh Hash because it
// was made with weaker parameters (lower memory or time, shorter salt or
// key) or with another parallelism than the current one. Parallelism is a
// deployment choice rather than a strength setting; converging on one keeps
// every verification as costly as VerifyDummy.
//
// A wrong password is ok == false with a nil error. Errors are ErrTooLong
// (code fault.Invalid) and ErrInvalidHash (no code: a bad stored item);
// they never quote the password or the stored hash.
func (h *Hasher) Verify(password, stored string) (ok, needsRehash bool, err error) {
	if len(password) > MaxInputBytes {
		return false, false, tooLong()
	}
	s, err := parsePHC(stored)
	if err != nil {
		return false, false, err
	}
	key := h.derive(password, s.salt, s.params, uint32(len(s.key)))
	// Constant time, so response times say nothing about how much of the
	// key a guess got right.
	if subtle.ConstantTimeCompare(key, s.key) != 1 {
		return false, false, nil
	}
	return true, s.weakerThan(h.params), nil
}

// VerifyDummy does the work of Verify against a hash no password matches,
// at the current parameters. Call it when there is no stored hash to check
// (no such user, or a user without a password) so that such a login takes
// as long as a wrong password and timing cannot tell which users exist.
func (h *Hasher) VerifyDummy(password string) {
	_, _, _ = h.Verify(password, h.dummy)
}

// derive is the keyed hash of password: argon2id over
// HMAC-SHA256(pepper, NFKC(password)).
//
// The pepper lives in Secrets Manager, never in the table, so a stolen
// table (or backup) alone is not enough to test a single guess. Applying it
// as an HMAC before argon2, rather than as argon2's secret input, keeps to
// the plain IDKey API and gives argon2 a fixed-size input whatever the
// password length. NFKC makes the same password typed with composed or
// decomposed accents, or in full-width forms, hash alike.
//
// Stored hashes do not name their pepper, so a new pepper makes every one of
// them fail: rotating it would need a keyid parameter in the PHC string and
// the old pepper kept for verification until every user has logged in.
func (h *Hasher) derive(password string, salt []byte, p Params, n uint32) []byte {
	mac := hmac.New(sha256.New, h.pepper)
	mac.Write([]byte(norm.NFKC.String(password)))
	return argon2.IDKey(mac.Sum(nil), salt, p.Time, p.Memory, p.Threads, n)
}

func tooLong() error {
	return fault.Wrap(ErrTooLong, fault.Invalid, "The password must be at most %d characters.", MaxLength)
}

const redacted = "password.Hasher{REDACTED}"

// String hides the pepper.
func (Hasher) String() string { return redacted }

// GoString hides the pepper from %#v.
func (Hasher) GoString() string { return redacted }

// Format hides the pepper from every fmt verb, including those (%x, %+v)
// that would otherwise print the fields.
func (Hasher) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// LogValue hides the pepper from slog.
func (Hasher) LogValue() slog.Value { return slog.StringValue(redacted) }
