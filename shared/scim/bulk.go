package scim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
)

// Bulk (RFC 7644 §3.7): the operations run in the order given, each
// through the same handler its own route runs (so each is one create,
// change or delete with its own checks and costs, never a transaction
// across operations); "bulkId:<id>" in a path or a value becomes the id
// of the resource an earlier operation of the request created. After
// failOnErrors failures the rest are not run.

// Bulk limits, stated in /ServiceProviderConfig: 300 creates (each a
// transaction, some with a password to hash) fit in the function's 29 s,
// which is API Gateway's limit too.
const maxBulkOperations = 300

// bulkRef is a reference to an earlier operation's resource.
var bulkRef = regexp.MustCompile(`bulkId:([A-Za-z0-9_.\-]{1,100})`)

type bulkOp struct {
	Method  string `json:"method"`
	BulkID  string `json:"bulkId,omitempty"`
	Version string `json:"version,omitempty"`
	Path    string `json:"path"`
	Data    any    `json:"data,omitempty"`
}

type bulkResult struct {
	Method   string          `json:"method"`
	BulkID   string          `json:"bulkId,omitempty"`
	Version  string          `json:"version,omitempty"`
	Location string          `json:"location,omitempty"`
	Status   string          `json:"status"`
	Response json.RawMessage `json:"response,omitempty"`
}

// bulkRoutes are what a bulk operation may do, each served by the route
// that serves it alone.
func (s *server) bulkMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /Users", s.createUser)
	mux.HandleFunc("PUT /Users/{id}", s.replaceUser)
	mux.HandleFunc("PATCH /Users/{id}", s.patchUser)
	mux.HandleFunc("DELETE /Users/{id}", s.deleteUser)
	mux.HandleFunc("POST /Groups", s.createGroup)
	mux.HandleFunc("PUT /Groups/{id}", s.replaceGroup)
	mux.HandleFunc("PATCH /Groups/{id}", s.patchGroup)
	mux.HandleFunc("DELETE /Groups/{id}", s.deleteGroup)
	return mux
}

// bulk answers POST /Bulk.
func (s *server) bulk(w http.ResponseWriter, r *http.Request) {
	body, err := decodeObject(r, maxBulkBytes)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	ops, failOn, err := bulkFrom(body)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	mux := s.bulkMux()
	ids := map[string]string{} // bulkId -> the id it created
	var out []bulkResult
	failures := 0
	for i, op := range ops {
		if failOn > 0 && failures >= failOn {
			break
		}
		res := bulkResult{Method: op.Method, BulkID: op.BulkID}
		path, data, missing := resolveRefs(op, ids)
		if missing != "" {
			res.Status, res.Response = bulkError(r, invalid(invalidValue, fmt.Sprintf("Operations[%d]", i), "refers to bulkId:"+missing+", which no earlier operation created"), http.StatusConflict)
			out = append(out, res)
			failures++
			continue
		}
		rq := httptest.NewRequest(op.Method, path, bytes.NewReader(data)).WithContext(r.Context())
		rq.Host = r.Host
		rq.Header.Set("X-Forwarded-Proto", r.Header.Get("X-Forwarded-Proto"))
		if len(data) > 0 {
			rq.Header.Set("Content-Type", ContentType)
		} else {
			rq.Body = http.NoBody
		}
		if op.Version != "" {
			rq.Header.Set("If-Match", op.Version)
		}
		if _, pattern := mux.Handler(rq); pattern == "" {
			res.Status, res.Response = bulkError(r, invalid(invalidPath, fmt.Sprintf("Operations[%d].path", i), op.Method+" "+op.Path+" is not an operation Bulk runs"), http.StatusBadRequest)
			out = append(out, res)
			failures++
			continue
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, rq)
		res.Status = strconv.Itoa(rec.Code)
		if rec.Code >= 400 {
			failures++
			if res.Response == nil {
				res.Response = json.RawMessage(bytes.TrimSpace(rec.Body.Bytes()))
			}
		} else {
			res.Version = rec.Header().Get("ETag")
			res.Location = rec.Header().Get("Location")
			if op.Method == http.MethodPost && op.BulkID != "" {
				var created struct {
					ID string `json:"id"`
				}
				if json.Unmarshal(rec.Body.Bytes(), &created) == nil && created.ID != "" {
					ids[op.BulkID] = created.ID
				}
			}
			if res.Location == "" && op.Method != http.MethodDelete {
				res.Location = baseURL(r) + path
			}
		}
		out = append(out, res)
	}
	encode(w, http.StatusOK, object{"schemas": []any{BulkResponse}, "Operations": out})
}

// bulkError is the status and SCIM error body of an operation refused
// before it ran.
func bulkError(r *http.Request, err error, status int) (string, json.RawMessage) {
	rec := httptest.NewRecorder()
	WriteError(rec, r, err)
	var e errorBody
	_ = json.Unmarshal(rec.Body.Bytes(), &e)
	e.Status = strconv.Itoa(status)
	b, _ := json.Marshal(e)
	return e.Status, b
}

// bulkFrom reads a BulkRequest.
func bulkFrom(m object) ([]bulkOp, int, error) {
	var ops []bulkOp
	failOn, hasSchema := 0, false
	for k, v := range m {
		switch strings.ToLower(k) {
		case "schemas":
			list, ok := strings_(v)
			if !ok || len(list) != 1 || !strings.EqualFold(list[0], BulkRequest) {
				return nil, 0, invalid(invalidSyntax, "schemas", "must be ["+BulkRequest+"]")
			}
			hasSchema = true
		case "failonerrors":
			f, ok := v.(float64)
			if !ok || f != float64(int(f)) || f < 0 {
				return nil, 0, invalid(invalidValue, "failOnErrors", "must be a whole number, 0 or more")
			}
			failOn = int(f)
		case "operations":
			list, ok := v.([]any)
			if !ok || len(list) == 0 {
				return nil, 0, invalid(invalidSyntax, "Operations", "must list at least one operation")
			}
			if len(list) > maxBulkOperations {
				return nil, 0, invalid(tooMany, "Operations", fmt.Sprintf("must list at most %d operations", maxBulkOperations))
			}
			seen := map[string]bool{}
			for i, item := range list {
				field := fmt.Sprintf("Operations[%d]", i)
				raw, _ := json.Marshal(item)
				var op bulkOp
				dec := json.NewDecoder(bytes.NewReader(raw))
				dec.DisallowUnknownFields()
				if _, isObj := item.(object); !isObj || dec.Decode(&op) != nil {
					return nil, 0, invalid(invalidSyntax, field, "must be an object of method, bulkId, version, path and data")
				}
				op.Method = strings.ToUpper(op.Method)
				switch op.Method {
				case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
				default:
					return nil, 0, invalid(invalidSyntax, field+".method", "must be POST, PUT, PATCH or DELETE")
				}
				if !strings.HasPrefix(op.Path, "/") || strings.ContainsAny(op.Path, "?#") {
					return nil, 0, invalid(invalidPath, field+".path", "must be a resource path such as /Users or /Users/{id}")
				}
				if op.Method == http.MethodPost && op.BulkID == "" {
					return nil, 0, invalid(invalidValue, field+".bulkId", "is required for POST")
				}
				if op.BulkID != "" {
					if seen[op.BulkID] {
						return nil, 0, invalid(invalidValue, field+".bulkId", "is given to an earlier operation too")
					}
					seen[op.BulkID] = true
				}
				if (op.Method == http.MethodDelete) != (op.Data == nil) {
					return nil, 0, invalid(invalidValue, field+".data", "is required, but for DELETE, which takes none")
				}
				ops = append(ops, op)
			}
		default:
			return nil, 0, invalid(invalidSyntax, k, "is not a member of a BulkRequest")
		}
	}
	if !hasSchema {
		return nil, 0, invalid(invalidSyntax, "schemas", "is required: ["+BulkRequest+"]")
	}
	if ops == nil {
		return nil, 0, invalid(invalidSyntax, "Operations", "is required")
	}
	return ops, failOn, nil
}

// resolveRefs replaces each bulkId reference in op's path and data by
// the id it created; missing names one that no earlier operation did.
func resolveRefs(op bulkOp, ids map[string]string) (path string, data []byte, missing string) {
	swap := func(s string) string {
		return bulkRef.ReplaceAllStringFunc(s, func(m string) string {
			ref := bulkRef.FindStringSubmatch(m)[1]
			if id, ok := ids[ref]; ok {
				return id
			}
			if missing == "" {
				missing = ref
			}
			return m
		})
	}
	path = swap(op.Path)
	if op.Data != nil {
		data, _ = json.Marshal(replaceStrings(op.Data, swap))
	}
	return path, data, missing
}

// replaceStrings applies f to every string in a JSON value.
func replaceStrings(v any, f func(string) string) any {
	switch x := v.(type) {
	case string:
		return f(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = replaceStrings(e, f)
		}
		return out
	case object:
		out := make(object, len(x))
		for k, e := range x {
			out[k] = replaceStrings(e, f)
		}
		return out
	}
	return v
}
