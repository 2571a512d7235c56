package web_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"roster/shared/fault"
	"roster/shared/web"
)

type address struct {
	Zip string `json:"zip"`
}

type person struct {
	Name    string   `json:"name"`
	Age     int      `json:"age"`
	Small   uint8    `json:"small"`
	Tags    []string `json:"tags"`
	Address address  `json:"address"`
}

// Valid requires a name, so DecodeValid has something to report.
func (p person) Valid(context.Context) []fault.FieldError {
	if p.Name == "" {
		return []fault.FieldError{{Field: "name", Message: "is required"}}
	}
	return nil
}

func jsonRequest(body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/people", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return r
}

func TestDecodeAcceptsStrictJSON(t *testing.T) {
	for _, ct := range []string{"application/json", "application/json; charset=utf-8", "Application/JSON;charset=UTF-8", "application/merge-patch+json"} {
		r := jsonRequest(`{"name":"Adélaïde \u00e9","age":36,"tags":["a"],"address":{"zip":"1"}}` + "\n  ")
		r.Header.Set("Content-Type", ct)
		p, err := web.Decode[person](r, 1024)
		if err != nil {
			t.Fatalf("%s: %v", ct, err)
		}
		if p.Name != "Adélaïde é" || p.Age != 36 || p.Address.Zip != "1" || len(p.Tags) != 1 {
			t.Errorf("%s: decoded %+v", ct, p)
		}
	}
}

func TestDecodeRejectsBadInputNamingTheField(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		header    map[string]string // overrides; "" deletes
		streamed  bool              // hide Content-Length so the limit trips while reading
		code      fault.Code
		field     string
		msgSubstr string
	}{
		{name: "missing content type", body: `{}`, header: map[string]string{"Content-Type": ""}, code: fault.Unsupported, field: "Content-Type"},
		{name: "form content type", body: `name=a`, header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, code: fault.Unsupported, field: "Content-Type"},
		{name: "text plain", body: `{}`, header: map[string]string{"Content-Type": "text/plain"}, code: fault.Unsupported, field: "Content-Type"},
		{name: "non utf-8 charset", body: `{}`, header: map[string]string{"Content-Type": "application/json; charset=latin1"}, code: fault.Unsupported, field: "Content-Type", msgSubstr: "utf-8"},
		{name: "malformed content type", body: `{}`, header: map[string]string{"Content-Type": "application/json; ="}, code: fault.Unsupported, field: "Content-Type"},
		{name: "compressed", body: `{}`, header: map[string]string{"Content-Encoding": "gzip"}, code: fault.Unsupported, field: "Content-Encoding"},
		{name: "declared oversize", body: `{"name":"` + strings.Repeat("x", 64) + `"}`, code: fault.TooLarge, field: "body", msgSubstr: "32 bytes"},
		{name: "streamed oversize", body: `{"name":"` + strings.Repeat("x", 64) + `"}`, streamed: true, code: fault.TooLarge, field: "body", msgSubstr: "32 bytes"},
		{name: "oversize trailing data", body: `{}` + strings.Repeat(" ", 40) + "x", streamed: true, code: fault.TooLarge, field: "body"},
		{name: "unknown field", body: `{"nickname":"a"}`, code: fault.Invalid, field: "nickname", msgSubstr: "not a known field"},
		{name: "field name in another case", body: `{"NAME":"a"}`, code: fault.Invalid, field: "NAME", msgSubstr: "case-sensitive"},
		{name: "unknown nested field", body: `{"address":{"street":"a"}}`, code: fault.Invalid, field: "street"},
		{name: "string for int", body: `{"age":"36"}`, code: fault.Invalid, field: "age", msgSubstr: "must be an integer"},
		{name: "number for string", body: `{"name":5}`, code: fault.Invalid, field: "name", msgSubstr: "must be a string"},
		{name: "nested wrong type", body: `{"address":{"zip":5}}`, code: fault.Invalid, field: "address.zip", msgSubstr: "must be a string"},
		{name: "object for array", body: `{"tags":{}}`, code: fault.Invalid, field: "tags", msgSubstr: "must be an array"},
		{name: "out of range", body: `{"small":300}`, code: fault.Invalid, field: "small", msgSubstr: "from 0 to 255"},
		{name: "fraction for int", body: `{"age":1.5}`, code: fault.Invalid, field: "age", msgSubstr: "integer"},
		{name: "array for object", body: `[1]`, code: fault.Invalid, field: "body", msgSubstr: "must be an object"},
		{name: "syntax error", body: `{"name" "a"}`, code: fault.Invalid, field: "body", msgSubstr: "syntax error at byte 9"},
		{name: "truncated", body: `{"name":`, code: fault.Invalid, field: "body", msgSubstr: "ends unexpectedly"},
		{name: "empty", body: ``, code: fault.Invalid, field: "body", msgSubstr: "must not be empty"},
		{name: "only whitespace", body: "  \n", code: fault.Invalid, field: "body", msgSubstr: "must not be empty"},
		{name: "trailing value", body: `{"name":"a"}{"name":"b"}`, code: fault.Invalid, field: "body", msgSubstr: "data after it"},
		{name: "trailing garbage", body: `{} x`, code: fault.Invalid, field: "body", msgSubstr: "data after it"},
		{name: "top-level null", body: `null`, code: fault.Invalid, field: "body", msgSubstr: "null"},
		{name: "member twice", body: `{"name":"a","name":"b"}`, code: fault.Invalid, field: "name", msgSubstr: "more than once"},
		{name: "member twice, once escaped", body: `{"name":"a","n\u0061me":"b"}`, code: fault.Invalid, field: "name", msgSubstr: "more than once"},
		{name: "nested member twice", body: `{"address":{"zip":"","zip":""}}`, code: fault.Invalid, field: "address.zip", msgSubstr: "more than once"},
		{name: "invalid UTF-8", body: "{\"name\":\"\xff\xfe\"}", code: fault.Invalid, field: "name", msgSubstr: "UTF-8"},
		{name: "invalid UTF-8 in an array", body: "{\"tags\":[\"a\",\"\xc3\"]}", code: fault.Invalid, field: "tags.1", msgSubstr: "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := jsonRequest(tt.body)
			for k, v := range tt.header {
				if v == "" {
					r.Header.Del(k)
				} else {
					r.Header.Set(k, v)
				}
			}
			if tt.streamed {
				r.ContentLength = -1
			}
			_, err := web.Decode[person](r, 32)
			var fe *fault.Error
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want *fault.Error", err)
			}
			if fe.Code != tt.code {
				t.Errorf("code = %s, want %s (%v)", fe.Code, tt.code, err)
			}
			if len(fe.Fields) != 1 || fe.Fields[0].Field != tt.field {
				t.Fatalf("fields = %+v, want one naming %q", fe.Fields, tt.field)
			}
			if !strings.Contains(fe.Fields[0].Message+" "+fe.Message, tt.msgSubstr) {
				t.Errorf("message %q / %q lacks %q", fe.Message, fe.Fields[0].Message, tt.msgSubstr)
			}
		})
	}
}

func TestDecodeFindsEveryTopLevelKeyWhateverTheValuesHold(t *testing.T) {
	tests := []struct {
		name, body string
		field      string // the key refused; "" when the body is accepted
	}{
		{"key after a nested object", `{"address":{"zip":"1"},"NAME":"a"}`, "NAME"},
		{"key after an array of strings", `{"tags":["a","b"],"AGE":1}`, "AGE"},
		{"a string that looks like a key", `{"tags":["x\",\"NAME\":\"y"],"name":"a"}`, ""},
		{"a string ending in a backslash", `{"name":"a\\","AGE":1}`, "AGE"},
		{"braces and commas inside strings", `{"name":"}{,","address":{"zip":"]"},"age":1}`, ""},
		{"an escaped key that spells a field", `{"\u006eame":"a"}`, ""},
		{"an escaped key in another case", `{"\u004eAME":"a"}`, "NAME"},
		{"a repeated key in another case", `{"name":"a","Name":"b"}`, "Name"},
		{"white space around keys", "{ \"name\" : \"a\" ,\n\t\"AGE\":1}", "AGE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := web.Decode[person](jsonRequest(tt.body), 1024)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var fe *fault.Error
			if !errors.As(err, &fe) || fe.Code != fault.Invalid || len(fe.Fields) != 1 || fe.Fields[0].Field != tt.field {
				t.Fatalf("err = %v, want invalid naming %q", err, tt.field)
			}
		})
	}
}

func TestDecodeUsesDefaultLimitWhenNoneGiven(t *testing.T) {
	r := jsonRequest(`{"name":"` + strings.Repeat("x", int(web.DefaultMaxBytes)) + `"}`)
	if _, err := web.Decode[person](r, 0); fault.CodeOf(err) != fault.TooLarge {
		t.Fatalf("err = %v, want too_large", err)
	}
}

func TestDecodeValidReportsEveryProblem(t *testing.T) {
	_, err := web.DecodeValid[person](jsonRequest(`{"age":3}`), 1024)
	var fe *fault.Error
	if !errors.As(err, &fe) || fe.Code != fault.Invalid || len(fe.Fields) != 1 || fe.Fields[0].Field != "name" {
		t.Fatalf("err = %#v", err)
	}
	if _, err := web.DecodeValid[person](jsonRequest(`{"name":"Ada"}`), 1024); err != nil {
		t.Fatalf("valid body: %v", err)
	}
	if _, err := web.DecodeValid[person](jsonRequest(`{"nope":1}`), 1024); fault.CodeOf(err) != fault.Invalid {
		t.Fatalf("decode errors come first: %v", err)
	}
}

func TestEncodeWritesJSONOrNothing(t *testing.T) {
	w := httptest.NewRecorder()
	web.Encode(w, http.StatusCreated, map[string]string{"id": "u1"})
	if w.Code != http.StatusCreated || w.Header().Get("Content-Type") != "application/json" || w.Body.String() != `{"id":"u1"}`+"\n" {
		t.Errorf("got %d %q %q", w.Code, w.Header().Get("Content-Type"), w.Body)
	}

	w = httptest.NewRecorder()
	web.Encode(w, http.StatusNoContent, nil)
	if w.Code != http.StatusNoContent || w.Body.Len() != 0 || w.Header().Get("Content-Type") != "" {
		t.Errorf("nil: got %d %q %q", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
}

func TestEncodePanicsBeforeWritingOnUnmarshalableValue(t *testing.T) {
	w := httptest.NewRecorder()
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
		if w.Body.Len() != 0 || w.Header().Get("Content-Type") != "" {
			t.Errorf("wrote before panicking: %q", w.Body)
		}
	}()
	web.Encode(w, http.StatusOK, map[string]any{"f": func() {}})
}

func TestNoBodyAcceptsNothingButAnEmptyBody(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		ct    string
		code  fault.Code // "" accepts
		field string
	}{
		{name: "white space", body: " \n\t", ct: "text/plain"},
		{name: "empty object", body: `{ }`, ct: "application/json"},
		{name: "a member", body: `{"a":1}`, ct: "application/json", code: fault.Invalid, field: "a"},
		{name: "an array", body: `[]`, ct: "application/json", code: fault.Invalid, field: "body"},
		{name: "not JSON", body: `{}`, ct: "text/plain", code: fault.Unsupported, field: "Content-Type"},
		{name: "over the limit", body: `{"ids":["` + strings.Repeat("u", 80) + `"]}`, ct: "application/json", code: fault.TooLarge, field: "body"},
		{name: "white space over the limit", body: strings.Repeat(" ", 65), ct: "application/json", code: fault.TooLarge, field: "body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodDelete, "/users/u1", strings.NewReader(tt.body))
			r.Header.Set("Content-Type", tt.ct)
			r.ContentLength = -1 // as when chunked: only reading can tell
			err := web.NoBody(r, 64)
			if tt.code == "" {
				if err != nil {
					t.Errorf("%v; want none", err)
				}
				return
			}
			f := fault.As(err)
			if f.Code != tt.code || len(f.Fields) != 1 || f.Fields[0].Field != tt.field {
				t.Errorf("%v; want %s naming %s", err, tt.code, tt.field)
			}
		})
	}
	t.Run("no body", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodDelete, "/users/u1", nil)
		if err := web.NoBody(r, 64); err != nil {
			t.Errorf("%v; want none", err)
		}
	})
}
