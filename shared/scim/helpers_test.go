package scim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"roster/shared/auth"
	"roster/shared/platform"
	"roster/shared/scim"
	"roster/shared/store"
	"roster/shared/store/storetest"
	"roster/shared/web/webtest"
)

// The callers of the tests: the SCIM tokens of tenants acme and globex,
// and acme's ordinary admin key.
var (
	acmeToken   = auth.Principal{TenantID: "acme", KeyID: "scimacme", Roles: []string{"scim"}, Method: auth.ViaAPIKey}
	globexToken = auth.Principal{TenantID: "globex", KeyID: "scimglobex", Roles: []string{"scim"}, Method: auth.ViaAPIKey}
	acmeAdmin   = auth.Principal{TenantID: "acme", KeyID: "adminacme", Roles: []string{"admin"}, Method: auth.ViaAPIKey}
)

// live is the group over a real table, as the composition root builds it.
type live struct {
	t    *testing.T
	env  storetest.Env
	p    *platform.Platform
	h    http.Handler
	as   *auth.Principal
	logs *bytes.Buffer
}

// res is an answer as a test reads it.
type res struct {
	Code   int
	Header http.Header
	Body   []byte
}

// JSON decodes the body as an object.
func (r res) JSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body %q: %v", r.Body, err)
	}
	return m
}

func newLive(t *testing.T, env storetest.Env) *live {
	t.Helper()
	env.Tenant(t, "acme")
	env.Tenant(t, "globex")
	l := &live{t: t, env: env, logs: &bytes.Buffer{}}
	l.p = webtest.PlatformOn(t, env.Table, l.logs)
	authn := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { webtest.As(l.as)(next).ServeHTTP(w, r) })
	}
	l.h = l.p.SCIM(authn)
	return l
}

// sendCounted sends a request as send does, and returns the DynamoDB
// calls it made.
func (l *live) sendCounted(p auth.Principal, method, target, body string) (res, *store.Usage) {
	l.t.Helper()
	ctx, usage := store.WithUsage(context.Background())
	l.as = &p
	rq := webtest.Request{Method: method, Target: target, Body: body, Header: map[string]string{}}
	if body != "" {
		rq.Header["Content-Type"] = scim.ContentType
	}
	w := httptest.NewRecorder()
	l.h.ServeHTTP(w, webtest.NewRequest(rq).WithContext(ctx))
	return res{Code: w.Code, Header: w.Header(), Body: w.Body.Bytes()}, usage
}

// send sends a request as p, the body (when not empty) as
// application/scim+json; header pairs follow.
func (l *live) send(p auth.Principal, method, target, body string, header ...string) res {
	l.t.Helper()
	l.as = &p
	rq := webtest.Request{Method: method, Target: target, Body: body, Header: map[string]string{}}
	if body != "" {
		rq.Header["Content-Type"] = scim.ContentType
	}
	for i := 0; i+1 < len(header); i += 2 {
		rq.Header[header[i]] = header[i+1]
	}
	w := httptest.NewRecorder()
	l.h.ServeHTTP(w, webtest.NewRequest(rq))
	out := res{Code: w.Code, Header: w.Header(), Body: w.Body.Bytes()}
	if out.Code >= 500 {
		l.t.Errorf("%s %s: %d %s\n%s", method, target, out.Code, out.Body, l.logs.String())
	}
	return out
}

// want fails the test unless r has status code.
func want(t *testing.T, r res, code int) {
	t.Helper()
	if r.Code != code {
		t.Fatalf("status %d, want %d: %s", r.Code, code, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); r.Code != http.StatusNoContent && ct != scim.ContentType {
		t.Errorf("Content-Type %q, want %s", ct, scim.ContentType)
	}
}

// wantError checks a SCIM error: the status, the scimType (or none) and
// words of the detail.
func wantError(t *testing.T, r res, code int, scimType string, words ...string) {
	t.Helper()
	want(t, r, code)
	var e struct {
		Schemas  []string
		Status   string
		ScimType string
		Detail   string
	}
	if err := json.Unmarshal(r.Body, &e); err != nil {
		t.Fatalf("error body %q: %v", r.Body, err)
	}
	if len(e.Schemas) != 1 || e.Schemas[0] != "urn:ietf:params:scim:api:messages:2.0:Error" {
		t.Errorf("schemas %v", e.Schemas)
	}
	if e.Status != strconv.Itoa(code) {
		t.Errorf("status %q, want %d", e.Status, code)
	}
	if e.ScimType != scimType {
		t.Errorf("scimType %q, want %q (%s)", e.ScimType, scimType, e.Detail)
	}
	for _, w := range words {
		if !strings.Contains(e.Detail, w) {
			t.Errorf("detail %q does not say %q", e.Detail, w)
		}
	}
}

// path reads a value out of a decoded object by dotted keys.
func path(m map[string]any, keys ...string) any {
	var v any = m
	for _, k := range keys {
		o, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = o[k]
	}
	return v
}

// barbara is a typical create body, as Okta sends it.
const barbara = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
 "userName":"barbara@acme.example","name":{"givenName":"Barbara","familyName":"Liskov"},
 "emails":[{"primary":true,"value":"barbara@acme.example","type":"work"}],
 "displayName":"Barbara Liskov","locale":"en-US","externalId":"00u1barbara","groups":[],"active":true}`
