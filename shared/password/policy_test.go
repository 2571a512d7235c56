package password

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"roster/shared/fault"
)

func TestCheck(t *testing.T) {
	const (
		composedE   = "\u00e9"
		decomposedE = "e\u0301"
		jamoGak     = "\u1100\u1161\u11a8" // 9 bytes that NFKC composes into one syllable
	)
	tests := []struct {
		name     string
		password string
		identity []string
		want     []string // messages, in order
	}{
		{"12 characters accepted", "tangerine-ox", nil, nil},
		{"11 characters rejected", "tangerine-o", nil, []string{msgTooShort}},
		{"empty rejected", "", nil, []string{msgTooShort}},
		{"256 characters accepted", strings.Repeat("ab", 128), nil, nil},
		{"257 characters rejected", strings.Repeat("ab", 128) + "c", nil, []string{msgTooLong}},
		{"12 emoji accepted", strings.Repeat("🦊", 12), nil, nil},
		{"11 emoji rejected though 44 bytes", strings.Repeat("🦊", 11), nil, []string{msgTooShort}},
		{"12 CJK characters accepted", "春眠不觉晓处处闻啼鸟夜来", nil, nil},
		{"11 CJK characters rejected", "春眠不觉晓处处闻啼鸟夜", nil, []string{msgTooShort}},
		{"12 composed accents accepted", strings.Repeat(composedE, 12), nil, nil},
		{"12 decomposed accents accepted", strings.Repeat(decomposedE, 12), nil, nil},
		{"11 decomposed accents rejected though 22 code points", strings.Repeat(decomposedE, 11), nil, []string{msgTooShort}},
		{"1025 ASCII bytes refused", strings.Repeat("a", MaxInputBytes+1), nil, []string{msgTooLong}},
		// 114 syllables after NFKC would pass the length rule: only a limit
		// on the raw bytes, applied first, refuses this.
		{"over 1024 bytes refused before normalising", strings.Repeat(jamoGak, 114), nil, []string{msgTooLong}},
		{"1024 bytes that normalise short enough accepted", strings.Repeat(jamoGak, 113) + "abcdefg", nil, nil},
		{"invalid UTF-8 refused", "tangerine-ox\xff", nil, []string{msgNotText}},
		{"common password", "qwerty123456", nil, []string{msgCommon}},
		{"common password upper-case", "QWERTY123456", nil, []string{msgCommon}},
		{"common password mixed case", "QwErTy123456", nil, []string{msgCommon}},
		{"common password full-width", "ＱＷＥＲＴＹ１２３４５６", nil, []string{msgCommon}},
		{"common password as a part is fine", "qwerty123456-tangerine", nil, nil},
		{"equals user name", "longusername1", []string{"longusername1"}, []string{msgIdentity}},
		{"contains user name", "i-am-alice.smith!", []string{"alice.smith"}, []string{msgIdentity}},
		{"contains user name in other case", "i-am-ALICE.smith!", []string{"Alice.Smith"}, []string{msgIdentity}},
		{"contains full-width user name", "bobby-tangerine", []string{"ｂｏｂｂｙ"}, []string{msgIdentity}},
		{"contains email", "mail alice@example.com", []string{"asmith", "alice@example.com"}, []string{msgIdentity}},
		{"contains email local part", "it is bob.jones really", []string{"bjones", "bob.jones@example.com"}, []string{msgIdentity}},
		{"2-character user name ignored", "tangerine-al", []string{"al"}, nil},
		{"2-character local part ignored", "jo-jo-tangerine", []string{"jo@x.io"}, nil},
		{"empty and blank identity ignored", "tangerine-ox", []string{"", "   "}, nil},
		{"3-character user name counts", "tangerine-bob", []string{"bob"}, []string{msgIdentity}},
		{"every problem reported", "alice", []string{"alice"}, []string{msgTooShort, msgIdentity}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []fault.FieldError
			for _, m := range tt.want {
				want = append(want, fault.FieldError{Field: "newPassword", Message: m})
			}
			if got := Check("newPassword", tt.password, tt.identity...); !slices.Equal(got, want) {
				t.Fatalf("Check = %v, want %v", got, want)
			}
		})
	}
}

// The messages name the limits; keep them in step with the constants.
func TestCheckMessagesStateTheLimits(t *testing.T) {
	if !strings.Contains(msgTooShort, " 12 ") || MinLength != 12 || !strings.Contains(msgTooLong, " 256 ") || MaxLength != 256 {
		t.Fatal("length messages disagree with MinLength or MaxLength")
	}
}

func TestCommonListIsWellFormed(t *testing.T) {
	if !strings.HasPrefix(commonTxt, "# ") || !strings.Contains(commonTxt, "MIT") {
		t.Error("common.txt must start with a header naming its source and licence")
	}
	var lines []string
	for line := range strings.Lines(commonTxt) {
		if line = strings.TrimRight(line, "\n"); !strings.HasPrefix(line, "#") {
			lines = append(lines, line)
		}
	}
	if len(lines) < 300 {
		t.Errorf("%d entries, want the full list", len(lines))
	}
	if !slices.IsSorted(lines) {
		t.Error("entries are not sorted")
	}
	for i, w := range lines {
		switch {
		case i > 0 && lines[i-1] == w:
			t.Errorf("%q is listed twice", w)
		case w != strings.ToLower(norm.NFKC.String(w)):
			t.Errorf("%q is not lower-cased NFKC", w)
		case utf8.RuneCountInString(w) < MinLength:
			t.Errorf("%q is shorter than the length rule already refuses", w)
		case strings.TrimSpace(w) != w:
			t.Errorf("%q has surrounding space", w)
		}
	}
	if !slices.Equal(commonPasswords, lines) {
		t.Error("parsed list differs from the file's entries")
	}
}

func BenchmarkCheck(b *testing.B) {
	for b.Loop() {
		Check("password", "correct horse battery staple", "alice.smith", "alice.smith@example.com")
	}
}
