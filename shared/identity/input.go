package identity

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"roster/shared/fault"
	"roster/shared/password"
	"roster/shared/web"
)

// Limits on input, documented in docs/api/identity.md.
const (
	maxBody      = 16 << 10 // bytes per request body
	maxEmptyBody = 64       // bytes a route that takes no body still reads
	maxName      = 64       // characters of an organization or tenant name in a path
	maxID        = 64       // characters of a user or group id
	maxText      = 100      // characters of a name, surname or group name
	maxEmail     = 254      // RFC 5321 path limit

	maxPasswordBytes = password.MaxInputBytes // the hasher refuses longer
)

// decode reads a request body strictly (web.Decode: JSON media type, size
// limit, no unknown fields, no wrong types) and runs its validation. A
// failure is restated in the API's terms: keyed by the JSON field, as a
// sentence with the path, line and position where the body went wrong.
func decode[T web.Validator](r *http.Request) (T, error) {
	var seen bytes.Buffer
	if r.Body != nil {
		r.Body = teeBody{Reader: io.TeeReader(r.Body, &seen), Closer: r.Body}
	}
	v, err := web.Decode[T](r, maxBody)
	if err != nil {
		return v, restate(err, seen.Bytes())
	}
	return v, fault.InvalidFields(v.Valid(r.Context()))
}

type teeBody struct {
	io.Reader
	io.Closer
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

// noBody accepts a request without a body, or with an empty JSON object;
// anything else is refused as decode would refuse it (415, 413 or 400), so
// a client that sends data the route ignores finds out.
func noBody(r *http.Request) error {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	head, err := io.ReadAll(io.LimitReader(r.Body, maxEmptyBody+1))
	if err != nil {
		return fault.Wrap(err, fault.Invalid, "The request body could not be read.")
	}
	if len(bytes.TrimSpace(head)) == 0 && len(head) <= maxEmptyBody {
		return nil
	}
	r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(head), r.Body))
	var seen bytes.Buffer
	r.Body = teeBody{Reader: io.TeeReader(r.Body, &seen), Closer: r.Body}
	if _, err := web.Decode[struct{}](r, maxEmptyBody); err != nil {
		return restate(err, seen.Bytes())
	}
	return nil
}

// ifVersion reads an optional If-Match as the user version a change or
// delete applies to: 0 when there is none (or "*"). The API has no ETags
// of its own, but the users group's ETag of a user is its version, "3";
// any other spelling, or a weak tag, can never match and is 412 at once.
func ifVersion(h http.Header) (int64, error) {
	vs := h.Values("If-Match")
	if len(vs) == 0 {
		return 0, nil
	}
	v := strings.TrimSpace(strings.Join(vs, ","))
	switch {
	case v == "*":
		return 0, nil
	case strings.Contains(v, ","):
		return 0, fault.InvalidField("If-Match", `must be a single entity tag, such as "3"`)
	case strings.HasPrefix(v, "W/") && len(v) >= 4 && v[2] == '"' && v[len(v)-1] == '"':
		return 0, errStale
	case len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' || strings.ContainsRune(v[1:len(v)-1], '"'):
		return 0, fault.InvalidField("If-Match", `must be an entity tag, such as "3"`)
	}
	n, err := strconv.ParseInt(v[1:len(v)-1], 10, 64)
	if err != nil || n < 1 || strconv.FormatInt(n, 10) != v[1:len(v)-1] {
		return 0, errStale
	}
	return n, nil
}

// errStale answers an If-Match that names no version the user can have.
var errStale = fault.New(fault.PreconditionFailed, "The user has changed since you read it (If-Match does not match); read it again and retry.")

// checkName checks an organization or tenant name in a path.
func checkName(field, v string) []fault.FieldError {
	if len(v) == 0 || len(v) > maxName || !allowed(v, "_.-") {
		return []fault.FieldError{{Field: field, Message: "must be 1 to 64 characters, each a letter, a digit, '_', '.' or '-'"}}
	}
	return nil
}

// checkID checks a user or group id.
func checkID(field, v string) []fault.FieldError {
	if !validID(v) {
		return []fault.FieldError{{Field: field, Message: "must be 1 to 64 characters, each a letter, a digit, '_' or '-'"}}
	}
	return nil
}

// validID reports whether v matches ^[A-Za-z0-9_-]{1,64}$.
func validID(v string) bool { return len(v) > 0 && len(v) <= maxID && allowed(v, "_-") }

func allowed(v, punct string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(punct, c) >= 0) {
			return false
		}
	}
	return true
}

// checkIDs checks a list of ids: at most max, each well-formed, none twice.
func checkIDs(field string, ids []string, max int) []fault.FieldError {
	if len(ids) > max {
		return []fault.FieldError{{Field: field, Message: "must list at most " + strconv.Itoa(max) + " ids"}}
	}
	seen := make(map[string]int, len(ids))
	for i, id := range ids {
		if !validID(id) {
			return []fault.FieldError{{Field: field, Message: fmt.Sprintf("must list only ids of 1 to 64 characters, each a letter, a digit, '_' or '-' (%s[%d] is not one)", field, i)}}
		}
		if j, dup := seen[id]; dup {
			return []fault.FieldError{{Field: field, Message: fmt.Sprintf("must list each id once (%s[%d] repeats %s[%d])", field, i, field, j)}}
		}
		seen[id] = i
	}
	return nil
}

// checkText checks a line of text: at most max characters, no control
// characters, and not blank when required.
func checkText(field, v string, max int, required bool) []fault.FieldError {
	switch {
	case required && strings.TrimSpace(v) == "":
		return []fault.FieldError{{Field: field, Message: "is required and must not be blank"}}
	case utf8.RuneCountInString(v) > max:
		return []fault.FieldError{{Field: field, Message: "must be at most " + strconv.Itoa(max) + " characters"}}
	case !utf8.ValidString(v) || strings.IndexFunc(v, unicode.IsControl) >= 0:
		return []fault.FieldError{{Field: field, Message: "must not contain control characters"}}
	}
	return nil
}

// checkSecret checks a password as it arrives: present and bounded. The
// password policy is the directory's.
func checkSecret(field, v string) []fault.FieldError {
	switch {
	case v == "":
		return []fault.FieldError{{Field: field, Message: "is required and must not be empty"}}
	case len(v) > maxPasswordBytes:
		return []fault.FieldError{{Field: field, Message: "must be at most " + strconv.Itoa(maxPasswordBytes) + " bytes"}}
	}
	return nil
}

// checkEmail checks an email address such as name@example.com.
func checkEmail(field, email string) []fault.FieldError {
	if email == "" || len(email) > maxEmail {
		return []fault.FieldError{{Field: field, Message: "must be an email address such as name@example.com, at most 254 bytes"}}
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || !strings.Contains(a.Address[strings.LastIndexByte(a.Address, '@')+1:], ".") {
		return []fault.FieldError{{Field: field, Message: "must be an email address such as name@example.com"}}
	}
	return nil
}
