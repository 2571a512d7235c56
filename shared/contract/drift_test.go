package contract_test

import (
	"slices"
	"strings"
	"testing"

	"roster/shared/catalog"
)

// TestDescriptionListsEveryRouteAndNoOther fails when a route is served (by
// the code, which catalog_test holds to template.yaml) but not described in
// openapi.yaml, or described but not served.
func TestDescriptionListsEveryRouteAndNoOther(t *testing.T) {
	var served, described []string
	for _, f := range catalog.Functions() {
		for _, r := range f.Routes {
			served = append(served, strings.ToUpper(r.Method)+" "+r.Path)
		}
	}
	for _, op := range spec.Operations() {
		described = append(described, op.Method+" "+op.Path)
	}
	slices.Sort(served)
	slices.Sort(described)
	for _, r := range served {
		if !slices.Contains(described, r) {
			t.Errorf("served but not in openapi.yaml: %s", r)
		}
	}
	for _, r := range described {
		if !slices.Contains(served, r) {
			t.Errorf("in openapi.yaml but not served: %s", r)
		}
	}
}

// TestEveryOperationDocumentsItsErrors fails when an operation lists no
// error status: every route refuses something.
func TestEveryOperationDocumentsItsErrors(t *testing.T) {
	for _, op := range spec.Operations() {
		if !slices.ContainsFunc(op.Statuses, func(s int) bool { return s >= 400 && s < 500 }) {
			t.Errorf("%s %s documents no 4xx status", op.Method, op.Path)
		}
		if slices.ContainsFunc(op.Statuses, func(s int) bool { return s >= 500 }) {
			t.Errorf("%s %s documents a server error; server errors are never part of the contract", op.Method, op.Path)
		}
	}
}
