package scim

import (
	"fmt"
	"strings"

	filter "github.com/scim2/filter-parser/v2"
)

// PATCH (RFC 7644 §3.5.2) on a resource as an object: each operation is
// applied in order to a copy, and the result is read back as a whole
// resource (userFrom, groupFrom), so a PATCH obeys exactly the rules a
// PUT does. What the big clients send beyond the letter of the RFC is
// taken: Entra ID's capitalised op names ("Replace"), boolean strings
// ("False"), Okta's and Entra ID's value objects without a path, and a
// remove of members named by value.

// maxOperations bounds the operations of one PATCH.
const maxOperations = 1000

// patchOp is one operation.
type patchOp struct {
	Op    string // add, remove or replace, lower case
	Path  string
	Value any
	index int
}

// patchFrom reads a PatchOp message.
func patchFrom(m object) ([]patchOp, error) {
	var ops []patchOp
	hasSchema, hasOps := false, false
	for k, v := range m {
		switch strings.ToLower(k) {
		case "schemas":
			list, ok := strings_(v)
			if !ok || len(list) != 1 || !strings.EqualFold(list[0], PatchSchema) {
				return nil, invalid(invalidSyntax, "schemas", "must be ["+PatchSchema+"]")
			}
			hasSchema = true
		case "operations":
			list, ok := v.([]any)
			if !ok || len(list) == 0 {
				return nil, invalid(invalidSyntax, "Operations", "must list at least one operation")
			}
			if len(list) > maxOperations {
				return nil, invalid(tooMany, "Operations", fmt.Sprintf("must list at most %d operations", maxOperations))
			}
			hasOps = true
			for i, item := range list {
				o, ok := item.(object)
				if !ok {
					return nil, invalid(invalidSyntax, fmt.Sprintf("Operations[%d]", i), "must be an object")
				}
				op := patchOp{index: i}
				for ok, ov := range o {
					field := fmt.Sprintf("Operations[%d].%s", i, ok)
					switch strings.ToLower(ok) {
					case "op":
						s, _ := ov.(string)
						op.Op = strings.ToLower(s)
						if op.Op != "add" && op.Op != "remove" && op.Op != "replace" {
							return nil, invalid(invalidSyntax, field, "must be add, remove or replace")
						}
					case "path":
						s, ok := ov.(string)
						if !ok {
							return nil, invalid(invalidPath, field, "must be a string")
						}
						op.Path = s
					case "value":
						op.Value = ov
					default:
						return nil, invalid(invalidSyntax, field, "is not a member of an operation")
					}
				}
				if op.Op == "" {
					return nil, invalid(invalidSyntax, fmt.Sprintf("Operations[%d].op", i), "is required: add, remove or replace")
				}
				ops = append(ops, op)
			}
		default:
			return nil, invalid(invalidSyntax, k, "is not a member of a PatchOp message")
		}
	}
	if !hasSchema {
		return nil, invalid(invalidSyntax, "schemas", "is required: ["+PatchSchema+"]")
	}
	if !hasOps {
		return nil, invalid(invalidSyntax, "Operations", "is required")
	}
	return ops, nil
}

// applyPatch applies ops to a deep copy of res.
func applyPatch(rt *resourceType, res object, ops []patchOp) (object, error) {
	m := deepCopy(res).(object)
	for _, op := range ops {
		field := fmt.Sprintf("Operations[%d]", op.index)
		var err error
		if op.Path == "" {
			err = applyNoPath(rt, m, op, field)
		} else {
			err = applyPath(rt, m, op, field)
		}
		if err != nil {
			return nil, err
		}
	}
	onePrimary(m)
	return m, nil
}

// applyNoPath applies an add or replace whose value is an object of
// attributes (RFC 7644 §3.5.2.1 and .3: "If omitted, the target location
// is assumed to be the resource itself").
func applyNoPath(rt *resourceType, m object, op patchOp, field string) error {
	if op.Op == "remove" {
		return invalid(noTarget, field+".path", "is required to remove")
	}
	vals, ok := op.Value.(object)
	if !ok {
		return invalid(invalidValue, field+".value", "must be an object of attributes when there is no path")
	}
	for k, v := range vals {
		if strings.EqualFold(k, "schemas") {
			continue
		}
		uri, name := splitURN(k)
		a, ext, ok := rt.lookup(uri, name)
		if !ok && strings.Contains(name, ".") {
			// A sub-attribute named by its path ("name.givenName"), as
			// Entra ID sends them without a path: that path, that value.
			if err := applyPath(rt, m, patchOp{Op: op.Op, Path: k, Value: v, index: op.index}, field); err != nil {
				return err
			}
			continue
		}
		if !ok {
			return invalid(invalidPath, field+".value."+k, "is not an attribute of "+rt.Name)
		}
		if a == nil { // a whole extension object
			sub, ok := v.(object)
			if !ok {
				return invalid(invalidValue, field+".value."+k, "must be an object")
			}
			for sk, sv := range sub {
				if strings.EqualFold(sk, "schemas") {
					continue // some clients send an extension's object with its schemas
				}
				sa := find(rt.extension(ext).Attributes, sk)
				if sa == nil {
					return invalid(invalidPath, field+".value."+k+"."+sk, "is not an attribute of "+rt.Name)
				}
				if err := setAttr(containerFor(m, ext), sa, sv, op.Op, field+".value."+sk); err != nil {
					return err
				}
			}
			continue
		}
		// A dotted name ("name.givenName"), as some clients send without
		// a path, names a sub-attribute.
		if err := setAttr(containerFor(m, ext), a, v, op.Op, field+".value."+k); err != nil {
			return err
		}
	}
	return nil
}

// containerFor is the object a top-level attribute of ext lives in,
// created when missing.
func containerFor(m object, ext string) object {
	if ext == "" {
		return m
	}
	o, _ := m[ext].(object)
	if o == nil {
		o = object{}
		m[ext] = o
	}
	return o
}

// setAttr adds or replaces attribute a in c with v.
func setAttr(c object, a *attribute, v any, op, field string) error {
	if !a.mutable() {
		return invalid(mutability, field, a.Name+" is read-only")
	}
	cv, err := value(a, v, field)
	if err != nil {
		return err
	}
	if cv == nil {
		delete(c, a.Name)
		return nil
	}
	switch {
	case a.Multi && op == "add":
		existing, _ := c[a.Name].([]any)
		c[a.Name] = mergeValues(existing, cv.([]any))
	case a.Type == typeComplex && !a.Multi:
		// Sub-attributes not given are kept (RFC 7644 §3.5.2.1, .3).
		o, _ := c[a.Name].(object)
		if o == nil {
			o = object{}
		}
		for k, sv := range cv.(object) {
			o[k] = sv
		}
		c[a.Name] = o
	default:
		c[a.Name] = cv
	}
	return nil
}

// mergeValues adds values to a multi-valued attribute, leaving out those
// already there (RFC 7644 §3.5.2.1: "If the value exists, it is not
// added"), judged by their value sub-attribute when they have one.
func mergeValues(existing, add []any) []any {
	out := append([]any(nil), existing...)
	for _, v := range add {
		if !containsValue(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func containsValue(list []any, v any) bool {
	vo, isObj := v.(object)
	for _, el := range list {
		eo, ok := el.(object)
		if isObj && ok {
			if vv, has := vo["value"]; has && fmt.Sprint(eo["value"]) == fmt.Sprint(vv) {
				return true
			}
			continue
		}
		if fmt.Sprint(el) == fmt.Sprint(v) {
			return true
		}
	}
	return false
}

// applyPath applies an operation with a path (RFC 7644 §3.5.2).
func applyPath(rt *resourceType, m object, op patchOp, field string) error {
	if e := rt.extension(op.Path); e != nil { // the whole extension
		if op.Op == "remove" {
			delete(m, e.ID)
			return nil
		}
		if op.Op == "replace" {
			delete(m, e.ID)
		}
		return applyNoPath(rt, m, patchOp{Op: op.Op, Value: object{e.ID: op.Value}, index: op.index}, field)
	}
	p, err := filter.ParsePath([]byte(op.Path))
	if err != nil {
		// An extension attribute named in full, as Entra ID sends it
		// ("urn:…:enterprise:2.0:User:manager"), parses as a path too;
		// what does not is no path.
		return invalid(invalidPath, field+".path", "is not a SCIM attribute path")
	}
	if p.ValueExpression != nil {
		if err := checkExpr(rt, &filter.ValuePath{AttributePath: p.AttributePath, ValueFilter: p.ValueExpression}, nil); err != nil {
			return invalid(invalidPath, field+".path", "has a filter that is not valid for "+p.AttributePath.String())
		}
	}
	top, ext, ok := rt.lookup(p.AttributePath.URI(), p.AttributePath.AttributeName)
	if !ok || top == nil {
		if ok && top == nil && op.Op != "remove" { // the whole extension
			return applyNoPath(rt, m, patchOp{Op: op.Op, Value: object{ext: op.Value}, index: op.index}, field)
		}
		if ok && top == nil {
			delete(m, ext)
			return nil
		}
		return invalid(invalidPath, field+".path", "names "+op.Path+", which is not an attribute of "+rt.Name)
	}
	// The sub-attribute the path ends in: name.givenName, or
	// emails[type eq "work"].value.
	var sub *attribute
	subName := p.AttributePath.SubAttributeName()
	if p.ValueExpression != nil {
		subName = p.SubAttributeName()
	}
	if subName != "" {
		if sub = find(top.Sub, subName); sub == nil {
			return invalid(invalidPath, field+".path", "names "+op.Path+", which is not an attribute of "+rt.Name)
		}
	}
	if !top.mutable() || sub != nil && !sub.mutable() {
		return invalid(mutability, field+".path", op.Path+" is read-only")
	}
	// Past this point a problem is the value's or the target's: it is
	// named by the path.
	c := containerFor(m, ext)
	if p.ValueExpression == nil {
		if sub == nil {
			return pathWhole(c, top, op, op.Path)
		}
		return pathSub(c, top, sub, op, op.Path)
	}
	return pathFiltered(c, top, sub, p.ValueExpression, op, op.Path)
}

// pathWhole applies op to a whole attribute.
func pathWhole(c object, a *attribute, op patchOp, field string) error {
	switch op.Op {
	case "remove":
		if a.Required {
			return invalid(invalidValue, field, a.Name+" is required and cannot be removed")
		}
		if op.Value != nil && a.Multi {
			// Remove the values given (Entra ID's member removal).
			rm, err := value(a, op.Value, field)
			if err != nil {
				return err
			}
			list, _ := c[a.Name].([]any)
			var keep []any
			for _, el := range list {
				if !containsValue(rm.([]any), el) {
					keep = append(keep, el)
				}
			}
			c[a.Name] = keep
			return nil
		}
		delete(c, a.Name)
		return nil
	case "add", "replace":
		v := op.Value
		if a.Multi {
			if _, isList := v.([]any); !isList && v != nil {
				v = []any{v} // one value given alone
			}
		}
		if op.Op == "replace" && a.Multi {
			delete(c, a.Name)
		}
		return setAttr(c, a, v, "add", field)
	}
	return nil
}

// pathSub applies op to a sub-attribute of a single complex attribute
// (name.givenName), or of every value of a multi-valued one.
func pathSub(c object, top, sub *attribute, op patchOp, field string) error {
	if top.Multi {
		return pathFiltered(c, top, sub, nil, op, field)
	}
	o, _ := c[top.Name].(object)
	if o == nil {
		o = object{}
	}
	if op.Op == "remove" {
		delete(o, sub.Name)
	} else {
		cv, err := value(sub, op.Value, field)
		if err != nil {
			return err
		}
		if cv == nil {
			delete(o, sub.Name)
		} else {
			o[sub.Name] = cv
		}
	}
	if len(o) == 0 {
		delete(c, top.Name)
	} else {
		c[top.Name] = o
	}
	return nil
}

// pathFiltered applies op to the values of a multi-valued attribute that
// match f (every value when f is nil), or to their sub-attribute sub.
// An add or replace that matches nothing, with a filter of the form
// `type eq "work"`, adds a value of that type, as Entra ID expects; any
// other replace that matches nothing is noTarget.
func pathFiltered(c object, top, sub *attribute, f filter.Expression, op patchOp, field string) error {
	list, _ := c[top.Name].([]any)
	hit := func(el any) bool {
		o, ok := el.(object)
		return ok && (f == nil || matchesWithin(top, f, o))
	}
	var cv any
	if op.Op != "remove" {
		target := *top
		target.Multi = false
		if sub != nil {
			target = *sub
		}
		var err error
		if cv, err = value(&target, op.Value, field); err != nil {
			return err
		}
	}
	found := false
	var out []any
	for _, el := range list {
		if !hit(el) {
			out = append(out, el)
			continue
		}
		found = true
		switch {
		case op.Op == "remove" && sub == nil:
			continue
		case op.Op == "remove":
			o := copyObject(el.(object))
			delete(o, sub.Name)
			out = append(out, o)
		case sub == nil:
			o := copyObject(el.(object))
			if op.Op == "replace" {
				o = object{}
			}
			if nv, ok := cv.(object); ok {
				for k, v := range nv {
					o[k] = v
				}
			}
			out = append(out, o)
		default:
			o := copyObject(el.(object))
			o[sub.Name] = cv
			out = append(out, o)
		}
	}
	if !found && op.Op != "remove" && cv != nil {
		if k, v, ok := simpleEq(f); ok {
			o := object{k: v}
			if sub != nil {
				o[sub.Name] = cv
			} else if nv, ok := cv.(object); ok {
				for k, v := range nv {
					o[k] = v
				}
			}
			out = append(out, o)
			found = true
		}
	}
	if !found && op.Op == "replace" {
		return invalid(noTarget, field, "matches no value of "+top.Name)
	}
	if len(out) == 0 {
		delete(c, top.Name)
	} else {
		c[top.Name] = out
	}
	return nil
}

// simpleEq reads a filter of the form `attr eq "value"`.
func simpleEq(f filter.Expression) (string, any, bool) {
	x, ok := f.(*filter.AttributeExpression)
	if !ok || x.Operator != filter.EQ || x.AttributePath.SubAttribute != nil || x.AttributePath.URIPrefix != nil {
		return "", nil, false
	}
	return x.AttributePath.AttributeName, x.CompareValue, true
}

// onePrimary leaves at most one value of each multi-valued attribute
// marked primary: the last one marked (RFC 7643 §2.4: adding a primary
// value makes it the only primary one).
func onePrimary(m object) {
	for _, v := range m {
		list, ok := v.([]any)
		if !ok {
			continue
		}
		last := -1
		for i, el := range list {
			if o, ok := el.(object); ok && o["primary"] == true {
				last = i
			}
		}
		for i, el := range list {
			if o, ok := el.(object); ok && i != last && o["primary"] == true {
				list[i] = copyObject(o)
				delete(list[i].(object), "primary")
			}
		}
	}
}

func copyObject(o object) object {
	out := make(object, len(o))
	for k, v := range o {
		out[k] = v
	}
	return out
}

// deepCopy copies a JSON value.
func deepCopy(v any) any {
	switch x := v.(type) {
	case object:
		out := make(object, len(x))
		for k, e := range x {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}
