package password

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"roster/shared/fault"
)

var (
	testPepper  = bytes.Repeat([]byte{0x5a}, 32)
	otherPepper = bytes.Repeat([]byte{0xa5}, 32)
)

// cheap are parameters far below the floor New enforces, for tests of logic
// that does not depend on the cost. Only this package's tests can build
// such a Hasher.
var cheap = Params{Memory: 64, Time: 1, Threads: 1}

func newHasher(t testing.TB, pepper []byte, p Params) *Hasher {
	t.Helper()
	h, err := New(pepper, p)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return h
}

// cheapHasher bypasses New's floor.
func cheapHasher(pepper []byte, p Params) *Hasher {
	return &Hasher{pepper: pepper, params: p, dummy: phc{params: p, salt: make([]byte, saltLen), key: make([]byte, keyLen)}.encode()}
}

func TestHashThenVerifyAcceptsTheSamePassword(t *testing.T) {
	h := newHasher(t, testPepper, DefaultParams())
	tests := []struct{ name, hashed, verified string }{
		{"ascii", "correct horse battery staple", "correct horse battery staple"},
		{"emoji and CJK", "🔑🔑 パスワード 密码 🔒", "🔑🔑 パスワード 密码 🔒"},
		{"composed then decomposed accents", "caf\u00e9 cr\u00e8me br\u00fbl\u00e9e", "cafe\u0301 cre\u0300me bru\u0302le\u0301e"},
		{"full-width then ASCII", "ｓｅｃｒｅｔ　ｐｈｒａｓｅ", "secret phrase"},
		{"longest input", strings.Repeat("x", MaxInputBytes), strings.Repeat("x", MaxInputBytes)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stored, err := h.Hash(tt.hashed)
			if err != nil {
				t.Fatalf("Hash: %v", err)
			}
			if want := "$argon2id$v=19$m=19456,t=2,p=1$"; !strings.HasPrefix(stored, want) {
				t.Fatalf("Hash = %q, want prefix %q", stored, want)
			}
			ok, rehash, err := h.Verify(tt.verified, stored)
			if err != nil || !ok || rehash {
				t.Fatalf("Verify = %v, %v, %v; want true, false, nil", ok, rehash, err)
			}
		})
	}
}

func TestHashStoresFreshSaltAndFullLengthKey(t *testing.T) {
	h := cheapHasher(testPepper, cheap)
	a, _ := h.Hash("same password twice")
	b, _ := h.Hash("same password twice")
	if a == b {
		t.Fatal("two hashes of one password are equal; the salt is not fresh")
	}
	s, err := parsePHC(a)
	if err != nil {
		t.Fatalf("parsePHC(Hash): %v", err)
	}
	if len(s.salt) != 16 || len(s.key) != 32 {
		t.Fatalf("salt %d bytes, key %d bytes; want 16 and 32", len(s.salt), len(s.key))
	}
}

func TestVerifyRejects(t *testing.T) {
	h := cheapHasher(testPepper, cheap)
	stored, _ := h.Hash("correct horse battery staple")
	tests := []struct {
		name     string
		verifier *Hasher
		password string
	}{
		{"wrong password", h, "correct horse battery stapler"},
		{"different case", h, "Correct horse battery staple"},
		{"empty password", h, ""},
		{"other pepper", cheapHasher(otherPepper, cheap), "correct horse battery staple"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, rehash, err := tt.verifier.Verify(tt.password, stored)
			if err != nil || ok || rehash {
				t.Fatalf("Verify = %v, %v, %v; want false, false, nil", ok, rehash, err)
			}
		})
	}
}

func TestVerifyAsksForRehashWhenStoredParamsAreWeaker(t *testing.T) {
	current := Params{Memory: 256, Time: 2, Threads: 2}
	tests := []struct {
		name   string
		stored Params
		want   bool
	}{
		{"same", current, false},
		{"less memory", Params{Memory: 128, Time: 2, Threads: 2}, true},
		{"fewer passes", Params{Memory: 256, Time: 1, Threads: 2}, true},
		{"other parallelism", Params{Memory: 256, Time: 2, Threads: 1}, true},
		{"more memory", Params{Memory: 512, Time: 2, Threads: 2}, false},
		{"more passes", Params{Memory: 256, Time: 3, Threads: 2}, false},
	}
	verifier := cheapHasher(testPepper, current)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stored, _ := cheapHasher(testPepper, tt.stored).Hash("correct horse battery staple")
			ok, rehash, err := verifier.Verify("correct horse battery staple", stored)
			if err != nil || !ok || rehash != tt.want {
				t.Fatalf("Verify = %v, %v, %v; want true, %v, nil", ok, rehash, err, tt.want)
			}
		})
	}
}

func TestVerifyAsksForRehashOfShortSaltOrKey(t *testing.T) {
	h := cheapHasher(testPepper, cheap)
	for _, lens := range [][2]int{{8, 32}, {16, 16}} {
		s := phc{params: cheap, salt: bytes.Repeat([]byte{1}, lens[0])}
		s.key = h.derive("correct horse battery staple", s.salt, cheap, uint32(lens[1]))
		ok, rehash, err := h.Verify("correct horse battery staple", s.encode())
		if err != nil || !ok || !rehash {
			t.Errorf("salt %d, key %d: Verify = %v, %v, %v; want true, true, nil", lens[0], lens[1], ok, rehash, err)
		}
	}
}

// b64 encodes n bytes as a PHC field.
func b64(n int) string { return base64.RawStdEncoding.EncodeToString(bytes.Repeat([]byte{7}, n)) }

func TestVerifyRefusesMalformedHash(t *testing.T) {
	salt, key := b64(16), b64(32)
	good := "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key
	tests := []struct{ name, stored string }{
		{"empty", ""},
		{"dollar only", "$"},
		{"no leading dollar", "argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key},
		{"trailing dollar", good + "$"},
		{"missing key", "$argon2id$v=19$m=64,t=1,p=1$" + salt},
		{"argon2i", "$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key},
		{"argon2d", "$argon2d$v=19$m=64,t=1,p=1$" + salt + "$" + key},
		{"bcrypt", "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"},
		{"upper-case algorithm", "$ARGON2ID$v=19$m=64,t=1,p=1$" + salt + "$" + key},
		{"version 16", "$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key},
		{"no version", "$argon2id$m=64,t=1,p=1$" + salt + "$" + key},
		{"params out of order", "$argon2id$v=19$t=1,m=64,p=1$" + salt + "$" + key},
		{"param missing", "$argon2id$v=19$m=64,t=1$" + salt + "$" + key},
		{"extra param", "$argon2id$v=19$m=64,t=1,p=1,keyid=1$" + salt + "$" + key},
		{"empty param", "$argon2id$v=19$m=,t=1,p=1$" + salt + "$" + key},
		{"signed param", "$argon2id$v=19$m=+64,t=1,p=1$" + salt + "$" + key},
		{"negative param", "$argon2id$v=19$m=64,t=-1,p=1$" + salt + "$" + key},
		{"leading zero", "$argon2id$v=19$m=064,t=1,p=1$" + salt + "$" + key},
		{"hex param", "$argon2id$v=19$m=0x40,t=1,p=1$" + salt + "$" + key},
		{"overflowing param", "$argon2id$v=19$m=99999999999999999999,t=1,p=1$" + salt + "$" + key},
		{"padded salt", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "==$" + key},
		{"url-safe base64", "$argon2id$v=19$m=64,t=1,p=1$" + strings.Repeat("_-", 11) + "$" + key},
		{"line break in key", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key[:10] + "\n" + key[10:]},
		{"non-canonical trailing bits", "$argon2id$v=19$m=64,t=1,p=1$" + salt[:len(salt)-1] + "B$" + key},
		{"empty salt", "$argon2id$v=19$m=64,t=1,p=1$$" + key},
		{"7-byte salt", "$argon2id$v=19$m=64,t=1,p=1$" + b64(7) + "$" + key},
		{"65-byte salt", "$argon2id$v=19$m=64,t=1,p=1$" + b64(65) + "$" + key},
		{"15-byte key", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + b64(15)},
		{"over length limit", good + strings.Repeat("A", maxPHCLen)},
	}
	h := cheapHasher(testPepper, cheap)
	if ok, _, err := h.Verify("x", good); err != nil || ok {
		t.Fatalf("control: Verify(good) = %v, %v; want false, nil", ok, err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, rehash, err := h.Verify("x", tt.stored)
			if !errors.Is(err, ErrInvalidHash) || ok || rehash {
				t.Fatalf("Verify = %v, %v, %v; want false, false, ErrInvalidHash", ok, rehash, err)
			}
			if fault.CodeOf(err) != fault.Internal {
				t.Errorf("code %q, want %q", fault.CodeOf(err), fault.Internal)
			}
			if tt.stored != "" && strings.Contains(err.Error(), tt.stored) {
				t.Errorf("error %q quotes the stored hash", err)
			}
		})
	}
}

// A tampered item must be refused before argon2 runs: the over-limit cases
// would otherwise allocate gigabytes or spin for minutes.
func TestVerifyRefusesAbsurdParamsWithoutHashing(t *testing.T) {
	salt, key := b64(16), b64(32)
	tests := []struct{ name, params string }{
		{"memory over 1 GiB", "m=1048577,t=1,p=1"},
		{"memory 4 GiB", "m=4294967295,t=1,p=1"},
		{"memory wrapping uint32", "m=4294967360,t=1,p=1"},
		{"time over 20", "m=64,t=21,p=1"},
		{"time max uint32", "m=64,t=4294967295,p=1"},
		{"parallelism over 16", "m=1024,t=1,p=17"},
		{"parallelism wrapping uint8", "m=64,t=1,p=257"},
		{"zero time", "m=64,t=0,p=1"},
		{"zero parallelism", "m=64,t=1,p=0"},
		{"zero memory", "m=0,t=1,p=1"},
		{"memory under 8 KiB per lane", "m=31,t=1,p=4"},
	}
	h := cheapHasher(testPepper, cheap)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, _, err := h.Verify("x", "$argon2id$v=19$"+tt.params+"$"+salt+"$"+key)
			if !errors.Is(err, ErrInvalidHash) || ok {
				t.Fatalf("Verify = %v, %v; want false, ErrInvalidHash", ok, err)
			}
		})
	}
}

func TestHashAndVerifyRefuseInputOverLimit(t *testing.T) {
	h := cheapHasher(testPepper, cheap)
	stored, _ := h.Hash("correct horse battery staple")
	long := strings.Repeat("a", MaxInputBytes+1)
	if _, err := h.Hash(long); !errors.Is(err, ErrTooLong) || fault.CodeOf(err) != fault.Invalid {
		t.Errorf("Hash(1025 bytes) error = %v, want ErrTooLong with code invalid", err)
	}
	if ok, _, err := h.Verify(long, stored); !errors.Is(err, ErrTooLong) || ok || fault.CodeOf(err) != fault.Invalid {
		t.Errorf("Verify(1025 bytes) = %v, %v; want false, ErrTooLong with code invalid", ok, err)
	}
	if _, err := h.Hash(long); strings.Contains(err.Error(), "aaaa") {
		t.Errorf("error %q quotes the password", err)
	}
}

func TestNewRefusesWeakOrInvalidSettings(t *testing.T) {
	tests := []struct {
		name   string
		pepper []byte
		params Params
	}{
		{"no pepper", nil, DefaultParams()},
		{"31-byte pepper", testPepper[:31], DefaultParams()},
		{"memory below OWASP", testPepper, Params{Memory: 19455, Time: 2, Threads: 1}},
		{"one pass", testPepper, Params{Memory: 19456, Time: 1, Threads: 1}},
		{"zero parallelism", testPepper, Params{Memory: 19456, Time: 2, Threads: 0}},
		{"memory over 1 GiB", testPepper, Params{Memory: 1<<20 + 1, Time: 2, Threads: 1}},
		{"time over 20", testPepper, Params{Memory: 19456, Time: 21, Threads: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if h, err := New(tt.pepper, tt.params); err == nil {
				t.Fatalf("New = %v, nil; want an error", h)
			}
		})
	}
}

func TestNewKeepsItsOwnCopyOfThePepper(t *testing.T) {
	pepper := bytes.Clone(testPepper)
	h := newHasher(t, pepper, DefaultParams())
	pepper[0] ^= 0xff
	if !bytes.Equal(h.pepper, testPepper) {
		t.Fatal("changing the caller's slice changed the Hasher's pepper")
	}
}

// VerifyDummy is only as good as its resemblance to a real verification:
// same parameters, same salt and key sizes, a well-formed hash.
func TestVerifyDummyCostsWhatARealHashCosts(t *testing.T) {
	h := newHasher(t, testPepper, DefaultParams())
	s, err := parsePHC(h.dummy)
	if err != nil {
		t.Fatalf("dummy hash does not parse: %v", err)
	}
	if s.params != h.params || len(s.salt) != saltLen || len(s.key) != keyLen {
		t.Fatalf("dummy has params %+v, salt %d, key %d; want %+v, %d, %d", s.params, len(s.salt), len(s.key), h.params, saltLen, keyLen)
	}
	if ok, _, err := h.Verify("", h.dummy); ok || err != nil {
		t.Fatalf("Verify against the dummy = %v, %v; want false, nil", ok, err)
	}
	h.VerifyDummy("correct horse battery staple")
}

func TestHasherNeverPrintsItsPepper(t *testing.T) {
	h := newHasher(t, testPepper, DefaultParams())
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("x", "hasher", h, "value", *h)
	out := fmt.Sprintf("%v %+v %#v %s %x %v %+v %#v %x", h, h, h, h, h, *h, *h, *h, *h) + logged.String()
	for _, leak := range []string{hex.EncodeToString(testPepper), string(testPepper), "90 90 90", "[90"} {
		if strings.Contains(out, leak) {
			t.Fatalf("output %q contains the pepper as %q", out, leak)
		}
	}
}

// FuzzVerify feeds arbitrary passwords and stored hashes to Verify: it must
// never panic, and whatever parses must be in canonical form.
func FuzzVerify(f *testing.F) {
	h := cheapHasher(testPepper, cheap)
	stored, _ := h.Hash("correct horse battery staple")
	f.Add("correct horse battery staple", stored)
	f.Add("x", "$argon2id$v=19$m=64,t=1,p=1$"+b64(16)+"$"+b64(32))
	f.Add("x", "$argon2id$v=19$m=1048577,t=1,p=1$"+b64(16)+"$"+b64(32))
	f.Add("", "$argon2id$v=19$m=64,t=1,p=1$$")
	f.Add("", "$$$$$")
	f.Add("\xff", "$argon2id$v=19$m=,t=,p=$=$=")
	f.Fuzz(func(t *testing.T, password, stored string) {
		s, err := parsePHC(stored)
		if err == nil {
			if got := s.encode(); got != stored {
				t.Fatalf("parsed %q but it encodes as %q", stored, got)
			}
			// Valid but costly parameters are allowed by design; skip them
			// so the fuzzer spends its time on parsing.
			if s.params.Memory*s.params.Time > 1024 {
				t.Skip()
			}
		}
		ok, rehash, err := h.Verify(password, stored)
		if err != nil && (ok || rehash) {
			t.Fatalf("Verify = %v, %v, %v: a failure reported success", ok, rehash, err)
		}
	})
}

// BenchmarkHash measures one hash at DefaultParams. Run it as
//
//	go test -run '^$' -bench Hash -cpu 1 ./shared/password/
//
// so it runs on one CPU like a Lambda function below 1,769 MB; ms/hash is
// the figure to compare with the login latency budget.
func BenchmarkHash(b *testing.B) {
	h := newHasher(b, testPepper, DefaultParams())
	n := 0
	for b.Loop() {
		if _, err := h.Hash("correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(n), "ms/hash")
}
