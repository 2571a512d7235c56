// Package faulttest holds test assertions on coded errors (fault.Error),
// shared by the packages whose tests check which code and fields an
// operation refuses with.
package faulttest

import (
	"errors"
	"slices"
	"testing"

	"roster/shared/fault"
)

// Want fails the test unless err carries code and, for each given field, a
// field error naming it. It returns the error for further checks.
func Want(t testing.TB, err error, code fault.Code, fields ...string) *fault.Error {
	t.Helper()
	f := want(t, err, code)
	for _, name := range fields {
		if !slices.ContainsFunc(f.Fields, func(fe fault.FieldError) bool { return fe.Field == name }) {
			t.Fatalf("error fields = %+v, want one for %q", f.Fields, name)
		}
	}
	return f
}

// WantExactly is Want where the error must name exactly the given fields
// (in any order) when any are given.
func WantExactly(t testing.TB, err error, code fault.Code, fields ...string) *fault.Error {
	t.Helper()
	f := want(t, err, code)
	if len(fields) == 0 {
		return f
	}
	got := map[string]bool{}
	for _, fe := range f.Fields {
		got[fe.Field] = true
	}
	want := map[string]bool{}
	for _, name := range fields {
		want[name] = true
	}
	if len(got) != len(want) {
		t.Fatalf("error fields = %+v, want exactly %v", f.Fields, fields)
	}
	for name := range want {
		if !got[name] {
			t.Fatalf("error fields = %+v, want exactly %v", f.Fields, fields)
		}
	}
	return f
}

func want(t testing.TB, err error, code fault.Code) *fault.Error {
	t.Helper()
	if got := fault.CodeOf(err); got != code {
		t.Fatalf("error code = %q, want %q (err: %v)", got, code, err)
	}
	var f *fault.Error
	if !errors.As(err, &f) {
		t.Fatalf("error %v is not a *fault.Error", err)
	}
	return f
}
