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
		composed12 = "\u00e9\u00e8\u00ea\u00eb\u00e0\u00e2\u00e4\u00ee\u00ef\u00f4\u00f6\u00fb" // éèêëàâäîïôöû, 2 bytes each
		emoji12    = "🦊🐢🦉🐙🦔🐝🦀🐳🦜🐌🦩🐇"
		jamoGak    = "\u1100\u1161\u11a8" // 9 bytes that NFKC composes into one syllable
	)
	// 256 characters that repeat no short unit: a pangram, over and over,
	// each time with one more letter left out.
	long256 := ""
	for i := 0; utf8.RuneCountInString(long256) < 256; i++ {
		long256 += "thequickbrownfoxjumpsoverthelazydog"[i%35:] + "-"
	}
	long256 = string([]rune(long256)[:256])
	tests := []struct {
		name     string
		password string
		identity []string
		want     []string // messages, in order
	}{
		{"12 characters accepted", "tangerine-ox", nil, nil},
		{"11 characters rejected", "tangerine-o", nil, []string{msgTooShort}},
		{"empty rejected", "", nil, []string{msgTooShort}},
		{"256 characters accepted", long256, nil, nil},
		{"257 characters rejected", long256 + "c", nil, []string{msgTooLong}},
		{"12 emoji accepted", emoji12, nil, nil},
		{"11 emoji rejected though 44 bytes", strings.Repeat("🦊", 11), nil, []string{msgTooShort, msgPredictable}},
		{"12 CJK characters accepted", "春眠不觉晓处处闻啼鸟夜来", nil, nil},
		{"11 CJK characters rejected", "春眠不觉晓处处闻啼鸟夜", nil, []string{msgTooShort}},
		{"12 composed accents accepted", composed12, nil, nil},
		{"12 decomposed accents accepted", norm.NFD.String(composed12), nil, nil},
		{"11 decomposed accents rejected though 22 code points", norm.NFD.String(composed12[:len(composed12)-2]), nil, []string{msgTooShort}},
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
		{"every problem reported", "alice", []string{"alice"}, []string{msgTooShort, msgCommon, msgIdentity}},
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

// A common password with only digits, symbols or spaces around it is as
// guessable as the password itself; a repetition, sequence or keyboard row
// is too, whatever its length. A passphrase that merely contains a common
// word is neither.
func TestCheckRefusesGuessablePasswords(t *testing.T) {
	tests := []struct {
		password string
		want     string // the one message, or "" when accepted
	}{
		// The cases the outside probe found accepted.
		{"Password123!", msgCommon},
		{"Password1234!", msgCommon},
		{"password12345", msgCommon},
		{"Welcome12345", msgCommon},
		// Decoration on both sides, in any script's digits and symbols,
		// and after NFKC.
		{"!!Summer2024!!", msgCommon},
		{"  dragon 1987 ", msgCommon},
		{"2024-Michael-1985", msgCommon},
		{"ｐａｓｓｗｏｒｄ１２３４５", msgCommon},
		{"trustno1trustno1", msgPredictable}, // a root repeated
		{"1qaz2wsx3edc", msgCommon},          // a long common password as it is
		{"qwerty123456!!", msgCommon},        // a long common password decorated
		{"iloveyou🦊🦊🦊🦊🦊", msgCommon},         // emoji are symbols too
		{"aaaaaaaaaaaa", msgPredictable},     // one character
		{"!!!!!!!!!!!!", msgPredictable},     // nothing but decoration
		{"abcabcabcabcab", msgPredictable},   // a short unit repeated, cut short
		{"xkcdxkcdxkcd2024", msgPredictable}, // a repeated core
		{"abcdefghijklm", msgPredictable},    // a sequence
		{"567890123456", msgPredictable},     // digits wrapping round
		{"zyxwvutsrq!!!!", msgPredictable},   // backwards
		{"!@#$%^&*()_+", msgPredictable},     // a keyboard row, shifted
		{"uiop[]\\qwerty", msgPredictable},   // a keyboard row wrapping round
		{"αβγδεζηθικλμ", msgPredictable},     // a sequence in another script
		{"1234ghjkl;'asdf!", msgPredictable}, // a keyboard row wrapping round, decorated
		{"correct horse battery staple", ""}, // the demo password
		{"Correct Horse Battery Staple 2024!", ""},
		{"password manager generated this", ""}, // a common word inside a phrase
		{"Welcome to the jungle 1987", ""},
		{"dragon-fruit-1987", ""}, // two words: not a root with decoration
		{"Gryffindor-1909-Alohomora", ""},
		{"x83920174625", ""},           // a core under 4 letters is not judged
		{"tangerine2024!", ""},         // an ordinary word beyond the list's reach
		{"abcdefghijkl-tangerine", ""}, // a sequence inside is fine
		{"🦊🐢🦉🐙🦔🐝🦀🐳🦜🐌🦩🐇", ""},
		{"春眠不觉晓处处闻啼鸟夜来", ""},
		{"Αλέξανδρος Μέγας 356", ""},
	}
	for _, tt := range tests {
		t.Run(tt.password, func(t *testing.T) {
			var want []fault.FieldError
			if tt.want != "" {
				want = []fault.FieldError{{Field: "password", Message: tt.want}}
			}
			if got := Check("password", tt.password); !slices.Equal(got, want) {
				t.Fatalf("Check(%q) = %v, want %v", tt.password, got, want)
			}
		})
	}
}

func TestCore(t *testing.T) {
	tests := []struct{ in, want string }{
		{"password123!", "password"},
		{"!!summer2024!!", "summer"},
		{"2024-michael-1985", "michael"},
		{"1qaz2wsx", "qaz2wsx"},       // digits inside stay
		{"cafe\u0301!", "cafe\u0301"}, // a trailing combining mark stays
		{"123456", ""},
		{"correct horse battery staple", "correct horse battery staple"},
	}
	for _, tt := range tests {
		if got := core(tt.in); got != tt.want {
			t.Errorf("core(%q) = %q, want %q", tt.in, got, tt.want)
		}
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

// The roots list is the same shape as the common list, and each entry is
// its own core, of at least minPatternLength characters, or Check could
// never find it.
func TestCommonRootsAreWellFormed(t *testing.T) {
	if !strings.HasPrefix(commonRootsTxt, "# ") || !strings.Contains(commonRootsTxt, "MIT") || !strings.Contains(commonRootsTxt, "@zxcvbn-ts/language-common 4.1.3") {
		t.Error("common-roots.txt must start with a header naming its source and licence")
	}
	if len(commonRoots) < 5000 {
		t.Errorf("%d roots, want the full list", len(commonRoots))
	}
	for i, w := range commonRoots {
		switch {
		case i > 0 && commonRoots[i-1] == w:
			t.Errorf("%q is listed twice", w)
		case w != strings.ToLower(norm.NFKC.String(w)):
			t.Errorf("%q is not lower-cased NFKC", w)
		case core(w) != w:
			t.Errorf("%q is not its own core", w)
		case utf8.RuneCountInString(w) < minPatternLength:
			t.Errorf("%q is shorter than Check looks at", w)
		}
	}
	for _, w := range []string{"password", "welcome", "trustno", "qaz2wsx"} {
		if !listed(commonRoots, w) {
			t.Errorf("%q missing", w)
		}
	}
}

func BenchmarkCheck(b *testing.B) {
	for b.Loop() {
		Check("password", "correct horse battery staple", "alice.smith", "alice.smith@example.com")
	}
}
