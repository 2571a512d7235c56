package password

import (
	_ "embed"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"roster/shared/fault"
)

// Length limits, in characters (Unicode code points) after NFKC
// normalisation. The policy follows NIST SP 800-63B: a minimum length, a
// blocklist (common passwords, also with only digits or symbols around
// them, and repetitions, sequences and keyboard rows), no composition
// rules, and any Unicode character allowed.
// MaxLength is well above the "at least 64" the guideline asks to accept;
// the ceiling only bounds the work a request can cause.
const (
	MinLength = 12
	MaxLength = 256
)

// minIdentityLength is the shortest identity string Check looks for inside
// a password: shorter ones ("al", "x") would reject too many good
// passwords to protect anything.
const minIdentityLength = 3

// Caller-safe messages, one per rule.
const (
	msgTooShort    = "must be at least 12 characters"
	msgTooLong     = "must be at most 256 characters"
	msgNotText     = "must be valid UTF-8 text"
	msgCommon      = "is too common"
	msgPredictable = "must not be only a repetition, a sequence or a keyboard row"
	msgIdentity    = "must not contain your user name or email"
)

// commonTxt is the blocklist: common passwords long enough to pass the
// length rule. Its header names the source and licence. The shorter ones
// matter only with decoration around them; common-roots.txt lists those.
//
//go:embed common.txt
var commonTxt string

// commonPasswords is commonTxt's entries, sorted for binary search. Built
// once at start-up and only ever read.
var commonPasswords = parseCommon(commonTxt)

func parseCommon(txt string) []string {
	var list []string
	for line := range strings.Lines(txt) {
		line = strings.TrimRight(line, "\n")
		if line != "" && !strings.HasPrefix(line, "#") {
			list = append(list, line)
		}
	}
	slices.Sort(list) // the file is sorted already; this keeps a careless edit from breaking lookups
	return list
}

// Check returns what is wrong with password as a new password, each problem
// named with field so callers can use their dialect's field name, or nil
// when it is acceptable. identity lists strings the password must not
// contain, case-insensitively: the user name and the email; the local part
// of every string with an "@" is checked too, and strings shorter than 3
// characters are ignored.
//
// Input over MaxInputBytes is refused as too long before any other work,
// so no caller can make the service normalise megabytes.
func Check(field, password string, identity ...string) []fault.FieldError {
	if len(password) > MaxInputBytes {
		return []fault.FieldError{{Field: field, Message: msgTooLong}}
	}
	if !utf8.ValidString(password) {
		// Invalid bytes would be counted and hashed one by one, so what the
		// user believes they typed and what is stored could differ.
		return []fault.FieldError{{Field: field, Message: msgNotText}}
	}
	normal := norm.NFKC.String(password)
	var problems []fault.FieldError
	switch n := utf8.RuneCountInString(normal); {
	case n < MinLength:
		problems = append(problems, fault.FieldError{Field: field, Message: msgTooShort})
	case n > MaxLength:
		problems = append(problems, fault.FieldError{Field: field, Message: msgTooLong})
	}
	folded := strings.ToLower(normal)
	switch {
	case isCommon(folded):
		problems = append(problems, fault.FieldError{Field: field, Message: msgCommon})
	case isPattern(folded):
		problems = append(problems, fault.FieldError{Field: field, Message: msgPredictable})
	}
	if containsIdentity(folded, identity) {
		problems = append(problems, fault.FieldError{Field: field, Message: msgIdentity})
	}
	return problems
}

// containsIdentity reports whether folded (a normalised, lower-cased
// password) contains any identity string, or the local part of one that is
// an email, normalised the same way.
func containsIdentity(folded string, identity []string) bool {
	for _, id := range identity {
		candidates := []string{id}
		if at := strings.LastIndex(id, "@"); at > 0 {
			candidates = append(candidates, id[:at])
		}
		for _, c := range candidates {
			c = strings.ToLower(norm.NFKC.String(strings.TrimSpace(c)))
			if utf8.RuneCountInString(c) >= minIdentityLength && strings.Contains(folded, c) {
				return true
			}
		}
	}
	return false
}
