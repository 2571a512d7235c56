package secrets

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// secretWithSigning returns a secret string for testMaster with a
// signingKeys member.
func secretWithSigning(signingKeys string) string {
	return `{"version":1,"masterKey":"` + testMaster + `","signingKeys":` + signingKeys + `}`
}

func TestParseWithoutSigningKeysMakesK1Active(t *testing.T) {
	k, err := Parse(SecretString(testMaster))
	if err != nil {
		t.Fatal(err)
	}
	if len(k.Signing) != 1 || k.Signing[0].ID != "k1" || !k.Signing[0].Active {
		t.Fatalf("Signing = %v, want one active k1", k.Signing)
	}
}

// Expected Ed25519 seeds and public keys for testMaster, computed
// independently (RFC 5869 HKDF, RFC 8032 key generation).
var knownSigning = map[string]struct{ seed, public string }{
	"k1": {"4f3988c8520d3cd41b3fecb6e0b7ede47046f3b6fea5e34ff002fa09e03bb2cb", "59bf163b87f37ac28dcccaf416d011b7d4decdf06a7824f7b8f667b9823fed07"},
	"k2": {"b3d48aabf4cc4331c34e4d12a5a4a4d0d380939eff95bdd002574c6f8306b2fe", "3f97d01564c900ef673930958272dac7efd42cfb5dea8109d1c3cea402192254"},
}

// TestParseSigningKeysMatchKnownVector pins the derivation: changing the
// label or the hash would invalidate every live token at once.
func TestParseSigningKeysMatchKnownVector(t *testing.T) {
	k, err := Parse(secretWithSigning(`{"active":"k1","kids":["k1","k2"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(k.Signing) != 2 {
		t.Fatalf("len(Signing) = %d, want 2", len(k.Signing))
	}
	for _, sk := range k.Signing {
		want := knownSigning[sk.ID]
		if got := hex.EncodeToString(sk.Private.Seed()); got != want.seed {
			t.Errorf("%s seed = %s, want %s", sk.ID, got, want.seed)
		}
		if got := hex.EncodeToString(sk.Public()); got != want.public {
			t.Errorf("%s public = %s, want %s", sk.ID, got, want.public)
		}
	}
}

func TestParsePutsActiveSigningKeyFirst(t *testing.T) {
	k, err := Parse(secretWithSigning(`{"active":"k2","kids":["k1","k2","k3"]}`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, sk := range k.Signing {
		got = append(got, fmt.Sprintf("%s:%t", sk.ID, sk.Active))
	}
	if want := "k2:true k1:false k3:false"; strings.Join(got, " ") != want {
		t.Fatalf("Signing = %v, want %s", got, want)
	}
}

// TestSigningKeyDoesNotDependOnItsNeighbours protects rotation: adding or
// removing a kid must not change any other kid's key.
func TestSigningKeyDoesNotDependOnItsNeighbours(t *testing.T) {
	alone, err := Parse(secretWithSigning(`{"active":"k2","kids":["k2"]}`))
	if err != nil {
		t.Fatal(err)
	}
	both, err := Parse(secretWithSigning(`{"active":"k1","kids":["k1","k2"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if !alone.Signing[0].Private.Equal(both.Signing[1].Private) {
		t.Fatal("k2 differs depending on which other kids are listed")
	}
	if both.Signing[0].Private.Equal(both.Signing[1].Private) {
		t.Fatal("k1 and k2 are the same key")
	}
}

func TestParseRejectsBadSigningKeysWithoutLeakingThem(t *testing.T) {
	const marker = "SeCrEtMaRkEr"
	tests := []struct {
		name        string
		signingKeys string
	}{
		{"not an object", `"` + marker + `"`},
		{"no kids", `{"active":"k1"}`},
		{"empty kids", `{"active":"k1","kids":[]}`},
		{"active missing", `{"kids":["k1"]}`},
		{"active not listed", `{"active":"` + marker + `","kids":["k1"]}`},
		{"kid with a slash", `{"active":"k1","kids":["k1","` + marker + `/x"]}`},
		{"kid with a quote", `{"active":"k1","kids":["k1","` + marker + `\""]}`},
		{"kid too long", `{"active":"k1","kids":["k1","` + marker + strings.Repeat("x", 32) + `"]}`},
		{"empty kid", `{"active":"k1","kids":["k1",""]}`},
		{"repeated kid", `{"active":"k1","kids":["k1","k1"]}`},
		{"kid not a string", `{"active":"k1","kids":["k1",12345678901234567890]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(secretWithSigning(tt.signingKeys))
			if err == nil {
				t.Fatal("Parse succeeded, want error")
			}
			for _, leak := range []string{marker, testMaster[:10], "12345678901234567890"} {
				if strings.Contains(err.Error(), leak) {
					t.Fatalf("error %q leaks secret content %q", err, leak)
				}
			}
		})
	}
}

func TestSigningKeysNeverPrintPrivateBytes(t *testing.T) {
	k, err := Parse(secretWithSigning(`{"active":"k1","kids":["k1","k2"]}`))
	if err != nil {
		t.Fatal(err)
	}
	sk := k.Signing[0]
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("loaded", "keys", k, "key", sk, "all", k.Signing, "ptr", &sk)
	var text bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("loaded", "key", sk)
	keysJSON, err := json.Marshal(k)
	if err != nil {
		t.Fatal(err)
	}
	keyJSON, err := json.Marshal(sk)
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"keys %+v":   fmt.Sprintf("%+v", k),
		"%v":         fmt.Sprintf("%v", sk),
		"%+v":        fmt.Sprintf("%+v", sk),
		"%#v":        fmt.Sprintf("%#v", sk),
		"%s":         fmt.Sprintf("%s", sk),
		"%x":         fmt.Sprintf("%x", sk),
		"%d":         fmt.Sprintf("%d", sk),
		"%v ptr":     fmt.Sprintf("%v", &sk),
		"%+v slice":  fmt.Sprintf("%+v", k.Signing),
		"%#v slice":  fmt.Sprintf("%#v", k.Signing),
		"slog json":  logged.String(),
		"slog text":  text.String(),
		"keys json":  string(keysJSON),
		"key json":   string(keyJSON),
		"key String": sk.String(),
	}
	for name, out := range outputs {
		for _, s := range k.Signing {
			// The whole private key, and the seed (its secret half) alone.
			for _, key := range [][]byte{s.Private, s.Private.Seed()} {
				for _, form := range []string{
					string(key), hex.EncodeToString(key), fmt.Sprint(key), fmt.Sprint(key[:4]),
					strings.Trim(fmt.Sprint(key[:4]), "[]"), fmt.Sprintf("%x", key[:4]),
				} {
					if strings.Contains(out, form) {
						t.Errorf("%s output %q contains private key bytes", name, out)
					}
				}
			}
		}
	}
	if string(keysJSON) != "{}" {
		t.Errorf("json.Marshal(Keys) = %s, want {}", keysJSON)
	}
	if want := `{"kid":"k1","active":true}`; string(keyJSON) != want {
		t.Errorf("json.Marshal(SigningKey) = %s, want %s", keyJSON, want)
	}
	if !strings.Contains(sk.String(), "k1") {
		t.Errorf("String() = %q, want it to name the kid for logs", sk.String())
	}
}

func TestSigningKeyPublicMatchesPrivate(t *testing.T) {
	k, err := Parse(SecretString(testMaster))
	if err != nil {
		t.Fatal(err)
	}
	sk := k.Signing[0]
	sig := ed25519.Sign(sk.Private, []byte("m"))
	if !ed25519.Verify(sk.Public(), []byte("m"), sig) {
		t.Fatal("Public does not verify Private's signature")
	}
}
