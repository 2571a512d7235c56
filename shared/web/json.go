package web

import (
	"bytes"
	"context"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"

	"roster/shared/fault"
)

// DefaultMaxBytes is the body limit [Decode] applies when given a limit of
// zero or less.
const DefaultMaxBytes int64 = 64 << 10

// Validator is implemented by request bodies that check themselves after
// decoding. Valid returns one FieldError per problem, or none.
type Validator interface {
	Valid(ctx context.Context) []fault.FieldError
}

// DecodeValid decodes like [Decode] and then runs the body's own
// validation, returning an Invalid error listing every field problem.
func DecodeValid[T Validator](r *http.Request, maxBytes int64) (T, error) {
	v, err := Decode[T](r, maxBytes)
	if err != nil {
		return v, err
	}
	if err := fault.InvalidFields(v.Valid(r.Context())); err != nil {
		return v, err
	}
	return v, nil
}

// Decode reads exactly one JSON value of type T from the request body.
// It is strict, and every failure is a *fault.Error whose Fields name
// what was wrong ("body", "Content-Type", or the JSON field path):
//
//   - Content-Type must be application/json or an application/*+json type,
//     with no charset or utf-8; anything else, including a missing
//     Content-Type, is Unsupported (415). Requiring it keeps cross-site
//     "simple" requests out and costs API clients nothing.
//
//   - A Content-Encoding other than identity is Unsupported.
//
//   - A body over maxBytes (DefaultMaxBytes when ≤ 0) is TooLarge (413).
//
//   - Unknown fields, values of the wrong JSON type or out of range,
//     malformed JSON, an empty body, a top-level null and data after the
//     value are Invalid (400).
//
//   - A member named twice in one object, or a string that is not valid
//     UTF-8, is Invalid, naming the member ([WellFormed]).
//
// Errors returned by
// a field type's own UnmarshalJSON or UnmarshalText name only "body", so
// request types should prefer plain strings checked in Valid.
func Decode[T any](r *http.Request, maxBytes int64) (T, error) {
	var zero T
	if err := checkContentType(r.Header); err != nil {
		return zero, err
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	if r.ContentLength > maxBytes {
		return zero, tooLarge(maxBytes)
	}
	if r.Body == nil {
		return zero, emptyBody()
	}
	body, err := readAll(http.MaxBytesReader(nil, r.Body, maxBytes), r.ContentLength)
	if err != nil {
		return zero, decodeError(err, maxBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	// Decoding into a pointer tells a top-level null (pointer left nil)
	// apart from a zero value.
	var p *T
	if err := dec.Decode(&p); err != nil {
		return zero, decodeError(err, maxBytes)
	}
	if p == nil {
		return zero, fault.InvalidField("body", "must be a JSON value, not null")
	}
	// The whole body is in hand, so what follows the value is the rest of
	// it, and only JSON white space may be there.
	if len(bytes.TrimLeft(body[dec.InputOffset():], " \t\r\n")) != 0 {
		return zero, fault.InvalidField("body", "must contain a single JSON value, but there is data after it")
	}
	if err := exactKeys[T](body); err != nil {
		return zero, err
	}
	if err := WellFormed(body); err != nil {
		return zero, err
	}
	return *p, nil
}

// WellFormed refuses what encoding/json lets through without a word: a
// member named twice in one object (the last would win, so a validator in
// front of Roster and Roster itself could read different values) and text
// that is not valid UTF-8 (it would be stored as U+FFFD). body must be one
// JSON value encoding/json has accepted. The JSON v2 tokenizer (jsontext)
// refuses both by default and says where, so the error names the member.
func WellFormed(body []byte) error {
	t := tokenizers.Get().(*tokenizer)
	defer func() { t.src.Reset(nil); tokenizers.Put(t) }() // hold no body in the pool
	t.src.Reset(body)
	t.dec.Reset(&t.src)
	dec := &t.dec
	for {
		err := dec.SkipValue()
		if err == nil || errors.Is(err, io.EOF) {
			return nil
		}
		var se *jsontext.SyntacticError
		if !errors.As(err, &se) {
			return nil // not the tokenizer's to judge: encoding/json has
		}
		field := memberPath(se.JSONPointer)
		switch {
		case errors.Is(se.Err, jsontext.ErrDuplicateName):
			return fault.InvalidField(field, "is given more than once; send each member once")
		case !utf8.Valid(body):
			return fault.InvalidField(field, "must be valid UTF-8 text")
		}
		return nil
	}
}

// tokenizer is a reusable jsontext decoder with its reader; a pool keeps
// the check from allocating one per request.
type tokenizer struct {
	src bytes.Reader
	dec jsontext.Decoder
}

var tokenizers = sync.Pool{New: func() any { return new(tokenizer) }}

// memberPath turns a JSON pointer into the dotted name the other decoding
// errors use ("azure.applicationKey", "groups.0"), or "body" for the top.
func memberPath(p jsontext.Pointer) string {
	var parts []string
	for tok := range p.Tokens() {
		parts = append(parts, tok)
	}
	if len(parts) == 0 {
		return "body"
	}
	return strings.Join(parts, ".")
}

// readAll is io.ReadAll sized by the request's Content-Length, when it
// gives one, so a body is read into a single allocation. A length of zero
// is taken as unknown: a server gives such a request no body at all, but a
// handler's caller may not have set the length.
func readAll(r io.Reader, length int64) ([]byte, error) {
	size := 512
	if length > 0 && length < math.MaxInt32 {
		size = int(length) + 1 // room to see io.EOF without growing
	}
	b := make([]byte, 0, size)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// NoBody is what a route that takes no body reads instead of [Decode]: a
// request without a body, or with at most maxBytes of white space, passes,
// and so does an empty JSON object; anything else is refused as Decode
// would refuse it (415, 413, or 400 naming the field), so a client that
// sends data the route ignores finds out.
func NoBody(r *http.Request, maxBytes int64) error {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	head, err := io.ReadAll(io.LimitReader(r.Body, maxBytes+1))
	if err != nil {
		return fault.Wrap(err, fault.Invalid, "The request body could not be read.")
	}
	if len(bytes.TrimSpace(head)) == 0 && int64(len(head)) <= maxBytes {
		return nil
	}
	r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(head), r.Body))
	_, err = Decode[struct{}](r, maxBytes)
	return err
}

// fieldNames caches, per struct type, the exact JSON names of its fields.
var fieldNames sync.Map // reflect.Type -> map[string]bool

// exactKeys refuses top-level keys that matched a field only because
// encoding/json matches names case-insensitively ("USEREMAIL" for
// "userEmail"): to a client they are unknown fields. body has already
// been decoded into a T, so it is one valid JSON value; the keys are read
// straight from its bytes rather than by decoding it again.
func exactKeys[T any](body []byte) error {
	t := reflect.TypeFor[T]()
	if t.Kind() != reflect.Struct {
		return nil
	}
	names, ok := fieldNames.Load(t)
	if !ok {
		m := map[string]bool{}
		for f := range t.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" {
				name = f.Name
			}
			m[name] = true
		}
		names, _ = fieldNames.LoadOrStore(t, m)
	}
	known := names.(map[string]bool)
	if v := bytes.TrimLeft(body, " \t\r\n"); len(v) == 0 || v[0] != '{' {
		// Only a type with its own UnmarshalJSON takes anything but an
		// object into a struct; it keeps the token-by-token reading.
		return exactKeysByToken(body, known)
	}
	depth, wantKey := 0, false
	for i := 0; i < len(body); i++ {
		switch body[i] {
		case '{':
			depth++
			wantKey = depth == 1
		case '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return nil
			}
		case ',':
			wantKey = depth == 1
		case '"':
			end := stringEnd(body, i)
			if wantKey {
				if err := checkKey(body[i:end], known); err != nil {
					return err
				}
				wantKey = false
			}
			i = end - 1
		}
	}
	return nil
}

// stringEnd returns the index just past the JSON string that starts at
// body[start], a double quote.
func stringEnd(body []byte, start int) int {
	for i := start + 1; i < len(body); i++ {
		switch body[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(body)
}

// checkKey refuses a quoted key that is not exactly a known name. A key
// spelt plainly is looked up as it stands; one with escapes, or one that
// is refused, is unquoted as encoding/json reads it, so the name in the
// error is the one the decoder saw.
func checkKey(quoted []byte, known map[string]bool) error {
	plain := quoted[1 : len(quoted)-1]
	if bytes.IndexByte(plain, '\\') < 0 && known[string(plain)] {
		return nil
	}
	var key string
	if err := json.Unmarshal(quoted, &key); err != nil {
		return nil // cannot happen: the body has been decoded
	}
	if !known[key] {
		return fault.InvalidField(key, "is not a known field (names are case-sensitive)")
	}
	return nil
}

// exactKeysByToken is [exactKeys] for a body that is not an object.
func exactKeysByToken(body []byte, known map[string]bool) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if _, err := dec.Token(); err != nil {
		return nil
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		if key, _ := tok.(string); !known[key] {
			return fault.InvalidField(key, "is not a known field (names are case-sensitive)")
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil
		}
	}
	return nil
}

func checkContentType(h http.Header) error {
	if ce := h.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		return unsupported("Content-Encoding", "is not supported; send the body uncompressed")
	}
	ct := h.Get("Content-Type")
	if ct == "application/json" { // the common case, without allocating
		return nil
	}
	const want = "must be application/json"
	if ct == "" {
		return unsupported("Content-Type", want)
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return unsupported("Content-Type", want)
	}
	sub, ok := strings.CutPrefix(mt, "application/")
	if !ok || (sub != "json" && !strings.HasSuffix(sub, "+json")) {
		return unsupported("Content-Type", want)
	}
	for k, v := range params {
		if k != "charset" || (!strings.EqualFold(v, "utf-8") && !strings.EqualFold(v, "utf8")) {
			return unsupported("Content-Type", want+" in utf-8")
		}
	}
	return nil
}

func unsupported(field, msg string) error {
	return &fault.Error{
		Code:    fault.Unsupported,
		Message: "The request body must be JSON.",
		Fields:  []fault.FieldError{{Field: field, Message: msg}},
	}
}

func tooLarge(limit int64) error {
	return &fault.Error{
		Code:    fault.TooLarge,
		Message: fmt.Sprintf("The request body is larger than %d bytes.", limit),
		Fields:  []fault.FieldError{{Field: "body", Message: fmt.Sprintf("must be at most %d bytes", limit)}},
	}
}

func emptyBody() error {
	return fault.InvalidField("body", "must not be empty")
}

// decodeError turns a json.Decoder error into a fault that names the field.
func decodeError(err error, limit int64) error {
	var (
		mbe *http.MaxBytesError
		se  *json.SyntaxError
		ute *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &mbe):
		return tooLarge(limit)
	case errors.Is(err, io.EOF):
		return emptyBody()
	case errors.Is(err, io.ErrUnexpectedEOF):
		e := fault.InvalidField("body", "is not valid JSON: it ends unexpectedly")
		e.Err = err
		return e
	case errors.As(err, &se):
		e := fault.InvalidField("body", fmt.Sprintf("is not valid JSON: syntax error at byte %d", se.Offset))
		e.Err = err
		return e
	case errors.As(err, &ute):
		field := ute.Field
		if field == "" {
			field = "body"
		}
		e := fault.InvalidField(field, typeMessage(ute))
		e.Err = err
		return e
	}
	// DisallowUnknownFields reports with an untyped error; its text is the
	// only place the key appears.
	if rest, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name, uerr := strconv.Unquote(rest)
		if uerr != nil {
			name = rest
		}
		e := fault.InvalidField(name, "is not a known field")
		e.Err = err
		return e
	}
	e := fault.InvalidField("body", "has a value that could not be decoded")
	e.Err = err
	return e
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

// typeMessage says what a field expected, in JSON terms rather than Go's.
func typeMessage(ute *json.UnmarshalTypeError) string {
	t := ute.Type
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	// A number that did not fit ("number 300" into a uint8, "number 1.5"
	// into an int) is reported with the value after "number ".
	outOfRange := strings.HasPrefix(ute.Value, "number ")
	switch {
	case reflect.PointerTo(t).Implements(textUnmarshaler):
		return "must be a string"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
		if outOfRange {
			shift := 64 - t.Bits()
			return fmt.Sprintf("must be an integer from %d to %d", int64(math.MinInt64)>>shift, int64(math.MaxInt64)>>shift)
		}
		return "must be an integer"
	case t.Kind() >= reflect.Uint && t.Kind() <= reflect.Uintptr:
		if outOfRange {
			return fmt.Sprintf("must be an integer from 0 to %d", uint64(math.MaxUint64)>>(64-t.Bits()))
		}
		return "must be an integer"
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		if outOfRange {
			return "must be a number in range"
		}
		return "must be a number"
	case t.Kind() == reflect.String:
		return "must be a string"
	case t.Kind() == reflect.Bool:
		return "must be a boolean"
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 && t.Kind() == reflect.Slice {
			return "must be a base64 string"
		}
		return "must be an array"
	case t.Kind() == reflect.Map || t.Kind() == reflect.Struct:
		return "must be an object"
	}
	return "has the wrong type"
}

// Encode writes v as JSON with the given status. A nil v writes the status
// with no body (for 204 and the like). v must be marshalable; a value that
// is not is a programming error, so Encode panics before writing anything,
// and [Middleware] turns the panic into a logged 500.
func Encode(w http.ResponseWriter, status int, v any) {
	if v == nil {
		w.WriteHeader(status)
		return
	}
	buf := encodeBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	// What json.Marshal writes, and the newline, straight into a buffer
	// that serves request after request.
	if err := json.NewEncoder(buf).Encode(v); err != nil {
		panic(fmt.Sprintf("web.Encode: %T: %v", v, err))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
	if buf.Cap() <= maxPooledBody {
		encodeBuffers.Put(buf)
	}
}

// encodeBuffers holds the buffers [Encode] marshals into. A writer may
// not keep what it is given (io.Writer), so a buffer is free again as soon
// as Write returns.
var encodeBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBody is the largest buffer kept for reuse, so that one large
// response does not pin its memory for the life of the container.
const maxPooledBody = 64 << 10
