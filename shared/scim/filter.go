package scim

import (
	"strings"

	filter "github.com/scim2/filter-parser/v2"
)

// Filtering (RFC 7644 §3.4.2.2): the parser is the maintained
// github.com/scim2/filter-parser; this file resolves its attribute paths
// against a resource type's schemas and evaluates an expression against
// a resource, with each attribute's case rule (caseExact) from the schema.

// maxFilterLength bounds a filter's text; a longer one is invalidFilter.
const maxFilterLength = 4096

// parseFilter parses and resolves a filter for rt: an unknown attribute,
// a comparison the attribute's type has no meaning for (gt on a boolean,
// co on a complex attribute) and bad syntax are all invalidFilter.
func parseFilter(rt *resourceType, s string) (filter.Expression, error) {
	if len(s) > maxFilterLength {
		return nil, invalid(invalidFilter, "filter", "must be at most 4096 bytes")
	}
	e, err := filter.ParseFilter([]byte(s))
	if err != nil {
		return nil, invalid(invalidFilter, "filter", "is not a SCIM filter (RFC 7644 §3.4.2.2)")
	}
	if err := checkExpr(rt, e, nil); err != nil {
		return nil, err
	}
	return e, nil
}

// resolved is an attribute path resolved against a schema: the attribute
// (a top-level one, or a sub-attribute when sub is set) and the keys that
// lead to it in a resource.
type resolved struct {
	top  *attribute // the top-level attribute
	ext  string     // the extension it is in; "" for the core schema
	sub  *attribute // the sub-attribute, when the path names one
	leaf *attribute // sub, or top
}

// resolve resolves p against rt; within is the multi-valued attribute a
// value path's inner filter is about (its sub-attributes are the names).
func resolve(rt *resourceType, p filter.AttributePath, within *attribute) (resolved, bool) {
	if within != nil {
		a := find(within.Sub, p.AttributeName)
		if a == nil || p.SubAttribute != nil {
			return resolved{}, false
		}
		return resolved{top: within, sub: a, leaf: a}, true
	}
	top, ext, ok := rt.lookup(p.URI(), p.AttributeName)
	if !ok || top == nil {
		return resolved{}, false
	}
	r := resolved{top: top, ext: ext, leaf: top}
	if p.SubAttribute != nil {
		sub := find(top.Sub, *p.SubAttribute)
		if sub == nil {
			return resolved{}, false
		}
		r.sub, r.leaf = sub, sub
	} else if top.Type == typeComplex && top.Multi {
		// A multi-valued complex attribute compares by its value
		// (RFC 7644 §3.4.2.2: "emails co ..." means emails.value).
		if v := find(top.Sub, "value"); v != nil {
			r.sub, r.leaf = v, v
		}
	}
	return r, true
}

// checkExpr checks every path and comparison of e.
func checkExpr(rt *resourceType, e filter.Expression, within *attribute) error {
	switch x := e.(type) {
	case *filter.LogicalExpression:
		if err := checkExpr(rt, x.Left, within); err != nil {
			return err
		}
		return checkExpr(rt, x.Right, within)
	case *filter.NotExpression:
		return checkExpr(rt, x.Expression, within)
	case *filter.ValuePath:
		if within != nil {
			return invalid(invalidFilter, "filter", "must not nest value paths")
		}
		r, ok := resolve(rt, x.AttributePath, nil)
		if !ok || r.top.Type != typeComplex || x.AttributePath.SubAttribute != nil {
			return invalid(invalidFilter, "filter", "names "+x.AttributePath.String()+", which is not a complex attribute")
		}
		return checkExpr(rt, x.ValueFilter, r.top)
	case *filter.AttributeExpression:
		r, ok := resolve(rt, x.AttributePath, within)
		if !ok {
			return invalid(invalidFilter, "filter", "names "+x.AttributePath.String()+", which is not an attribute of "+rt.Name)
		}
		if r.leaf.Returned == returnedNever {
			return invalid(invalidFilter, "filter", "must not filter on "+x.AttributePath.String())
		}
		if x.Operator == filter.PR {
			return nil
		}
		switch r.leaf.Type {
		case typeComplex:
			return invalid(invalidFilter, "filter", "compares "+x.AttributePath.String()+", a complex attribute, with a value")
		case typeBoolean:
			if _, ok := x.CompareValue.(bool); !ok || (x.Operator != filter.EQ && x.Operator != filter.NE) {
				return invalid(invalidFilter, "filter", x.AttributePath.String()+" is a boolean: compare it with eq or ne and true or false")
			}
		default:
			if _, ok := x.CompareValue.(string); !ok && x.CompareValue != nil {
				return invalid(invalidFilter, "filter", "compares "+x.AttributePath.String()+", a string, with a value that is not one")
			}
		}
		return nil
	}
	return invalid(invalidFilter, "filter", "is not a SCIM filter")
}

// matches evaluates e against the resource m.
func matches(rt *resourceType, e filter.Expression, m object) bool {
	switch x := e.(type) {
	case *filter.LogicalExpression:
		if x.Operator == filter.AND {
			return matches(rt, x.Left, m) && matches(rt, x.Right, m)
		}
		return matches(rt, x.Left, m) || matches(rt, x.Right, m)
	case *filter.NotExpression:
		return !matches(rt, x.Expression, m)
	case *filter.ValuePath:
		r, _ := resolve(rt, x.AttributePath, nil)
		for _, el := range elements(container(m, r.ext)[r.top.Name]) {
			if o, ok := el.(object); ok && matchesWithin(r.top, x.ValueFilter, o) {
				return true
			}
		}
		return false
	case *filter.AttributeExpression:
		r, _ := resolve(rt, x.AttributePath, nil)
		return compareAny(r, valuesOf(container(m, r.ext), r), x)
	}
	return false
}

// matchesWithin evaluates a value path's inner filter against one value
// of the multi-valued complex attribute top.
func matchesWithin(top *attribute, e filter.Expression, o object) bool {
	switch x := e.(type) {
	case *filter.LogicalExpression:
		if x.Operator == filter.AND {
			return matchesWithin(top, x.Left, o) && matchesWithin(top, x.Right, o)
		}
		return matchesWithin(top, x.Left, o) || matchesWithin(top, x.Right, o)
	case *filter.NotExpression:
		return !matchesWithin(top, x.Expression, o)
	case *filter.AttributeExpression:
		a := find(top.Sub, x.AttributePath.AttributeName)
		if a == nil {
			return false
		}
		r := resolved{top: top, sub: a, leaf: a}
		var vals []any
		if v, ok := o[a.Name]; ok {
			vals = []any{v}
		}
		return compareAny(r, vals, x)
	}
	return false
}

// container is the object a path's top-level attribute lives in: the
// resource, or an extension's object within it.
func container(m object, ext string) object {
	if ext == "" {
		return m
	}
	o, _ := m[ext].(object)
	return o
}

// elements is a value as a list: a multi-valued attribute's values, or a
// single value alone.
func elements(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	}
	return []any{v}
}

// valuesOf is every value r's path takes in c.
func valuesOf(c object, r resolved) []any {
	if c == nil {
		return nil
	}
	v, ok := c[r.top.Name]
	if !ok {
		return nil
	}
	if r.sub == nil {
		return elements(v)
	}
	var out []any
	for _, el := range elements(v) {
		if o, ok := el.(object); ok {
			if sv, ok := o[r.sub.Name]; ok {
				out = append(out, sv)
			}
		}
	}
	return out
}

// compareAny reports whether any of vals satisfies the comparison x
// (a multi-valued attribute matches when one of its values does).
func compareAny(r resolved, vals []any, x *filter.AttributeExpression) bool {
	if x.Operator == filter.PR {
		for _, v := range vals {
			if present(v) {
				return true
			}
		}
		return false
	}
	if x.Operator == filter.NE {
		eq := *x
		eq.Operator = filter.EQ
		return !compareAny(r, vals, &eq)
	}
	for _, v := range vals {
		if compare(r.leaf, v, x.Operator, x.CompareValue) {
			return true
		}
	}
	return false
}

func present(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	case object:
		return len(x) > 0
	}
	return true
}

// compare applies op to a stored value and the filter's value, by a's
// type and case rule.
func compare(a *attribute, v any, op filter.CompareOperator, want any) bool {
	switch a.Type {
	case typeBoolean:
		b, ok1 := v.(bool)
		w, ok2 := want.(bool)
		return ok1 && ok2 && op == filter.EQ && b == w
	case typeDateTime:
		s, _ := v.(string)
		w, _ := want.(string)
		t, ok1 := parseTime(s)
		u, ok2 := parseTime(w)
		if !ok1 || !ok2 {
			return false
		}
		return ordered(t.Compare(u), op, strings.Contains(s, w), strings.HasPrefix(s, w), strings.HasSuffix(s, w))
	}
	s, ok1 := v.(string)
	w, ok2 := want.(string)
	if !ok1 || !ok2 {
		return false
	}
	if !a.CaseExact {
		s, w = strings.ToLower(s), strings.ToLower(w)
	}
	return ordered(strings.Compare(s, w), op, strings.Contains(s, w), strings.HasPrefix(s, w), strings.HasSuffix(s, w))
}

func ordered(c int, op filter.CompareOperator, co, sw, ew bool) bool {
	switch op {
	case filter.EQ:
		return c == 0
	case filter.GT:
		return c > 0
	case filter.GE:
		return c >= 0
	case filter.LT:
		return c < 0
	case filter.LE:
		return c <= 0
	case filter.CO:
		return co
	case filter.SW:
		return sw
	case filter.EW:
		return ew
	}
	return false
}

// lookupKind is the index a filter can be served by.
type lookupKind int

const (
	noIndex lookupKind = iota
	byID
	byUserName
	byExternalID
	byEmail
	byDisplayName
)

// indexed returns the one-read lookup that serves e, when e is an eq on
// an indexed attribute (userName, externalId, emails.value or
// emails[value eq …] for users; displayName for groups; id), alone or
// and-ed with anything else (which the candidate is then checked
// against).
func indexed(rt *resourceType, e filter.Expression) (lookupKind, string) {
	switch x := e.(type) {
	case *filter.LogicalExpression:
		if x.Operator != filter.AND {
			return noIndex, ""
		}
		if k, v := indexed(rt, x.Left); k != noIndex {
			return k, v
		}
		return indexed(rt, x.Right)
	case *filter.ValuePath:
		if rt == &userType && strings.EqualFold(x.AttributePath.AttributeName, "emails") && x.AttributePath.URI() == "" {
			if in, ok := x.ValueFilter.(*filter.AttributeExpression); ok && in.Operator == filter.EQ &&
				strings.EqualFold(in.AttributePath.AttributeName, "value") {
				if s, ok := in.CompareValue.(string); ok {
					return byEmail, s
				}
			}
		}
	case *filter.AttributeExpression:
		s, ok := x.CompareValue.(string)
		if x.Operator != filter.EQ || !ok {
			return noIndex, ""
		}
		r, ok := resolve(rt, x.AttributePath, nil)
		if !ok || r.ext != "" {
			return noIndex, ""
		}
		switch {
		case r.top.Name == "id":
			return byID, s
		case r.top.Name == "externalId":
			return byExternalID, s
		case rt == &userType && r.top.Name == "userName":
			return byUserName, s
		case rt == &userType && r.top.Name == "emails" && r.leaf.Name == "value":
			return byEmail, s
		case rt == &groupType && r.top.Name == "displayName":
			return byDisplayName, s
		}
	}
	return noIndex, ""
}
