package webtest

import (
	"errors"
	"reflect"
	"slices"
	"testing"

	"roster/shared/fault"
)

// Fault returns a domain fault of code as a service returns it: a message
// a caller may see (The service said <code>.) over a cause that must stay
// internal.
func Fault(code fault.Code) error {
	return fault.Wrap(errors.New("cause that must stay internal"), code, "The service said %s.", code)
}

// ErrUnexpected is what a fake's method returns when the test gave it no
// behaviour.
var ErrUnexpected = errors.New("unexpected call")

// Calls is the record a fake keeps: embedded in the fake, it lists the
// methods called, in order, and fails the test on a call the test did not
// expect. A Calls without T, as a benchmark's fake has, keeps no record,
// so a long run does not grow it, and panics on an unexpected call.
type Calls struct {
	T     testing.TB
	names []string
}

// Called records a call of the named method; fn is the fake's behaviour
// for it. A nil fn fails the test and returns false, and the method then
// returns [ErrUnexpected].
func (c *Calls) Called(name string, fn any) bool {
	set := fn != nil && !reflect.ValueOf(fn).IsNil()
	if c.benchmark() {
		if !set {
			panic("unexpected call to " + name)
		}
		return true
	}
	c.names = append(c.names, name)
	if !set {
		c.T.Errorf("unexpected call to %s", name)
		return false
	}
	return true
}

// benchmark reports whether c has no test to fail, as when a benchmark
// builds its fake with a constructor given a nil *testing.T.
func (c *Calls) benchmark() bool {
	t, ok := c.T.(*testing.T)
	return c.T == nil || ok && t == nil
}

// Names returns the methods called, in order.
func (c *Calls) Names() []string { return slices.Clone(c.names) }

// AssertCalls checks the methods called on a fake, in order.
func AssertCalls(t testing.TB, f interface{ Names() []string }, want ...string) {
	t.Helper()
	got := f.Names()
	if got == nil {
		got = []string{}
	}
	if want == nil {
		want = []string{}
	}
	if !slices.Equal(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}
}
