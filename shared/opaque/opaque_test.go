package opaque

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"roster/shared/fault"
)

var pepper = bytes.Repeat([]byte{7}, 32)

// A fixed, valid token whose secret contains "_" and "-", which Parse must
// not mistake for separators.
const (
	goodID     = "abcdefghijklmn27"
	goodSecret = "Ab_-0123456789abcdefghijklmnopqrstuvwxyzABE"
	goodToken  = "rst_" + goodID + "_" + goodSecret
)

func TestGenerateMakesParseableUniqueKeys(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		k, err := APIKey.Generate()
		if err != nil {
			t.Fatal(err)
		}
		if len(k.Token) != 64 || len(k.ID) != 16 {
			t.Fatalf("token %d chars, id %d chars; want 64, 16", len(k.Token), len(k.ID))
		}
		id, err := APIKey.Parse(k.Token)
		if err != nil {
			t.Fatalf("APIKey.Parse(generated) = %v", err)
		}
		if id != k.ID {
			t.Fatalf("Parse id = %q, want %q", id, k.ID)
		}
		if seen[k.ID] || seen[k.Token] {
			t.Fatal("Generate repeated an id or token")
		}
		seen[k.ID], seen[k.Token] = true, true
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name  string
		token string
		ok    bool
	}{
		{"good", goodToken, true},
		{"good secret ending in A", "rst_" + goodID + "_" + strings.Repeat("a", 42) + "A", true},
		{"empty", "", false},
		{"prefix only", "rst_", false},
		{"wrong prefix", "rsk_" + goodID + "_" + goodSecret, false},
		{"uppercase prefix", "RST_" + goodID + "_" + goodSecret, false},
		{"no prefix", goodID + "_" + goodSecret + "xxxx", false},
		{"short id", "rst_" + goodID[:15] + "_" + goodSecret + "A", false},
		{"long id", "rst_" + goodID + "a_" + goodSecret[1:], false},
		{"uppercase id", "rst_" + strings.ToUpper(goodID) + "_" + goodSecret, false},
		{"id with 1 (not base32)", "rst_" + goodID[:15] + "1_" + goodSecret, false},
		{"id with 8 (not base32)", "rst_" + goodID[:15] + "8_" + goodSecret, false},
		{"id with dash", "rst_" + goodID[:15] + "-_" + goodSecret, false},
		{"short secret", "rst_" + goodID + "_" + goodSecret[:42], false},
		{"long secret", goodToken + "A", false},
		{"secret with +", "rst_" + goodID + "_" + "+" + goodSecret[1:], false},
		{"secret with /", "rst_" + goodID + "_" + "/" + goodSecret[1:], false},
		{"secret with =", "rst_" + goodID + "_" + goodSecret[:42] + "=", false},
		{"secret with space", "rst_" + goodID + "_" + " " + goodSecret[1:], false},
		{"secret with newline", "rst_" + goodID + "_" + goodSecret[:20] + "\n" + goodSecret[21:], false},
		{"secret with non-ASCII", "rst_" + goodID + "_" + "é" + goodSecret[2:], false},
		{"secret with stray low bits", "rst_" + goodID + "_" + goodSecret[:42] + "B", false},
		{"double underscore after prefix", "rst__" + goodID + "_" + goodSecret[1:], false},
		{"secret starting with underscore", "rst_" + goodID + "__" + goodSecret[1:], true},
		{"double underscore before secret", "rst_" + goodID + "__" + goodSecret, false},
		{"underscore instead of separator", "rst_" + goodID + "x" + goodSecret, false},
		{"extra underscores", "rst_" + goodID + "_" + goodSecret + "_x", false},
		{"only underscores", strings.Repeat("_", 64), false},
		{"NUL bytes", strings.Repeat("\x00", 64), false},
		{"leading space", " " + goodToken[:63], false},
		{"trailing newline", goodToken + "\n", false},
		{"10 KB junk", strings.Repeat("rst_", 2560), false},
		{"10 KB valid prefix", goodToken + strings.Repeat("A", 10240), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := APIKey.Parse(tt.token)
			if tt.ok {
				if err != nil {
					t.Fatalf("Parse = %v, want ok", err)
				}
				if id != tt.token[4:20] {
					t.Fatalf("id = %q, want %q", id, tt.token[4:20])
				}
				return
			}
			if err == nil {
				t.Fatalf("APIKey.Parse(%q) succeeded, want error", tt.token)
			}
			if id != "" {
				t.Errorf("id = %q on error, want empty", id)
			}
			assertGenericUnauthorized(t, err)
		})
	}
}

// assertGenericUnauthorized checks the error every bad token gets: the same
// code and message whatever was wrong.
func assertGenericUnauthorized(t *testing.T, err error) {
	t.Helper()
	if fault.CodeOf(err) != fault.Unauthorized {
		t.Fatalf("code = %q, want %q", fault.CodeOf(err), fault.Unauthorized)
	}
	want := fault.New(fault.Unauthorized, "The API key is invalid.").Error()
	if err.Error() != want {
		t.Fatalf("error = %q, want the generic %q", err, want)
	}
}

func TestVerify(t *testing.T) {
	stored := Hash(pepper, goodToken)
	otherToken := "rst_" + goodID + "_" + strings.Repeat("a", 42) + "A"
	tests := []struct {
		name   string
		pepper []byte
		token  string
		stored []byte
		want   bool
	}{
		{"same token", pepper, goodToken, stored, true},
		{"other secret, same id", pepper, otherToken, stored, false},
		{"other pepper", bytes.Repeat([]byte{8}, 32), goodToken, stored, false},
		{"empty token", pepper, "", stored, false},
		{"nothing stored", pepper, goodToken, nil, false},
		{"truncated hash", pepper, goodToken, stored[:16], false},
		{"token one char longer", pepper, goodToken + "A", stored, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Verify(tt.pepper, tt.token, tt.stored); got != tt.want {
				t.Fatalf("Verify = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestHashIsPepperedHMAC(t *testing.T) {
	h := Hash(pepper, goodToken)
	if len(h) != 32 {
		t.Fatalf("len = %d, want 32", len(h))
	}
	if !bytes.Equal(h, Hash(pepper, goodToken)) {
		t.Fatal("Hash is not deterministic")
	}
	if bytes.Equal(h, Hash(nil, goodToken)) {
		t.Fatal("Hash ignores the pepper")
	}
	if bytes.Contains(h, []byte(goodSecret[:8])) {
		t.Fatal("Hash contains the secret")
	}
}

func TestFromSecret(t *testing.T) {
	k, err := APIKey.FromSecret(goodID, goodSecret)
	if err != nil {
		t.Fatal(err)
	}
	if k.ID != goodID || k.Token != goodToken {
		t.Fatalf("FromSecret = %q, %q", k.ID, k.Token)
	}
	for name, parts := range map[string][2]string{
		"empty":        {"", ""},
		"short id":     {goodID[:15], goodSecret},
		"bad id":       {strings.ToUpper(goodID), goodSecret},
		"short secret": {goodID, goodSecret[:42]},
		"bad secret":   {goodID, "+" + goodSecret[1:]},
		"shifted":      {goodID + "_" + goodSecret[:1], goodSecret[2:]},
	} {
		_, err := APIKey.FromSecret(parts[0], parts[1])
		if fault.CodeOf(err) != fault.Invalid {
			t.Errorf("%s: FromSecret error = %v, want code %q", name, err, fault.Invalid)
			continue
		}
		if parts[1] != "" && strings.Contains(err.Error(), parts[1]) {
			t.Errorf("%s: error %q repeats the secret", name, err)
		}
	}
}

func TestKeyNeverPrintsToken(t *testing.T) {
	k, err := APIKey.Generate()
	if err != nil {
		t.Fatal(err)
	}
	secret := k.Token[21:]
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("created", "key", k, "ptr", &k)
	outputs := map[string]string{
		"%v":     fmt.Sprintf("%v", k),
		"%+v":    fmt.Sprintf("%+v", k),
		"%#v":    fmt.Sprintf("%#v", k),
		"%s":     fmt.Sprintf("%s", k),
		"%x":     fmt.Sprintf("%x", k),
		"%d":     fmt.Sprintf("%d", k),
		"%q":     fmt.Sprintf("%q", k),
		"ptr":    fmt.Sprintf("%+v", &k),
		"slice":  fmt.Sprintf("%v", []Key{k}),
		"String": k.String(),
		"slog":   logged.String(),
	}
	for name, out := range outputs {
		if strings.Contains(out, secret) || strings.Contains(out, fmt.Sprintf("%x", secret)) {
			t.Errorf("%s output %q contains the token", name, out)
		}
	}
	if !strings.Contains(outputs["%v"], k.ID) || !strings.Contains(logged.String(), k.ID) {
		t.Errorf("id missing from output: %q / %q", outputs["%v"], logged.String())
	}
	if !json.Valid(logged.Bytes()) {
		t.Errorf("slog output is not JSON: %s", logged.String())
	}
}

func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		goodToken, "", "rst_", "rst__", goodToken + "A", goodToken[:63],
		"rst_" + goodID + "_" + goodSecret[:42] + "B", strings.Repeat("_", 64),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		id, err := APIKey.Parse(token)
		if err != nil {
			if id != "" || fault.CodeOf(err) != fault.Unauthorized {
				t.Fatalf("APIKey.Parse(%q) = %q, %v", token, id, err)
			}
			return
		}
		// Anything accepted must be exactly the documented shape, and
		// rebuild to itself.
		if len(token) != 64 || !strings.HasPrefix(token, "rst_") || id != token[4:20] {
			t.Fatalf("Parse accepted %q with id %q", token, id)
		}
		k, err := APIKey.FromSecret(id, token[21:])
		if err != nil || k.Token != token {
			t.Fatalf("APIKey.FromSecret(%q, %q) = %v, %v", id, token[21:], k, err)
		}
	})
}

func TestKindsDoNotAcceptEachOther(t *testing.T) {
	kinds := []Kind{APIKey, Device, Auth, Invite}
	for _, made := range kinds {
		k, err := made.Generate()
		if err != nil {
			t.Fatal(err)
		}
		for _, asked := range kinds {
			_, err := asked.Parse(k.Token)
			if (err == nil) != (made == asked) {
				t.Errorf("%s token parsed as %s: err = %v", made.Name, asked.Name, err)
			}
		}
	}
}

func TestDeriveIsStableParseableAndKeyed(t *testing.T) {
	k1 := Invite.Derive([]byte("secret-one"), "acme/evt-1")
	if k2 := Invite.Derive([]byte("secret-one"), "acme/evt-1"); k2 != k1 {
		t.Fatal("the same key and label gave two tokens")
	}
	if id, err := Invite.Parse(k1.Token); err != nil || id != k1.ID {
		t.Fatalf("Parse(derived) = %q, %v; want %q", id, err, k1.ID)
	}
	for _, other := range []Key{
		Invite.Derive([]byte("secret-two"), "acme/evt-1"),
		Invite.Derive([]byte("secret-one"), "acme/evt-2"),
		Device.Derive([]byte("secret-one"), "acme/evt-1"),
	} {
		if other.ID == k1.ID || strings.HasSuffix(other.Token, k1.Token[secAt:]) {
			t.Fatalf("another key, label or kind gave the same id or secret")
		}
	}
}
