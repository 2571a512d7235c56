package user

import (
	"regexp"
	"slices"
	"testing"
	"time"
)

func TestNewIDsSortByCreationTimeAndFitTheUIDPattern(t *testing.T) {
	pattern := regexp.MustCompile(`^[a-z2-7]{26}$`)
	base := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	var ids []string
	for i := range 50 {
		id := newIDAt(base.Add(time.Duration(i) * time.Millisecond))
		if !pattern.MatchString(id) {
			t.Fatalf("id %q does not match %s", id, pattern)
		}
		ids = append(ids, id)
	}
	if !slices.IsSorted(ids) {
		t.Fatalf("ids made in time order do not sort in time order: %v", ids)
	}
	if NewID() == NewID() {
		t.Fatal("two ids are equal")
	}
}

func TestNewNumbersGrowWithTimeAndStayBelowTwoToThe53(t *testing.T) {
	early := NewNumber(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	late := NewNumber(time.Date(2025, 1, 1, 0, 0, 1, 0, time.UTC))
	if late <= early {
		t.Fatalf("number a second later (%d) is not larger than %d", late, early)
	}
	if far := NewNumber(time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)); far >= 1<<53 {
		t.Fatalf("number in 2200 is %d, not below 2^53", far)
	}
}

func TestLookAlikesNormalizeToOneKey(t *testing.T) {
	for _, tc := range []struct{ a, b string }{
		{"ada", "ＡＤＡ"},                     // full-width
		{"José", "Jose\u0301"},             // composed and combining accent
		{"Ada.Lovelace", " ada.lovelace "}, // case and surrounding space
	} {
		if x, y := NormalizeUsername(tc.a), NormalizeUsername(tc.b); x != y {
			t.Errorf("usernames %q and %q normalise to %q and %q", tc.a, tc.b, x, y)
		}
	}
	for _, tc := range []struct{ a, b string }{
		{"ada@example.com", "ＡＤＡ@ＥＸＡＭＰＬＥ.com"},         // full-width local part and domain
		{"josé@example.com", "jose\u0301@example.com"}, // combining accent
		{"ada@bücher.example", "ada@xn--bcher-kva.example"},
		{"ada@Bücher.Example", "ADA@XN--BCHER-KVA.EXAMPLE"},
	} {
		if x, y := NormalizeEmail(tc.a), NormalizeEmail(tc.b); x != y {
			t.Errorf("emails %q and %q normalise to %q and %q", tc.a, tc.b, x, y)
		}
	}
	// Different people stay different.
	if NormalizeUsername("ada") == NormalizeUsername("adà") {
		t.Error("ada and adà normalise to one name")
	}
}
