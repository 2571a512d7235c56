package scim

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"roster/shared/fault"
	"roster/shared/web"
)

// ContentType is the media type of every SCIM answer (RFC 7644 §3.1).
const ContentType = "application/scim+json"

// The scimType values of RFC 7644 §3.12 the group answers with.
const (
	invalidFilter = "invalidFilter"
	tooMany       = "tooMany"
	uniqueness    = "uniqueness"
	mutability    = "mutability"
	invalidSyntax = "invalidSyntax"
	invalidPath   = "invalidPath"
	noTarget      = "noTarget"
	invalidValue  = "invalidValue"
	invalidVers   = "invalidVers"
)

// scimType rides in an error's chain to say which scimType its 400 (or
// 409) is; the fault code still decides the status.
type scimType string

func (s scimType) Error() string { return "scimType " + string(s) }

// typed returns err, a fault, with the scimType t in its chain.
func typed(err error, t string) error {
	fe := *fault.As(err)
	fe.Err = errors.Join(fe.Err, scimType(t))
	return &fe
}

// invalid is a 400 of scimType t about one attribute.
func invalid(t, field, msg string) error { return typed(fault.InvalidField(field, msg), t) }

// errorBody is the SCIM error message (RFC 7644 §3.12).
type errorBody struct {
	Schemas  []string `json:"schemas"`
	Status   string   `json:"status"`
	ScimType string   `json:"scimType,omitempty"`
	Detail   string   `json:"detail,omitempty"`
}

// fieldNames are the directory's field names as SCIM names the attributes.
var fieldNames = map[string]string{
	"username": "userName", "email": "emails", "firstName": "name.givenName", "lastName": "name.familyName",
	"name": "displayName", "groups": "members", "groupIDsToAdd": "members", "groupIDsToRemove": "members",
	"userId": "id",
}

// WriteError answers err in the SCIM error shape: the status from the
// fault code (web.StatusOf, the one table), the scimType the error
// carries or the code implies (uniqueness for a taken value, invalidValue
// for other bad input), and a detail naming each attribute at fault. A
// 401 carries the Bearer challenge; internal causes are logged, never
// shown.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	fe, status := web.Public(r, err)
	body := errorBody{Schemas: []string{ErrorSchema}, Status: strconv.Itoa(status), Detail: fe.Message}
	var st scimType
	switch {
	case errors.As(err, &st):
		body.ScimType = string(st)
	case fe.Code == fault.Conflict && len(fe.Fields) > 0:
		body.ScimType = uniqueness
	case fe.Code == fault.Invalid:
		body.ScimType = invalidValue
	}
	if len(fe.Fields) > 0 {
		parts := make([]string, len(fe.Fields))
		for i, f := range fe.Fields {
			name := f.Field
			if n, ok := fieldNames[name]; ok {
				name = n
			}
			parts[i] = name + ": " + f.Message
		}
		body.Detail = strings.TrimSuffix(body.Detail, ".") + ": " + strings.Join(parts, "; ")
	}
	h := w.Header()
	if status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", web.BearerChallenge)
	}
	web.SetRetryAfter(h, fe)
	encode(w, status, body)
}

// encode writes v as SCIM JSON with the given status.
func encode(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil { // cannot happen: bodies hold strings, booleans, lists and objects
		http.Error(w, "An internal error occurred.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", ContentType)
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
