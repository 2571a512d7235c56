package user_test

import (
	"slices"
	"strings"
	"testing"

	"roster/shared/fault"
	"roster/shared/user"
)

const (
	required = "is required and must not be empty"
	blank    = "is required and must not be blank"
	control  = "must not contain control characters"
	email    = "must be an email address such as name@example.com"
	spaces   = "must not contain spaces or control characters"
	scripts  = "must not mix scripts (such as Latin with Cyrillic)"
)

func TestFieldRulesAcceptGoodInputAndNameWhatIsWrongWithBadInput(t *testing.T) {
	long := func(n int) string { return strings.Repeat("é", n) } // n characters, 2n bytes
	tests := []struct {
		rule  string
		check func(field, v string) []fault.FieldError
		v     string
		want  []string // nil: accepted
	}{
		{"username", user.CheckUsername, "ada.lovelace@example.com", nil},
		{"username", user.CheckUsername, long(user.MaxUsername), nil},
		{"username", user.CheckUsername, "", []string{required}},
		{"username", user.CheckUsername, " \t", []string{required}},
		{"username", user.CheckUsername, long(user.MaxUsername + 1), []string{"must be at most 128 characters"}},
		{"username", user.CheckUsername, "ada lovelace", []string{spaces}},
		{"username", user.CheckUsername, "ada\u00a0lovelace", []string{spaces}},
		{"username", user.CheckUsername, "ada\x00", []string{spaces}},
		{"username", user.CheckUsername, "ada\x7f", []string{spaces}},
		{"username", user.CheckUsername, "ada\xff", []string{spaces}},
		{"username", user.CheckUsername, "ada\u200blovelace", []string{spaces}}, // zero-width space: invisible
		{"username", user.CheckUsername, "ada\u00adlovelace", []string{spaces}}, // soft hyphen: invisible
		{"username", user.CheckUsername, "ad\u00e9le", nil},                     // letters beyond ASCII are welcome
		// UTS 39 Highly Restrictive: one script, or Latin with Han and one
		// of kana, Hangul or Bopomofo; digits and punctuation go with any.
		{"username", user.CheckUsername, "p\u0430ypal", []string{scripts}}, // Cyrillic а among Latin
		{"username", user.CheckUsername, "\u0440aypal", []string{scripts}}, // Cyrillic р among Latin
		{"username", user.CheckUsername, "\u0391\u0392\u0393def", []string{scripts}},
		{"username", user.CheckUsername, "たなか김", []string{scripts}}, // kana with Hangul
		{"username", user.CheckUsername, "иван_ἀλέξανδρος", []string{scripts}},
		{"username", user.CheckUsername, "p\u0430ypal@example.com", []string{scripts}},
		{"username", user.CheckUsername, "paypal@p\u0430ypal.com", []string{scripts}},
		{"username", user.CheckUsername, "ada", nil},
		{"username", user.CheckUsername, "jos\u00e9", nil},
		{"username", user.CheckUsername, "jose\u0301", nil}, // a combining accent goes with any script
		{"username", user.CheckUsername, "ｐａｙｐａｌ", nil},     // full-width Latin is Latin
		{"username", user.CheckUsername, "山田", nil},
		{"username", user.CheckUsername, "tanaka山田", nil},
		{"username", user.CheckUsername, "山田たなかタナカ_01", nil},
		{"username", user.CheckUsername, "김山田", nil},
		{"username", user.CheckUsername, "Αλέξανδρος", nil},
		{"username", user.CheckUsername, "иван.петров-1987", nil},
		{"username", user.CheckUsername, "محمد٢٠٢٤", nil},
		{"username", user.CheckUsername, "иван@пример.рф", nil},
		{"username", user.CheckUsername, "ivan@пример.com", nil}, // each part on its own

		{"email", user.CheckEmail, "ada@example.com", nil},
		{"email", user.CheckEmail, "", []string{required}},
		{"email", user.CheckEmail, "a@" + strings.Repeat("b", 248) + ".com", nil},
		{"email", user.CheckEmail, "a@" + strings.Repeat("b", 249) + ".com", []string{"must be at most 254 bytes"}},
		{"email", user.CheckEmail, " ada@example.com", []string{email}},
		{"email", user.CheckEmail, "Ada <ada@example.com>", []string{email}},
		{"email", user.CheckEmail, "ada@localhost", []string{email}},
		{"email", user.CheckEmail, "ada@exa\x00mple.com", []string{email}},
		{"email", user.CheckEmail, "ada@exa\xffmple.com", []string{email}},
		{"email", user.CheckEmail, "a@example.com, b@example.com", []string{email}},
		{"email", user.CheckEmail, "ada\u200b@example.com", []string{email}}, // zero-width space: invisible
		{"email", user.CheckEmail, "ada@exam\u00adple.com", []string{email}}, // soft hyphen: invisible
		{"email", user.CheckEmail, "josé@bücher.example", nil},               // letters beyond ASCII are welcome
		{"email", user.CheckEmail, "p\u0430ypal@example.com", []string{scripts}},
		{"email", user.CheckEmail, "ada@p\u0430ypal.com", []string{scripts}},
		{"email", user.CheckEmail, "иван@пример.рф", nil},
		{"email", user.CheckEmail, "иван@пример.com", nil},
		{"email", user.CheckEmail, "tanaka山田@example.jp", nil},
		{"email", user.CheckEmail, "αλέξανδρος@παράδειγμα.ελ", nil},
		{"optional email", user.CheckOptionalEmail, " p\u0430ypal@example.com ", []string{scripts}},

		{"optional email", user.CheckOptionalEmail, "", nil},
		{"optional email", user.CheckOptionalEmail, "  ", nil},
		{"optional email", user.CheckOptionalEmail, " ada@example.com ", nil},
		{"optional email", user.CheckOptionalEmail, "not an address", []string{email}},

		{"required name", requiredName, "Ada", nil},
		{"required name", requiredName, long(user.MaxName), nil},
		{"required name", requiredName, "", []string{blank}},
		{"required name", requiredName, " \t ", []string{blank}},
		{"required name", requiredName, long(user.MaxName + 1), []string{"must be at most 100 characters"}},
		{"required name", requiredName, "Ada\nLovelace", []string{control}},
		{"required name", requiredName, "Ada\x00", []string{control}},
		{"required name", requiredName, "Ada\xff", []string{control}},
		{"optional name", optionalName, "", nil},
		{"optional name", optionalName, "  ", nil},
		{"optional name", optionalName, "Ada\u0007", []string{control}},

		{"LDAP user name", user.CheckLDAPUserName, "", nil},
		{"LDAP user name", user.CheckLDAPUserName, `CORP\ada`, nil},
		{"LDAP user name", user.CheckLDAPUserName, long(user.MaxLDAPUserName + 1), []string{"must be at most 256 characters"}},
		{"LDAP user name", user.CheckLDAPUserName, "ada\t", []string{control}},

		{"role", user.CheckRole, "member", nil},
		{"role", user.CheckRole, "owner", nil},
		{"role", user.CheckRole, "", []string{"must be one of owner, admin, user_manager, member"}},
		{"role", user.CheckRole, "Owner", []string{"must be one of owner, admin, user_manager, member"}},

		{"mobile", user.CheckMobile, "", nil},
		{"mobile", user.CheckMobile, "+47 912 34 567", nil},
		{"mobile", user.CheckMobile, "+1 (202) 555-0100", nil},
		{"mobile", user.CheckMobile, "123", nil},
		{"mobile", user.CheckMobile, "12", []string{"must be a phone number such as +47 912 34 567"}},
		{"mobile", user.CheckMobile, "1234567890123456", []string{"must be a phone number such as +47 912 34 567"}},
		{"mobile", user.CheckMobile, "12+34", []string{"must be a phone number such as +47 912 34 567"}},
		{"mobile", user.CheckMobile, "call me", []string{"must be a phone number such as +47 912 34 567"}},
		{"mobile", user.CheckMobile, "123\x00", []string{"must be a phone number such as +47 912 34 567"}},
		{"mobile", user.CheckMobile, strings.Repeat("1 ", 17), []string{"must be at most 32 characters"}},

		{"language", user.CheckLanguage, "en", nil},
		{"language", user.CheckLanguage, "nb", nil},
		{"language", user.CheckLanguage, "", []string{"must be an ISO 639-1 code: two lower-case letters such as en"}},
		{"language", user.CheckLanguage, "EN", []string{"must be an ISO 639-1 code: two lower-case letters such as en"}},
		{"language", user.CheckLanguage, "xx", []string{"must be an ISO 639-1 code: two lower-case letters such as en"}},
		{"language", user.CheckLanguage, "eng", []string{"must be an ISO 639-1 code: two lower-case letters such as en"}},
		{"language", user.CheckLanguage, "n ", []string{"must be an ISO 639-1 code: two lower-case letters such as en"}},

		{"store id", user.CheckStoreID, "", nil},
		{"store id", user.CheckStoreID, "store-1_b", nil},
		{"store id", user.CheckStoreID, strings.Repeat("s", user.MaxStoreID), nil},
		{"store id", user.CheckStoreID, strings.Repeat("s", user.MaxStoreID+1), []string{"must be at most 64 characters"}},
		{"store id", user.CheckStoreID, "store 1", []string{"must contain only letters, digits, - and _ (pattern ^[A-Za-z0-9-_]+)"}},
		{"store id", user.CheckStoreID, "store\x00", []string{"must contain only letters, digits, - and _ (pattern ^[A-Za-z0-9-_]+)"}},
	}
	for _, tt := range tests {
		name := tt.rule + " " + strings.ToValidUTF8(tt.v, "?")
		if len(name) > 60 {
			name = name[:60]
		}
		t.Run(name, func(t *testing.T) {
			// The field comes back under the name the dialect gave it.
			const field = "dialect.field"
			var want []fault.FieldError
			for _, m := range tt.want {
				want = append(want, fault.FieldError{Field: field, Message: m})
			}
			if got := tt.check(field, tt.v); !slices.Equal(got, want) {
				t.Errorf("%s(%q) = %+v, want %+v", tt.rule, tt.v, got, want)
			}
		})
	}
}

func requiredName(field, v string) []fault.FieldError { return user.CheckName(field, v, true) }
func optionalName(field, v string) []fault.FieldError { return user.CheckName(field, v, false) }

func TestLanguageCodesAreTheISO6391SetInLowerCase(t *testing.T) {
	for _, c := range []string{"aa", "en", "de", "zh", "zu", "nb", "nn"} {
		if !user.ValidLanguage(c) {
			t.Errorf("%q refused", c)
		}
	}
	// "a " and " z" would match the list's spacing if codes were found by
	// substring alone.
	for _, c := range []string{"", "EN", "eng", "xx", "e", "iw", "a ", " a", "a a", "u ug"} {
		if user.ValidLanguage(c) {
			t.Errorf("%q accepted", c)
		}
	}
}
