package password

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// The PHC string format for argon2id, as written by the reference
// implementation: $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<key>
// with salt and key in standard base64 without padding.
const (
	phcAlgorithm = "argon2id"
	phcVersion   = "v=19" // argon2 1.3, the only version x/crypto implements
)

// maxPHCLen bounds what parsePHC reads. Hash writes about 100 characters;
// the longest string the limits below allow is about 230.
const maxPHCLen = 256

// Lengths parsePHC accepts. The salt floor is argon2's own minimum; the key
// floor keeps a tampered item from turning verification into a short,
// guessable comparison. Shorter than what Hash writes still verifies, but
// asks for a rehash.
const (
	minSaltLen = 8
	maxSaltLen = 64
	minKeyLen  = 16
	maxKeyLen  = 64
)

// phc is a parsed argon2id hash.
type phc struct {
	params Params
	salt   []byte
	key    []byte
}

// encode returns the PHC string of s.
func (s phc) encode() string {
	return fmt.Sprintf("$%s$%s$m=%d,t=%d,p=%d$%s$%s", phcAlgorithm, phcVersion,
		s.params.Memory, s.params.Time, s.params.Threads,
		base64.RawStdEncoding.EncodeToString(s.salt), base64.RawStdEncoding.EncodeToString(s.key))
}

// weakerThan reports whether s should be rehashed under current; see
// Hasher.Verify for why a different parallelism counts.
func (s phc) weakerThan(current Params) bool {
	return s.params.Memory < current.Memory || s.params.Time < current.Time ||
		s.params.Threads != current.Threads || len(s.salt) < saltLen || len(s.key) < keyLen
}

// parsePHC reads a stored hash. It accepts only the canonical form encode
// writes (no padding, no leading zeros, parameters in m,t,p order), so one
// hash has one spelling, and it refuses parameters over the ceilings before
// anyone spends memory on them. Its errors wrap ErrInvalidHash and never
// quote the input, which holds the salt and key.
func parsePHC(s string) (phc, error) {
	if len(s) > maxPHCLen {
		return phc{}, invalid("longer than %d bytes", maxPHCLen)
	}
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" {
		return phc{}, invalid("not a PHC string with 5 fields")
	}
	if parts[1] != phcAlgorithm {
		return phc{}, invalid("algorithm is not %s", phcAlgorithm)
	}
	if parts[2] != phcVersion {
		return phc{}, invalid("version is not %s", phcVersion)
	}
	p, err := parseParams(parts[3])
	if err != nil {
		return phc{}, err
	}
	salt, err := decodeB64("salt", parts[4], minSaltLen, maxSaltLen)
	if err != nil {
		return phc{}, err
	}
	key, err := decodeB64("key", parts[5], minKeyLen, maxKeyLen)
	if err != nil {
		return phc{}, err
	}
	return phc{params: p, salt: salt, key: key}, nil
}

// parseParams reads "m=<KiB>,t=<passes>,p=<lanes>" and checks the values
// against the ceilings.
func parseParams(s string) (Params, error) {
	fields := strings.Split(s, ",")
	if len(fields) != 3 {
		return Params{}, invalid("parameters are not m,t,p")
	}
	var values [3]uint64
	for i, name := range []string{"m", "t", "p"} {
		digits, found := strings.CutPrefix(fields[i], name+"=")
		if !found {
			return Params{}, invalid("parameters are not m,t,p")
		}
		v, err := parseDecimal(digits)
		if err != nil {
			return Params{}, invalid("parameter %s is not a canonical decimal", name)
		}
		values[i] = v
	}
	// Compare in 64 bits before narrowing, so a huge value cannot wrap
	// into range.
	if values[2] > maxThreads {
		return Params{}, invalid("parallelism %d is over %d", values[2], maxThreads)
	}
	if values[1] > maxTime {
		return Params{}, invalid("time %d is over %d", values[1], maxTime)
	}
	if values[0] > maxMemoryKiB {
		return Params{}, invalid("memory %d KiB is over %d", values[0], maxMemoryKiB)
	}
	p := Params{Memory: uint32(values[0]), Time: uint32(values[1]), Threads: uint8(values[2])}
	if err := p.check(); err != nil {
		return Params{}, invalid("%v", err)
	}
	return p, nil
}

// parseDecimal accepts only ASCII digits without a leading zero, which
// strconv alone would allow.
func parseDecimal(s string) (uint64, error) {
	if s == "" || len(s) > 10 || (s[0] == '0' && len(s) > 1) {
		return 0, strconv.ErrSyntax
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, strconv.ErrSyntax
		}
	}
	return strconv.ParseUint(s, 10, 64)
}

// decodeB64 decodes unpadded standard base64 and checks the length. It
// re-encodes to compare because the decoder silently skips line breaks and
// ignores stray trailing bits.
func decodeB64(name, s string, minLen, maxLen int) ([]byte, error) {
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil || base64.RawStdEncoding.EncodeToString(b) != s {
		return nil, invalid("%s is not unpadded base64", name)
	}
	if len(b) < minLen || len(b) > maxLen {
		return nil, invalid("%s is %d bytes, want %d..%d", name, len(b), minLen, maxLen)
	}
	return b, nil
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidHash, fmt.Sprintf(format, args...))
}
