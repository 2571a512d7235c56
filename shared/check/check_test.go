package check_test

import (
	"slices"
	"strings"
	"testing"

	"roster/shared/check"
	"roster/shared/fault"
)

// messages returns the messages of problems about field, failing the test
// when a problem names another field.
func messages(t *testing.T, field string, p []fault.FieldError) []string {
	t.Helper()
	var out []string
	for _, e := range p {
		if e.Field != field {
			t.Errorf("problem names %q, want %q", e.Field, field)
		}
		out = append(out, e.Message)
	}
	return out
}

func TestTextNamesTheFirstProblem(t *testing.T) {
	tests := []struct {
		v        string
		required bool
		want     []string
	}{
		{"Grace", true, nil},
		{"", false, nil},
		{"", true, []string{"is required and must not be blank"}},
		{" \t", true, []string{"is required and must not be blank"}},
		{strings.Repeat("é", 10), true, nil},
		{strings.Repeat("é", 11), false, []string{"must be at most 10 characters"}},
		{"Gr\x00ace", false, []string{"must not contain control characters"}},
		{"line\nbreak", false, []string{"must not contain control characters"}},
		{"\xff", false, []string{"must not contain control characters"}},
	}
	for _, tt := range tests {
		if got := messages(t, "name", check.Text("name", tt.v, 10, tt.required)); !slices.Equal(got, tt.want) {
			t.Errorf("Text(%q, required %v) = %q, want %q", tt.v, tt.required, got, tt.want)
		}
	}
}

func TestEmailAcceptsOnePlainAddressExactlyAsSent(t *testing.T) {
	const invalid = "must be an email address such as name@example.com"
	tests := []struct {
		v    string
		want []string
	}{
		{"grace@example.com", nil},
		{"grace.hopper+navy@mail.example.co.uk", nil},
		{"", []string{"is required and must not be empty"}},
		{"a@" + strings.Repeat("b", 249) + ".com", []string{"must be at most 254 bytes"}},
		{"grace.example.com", []string{invalid}},
		{"grace@localhost", []string{invalid}},
		{"Grace <grace@example.com>", []string{invalid}},
		{"grace@example.com, alan@example.com", []string{invalid}},
		{" grace@example.com", []string{invalid}},
	}
	for _, tt := range tests {
		if got := messages(t, "email", check.Email("email", tt.v)); !slices.Equal(got, tt.want) {
			t.Errorf("Email(%q) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestEmailAddressReturnsTheBareAddress(t *testing.T) {
	tests := []struct {
		in, addr string
		ok       bool
	}{
		{"grace@example.com", "grace@example.com", true},
		{"Grace <grace@example.com>", "grace@example.com", true},
		{" grace@example.com ", "grace@example.com", true},
		{"grace@localhost", "", false},
		{"not an address", "", false},
	}
	for _, tt := range tests {
		if addr, ok := check.EmailAddress(tt.in); addr != tt.addr || ok != tt.ok {
			t.Errorf("EmailAddress(%q) = %q, %v; want %q, %v", tt.in, addr, ok, tt.addr, tt.ok)
		}
	}
}

func TestSecretIsPresentAndBoundedButNeverQuoted(t *testing.T) {
	tests := []struct {
		v    string
		want []string
	}{
		{"correct horse", nil},
		{"", []string{"is required and must not be empty"}},
		{strings.Repeat("x", 16), nil},
		{strings.Repeat("x", 17), []string{"must be at most 16 bytes"}},
	}
	for _, tt := range tests {
		got := messages(t, "password", check.Secret("password", tt.v, 16))
		if !slices.Equal(got, tt.want) {
			t.Errorf("Secret(%q) = %q, want %q", tt.v, got, tt.want)
		}
		for _, m := range got {
			if strings.Contains(m, tt.v) && tt.v != "" {
				t.Errorf("message %q quotes the secret", m)
			}
		}
	}
}

func TestIDChecksLengthThenCharacters(t *testing.T) {
	const bad = "must be letters, digits, '-' and '_'"
	tests := []struct {
		v    string
		want []string
	}{
		{"usr-1_A", nil},
		{strings.Repeat("u", 8), nil},
		{"", []string{"is required and must not be empty"}},
		{strings.Repeat("u", 9), []string{"must be at most 8 characters"}},
		{"a.b", []string{bad}},
		{"a b", []string{bad}},
		{"été", []string{bad}},
	}
	for _, tt := range tests {
		if got := messages(t, "userId", check.ID("userId", tt.v, 8, "-_", bad)); !slices.Equal(got, tt.want) {
			t.Errorf("ID(%q) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestAlnumAllowsOnlyASCIILettersDigitsAndTheGivenPunctuation(t *testing.T) {
	tests := []struct {
		v, punct string
		want     bool
	}{
		{"", "", true},
		{"Az09", "", true},
		{"a-b", "", false},
		{"a-b_c.d", "-_.", true},
		{"a/b", "-_.", false},
		{"é", "-_.", false},
	}
	for _, tt := range tests {
		if got := check.Alnum(tt.v, tt.punct); got != tt.want {
			t.Errorf("Alnum(%q, %q) = %v, want %v", tt.v, tt.punct, got, tt.want)
		}
	}
}

func TestPrintableRefusesControlCharactersAndInvalidUTF8(t *testing.T) {
	for v, want := range map[string]bool{"Софья O'Neil": true, "": true, "tab\there": false, "\u0085": false, "\xc3": false} {
		if got := check.Printable(v); got != want {
			t.Errorf("Printable(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestRoleAcceptsOnlyTheBuiltInRolesAndNamesThem(t *testing.T) {
	if p := check.Role("role", "member"); p != nil {
		t.Errorf("member: %v", p)
	}
	want := []string{"must be one of owner, admin, user_manager, member"}
	for _, v := range []string{"", "superuser", "Member"} {
		if got := messages(t, "role", check.Role("role", v)); !slices.Equal(got, want) {
			t.Errorf("Role(%q) = %q, want %q", v, got, want)
		}
	}
}

func TestTokenIsPresentBoundedTextAndNeverQuoted(t *testing.T) {
	const secret = "s3cr3t-value"
	tests := []struct {
		v    string
		want []string
	}{
		{secret, nil},
		{" ", nil}, // blank is the caller's to refuse, as white space may be part of a key
		{strings.Repeat("k", 16), nil},
		{"", []string{"is required and must not be empty"}},
		{strings.Repeat("k", 17), []string{"must be at most 16 bytes"}},
		{strings.Repeat("é", 9), []string{"must be at most 16 bytes"}},
		{secret[:4] + "\x00", []string{"must not contain control characters"}},
		{secret[:4] + "\n", []string{"must not contain control characters"}},
		{secret[:4] + "\xff", []string{"must not contain control characters"}},
	}
	for _, tt := range tests {
		got := messages(t, "key", check.Token("key", tt.v, 16))
		if !slices.Equal(got, tt.want) {
			t.Errorf("Token(%q) = %q, want %q", tt.v, got, tt.want)
		}
		for _, m := range got {
			if strings.Contains(m, secret[:4]) {
				t.Errorf("message %q quotes the value", m)
			}
		}
	}
}

func TestLengthCountsCharactersAndSizeCountsBytes(t *testing.T) {
	tests := []struct {
		name string
		got  []fault.FieldError
		want []string
	}{
		{"length at the limit", check.Length("f", strings.Repeat("é", 3), 3), nil},
		{"length over", check.Length("f", strings.Repeat("é", 4), 3), []string{"must be at most 3 characters"}},
		{"size at the limit", check.Size("f", "abc", 3), nil},
		{"size over in bytes", check.Size("f", "éa", 2), []string{"must be at most 2 bytes"}},
		{"too long", check.TooLong("f", 32), []string{"must be at most 32 characters"}},
		{"missing", check.Missing("f"), []string{"is required and must not be empty"}},
	}
	for _, tt := range tests {
		if got := messages(t, "f", tt.got); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestUIDIsTheDialectsIDPattern(t *testing.T) {
	for _, v := range []string{"a", "usr_2-X", strings.Repeat("u", check.MaxUID)} {
		if !check.UID(v) {
			t.Errorf("UID(%q) = false, want true", v)
		}
	}
	for _, v := range []string{"", strings.Repeat("u", check.MaxUID+1), "a b", "a.b", "a#b", "é", "a\x00"} {
		if check.UID(v) {
			t.Errorf("UID(%q) = true, want false", v)
		}
	}
}
