package web_test

import (
	"errors"
	"net/http"
	"testing"

	"roster/shared/fault"
	"roster/shared/web"
)

func TestIfMatchVersionReadsWhatETagWrites(t *testing.T) {
	for _, v := range []int64{1, 7, 1 << 40} {
		h := http.Header{"If-Match": {web.ETag(v)}}
		if got, err := web.IfMatchVersion(h, errors.New("stale"), ""); err != nil || got != v {
			t.Errorf("If-Match %s: %d, %v; want %d", web.ETag(v), got, err, v)
		}
	}
}

func TestIfMatchVersion(t *testing.T) {
	stale := fault.New(fault.PreconditionFailed, "stale")
	tests := []struct {
		name    string
		values  []string
		hint    string
		version int64
		stale   bool
		message string // of the 400 naming If-Match
	}{
		{name: "no header"},
		{name: "any version", values: []string{"*"}},
		{name: "a version", values: []string{` "3" `}, version: 3},
		{name: "weak", values: []string{`W/"3"`}, stale: true},
		{name: "zero", values: []string{`"0"`}, stale: true},
		{name: "leading zero", values: []string{`"03"`}, stale: true},
		{name: "not a number", values: []string{`"abc"`}, stale: true},
		{name: "out of range", values: []string{`"99999999999999999999"`}, stale: true},
		{name: "two tags", values: []string{`"3", "4"`}, message: `must be a single entity tag, such as "3"`},
		{name: "two headers", values: []string{`"3"`, `"4"`}, hint: "from the ETag of a read",
			message: `must be a single entity tag, such as "3", from the ETag of a read`},
		{name: "unquoted", values: []string{`3`}, message: `must be an entity tag, such as "3"`},
		{name: "half quoted", values: []string{`"3`}, hint: "from the ETag of a read",
			message: `must be an entity tag, such as "3", from the ETag of a read`},
		{name: "quote inside", values: []string{`"a"b"`}, message: `must be an entity tag, such as "3"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := web.IfMatchVersion(http.Header{"If-Match": tt.values}, stale, tt.hint)
			switch {
			case tt.stale:
				if err != stale {
					t.Errorf("%d, %v; want the stale error", got, err)
				}
			case tt.message != "":
				f := fault.As(err)
				if f.Code != fault.Invalid || len(f.Fields) != 1 || f.Fields[0].Field != "If-Match" || f.Fields[0].Message != tt.message {
					t.Errorf("%v; want Invalid If-Match %q", err, tt.message)
				}
			default:
				if err != nil || got != tt.version {
					t.Errorf("%d, %v; want %d", got, err, tt.version)
				}
			}
		})
	}
}
