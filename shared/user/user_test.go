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
