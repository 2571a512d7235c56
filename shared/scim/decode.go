package scim

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"roster/shared/fault"
	"roster/shared/web"
)

// Body limits: a resource, a PATCH or search (a group's membership
// change of hundreds of members fits), and a bulk request (the
// maxPayloadSize /ServiceProviderConfig states).
const (
	maxResourceBytes = 64 << 10
	maxPatchBytes    = 256 << 10
	maxBulkBytes     = 1 << 20
)

// object is a SCIM resource or message as JSON: attribute names canonical
// (as the schema spells them) once it has been through canonical, values
// string, bool, float64, []any or object.
type object = map[string]any

// decodeObject reads a request body as one JSON object, strictly: the
// Content-Type must be application/scim+json or application/json (415),
// the size within limit (413), the JSON well formed with no member given
// twice (400 invalidSyntax).
func decodeObject(r *http.Request, limit int64) (object, error) {
	m, err := web.Decode[map[string]any](r, limit)
	if err != nil {
		if fault.CodeOf(err) == fault.Invalid {
			return nil, typed(err, invalidSyntax)
		}
		return nil, err
	}
	return m, nil
}

// canonical checks a resource body against rt's schemas and returns it
// with every attribute name as the schema spells it (names are
// case-insensitive, RFC 7643 §2.1), null values left out, boolean
// strings ("True", as Entra ID sends them) made booleans. schemas must
// name rt's schema. An attribute no schema has is invalidSyntax; a value
// of the wrong type invalidValue; both name the attribute.
func canonical(rt *resourceType, in object) (object, error) {
	out := object{}
	seen := map[string]bool{}
	for k, v := range in {
		if strings.EqualFold(k, "schemas") {
			list, ok := strings_(v)
			if !ok {
				return nil, invalid(invalidSyntax, "schemas", "must be a list of schema URNs")
			}
			if !slices.ContainsFunc(list, func(s string) bool { return strings.EqualFold(s, rt.Schema.ID) }) {
				return nil, invalid(invalidSyntax, "schemas", "must list "+rt.Schema.ID)
			}
			for _, s := range list {
				if !strings.EqualFold(s, rt.Schema.ID) && rt.extension(s) == nil {
					return nil, invalid(invalidSyntax, "schemas", "lists "+s+", which this resource does not take")
				}
			}
			out["schemas"] = list
			continue
		}
		uri, name := splitURN(k)
		a, ext, ok := rt.lookup(uri, name)
		if !ok {
			return nil, invalid(invalidSyntax, k, "is not an attribute of "+rt.Name)
		}
		if v == nil {
			continue
		}
		key := ext
		if a != nil {
			key = a.Name
		}
		if seen[strings.ToLower(key)] && a != nil && ext == "" {
			return nil, invalid(invalidSyntax, k, "is given twice")
		}
		seen[strings.ToLower(key)] = true
		if a == nil { // a whole extension
			sub, ok := v.(object)
			if !ok {
				return nil, invalid(invalidSyntax, k, "must be an object")
			}
			e := rt.extension(ext)
			got, _ := out[ext].(object)
			if got == nil {
				got = object{}
			}
			for sk, sv := range sub {
				if strings.EqualFold(sk, "schemas") {
					continue // some clients send an extension's object with its schemas
				}
				sa := find(e.Attributes, sk)
				if sa == nil {
					return nil, invalid(invalidSyntax, ext+":"+sk, "is not an attribute of "+e.Name)
				}
				cv, err := value(sa, sv, ext+":"+sa.Name)
				if err != nil {
					return nil, err
				}
				if cv != nil {
					got[sa.Name] = cv
				}
			}
			out[ext] = got
			continue
		}
		cv, err := value(a, v, k)
		if err != nil {
			return nil, err
		}
		if cv == nil {
			continue
		}
		if ext != "" {
			got, _ := out[ext].(object)
			if got == nil {
				got = object{}
				out[ext] = got
			}
			got[a.Name] = cv
			continue
		}
		out[a.Name] = cv
	}
	if _, ok := out["schemas"]; !ok {
		return nil, invalid(invalidSyntax, "schemas", "is required: list "+rt.Schema.ID)
	}
	return out, nil
}

// value checks v against a and returns it canonical; nil for a null.
func value(a *attribute, v any, field string) (any, error) {
	if v == nil {
		return nil, nil
	}
	if a.Multi {
		list, ok := v.([]any)
		if !ok {
			return nil, invalid(invalidValue, field, "must be a list")
		}
		out := make([]any, 0, len(list))
		for i, item := range list {
			single := *a
			single.Multi = false
			cv, err := value(&single, item, fmt.Sprintf("%s[%d]", field, i))
			if err != nil {
				return nil, err
			}
			if cv != nil {
				out = append(out, cv)
			}
		}
		return out, nil
	}
	switch a.Type {
	case typeComplex:
		m, ok := v.(object)
		if s, isStr := v.(string); isStr && find(a.Sub, "value") != nil {
			// A reference given as its value alone, as Entra ID sends
			// the manager: {"value": s}.
			m, ok = object{"value": s}, true
		}
		if !ok {
			return nil, invalid(invalidValue, field, "must be an object")
		}
		out := object{}
		for k, sv := range m {
			sa := find(a.Sub, k)
			if sa == nil {
				return nil, invalid(invalidSyntax, field+"."+k, "is not a sub-attribute of "+a.Name)
			}
			cv, err := value(sa, sv, field+"."+sa.Name)
			if err != nil {
				return nil, err
			}
			if cv != nil {
				out[sa.Name] = cv
			}
		}
		return out, nil
	case typeBoolean:
		if b, ok := boolean(v); ok {
			return b, nil
		}
		return nil, invalid(invalidValue, field, "must be a boolean (true or false)")
	default:
		s, ok := v.(string)
		if !ok {
			return nil, invalid(invalidValue, field, "must be a string")
		}
		return s, nil
	}
}

// boolean reads a JSON boolean, or a string spelling one in any case
// ("True", "false"), as Entra ID sends them in PATCH values.
func boolean(v any) (bool, bool) {
	switch b := v.(type) {
	case bool:
		return b, true
	case string:
		switch strings.ToLower(b) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

// strings_ reads a list of strings.
func strings_(v any) ([]string, bool) {
	list, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(list))
	for _, item := range list {
		s, ok := item.(string)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

// splitURN splits a fully qualified attribute name
// ("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department")
// into its schema URN and the attribute name; a plain name has no URN.
// An extension's URN alone is returned whole as the name.
func splitURN(k string) (uri, name string) {
	if !strings.HasPrefix(strings.ToLower(k), "urn:") {
		return "", k
	}
	for _, s := range []string{UserSchema, EnterpriseSchema, GroupSchema} {
		if len(k) > len(s)+1 && strings.EqualFold(k[:len(s)], s) && k[len(s)] == ':' {
			return k[:len(s)], k[len(s)+1:]
		}
	}
	return "", k
}

// readResource decodes a resource body of type rt (at most limit bytes),
// checks it against the schemas and reads it with from.
func readResource[T any](r *http.Request, limit int64, rt *resourceType, from func(object) (T, error)) (T, error) {
	var zero T
	body, err := decodeObject(r, limit)
	if err != nil {
		return zero, err
	}
	m, err := canonical(rt, body)
	if err != nil {
		return zero, err
	}
	return from(m)
}

// readSearch decodes a SearchRequest body.
func readSearch(r *http.Request) (searchRequest, error) {
	body, err := decodeObject(r, maxPatchBytes)
	if err != nil {
		return searchRequest{}, err
	}
	return searchFrom(body)
}
