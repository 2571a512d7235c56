package webtest

import (
	"errors"
	"testing"
)

// Recorder is a fake's record of the methods called on it ([Calls]).
type Recorder interface{ Names() []string }

// CheckServiceErrors checks how the route named name passes on its
// service's errors, which serve makes the service return: each code of
// [ServiceFaults] with its status and message ([AssertFault]), the
// service called as calls lists, and an error without a code as a
// generic 500 whose cause is logged, never shown ([AssertInternal]).
func CheckServiceErrors(t *testing.T, name string, serve func(t *testing.T, err error) (Response, Recorder), calls ...string) {
	t.Helper()
	for _, code := range ServiceFaults() {
		t.Run(name+"/"+string(code), func(t *testing.T) {
			res, f := serve(t, Fault(code))
			AssertFault(t, res, code)
			AssertCalls(t, f, calls...)
		})
	}
	t.Run(name+"/without a code", func(t *testing.T) {
		cause := errors.New("dynamodb: table roster-prod access denied")
		res, _ := serve(t, cause)
		AssertInternal(t, res, cause)
	})
}

// CheckBadBodies sends each case to the route named name through serve
// and checks its answer: the problem naming c.Field, or only c.Status
// where the case names no field, and no call to the service.
func CheckBadBodies(t *testing.T, name string, cases []BadBody, serve func(t *testing.T, c BadBody) (Response, Recorder)) {
	t.Helper()
	for _, c := range cases {
		t.Run(name+"/"+c.Name, func(t *testing.T) {
			res, f := serve(t, c)
			if c.Field == "" {
				if res.Code != c.Status {
					t.Fatalf("status %d, want %d; body %s", res.Code, c.Status, res.Body)
				}
			} else {
				AssertProblem(t, res, c.Status, c.Field)
			}
			AssertCalls(t, f)
		})
	}
}

// CheckRefusedParam sends each value of the path parameter param to the
// route named name through serve and checks the 400 problem naming param,
// with no call to the service.
func CheckRefusedParam(t *testing.T, name, param string, values []string, serve func(t *testing.T, value string) (Response, Recorder)) {
	t.Helper()
	for _, v := range values {
		t.Run(name+"/"+v, func(t *testing.T) {
			res, f := serve(t, v)
			AssertProblem(t, res, 400, param)
			AssertCalls(t, f)
		})
	}
}
