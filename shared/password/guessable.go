package password

import (
	_ "embed"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A password is guessable when it is one an online attacker tries early:
// a common password as it is, a common password with only digits, symbols
// or spaces around it ("Password123!", "Welcome12345"), or nothing but a
// repetition, a sequence or a keyboard row ("aaaaaaaaaaaa", "abcd1234!@#$").
// The rules look at the whole password and at its core, never at a part in
// the middle: a passphrase that contains a common word ("correct horse
// battery staple") is not a common word with decoration, and NIST SP
// 800-63B forbids composition rules, so what is refused is only what is
// predictable as a whole.

// commonRootsTxt is the second list: the cores of the most common
// passwords, of any length from 4 characters. Its header names the source
// and licence.
//
// It holds the 10,000 most common passwords' cores (7,393 distinct roots,
// 57 KB) because that is far more than an online attacker gets to try:
// sign-in locks a person out after 10 failures for 15 minutes, under a
// thousand guesses a day, and password spraying across accounts tries the
// top of the list first. A longer list would reach into ordinary words
// ("tangerine", "staple" rank near 20,000) whose decorated forms are rare
// guesses, refusing good passwords without defending against the attack
// the list is for (NIST SP 800-63B-4 §3.1.1.2 advises against oversized
// blocklists for the same reason).
//
//go:embed common-roots.txt
var commonRootsTxt string

// commonRoots is commonRootsTxt's entries, sorted for binary search. Built
// once at start-up and only ever read.
var commonRoots = parseCommon(commonRootsTxt)

// minPatternLength is the shortest core judged as a root or a pattern: a
// core of 1 to 3 letters with digits around it ("x83920174625") is mostly
// decoration, which is not predictable as such.
const minPatternLength = 4

// keyboardRows are sequences a password may walk along, in either
// direction and wrapping round ("qwerty", "0987", "!@#$", "xyzab"). Rows
// with letters are lower case because Check folds before it looks.
var keyboardRows = [...]string{
	"abcdefghijklmnopqrstuvwxyz",
	"0123456789",
	"`1234567890-=",
	"~!@#$%^&*()_+",
	"qwertyuiop[]\\",
	"asdfghjkl;'",
	"zxcvbnm,./",
}

// isCommon reports whether folded (a password after NFKC and lower-casing)
// is a common password, or is one with only digits, symbols and spaces
// around it.
func isCommon(folded string) bool {
	if listed(commonPasswords, folded) || inBreached(folded) {
		return true
	}
	c := core(folded)
	return utf8.RuneCountInString(c) >= minPatternLength && (listed(commonRoots, c) || listed(commonPasswords, c))
}

// isPattern reports whether folded, or its core, is nothing but a
// repetition, a sequence or a keyboard row.
func isPattern(folded string) bool {
	return pattern(folded) || pattern(core(folded))
}

func listed(list []string, s string) bool {
	_, found := slices.BinarySearch(list, s)
	return found
}

// core returns s without the leading and trailing characters that are
// neither letters nor combining marks: the word a decorated password is
// built on. A substring of s, so nothing is allocated.
func core(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsMark(r) })
}

// pattern reports whether s, of at least minPatternLength characters, is
// a repetition of a unit too short to be a password itself, a run of
// consecutive code points, or a walk along a keyboard row.
func pattern(s string) bool {
	if utf8.RuneCountInString(s) < minPatternLength {
		return false
	}
	if repeats(s) || steps(s) {
		return true
	}
	for _, row := range keyboardRows {
		if walks(s, row) {
			return true
		}
	}
	return false
}

// repeats reports whether s is a unit of fewer than MinLength characters
// written at least twice, the last time perhaps cut short ("abcabcabcab").
// A byte period of valid UTF-8 always falls on a character boundary,
// since s[p] equals s[0], which starts a character.
func repeats(s string) bool {
	maxUnit := len(s) / 2
	if i := runeOffset(s, MinLength-1); i < maxUnit {
		maxUnit = i
	}
	for p := 1; p <= maxUnit; p++ {
		if s[p:] == s[:len(s)-p] {
			return true
		}
	}
	return false
}

// runeOffset returns the byte offset in s just after its first n
// characters, or len(s) when it has fewer.
func runeOffset(s string, n int) int {
	for i := range s {
		if n == 0 {
			return i
		}
		n--
	}
	return len(s)
}

// steps reports whether every character of s is one code point above the
// one before it, or every one is one below ("abcdef", "987654", "αβγδ").
func steps(s string) bool {
	prev, step := rune(-1), rune(0)
	for _, r := range s {
		if prev >= 0 {
			d := r - prev
			if d != 1 && d != -1 || step != 0 && d != step {
				return false
			}
			step = d
		}
		prev = r
	}
	return true
}

// walks reports whether s moves along row one key at a time, always the
// same way, wrapping round at its ends.
func walks(s, row string) bool {
	prev, dir := -1, 0
	for _, r := range s {
		i := strings.IndexRune(row, r)
		if i < 0 {
			return false
		}
		if prev >= 0 {
			switch {
			case dir >= 0 && i == (prev+1)%len(row):
				dir = 1
			case dir <= 0 && i == (prev+len(row)-1)%len(row):
				dir = -1
			default:
				return false
			}
		}
		prev = i
	}
	return true
}
