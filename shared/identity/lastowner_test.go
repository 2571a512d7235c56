package identity_test

import (
	"errors"
	"strings"
	"testing"

	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/web/webtest"
)

func TestDeactivatingTheLastOwnerIsAConflictNamingIsActive(t *testing.T) {
	f := failing(t, &fault.Error{Code: fault.Conflict, Err: errors.Join(directory.ErrLastOwner, errors.New("cancelled")),
		Message: "The user is the tenant's last active owner: make another owner before it is deactivated.",
		Fields:  []fault.FieldError{{Field: "active", Message: "would leave the tenant without an active owner"}}})
	p := webtest.AssertTraceProblem(t, do(t, f, request{Method: "PUT", Target: acme + "/User/her-1909", Body: `{"isActive":false}`, As: &owner}), 409)
	if !strings.Contains(p.Detail, "last active owner") || !strings.Contains(p.Detail, "isActive would leave") {
		t.Errorf("detail %q, want the last owner and isActive named", p.Detail)
	}
	if strings.Contains(p.Detail, "cancelled") {
		t.Errorf("detail %q leaks the cause", p.Detail)
	}
}
