package store

import (
	"slices"
	"strings"
	"testing"
	"time"

	"roster/shared/directory"
	"roster/shared/user"
)

func TestFoldSearchTextComparesAsPeopleRead(t *testing.T) {
	tests := []struct{ in, want string }{
		{"  Ada LOVELACE ", "ada lovelace"},
		{"GRÂCE", "grâce"},
		{"a\tb\x00c\u0085d", "abcd"},
		{"x" + string(rune(0x10FFFF)) + "y", "xy"},
		{strings.Repeat("é", 300), strings.Repeat("é", 256)}, // 512 bytes, cut on a character
	}
	for _, tt := range tests {
		if got := directory.FoldSearchText(tt.in); got != tt.want {
			t.Errorf("directory.FoldSearchText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSearchKeysSortAsTheirValuesDo(t *testing.T) {
	id := strings.Repeat("2", 26)
	keys := []string{textKey("Anne Marie", id), textKey("anne", id), textKey("", id), textKey("Anne-Sophie", id), textKey("Zoë", id)}
	slices.Sort(keys)
	var got []string
	for _, k := range keys {
		got = append(got, keyValue(k))
	}
	if want := []string{"", "anne", "anne marie", "anne-sophie", "zoë"}; !slices.Equal(got, want) {
		t.Errorf("order %q, want %q", got, want)
	}
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	times := []time.Time{base.Add(time.Second), base.Add(999 * time.Millisecond), base, base.Add(10 * time.Millisecond), base.Add(time.Hour)}
	var tkeys []string
	for _, at := range times {
		tkeys = append(tkeys, timeKey(at, id))
	}
	slices.Sort(tkeys)
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	for i, at := range times {
		if tkeys[i] != timeKey(at, id) {
			t.Fatalf("time keys sort as %q", tkeys)
		}
	}
	// A prefix range [v, v+prefixEnd] holds every key of value v.
	for _, k := range keys {
		if v := keyValue(k); !strings.HasSuffix(k, keySep+id) || k < v || k > v+prefixEnd {
			t.Errorf("key %q is outside its prefix range", k)
		}
	}
}

func TestIDBoundsBracketTheIDsOfTheirMillisecond(t *testing.T) {
	for range 100 {
		before := time.Now()
		id := user.NewID()
		after := time.Now()
		if lo, hi := idBound(before, 0x00), idBound(after, 0xff); id < lo || id > hi || !validID(id) || !validID(lo) || !validID(hi) {
			t.Fatalf("id %s outside [%s, %s]", id, lo, hi)
		}
	}
	at := time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)
	if idBound(at, 0xff) >= idBound(at.Add(time.Millisecond), 0x00) {
		t.Error("the bounds of two milliseconds overlap")
	}
}

func TestAPlanIsIndexedOnlyWhenItsKeyConditionServesEveryCondition(t *testing.T) {
	day := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		q       directory.UserSearch
		streams int
		indexed bool
	}{
		{directory.UserSearch{}, 1, true},
		{directory.UserSearch{Order: directory.ByUsername, Word: "al"}, 1, true},
		{directory.UserSearch{Order: directory.ByMatch, Word: "al"}, 4, true},
		{directory.UserSearch{Order: directory.ByMatch}, 1, true},
		{directory.UserSearch{Order: directory.ByCreated, From: day}, 1, true},
		{directory.UserSearch{Order: directory.ByUpdated, DateField: directory.Updated, To: day}, 1, true},
		{directory.UserSearch{Order: directory.ByCreated, DateField: directory.Updated, To: day}, 1, false},
		{directory.UserSearch{Order: directory.ByUsername, From: day}, 1, false},
		{directory.UserSearch{Order: directory.ByUsername, Word: "al", Contains: true}, 1, false},
		{directory.UserSearch{Order: directory.ByCreated, Word: "al"}, 1, false},
		{directory.UserSearch{Order: directory.ByMatch, Word: "al", LoginProfileID: 2}, 4, false},
		{directory.UserSearch{Order: directory.ByMatch, Word: "al", From: day}, 4, false},
	}
	for _, tt := range tests {
		p := newPlan(tt.q)
		if len(p.streams) != tt.streams || p.indexed != tt.indexed {
			t.Errorf("%+v: %d streams, indexed %t; want %d, %t", tt.q, len(p.streams), p.indexed, tt.streams, tt.indexed)
		}
	}
}
