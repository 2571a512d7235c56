// Package fault owns Roster's error type: every failure that can reach a
// caller carries a Code, and the HTTP layer maps codes to statuses in exactly
// one place (web.StatusOf). Internal detail stays in the wrapped error and the
// logs; only Message and Fields are ever shown to a caller.
package fault

import (
	"errors"
	"fmt"
	"time"
)

// Code classifies a failure by what the caller can do about it.
type Code string

// The codes every layer may return.
const (
	Invalid            Code = "invalid"             // the input is wrong; Fields say where
	Unauthorized       Code = "unauthorized"        // no valid credentials
	Forbidden          Code = "forbidden"           // valid credentials, not allowed
	NotFound           Code = "not_found"           // no such thing (or not visible to the caller)
	Conflict           Code = "conflict"            // clashes with current state (duplicate, stale version)
	PreconditionFailed Code = "precondition_failed" // If-Match did not match
	MethodNotAllowed   Code = "method_not_allowed"  // the path exists but not for this method
	TooLarge           Code = "too_large"           // the request body is over its limit
	Unsupported        Code = "unsupported"         // the request media type is not JSON
	TooManyRequests    Code = "too_many_requests"   // the caller spent a limit; retry after Error.RetryAfter
	Unavailable        Code = "unavailable"         // a dependency is throttling or down; retry later
	Internal           Code = "internal"            // a bug or an unexpected dependency failure
)

// FieldError names one input field and what is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is a coded failure. Message is safe to show to the caller; Err is
// the internal cause and is only logged.
type Error struct {
	Code    Code
	Message string
	Fields  []FieldError
	// RetryAfter, when positive, is how long the caller should wait before
	// trying again (the Retry-After of a TooManyRequests answer); it is
	// safe to show.
	RetryAfter time.Duration
	Err        error
}

// Error describes the failure for logs, including the internal cause.
func (e *Error) Error() string {
	msg := string(e.Code)
	if e.Message != "" {
		msg += ": " + e.Message
	}
	for _, f := range e.Fields {
		msg += fmt.Sprintf(" [%s: %s]", f.Field, f.Message)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the internal cause.
func (e *Error) Unwrap() error { return e.Err }

// New returns an error with a code and a caller-safe message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an error with a code and message whose internal cause is err.
func Wrap(err error, code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// InvalidField returns an Invalid error about one field.
func InvalidField(field, message string) *Error {
	return &Error{Code: Invalid, Message: "The request has invalid fields.", Fields: []FieldError{{Field: field, Message: message}}}
}

// InvalidFields returns an Invalid error listing every field problem, or nil
// when there are none, so validators can end with `return fault.InvalidFields(p)`.
func InvalidFields(problems []FieldError) error {
	if len(problems) == 0 {
		return nil
	}
	return &Error{Code: Invalid, Message: "The request has invalid fields.", Fields: problems}
}

// CodeOf returns the code of the first *Error in err's chain, Internal when
// there is none, and "" for a nil error.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// As returns the first *Error in err's chain, or an Internal error wrapping
// err when it carries no code.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: Internal, Message: "An internal error occurred.", Err: err}
}

// RenameFields returns err with each field it names replaced by rename's
// answer, so a dialect can report the field by the name its caller sent
// (the domain says "email", one API says "userEmail"). err itself is not
// changed; an error naming no fields is returned as it is.
func RenameFields(err error, rename func(field string) string) error {
	f := As(err)
	if len(f.Fields) == 0 {
		return err
	}
	out := *f
	out.Fields = make([]FieldError, len(f.Fields))
	for i, fe := range f.Fields {
		fe.Field = rename(fe.Field)
		out.Fields[i] = fe
	}
	return &out
}

// Names returns a rename function for RenameFields that looks fields up in
// names and keeps those it does not list.
func Names(names map[string]string) func(string) string {
	return func(field string) string {
		if n, ok := names[field]; ok {
			return n
		}
		return field
	}
}
