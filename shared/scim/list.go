package scim

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	filter "github.com/scim2/filter-parser/v2"
)

// Paging limits (RFC 7644 §3.4.2.4), stated in /ServiceProviderConfig.
const (
	maxCount     = 100  // resources per page; a larger count is taken as this
	defaultCount = 100  // resources per page when count is not given
	maxScan      = 1000 // users a filter no index serves may read; more is tooMany
)

// listQuery is a list or search request: the filter, the order, the page
// and the attributes to return.
type listQuery struct {
	Filter     filter.Expression
	SortBy     *resolved
	SortPath   string
	Descending bool
	Start      int // 1-based
	Count      int
	Attributes []resolved
	Excluded   []resolved
}

// listParams are the query parameters a list takes.
var listParams = []string{"filter", "sortBy", "sortOrder", "startIndex", "count", "attributes", "excludedAttributes"}

// queryFromURL reads a list's query parameters. Unknown or repeated ones
// are invalidValue; startIndex below 1 is 1, a count above maxCount is
// maxCount (RFC 7644 §3.4.2.4).
func queryFromURL(rt *resourceType, v url.Values) (listQuery, error) {
	for k, vs := range v {
		if !slices.Contains(listParams, k) {
			return listQuery{}, invalid(invalidValue, k, "is not a query parameter of a list")
		}
		if len(vs) > 1 {
			return listQuery{}, invalid(invalidValue, k, "must be given at most once")
		}
	}
	in := searchRequest{Filter: v.Get("filter"), SortBy: v.Get("sortBy"), SortOrder: v.Get("sortOrder")}
	for _, p := range []struct {
		name string
		dst  **int
	}{{"startIndex", &in.StartIndex}, {"count", &in.Count}} {
		if s := v.Get(p.name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				return listQuery{}, invalid(invalidValue, p.name, "must be an integer")
			}
			*p.dst = &n
		}
	}
	in.Attributes = splitList(v.Get("attributes"))
	in.ExcludedAttributes = splitList(v.Get("excludedAttributes"))
	return in.query(rt)
}

func splitList(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// searchRequest is the body of POST /.search (RFC 7644 §3.4.3), and the
// query parameters of a list in the same terms.
type searchRequest struct {
	Attributes         []string
	ExcludedAttributes []string
	Filter             string
	SortBy             string
	SortOrder          string
	StartIndex         *int
	Count              *int
}

// searchFrom reads a search request's body.
func searchFrom(m object) (searchRequest, error) {
	var in searchRequest
	hasSchema := false
	for k, v := range m {
		switch strings.ToLower(k) {
		case "schemas":
			list, ok := strings_(v)
			if !ok || !slices.ContainsFunc(list, func(s string) bool { return strings.EqualFold(s, SearchSchema) }) {
				return in, invalid(invalidSyntax, "schemas", "must list "+SearchSchema)
			}
			hasSchema = true
		case "attributes", "excludedattributes":
			list, ok := strings_(v)
			if !ok {
				return in, invalid(invalidValue, k, "must be a list of attribute names")
			}
			if strings.EqualFold(k, "attributes") {
				in.Attributes = list
			} else {
				in.ExcludedAttributes = list
			}
		case "filter", "sortby", "sortorder":
			s, ok := v.(string)
			if !ok {
				return in, invalid(invalidValue, k, "must be a string")
			}
			switch strings.ToLower(k) {
			case "filter":
				in.Filter = s
			case "sortby":
				in.SortBy = s
			default:
				in.SortOrder = s
			}
		case "startindex", "count":
			f, ok := v.(float64)
			if !ok || f != float64(int(f)) {
				return in, invalid(invalidValue, k, "must be an integer")
			}
			n := int(f)
			if strings.EqualFold(k, "count") {
				in.Count = &n
			} else {
				in.StartIndex = &n
			}
		default:
			return in, invalid(invalidSyntax, k, "is not a member of a search request")
		}
	}
	if !hasSchema {
		return in, invalid(invalidSyntax, "schemas", "is required: list "+SearchSchema)
	}
	return in, nil
}

// query checks the request against rt.
func (in searchRequest) query(rt *resourceType) (listQuery, error) {
	q := listQuery{Start: 1, Count: defaultCount}
	if in.Filter != "" {
		e, err := parseFilter(rt, in.Filter)
		if err != nil {
			return q, err
		}
		q.Filter = e
	}
	if in.SortBy != "" {
		r, err := attrPath(rt, "sortBy", in.SortBy)
		if err != nil {
			return q, err
		}
		if r.leaf.Type == typeComplex {
			return q, invalid(invalidValue, "sortBy", "must name an attribute with a simple value")
		}
		q.SortBy, q.SortPath = &r, in.SortBy
	}
	switch strings.ToLower(in.SortOrder) {
	case "", "ascending":
	case "descending":
		q.Descending = true
	default:
		return q, invalid(invalidValue, "sortOrder", "must be ascending or descending")
	}
	if in.StartIndex != nil && *in.StartIndex > 1 {
		q.Start = *in.StartIndex
	}
	if in.Count != nil {
		q.Count = min(max(*in.Count, 0), maxCount)
	}
	for _, a := range in.Attributes {
		r, err := attrPath(rt, "attributes", a)
		if err != nil {
			return q, err
		}
		q.Attributes = append(q.Attributes, r)
	}
	for _, a := range in.ExcludedAttributes {
		r, err := attrPath(rt, "excludedAttributes", a)
		if err != nil {
			return q, err
		}
		q.Excluded = append(q.Excluded, r)
	}
	return q, nil
}

// attrPath resolves an attribute name given in a parameter; an unknown
// one is invalidValue naming the parameter.
func attrPath(rt *resourceType, param, s string) (resolved, error) {
	if e := rt.extension(s); e != nil {
		return resolved{ext: e.ID}, nil // an extension's URN alone names all of it
	}
	p, err := filter.ParseAttrPath([]byte(s))
	if err != nil {
		return resolved{}, invalid(invalidValue, param, "names "+strconv.Quote(s)+", which is not an attribute path")
	}
	r, ok := resolve(rt, p, nil)
	if !ok {
		return resolved{}, invalid(invalidValue, param, "names "+strconv.Quote(s)+", which is not an attribute of "+rt.Name)
	}
	if p.SubAttribute == nil {
		r.sub, r.leaf = nil, r.top // the whole attribute, when asked for by name
	}
	return r, nil
}

// project trims a resource to what the query asks for: with attributes,
// those alone; without, all but excludedAttributes. id and schemas are
// always returned (RFC 7643 §7: returned "always").
func project(m object, q listQuery) object {
	if len(q.Attributes) == 0 && len(q.Excluded) == 0 {
		return m
	}
	if len(q.Attributes) > 0 {
		out := object{"id": m["id"], "schemas": m["schemas"]}
		for _, r := range q.Attributes {
			copyPath(out, m, r)
		}
		return out
	}
	out := object{}
	for k, v := range m {
		out[k] = v
	}
	for _, r := range q.Excluded {
		if r.top != nil && r.top.Returned == returnedAlways {
			continue
		}
		removePath(out, r)
	}
	return out
}

// copyPath copies what r names from src into dst.
func copyPath(dst, src object, r resolved) {
	s, d := src, dst
	if r.ext != "" {
		se, _ := src[r.ext].(object)
		if se == nil {
			return
		}
		if r.top == nil {
			dst[r.ext] = se
			return
		}
		de, _ := dst[r.ext].(object)
		if de == nil {
			de = object{}
			dst[r.ext] = de
		}
		s, d = se, de
	}
	v, ok := s[r.top.Name]
	if !ok {
		return
	}
	if r.sub == nil {
		d[r.top.Name] = v
		return
	}
	switch x := v.(type) {
	case object:
		o, _ := d[r.top.Name].(object)
		if o == nil {
			o = object{}
			d[r.top.Name] = o
		}
		if sv, ok := x[r.sub.Name]; ok {
			o[r.sub.Name] = sv
		}
	case []any:
		// Only the sub-attribute of each value.
		list := make([]any, 0, len(x))
		for _, el := range x {
			if eo, ok := el.(object); ok {
				if sv, ok := eo[r.sub.Name]; ok {
					list = append(list, object{r.sub.Name: sv})
				}
			}
		}
		d[r.top.Name] = list
	}
}

// removePath removes what r names from m (a copy: nested values are
// copied before they change).
func removePath(m object, r resolved) {
	c := m
	if r.ext != "" {
		e, _ := m[r.ext].(object)
		if e == nil {
			return
		}
		if r.top == nil {
			delete(m, r.ext)
			return
		}
		ec := object{}
		for k, v := range e {
			ec[k] = v
		}
		m[r.ext] = ec
		c = ec
	}
	if r.sub == nil {
		delete(c, r.top.Name)
		return
	}
	switch x := c[r.top.Name].(type) {
	case object:
		o := object{}
		for k, v := range x {
			if k != r.sub.Name {
				o[k] = v
			}
		}
		c[r.top.Name] = o
	case []any:
		list := make([]any, len(x))
		for i, el := range x {
			eo, _ := el.(object)
			o := object{}
			for k, v := range eo {
				if k != r.sub.Name {
					o[k] = v
				}
			}
			list[i] = o
		}
		c[r.top.Name] = list
	}
}

// sortResources orders resources by q's sortBy: a multi-valued
// attribute by its primary value (or its first), by the attribute's case
// rule; resources without a value come last either way (RFC 7644
// §3.4.2.3).
func sortResources(list []object, q listQuery) {
	if q.SortBy == nil {
		return
	}
	r := *q.SortBy
	key := func(m object) (any, bool) {
		vals := valuesOf(container(m, r.ext), r)
		if len(vals) == 0 {
			return nil, false
		}
		if r.top.Multi && r.sub != nil {
			for _, el := range elements(container(m, r.ext)[r.top.Name]) {
				if o, ok := el.(object); ok && o["primary"] == true {
					if v, ok := o[r.sub.Name]; ok {
						return v, true
					}
				}
			}
		}
		return vals[0], true
	}
	slices.SortStableFunc(list, func(a, b object) int {
		va, oka := key(a)
		vb, okb := key(b)
		switch {
		case !oka && !okb:
			return 0
		case !oka:
			return 1
		case !okb:
			return -1
		}
		c := compareValues(r.leaf, va, vb)
		if q.Descending {
			c = -c
		}
		return c
	})
}

func compareValues(a *attribute, x, y any) int {
	if a.Type == typeBoolean {
		bx, _ := x.(bool)
		by, _ := y.(bool)
		switch {
		case bx == by:
			return 0
		case !bx:
			return -1
		}
		return 1
	}
	sx, _ := x.(string)
	sy, _ := y.(string)
	if !a.CaseExact {
		sx, sy = strings.ToLower(sx), strings.ToLower(sy)
	}
	return cmp.Compare(sx, sy)
}

// listResponse is a page of a list (RFC 7644 §3.4.2).
type listResponse struct {
	Schemas      []string `json:"schemas"`
	TotalResults int      `json:"totalResults"`
	StartIndex   int      `json:"startIndex"`
	ItemsPerPage int      `json:"itemsPerPage"`
	Resources    []object `json:"Resources"`
}

// page answers one page of resources; total is the totalResults.
func page(w http.ResponseWriter, q listQuery, total int, resources []object) {
	out := listResponse{Schemas: []string{ListSchema}, TotalResults: total, StartIndex: q.Start,
		ItemsPerPage: len(resources), Resources: make([]object, len(resources))}
	for i, m := range resources {
		out.Resources[i] = project(m, q)
	}
	encode(w, http.StatusOK, out)
}

// window is the page [start, start+count) of a fully known result.
func window(list []object, q listQuery) []object {
	from := q.Start - 1
	if from >= len(list) {
		return nil
	}
	return list[from:min(len(list), from+q.Count)]
}
