package web

import (
	"net/http"
	"strconv"
	"strings"

	"roster/shared/fault"
)

// ETag is the strong entity tag of a version: version 3 is "3".
func ETag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// IfMatchVersion reads If-Match as the version a change applies to, the
// inverse of [ETag]: 0 when there is no condition (no header, or "*").
//
// A weak tag, or a strong one that does not spell a version in decimal as
// ETag does, can never match, so it is answered at once with stale (the
// group's 412). A header that is not a single entity tag is Invalid,
// naming If-Match; hint, when not empty, ends that message and tells the
// caller where a tag comes from ("from the ETag of a read").
func IfMatchVersion(h http.Header, stale error, hint string) (int64, error) {
	vs := h.Values("If-Match")
	if len(vs) == 0 {
		return 0, nil
	}
	if hint != "" {
		hint = ", " + hint
	}
	v := strings.TrimSpace(strings.Join(vs, ","))
	switch {
	case v == "*":
		return 0, nil
	case strings.Contains(v, ","):
		return 0, fault.InvalidField("If-Match", `must be a single entity tag, such as "3"`+hint)
	case strings.HasPrefix(v, "W/") && len(v) >= 4 && v[2] == '"' && v[len(v)-1] == '"':
		return 0, stale
	case len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' || strings.ContainsRune(v[1:len(v)-1], '"'):
		return 0, fault.InvalidField("If-Match", `must be an entity tag, such as "3"`+hint)
	}
	n, err := strconv.ParseInt(v[1:len(v)-1], 10, 64)
	if err != nil || n < 1 || strconv.FormatInt(n, 10) != v[1:len(v)-1] {
		return 0, stale
	}
	return n, nil
}
