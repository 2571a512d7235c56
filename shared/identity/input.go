package identity

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"roster/shared/check"
	"roster/shared/fault"
	"roster/shared/password"
	"roster/shared/web"
)

// Limits on input, documented in docs/api/identity.md.
const (
	maxBody      = 16 << 10 // bytes per request body
	maxEmptyBody = 64       // bytes a route that takes no body still reads
	maxName      = 64       // characters of an organization or tenant name in a path
	maxText      = 100      // characters of a group name

	maxPasswordBytes = password.MaxInputBytes // the hasher refuses longer
)

// decode reads a request body strictly (web.Decode: JSON media type, size
// limit, no unknown fields, no wrong types) and runs its validation. A
// failure is restated in the API's terms: keyed by the JSON field, as a
// sentence with the path, line and position where the body went wrong.
func decode[T web.Validator](r *http.Request) (T, error) {
	rec := record(r)
	v, err := web.Decode[T](r, maxBody)
	if err != nil {
		err = restate(err, rec.bytes())
	}
	rec.release(r)
	if err != nil {
		return v, err
	}
	return v, fault.InvalidFields(v.Valid(r.Context()))
}

// recorder is a request body that keeps a copy of what is read from it,
// as an io.TeeReader into a buffer would, for restate to quote. Recorders
// are pooled: one serves request after request without allocating.
type recorder struct {
	body io.ReadCloser
	seen []byte
}

func (b *recorder) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	b.seen = append(b.seen, p[:n]...)
	return n, err
}

func (b *recorder) Close() error { return b.body.Close() }

var recorders = sync.Pool{New: func() any { return new(recorder) }}

// maxPooledSeen is the largest copy a pooled recorder keeps room for; a
// body is at most maxBody, and what the size limit reads past it.
const maxPooledSeen = 2 * maxBody

// record starts recording r's body, if it has one: r.Body becomes a
// recorder until release.
func record(r *http.Request) *recorder {
	if r.Body == nil {
		return nil
	}
	rec := recorders.Get().(*recorder)
	rec.body, r.Body = r.Body, rec
	return rec
}

// bytes returns what has been read so far; it is valid until release.
func (b *recorder) bytes() []byte {
	if b == nil {
		return nil
	}
	return b.seen
}

// release gives r its own body back and the recorder back to the pool.
// Only restate reads the copy, and what it builds from it are strings, so
// nothing refers to the recorder afterwards.
func (b *recorder) release(r *http.Request) {
	if b == nil {
		return
	}
	if r.Body == b {
		r.Body = b.body
	}
	b.body = nil
	if cap(b.seen) > maxPooledSeen {
		b.seen = nil
	}
	b.seen = b.seen[:0]
	recorders.Put(b)
}

// restate rewrites web.Decode's Invalid errors, which body holds the
// bytes of; others (413, 415) are kept.
func restate(err error, body []byte) error {
	fe := fault.As(err)
	if fe.Code != fault.Invalid || len(fe.Fields) != 1 {
		return err
	}
	field, msg := fe.Fields[0].Field, fe.Fields[0].Message
	var (
		ute *json.UnmarshalTypeError
		se  *json.SyntaxError
	)
	switch {
	case errors.As(err, &ute):
		path, member := locate(body, ute.Offset)
		if member == "" {
			member, _, _ = strings.Cut(ute.Field, ".")
		}
		if member == "" {
			member = bodyField
		}
		msg = fmt.Sprintf("The value of %s %s, not %s. %s.", path, msg, jsonKind(ute.Value), where(body, ute.Offset, path))
		return invalid(err, member, msg)
	case errors.As(err, &se):
		path, member := locate(body, se.Offset)
		if member == "" {
			return invalid(err, bodyField, fmt.Sprintf("The request body is not valid JSON: %s. %s.", se.Error(), where(body, se.Offset, path)))
		}
		return invalid(err, member, fmt.Sprintf("The value of %s is not valid JSON: %s. %s.", path, se.Error(), where(body, se.Offset, path)))
	case errors.Is(err, io.ErrUnexpectedEOF):
		path, _ := locate(body, int64(len(body)))
		return invalid(err, bodyField, fmt.Sprintf("The request body is not valid JSON: it ends unexpectedly. %s.", where(body, int64(len(body)), path)))
	case strings.HasPrefix(msg, "is not a known field"):
		return invalid(err, field, fmt.Sprintf("'%s' is not a field of this request (field names are case-sensitive). Path '%s'.", field, field))
	case field == "body":
		return invalid(err, bodyField, sentence(bodyField, msg))
	}
	return err
}

func invalid(cause error, field, msg string) error {
	return &fault.Error{Code: fault.Invalid, Message: "The request has invalid fields.", Fields: []fault.FieldError{{Field: field, Message: msg}}, Err: cause}
}

// jsonKind names the kind of JSON value encoding/json reports.
func jsonKind(v string) string {
	switch v {
	case "bool":
		return "a boolean"
	case "array", "object":
		return "an " + v
	case "string", "number":
		return "a " + v
	}
	if n, ok := strings.CutPrefix(v, "number "); ok {
		return "the number " + n
	}
	return v
}

// where says where in body offset lies, as the API's messages do:
// "Path 'bypassBasicAuthRestriction', line 1, position 40". Positions
// count characters from 1.
func where(body []byte, offset int64, path string) string {
	off := int(min(max(offset, 0), int64(len(body))))
	line := 1 + bytes.Count(body[:off], []byte("\n"))
	start := bytes.LastIndexByte(body[:off], '\n') + 1
	return fmt.Sprintf("Path '%s', line %d, position %d", path, line, utf8.RuneCount(body[start:off]))
}

// locate finds which value of body offset falls in: its JSON path
// ("groupIDsToAdd[1]", or "$" for the body itself) and the top-level
// member it belongs to ("" for none). offset is where encoding/json
// reported a problem: at or after the value of the wrong type, or where a
// syntax error stopped reading.
func locate(body []byte, offset int64) (path, member string) {
	type frame struct {
		array  bool
		key    string // object: the member whose value is read next, once hasKey
		hasKey bool
		index  int // array: the element read next
	}
	var stack []frame
	current := func() (string, string) {
		var b strings.Builder
		b.WriteString(bodyField)
		for _, f := range stack {
			switch {
			case f.array:
				b.WriteString("[" + strconv.Itoa(f.index) + "]")
			case f.hasKey:
				b.WriteString("." + f.key)
			}
		}
		p := b.String()
		if len(stack) > 0 && !stack[0].array && stack[0].hasKey {
			// The API writes paths from the root object's members.
			return strings.TrimPrefix(p, bodyField+"."), stack[0].key
		}
		return p, ""
	}
	done := func() { // the value current names has been read
		if len(stack) == 0 {
			return
		}
		if top := &stack[len(stack)-1]; top.array {
			top.index++
		} else {
			top.hasKey = false
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	for {
		path, member = current()
		tok, err := dec.Token()
		if err != nil {
			return path, member
		}
		switch t := tok.(type) {
		case json.Delim:
			if t == '{' || t == '[' {
				if dec.InputOffset() >= offset {
					return path, member
				}
				stack = append(stack, frame{array: t == '['})
				continue
			}
			stack = stack[:len(stack)-1]
			if path, member = current(); dec.InputOffset() >= offset {
				return path, member
			}
			done()
			continue
		case string:
			if top := len(stack) - 1; top >= 0 && !stack[top].array && !stack[top].hasKey {
				stack[top].key, stack[top].hasKey = t, true
				continue
			}
		}
		if dec.InputOffset() >= offset {
			return path, member
		}
		done()
	}
}

// noBody accepts a request without a body, or with an empty JSON object
// (web.NoBody); what it refuses is restated as decode restates it.
func noBody(r *http.Request) error {
	var rec *recorder
	if r.Body != nil && r.Body != http.NoBody {
		// web.NoBody may leave r.Body a reader over the recorder, so this
		// one is not pooled.
		rec = &recorder{body: r.Body}
		r.Body = rec
	}
	if err := web.NoBody(r, maxEmptyBody); err != nil {
		return restate(err, rec.bytes())
	}
	return nil
}

// ifVersion reads an optional If-Match as the user version a change or
// delete applies to: 0 when there is none (or "*"). The API has no ETags
// of its own, but the users group's ETag of a user is its version, "3";
// any other spelling, or a weak tag, can never match and is 412 at once.
func ifVersion(h http.Header) (int64, error) { return web.IfMatchVersion(h, errStale, "") }

// errStale answers an If-Match that names no version the user can have.
var errStale = fault.New(fault.PreconditionFailed, "The user has changed since you read it (If-Match does not match); read it again and retry.")

// checkName checks an organization or tenant name in a path.
func checkName(field, v string) []fault.FieldError {
	if len(v) == 0 || len(v) > maxName || !check.Alnum(v, "_.-") {
		return []fault.FieldError{{Field: field, Message: "must be 1 to 64 characters, each a letter, a digit, '_', '.' or '-'"}}
	}
	return nil
}

// checkID checks a user or group id.
func checkID(field, v string) []fault.FieldError {
	if !check.UID(v) {
		return []fault.FieldError{{Field: field, Message: "must be 1 to 64 characters, each a letter, a digit, '_' or '-'"}}
	}
	return nil
}

// checkIDs checks a list of ids: at most max, each well-formed, none twice.
func checkIDs(field string, ids []string, max int) []fault.FieldError {
	if len(ids) > max {
		return []fault.FieldError{{Field: field, Message: "must list at most " + strconv.Itoa(max) + " ids"}}
	}
	seen := make(map[string]int, len(ids))
	for i, id := range ids {
		if !check.UID(id) {
			return []fault.FieldError{{Field: field, Message: fmt.Sprintf("must list only ids of 1 to 64 characters, each a letter, a digit, '_' or '-' (%s[%d] is not one)", field, i)}}
		}
		if j, dup := seen[id]; dup {
			return []fault.FieldError{{Field: field, Message: fmt.Sprintf("must list each id once (%s[%d] repeats %s[%d])", field, i, field, j)}}
		}
		seen[id] = i
	}
	return nil
}
