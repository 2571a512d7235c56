// Package contract reads Roster's API description (openapi.yaml) and checks
// real HTTP exchanges against it: that an answer's status is documented for
// its operation and that its headers and body match the documented schema.
// The contract tests drive every route through the handlers that run in
// Lambda and hold each answer to the description.
package contract

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"roster"
)

// Spec is the parsed API description with a router over its paths.
type Spec struct {
	Doc    *openapi3.T
	router routers.Router
}

// Operation is one documented method and path with the statuses it may answer.
type Operation struct {
	Method, Path string
	Tags         []string
	Statuses     []int
}

// Key names an operation and one of its statuses, as coverage counts them.
type Key struct {
	Method, Path string
	Status       int
}

func (k Key) String() string { return fmt.Sprintf("%s %s %d", k.Method, k.Path, k.Status) }

// Load parses and validates the embedded description.
func Load() (*Spec, error) {
	return Parse(roster.OpenAPI)
}

// Parse parses and validates a description.
func Parse(b []byte) (*Spec, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(b)
	if err != nil {
		return nil, fmt.Errorf("parse openapi.yaml: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("openapi.yaml is not a valid description: %w", err)
	}
	// Route on paths only: the servers list names where `make run` listens,
	// and the tests call handlers at any host.
	bare := *doc
	bare.Servers = nil
	r, err := gorillamux.NewRouter(&bare)
	if err != nil {
		return nil, fmt.Errorf("route openapi.yaml: %w", err)
	}
	return &Spec{Doc: doc, router: r}, nil
}

// Operations lists every documented operation, sorted by path and method.
func (s *Spec) Operations() []Operation {
	var ops []Operation
	for path, item := range s.Doc.Paths.Map() {
		for method, op := range item.Operations() {
			o := Operation{Method: method, Path: path, Tags: op.Tags}
			for code := range op.Responses.Map() {
				if n, err := strconv.Atoi(code); err == nil {
					o.Statuses = append(o.Statuses, n)
				}
			}
			slices.Sort(o.Statuses)
			ops = append(ops, o)
		}
	}
	sort.Slice(ops, func(i, j int) bool {
		if ops[i].Path != ops[j].Path {
			return ops[i].Path < ops[j].Path
		}
		return ops[i].Method < ops[j].Method
	})
	return ops
}

// Check holds one exchange to the description: the request must match a
// documented operation, and the answer's status, headers and body must be
// documented for it. It returns the operation and status for coverage.
// The request's body must still be readable (tests keep a copy).
func (s *Spec) Check(req *http.Request, reqBody []byte, status int, header http.Header, body []byte) (Key, error) {
	route, params, err := s.router.FindRoute(req)
	if err != nil {
		return Key{}, fmt.Errorf("%s %s is not a documented operation: %w", req.Method, req.URL.Path, err)
	}
	key := Key{Method: req.Method, Path: route.Path, Status: status}
	if route.Operation.Responses.Status(status) == nil {
		return key, fmt.Errorf("%s answered %d, which is not documented (body %s)", key.Method+" "+key.Path, status, truncate(body))
	}
	req = req.Clone(req.Context())
	req.Body = io.NopCloser(bytes.NewReader(reqBody))
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status: status,
		Header: header,
		Body:   io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{
			IncludeResponseStatus: true,
			MultiError:            true,
		},
	}
	if err := openapi3filter.ValidateResponse(req.Context(), in); err != nil {
		return key, fmt.Errorf("%s answer breaks the description: %w\nbody: %s", key, err, truncate(body))
	}
	return key, nil
}

// CheckRequest holds a request to the description, for requests a test
// means to be valid.
func (s *Spec) CheckRequest(req *http.Request, reqBody []byte) error {
	route, params, err := s.router.FindRoute(req)
	if err != nil {
		return fmt.Errorf("%s %s is not a documented operation: %w", req.Method, req.URL.Path, err)
	}
	req = req.Clone(req.Context())
	req.Body = io.NopCloser(bytes.NewReader(reqBody))
	return openapi3filter.ValidateRequest(req.Context(), &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true},
	})
}

func truncate(b []byte) string {
	const max = 600
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}
