package web_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"roster/shared/fault"
	"roster/shared/web"
)

func testRoutes() []web.Route {
	echo := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			web.Encode(w, http.StatusOK, map[string]string{"route": name, "pattern": r.Pattern, "userId": r.PathValue("userId")})
		})
	}
	return []web.Route{
		{Method: http.MethodGet, Path: "/users", Handler: echo("list")},
		{Method: http.MethodPost, Path: "/users", Handler: echo("create")},
		{Method: http.MethodGet, Path: "/users/{userId}", Handler: echo("get")},
		{Method: http.MethodPut, Path: "/users/{userId}", Handler: echo("put")},
		{Method: http.MethodDelete, Path: "/users/{userId}", Handler: echo("delete")},
		{Method: http.MethodPost, Path: "/users/{userId}/disable", Handler: echo("disable")},
	}
}

func TestNewMuxRoutesByMethodAndPath(t *testing.T) {
	h := web.NewMux(testRoutes(), nil)
	tests := []struct{ method, path, route, userID string }{
		{"GET", "/users", "list", ""},
		{"POST", "/users", "create", ""},
		{"GET", "/users/u1", "get", "u1"},
		{"HEAD", "/users/u1", "get", "u1"},
		{"DELETE", "/users/u1", "delete", "u1"},
		{"POST", "/users/u1/disable", "disable", "u1"},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(tt.method, tt.path, nil))
		if w.Code != 200 {
			t.Errorf("%s %s: %d %s", tt.method, tt.path, w.Code, w.Body)
			continue
		}
		if tt.method == "HEAD" {
			continue
		}
		var got map[string]string
		json.Unmarshal(w.Body.Bytes(), &got)
		if got["route"] != tt.route || got["userId"] != tt.userID || !strings.HasPrefix(got["pattern"], tt.method+" ") {
			t.Errorf("%s %s: got %v", tt.method, tt.path, got)
		}
	}
}

func TestNewMuxRendersMissesAsProblems(t *testing.T) {
	h := web.NewMux(testRoutes(), nil)
	tests := []struct {
		method, path string
		status       int
		allow        string
	}{
		{"GET", "/nope", 404, ""},
		{"GET", "/users/u1/nope", 404, ""},
		{"GET", "/", 404, ""},
		{"PATCH", "/users/u1", 405, "DELETE, GET, HEAD, PUT"},
		{"DELETE", "/users", 405, "GET, HEAD, POST"},
		{"GET", "/users/u1/disable", 405, "POST"},
		{"OPTIONS", "/users/u1/disable", 405, "POST"},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(tt.method, tt.path, nil))
		if w.Code != tt.status {
			t.Errorf("%s %s: status %d, want %d", tt.method, tt.path, w.Code, tt.status)
		}
		if got := w.Header().Get("Allow"); got != tt.allow {
			t.Errorf("%s %s: Allow %q, want %q", tt.method, tt.path, got, tt.allow)
		}
		var p web.Problem
		if w.Header().Get("Content-Type") != "application/problem+json" || json.Unmarshal(w.Body.Bytes(), &p) != nil || p.Status != tt.status {
			t.Errorf("%s %s: not a problem: %q %s", tt.method, tt.path, w.Header().Get("Content-Type"), w.Body)
		}
	}
}

func TestNewMuxSendsMissesThroughTheGroupErrorWriter(t *testing.T) {
	var codes []fault.Code
	errw := func(w http.ResponseWriter, r *http.Request, err error) {
		codes = append(codes, fault.CodeOf(err))
		w.WriteHeader(web.StatusOf(fault.CodeOf(err)))
	}
	h := web.NewMux(testRoutes(), errw)
	for _, req := range []*http.Request{httptest.NewRequest("GET", "/nope", nil), httptest.NewRequest("PATCH", "/users", nil)} {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	if len(codes) != 2 || codes[0] != fault.NotFound || codes[1] != fault.MethodNotAllowed {
		t.Errorf("codes = %v", codes)
	}
}

func TestNewMuxKeepsServeMuxRedirects(t *testing.T) {
	h := web.NewMux(testRoutes(), nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/users//u1", nil))
	if w.Code != http.StatusTemporaryRedirect && w.Code != http.StatusMovedPermanently {
		t.Errorf("unclean path: %d", w.Code)
	}
}

func TestNewMuxAddsTheRouteToLogs(t *testing.T) {
	var logs bytes.Buffer
	h := web.NewHandler(testRoutes(), web.NewLogger(&logs, "info"), nil)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/users/u1", nil))
	if !strings.Contains(logs.String(), `"route":"GET /users/{userId}"`) {
		t.Errorf("logs: %s", logs.String())
	}
}
