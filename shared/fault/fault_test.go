package fault

import (
	"errors"
	"testing"
)

func TestRenameFieldsRenamesACopyAndKeepsTheCause(t *testing.T) {
	cause := errors.New("store said so")
	orig := &Error{Code: Conflict, Message: "taken", Err: cause,
		Fields: []FieldError{{Field: "email", Message: "is taken"}, {Field: "other", Message: "x"}}}
	got := As(RenameFields(orig, Names(map[string]string{"email": "userEmail"})))
	if got.Fields[0].Field != "userEmail" || got.Fields[1].Field != "other" {
		t.Fatalf("fields = %+v, want userEmail then other", got.Fields)
	}
	if orig.Fields[0].Field != "email" {
		t.Fatal("the original error was changed")
	}
	if got.Code != Conflict || !errors.Is(got, cause) {
		t.Fatalf("code %q or cause lost: %v", got.Code, got)
	}
}

func TestRenameFieldsLeavesErrorsWithoutFieldsAlone(t *testing.T) {
	plain := errors.New("boom")
	if RenameFields(plain, Names(nil)) != plain {
		t.Fatal("an error naming no fields must come back as it is")
	}
}
