package seal

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func newSealer(t *testing.T, key []byte) *Sealer {
	t.Helper()
	s, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const ctxAlice = "tenant-a/user-1/accessToken"

func TestSealOpenRoundTrip(t *testing.T) {
	s := newSealer(t, testKey(1))
	for _, pt := range [][]byte{[]byte("ghp_externalToken"), {}, bytes.Repeat([]byte{0xff}, 4096)} {
		sealed, err := s.Seal(pt, ctxAlice)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(sealed, "v1.") {
			t.Fatalf("sealed = %q, want v1. prefix", sealed)
		}
		if len(pt) > 0 && strings.Contains(sealed, string(pt)) {
			t.Fatal("sealed value contains the plaintext")
		}
		got, err := s.Open(sealed, ctxAlice)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if !bytes.Equal(got, pt) {
			t.Fatalf("Open = %q, want %q", got, pt)
		}
	}
}

func TestOpenInAnotherContextFails(t *testing.T) {
	s := newSealer(t, testKey(1))
	sealed, err := s.Seal([]byte("token"), ctxAlice)
	if err != nil {
		t.Fatal(err)
	}
	for _, other := range []string{
		"tenant-a/user-2/accessToken", // another user
		"tenant-b/user-1/accessToken", // another tenant
		"tenant-a/user-1/appKey",      // another field
		"tenant-a/user-1/accessToken/",
		"",
	} {
		if _, err := s.Open(sealed, other); err == nil {
			t.Errorf("Open in context %q succeeded", other)
		}
	}
}

func TestOpenWithAnotherKeyFails(t *testing.T) {
	sealed, err := newSealer(t, testKey(1)).Seal([]byte("token"), ctxAlice)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newSealer(t, testKey(2)).Open(sealed, ctxAlice); err == nil {
		t.Fatal("Open with another key succeeded")
	}
}

func TestOpenOfTamperedValueFails(t *testing.T) {
	s := newSealer(t, testKey(1))
	sealed, err := s.Seal([]byte("token"), ctxAlice)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(sealed, "v1."))
	if err != nil {
		t.Fatal(err)
	}
	// Flip one bit in every byte position: nonce, ciphertext and tag alike.
	for i := range raw {
		bad := bytes.Clone(raw)
		bad[i] ^= 0x01
		if _, err := s.Open("v1."+base64.RawURLEncoding.EncodeToString(bad), ctxAlice); err == nil {
			t.Fatalf("Open succeeded with byte %d flipped", i)
		}
	}
	// Truncation and extension.
	for _, bad := range [][]byte{raw[:len(raw)-1], append(bytes.Clone(raw), 0)} {
		if _, err := s.Open("v1."+base64.RawURLEncoding.EncodeToString(bad), ctxAlice); err == nil {
			t.Fatal("Open of resized value succeeded")
		}
	}
}

func TestSealTwiceGivesDifferentValues(t *testing.T) {
	s := newSealer(t, testKey(1))
	a, err := s.Seal([]byte("token"), ctxAlice)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Seal([]byte("token"), ctxAlice)
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Fatal("two seals of the same plaintext are equal; nonces repeat")
	}
}

func TestOpenOfMalformedValueFails(t *testing.T) {
	s := newSealer(t, testKey(1))
	good, err := s.Seal([]byte("token"), ctxAlice)
	if err != nil {
		t.Fatal(err)
	}
	body := strings.TrimPrefix(good, "v1.")
	for name, sealed := range map[string]string{
		"empty":            "",
		"prefix only":      "v1.",
		"no prefix":        body,
		"unknown version":  "v2." + body,
		"uppercase V":      "V1." + body,
		"not base64url":    "v1.!!!!" + body,
		"std base64":       "v1." + base64.StdEncoding.EncodeToString([]byte(body)),
		"padded":           good + "==",
		"shorter than tag": "v1." + base64.RawURLEncoding.EncodeToString(make([]byte, 27)),
		"plaintext":        "token",
	} {
		if _, err := s.Open(sealed, ctxAlice); err == nil {
			t.Errorf("%s: Open(%q) succeeded", name, sealed)
		}
	}
}

func TestSealRequiresContext(t *testing.T) {
	if _, err := newSealer(t, testKey(1)).Seal([]byte("token"), ""); err == nil {
		t.Fatal("Seal with empty context succeeded")
	}
}

func TestNewRequires32ByteKey(t *testing.T) {
	for _, n := range []int{0, 16, 24, 31, 33, 64} {
		if _, err := New(make([]byte, n)); err == nil {
			t.Errorf("New(%d-byte key) succeeded", n)
		}
	}
}

func TestOpenErrorDoesNotEchoValue(t *testing.T) {
	s := newSealer(t, testKey(1))
	_, err := s.Open("v1.SeCrEtLooKiNgJunk", ctxAlice)
	if err == nil || strings.Contains(err.Error(), "SeCrEt") || strings.Contains(err.Error(), ctxAlice) {
		t.Fatalf("Open error = %v", err)
	}
}
