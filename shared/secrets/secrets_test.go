package secrets

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

const testMaster = "q3Jx9LmZp0Rt7VbN2cYw8KdHs5FgAe1UiOo4TlXvBnMj6WkPzQrSu2yCxD7hGf0a"

func TestParseIsDeterministic(t *testing.T) {
	a, err := Parse(SecretString(testMaster))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse(SecretString(testMaster))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Pepper, b.Pepper) || !bytes.Equal(a.FieldKey, b.FieldKey) {
		t.Fatal("same master key derived different keys")
	}
	if len(a.Pepper) != 32 || len(a.FieldKey) != 32 {
		t.Fatalf("key lengths = %d, %d; want 32, 32", len(a.Pepper), len(a.FieldKey))
	}
}

func TestParseDerivesDistinctKeyPerPurpose(t *testing.T) {
	k, err := Parse(SecretString(testMaster))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(k.Pepper, k.FieldKey) {
		t.Fatal("pepper and field key are equal")
	}
	if bytes.Contains([]byte(testMaster), k.Pepper[:8]) {
		t.Fatal("pepper is not derived")
	}
}

func TestParseDerivesDifferentKeysFromDifferentMasters(t *testing.T) {
	a, err := Parse(SecretString(testMaster))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse(SecretString(NewMasterKey()))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a.Pepper, b.Pepper) || bytes.Equal(a.FieldKey, b.FieldKey) {
		t.Fatal("different master keys derived the same key")
	}
}

// Expected HKDF-SHA256 output for testMaster, computed independently from
// RFC 5869.
const (
	knownPepper   = "b51c55e9a51b6003274d80b0a6b5d50c0e835885896a4b16f50226deada9943e"
	knownFieldKey = "3b45b98d6f9f699897a9451960ae3ecdc90e9bfe65d4fd5aee0bdc2b694cf5b1"
)

// TestParseMatchesKnownVector pins the derivation: changing a label or the
// hash would silently invalidate every stored API key hash and sealed value.
func TestParseMatchesKnownVector(t *testing.T) {
	k, err := Parse(SecretString(testMaster))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := hex.EncodeToString(k.Pepper), knownPepper; got != want {
		t.Errorf("pepper = %s, want %s", got, want)
	}
	if got, want := hex.EncodeToString(k.FieldKey), knownFieldKey; got != want {
		t.Errorf("field key = %s, want %s", got, want)
	}
}

func TestParseRejectsBadSecretWithoutLeakingIt(t *testing.T) {
	// Every case carries a marker that must not appear in the error.
	const marker = "SeCrEtMaRkEr"
	tests := []struct {
		name   string
		secret string
	}{
		{"not JSON", "SeCrEtMaRkEr" + testMaster},
		{"truncated JSON", `{"version":1,"masterKey":"` + marker + testMaster},
		{"JSON string", `"` + marker + `"`},
		{"masterKey not a string", `{"version":1,"masterKey":12345678901234567890}`},
		{"version not a number", `{"version":"` + marker + `","masterKey":"` + testMaster + `"}`},
		{"missing masterKey", `{"version":1,"other":"` + marker + `"}`},
		{"empty masterKey", `{"version":1,"masterKey":""}`},
		{"short masterKey", `{"version":1,"masterKey":"` + marker + `abcdefghij"}`},
		{"unknown version", `{"version":2,"masterKey":"` + marker + testMaster + `"}`},
		{"missing version", `{"masterKey":"` + marker + testMaster + `"}`},
		{"empty", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.secret)
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

func TestParseAcceptsMinimumLength(t *testing.T) {
	if _, err := Parse(SecretString(testMaster[:MinMasterKeyLength])); err != nil {
		t.Fatalf("Parse(%d chars) = %v", MinMasterKeyLength, err)
	}
	if _, err := Parse(SecretString(testMaster[:MinMasterKeyLength-1])); err == nil {
		t.Fatalf("Parse(%d chars) succeeded, want error", MinMasterKeyLength-1)
	}
}

func TestKeysNeverPrintKeyBytes(t *testing.T) {
	k, err := Parse(SecretString(testMaster))
	if err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("loaded", "keys", k, "ptr", &k)
	var text bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("loaded", "keys", k)
	js, err := json.Marshal(k)
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"%v":        fmt.Sprintf("%v", k),
		"%+v":       fmt.Sprintf("%+v", k),
		"%#v":       fmt.Sprintf("%#v", k),
		"%s":        fmt.Sprintf("%s", k),
		"%x":        fmt.Sprintf("%x", k),
		"%d":        fmt.Sprintf("%d", k),
		"%v ptr":    fmt.Sprintf("%v", &k),
		"%+v slice": fmt.Sprintf("%+v", []Keys{k}),
		"slog json": logged.String(),
		"slog text": text.String(),
		"json":      string(js),
	}
	for name, out := range outputs {
		for _, key := range [][]byte{k.Pepper, k.FieldKey} {
			for _, form := range []string{
				string(key), hex.EncodeToString(key), fmt.Sprint(key), fmt.Sprint(key[:4]),
				strings.Trim(fmt.Sprint(key[:4]), "[]"), fmt.Sprintf("%x", key[:4]),
			} {
				if strings.Contains(out, form) {
					t.Errorf("%s output %q contains key bytes", name, out)
				}
			}
		}
	}
	if string(js) != "{}" {
		t.Errorf("json.Marshal = %s, want {}", js)
	}
}

func TestNewMasterKeyIsRandomAlphanumerics(t *testing.T) {
	a, b := NewMasterKey(), NewMasterKey()
	if a == b {
		t.Fatal("two master keys are equal")
	}
	for _, k := range []string{a, b} {
		if len(k) != 64 {
			t.Fatalf("len = %d, want 64", len(k))
		}
		if strings.Trim(k, alphanumerics) != "" {
			t.Fatalf("master key has characters outside [A-Za-z0-9]")
		}
		if _, err := Parse(SecretString(k)); err != nil {
			t.Fatalf("Parse(new master key) = %v", err)
		}
	}
}

// fakeSource is a Source whose answer the test sets.
type fakeSource struct {
	get func(ctx context.Context, secretID string) (string, error)
}

func (f fakeSource) GetSecretStringWithContext(ctx context.Context, secretID string) (string, error) {
	return f.get(ctx, secretID)
}

func TestLoadReadsTheNamedSecret(t *testing.T) {
	var asked string
	src := fakeSource{get: func(_ context.Context, id string) (string, error) {
		asked = id
		return SecretString(testMaster), nil
	}}
	got, err := Load(context.Background(), src, "roster/keys")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Parse(SecretString(testMaster))
	if asked != "roster/keys" {
		t.Errorf("asked for %q, want roster/keys", asked)
	}
	if !bytes.Equal(got.Pepper, want.Pepper) || !bytes.Equal(got.FieldKey, want.FieldKey) {
		t.Error("Load derived different keys from Parse")
	}
}

func TestLoadWrapsSourceError(t *testing.T) {
	boom := errors.New("access denied")
	src := fakeSource{get: func(context.Context, string) (string, error) { return "", boom }}
	_, err := Load(context.Background(), src, "roster/keys")
	if !errors.Is(err, boom) {
		t.Fatalf("Load error = %v, want it to wrap %v", err, boom)
	}
	if !strings.Contains(err.Error(), "roster/keys") {
		t.Errorf("Load error %q does not name the secret", err)
	}
}

func TestLoadRejectsBadSecretWithoutLeakingIt(t *testing.T) {
	src := fakeSource{get: func(context.Context, string) (string, error) {
		return `{"version":1,"masterKey":"tooShortSecret"}`, nil
	}}
	_, err := Load(context.Background(), src, "roster/keys")
	if err == nil {
		t.Fatal("Load succeeded, want error")
	}
	if strings.Contains(err.Error(), "tooShortSecret") {
		t.Fatalf("error %q leaks the secret", err)
	}
}
