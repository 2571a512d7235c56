package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	fakeKey    = "rst_fakekey"
	fakeDevice = "rdt_fakedevice"
	fakeToken  = "eyJfake.access.token"
)

// fakeRoster answers the routes the generator drives as Roster documents
// them, strictly: a duplicate email is 409, a stale If-Match 412, a wrong
// credential 401. fail, when set, makes one route answer 500.
type fakeRoster struct {
	mu       sync.Mutex
	emails   map[string]bool
	versions map[string]int // user id -> version
	access   map[int64]bool
	hits     map[string]int // "METHOD /path" without ids -> count
	fail     string         // a route pattern that answers 500
}

func newFakeRoster() *fakeRoster {
	return &fakeRoster{emails: map[string]bool{}, versions: map[string]int{}, access: map[int64]bool{}, hits: map[string]int{}}
}

func (f *fakeRoster) handler(t *testing.T) http.Handler {
	mux := http.NewServeMux()
	apiKey := func(route string, h func(w http.ResponseWriter, r *http.Request)) {
		mux.HandleFunc(route, func(w http.ResponseWriter, r *http.Request) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.hits[route]++
			switch {
			case route == f.fail:
				w.WriteHeader(http.StatusInternalServerError)
			case r.Header.Get("Authorization") != fakeKey:
				w.WriteHeader(http.StatusUnauthorized)
			case r.Method != http.MethodGet && r.Method != http.MethodDelete && r.Header.Get("Content-Type") != "application/json":
				w.WriteHeader(http.StatusUnsupportedMediaType)
			default:
				h(w, r)
			}
		})
	}
	decode := func(r *http.Request) map[string]any {
		var m map[string]any
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			t.Errorf("%s %s: body: %v", r.Method, r.URL.Path, err)
		}
		return m
	}
	newUser := func(w http.ResponseWriter, email any, body string) {
		e, _ := email.(string)
		if e == "" || f.emails[strings.ToLower(e)] {
			w.WriteHeader(http.StatusConflict)
			return
		}
		f.emails[strings.ToLower(e)] = true
		id := fmt.Sprintf("usr%d", len(f.versions)+1)
		f.versions[id] = 1
		w.Header().Set("ETag", `"1"`)
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, body, id)
	}
	apiKey("POST /UserInfo/RegisterNewUser", func(w http.ResponseWriter, r *http.Request) {
		newUser(w, decode(r)["userEmail"], `{"userId":%q}`)
	})
	apiKey("GET /UserInfo/UserId", func(w http.ResponseWriter, r *http.Request) {
		if !f.emails[strings.ToLower(r.URL.Query().Get("userEmail"))] {
			w.WriteHeader(http.StatusNotFound)
		}
	})
	apiKey("POST /users", func(w http.ResponseWriter, r *http.Request) {
		newUser(w, decode(r)["email"], `{"publicId":%q}`)
	})
	apiKey("GET /users", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("cursor") == "" {
			fmt.Fprint(w, `{"users":[],"nextCursor":"page2"}`)
		} else {
			fmt.Fprint(w, `{"users":[],"nextCursor":null}`)
		}
	})
	apiKey("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		v, ok := f.versions[r.PathValue("id")]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.Header().Set("ETag", fmt.Sprintf(`"%d"`, v))
	})
	apiKey("PUT /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		decode(r)
		v, ok := f.versions[id]
		switch {
		case !ok:
			w.WriteHeader(http.StatusNotFound)
		case r.Header.Get("If-Match") != fmt.Sprintf(`"%d"`, v):
			w.WriteHeader(http.StatusPreconditionFailed)
		default:
			f.versions[id]++
			w.Header().Set("ETag", fmt.Sprintf(`"%d"`, v+1))
		}
	})
	apiKey("POST /api/v1/accessuser/add", func(w http.ResponseWriter, r *http.Request) {
		if !bytes.Contains([]byte(fmt.Sprint(decode(r)["active"])), []byte("true")) {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		id := int64(1478293740000 + len(f.access))
		f.access[id] = true
		fmt.Fprintf(w, `{"status":0,"messageId":0,"message":"Access user x added with id %d."}`, id)
	})
	apiKey("POST /api/v1/accessuser/update", func(w http.ResponseWriter, r *http.Request) {
		if id, _ := decode(r)["id"].(float64); !f.access[int64(id)] {
			w.WriteHeader(http.StatusNotFound)
		}
	})
	apiKey("GET /api/v1/accessuser/search", func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Query().Get("searchWord"), "ld") {
			w.WriteHeader(http.StatusBadRequest)
		}
	})
	apiKey("PUT /acme/prod/identity_/api/User/{id}", func(w http.ResponseWriter, r *http.Request) {
		decode(r)
		if _, ok := f.versions[r.PathValue("id")]; !ok {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		f.versions[r.PathValue("id")]++
	})
	apiKey("GET /acme/prod/identity_/api/Group", func(http.ResponseWriter, *http.Request) {})
	// Routes with credentials of their own: a device token, an access token.
	withToken := func(route, want string, h func(w http.ResponseWriter)) {
		mux.HandleFunc(route, func(w http.ResponseWriter, r *http.Request) {
			f.mu.Lock()
			f.hits[route]++
			f.mu.Unlock()
			if r.Header.Get("Authorization") != "Bearer "+want {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			h(w)
		})
	}
	withToken("POST /account", fakeDevice, func(w http.ResponseWriter) {
		fmt.Fprintf(w, `{"accessToken":%q,"expiresIn":900}`, fakeToken)
	})
	withToken("GET /account", fakeToken, func(http.ResponseWriter) {})
	return mux
}

func TestDriveSendsEveryOperationAndNeedsNoRetry(t *testing.T) {
	f := newFakeRoster()
	srv := httptest.NewServer(f.handler(t))
	defer srv.Close()
	var mu sync.Mutex
	var events []map[string]any
	target := &Target{
		URL: srv.URL, APIKey: fakeKey, DeviceToken: fakeDevice, UserCode: "ada", Password: "pw",
		Tenant: "acme", IdentityBase: "/acme/prod", HTTP: srv.Client(), Run: "test01",
		Send: func(_ context.Context, body string) error {
			var e map[string]any
			if err := json.Unmarshal([]byte(body), &e); err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			events = append(events, e)
			return nil
		},
	}
	rec := NewRecorder()
	// Every operation equally often, so each shows up within a second.
	mix := DefaultMix()
	for i := range mix {
		mix[i].Weight = 1
	}
	drive(context.Background(), target, mix, 4, 500*time.Millisecond, 1, rec, nil, time.Second)

	sums := rec.Summaries(time.Second)
	seen := map[string]bool{}
	for _, s := range sums {
		seen[s.Op] = true
		if s.Status4xx+s.Status5xx+s.Errors > 0 {
			// The clients only touch what they made, with the version they
			// read, and never reuse a name: nothing should be refused.
			t.Errorf("%s: statuses %v, errors %q; want every request to succeed", s.Op, s.Statuses, s.Samples)
		}
	}
	for _, op := range mix.Ops() {
		if !seen[op] {
			t.Errorf("%s never ran", op)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	ids := map[string]bool{}
	for _, e := range events {
		id, _ := e["id"].(string)
		if e["type"] != "user.upsert" || e["tenant"] != "acme" || ids[id] || !strings.HasPrefix(id, "ldtest01-c") {
			t.Errorf("event %v: want a user.upsert for acme with a fresh id naming the run", e)
		}
		ids[id] = true
	}
}

func TestRunReportsAndPassesAgainstAHealthyServer(t *testing.T) {
	f := newFakeRoster()
	srv := httptest.NewServer(f.handler(t))
	defer srv.Close()
	report := filepath.Join(t.TempDir(), "out", "report.json")
	var out bytes.Buffer
	err := run(context.Background(), []string{
		"-url", srv.URL, "-api-key", fakeKey, "-device-token", fakeDevice, "-user-code", "ada", "-password", "pw",
		"-tenant", "acme", "-identity-base", "/acme/prod", "-clients", "3", "-duration", "700ms",
		"-pids", fmt.Sprint(ProcPID("/proc", os.Getppid())), "-sample-every", "100ms", "-json", report,
	}, &out)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	text := out.String()
	for _, want := range []string{"verdict: PASS", "users.update", "p99 ms", "memory (RSS, MiB)", "left out (no credential or queue for them): provisioning.event"} {
		if !strings.Contains(text, want) {
			t.Errorf("the report lacks %q:\n%s", want, text)
		}
	}
	var rep Report
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if !rep.Pass || rep.Clients != 3 || len(rep.Ops) < 2 || rep.Ops[len(rep.Ops)-1].Op != "all" || len(rep.Memory) == 0 || len(rep.Memory[0].Samples) < 5 {
		t.Errorf("JSON report %+v", rep)
	}
}

func TestRunFailsOnAServerError(t *testing.T) {
	f := newFakeRoster()
	f.fail = "GET /users/{id}"
	srv := httptest.NewServer(f.handler(t))
	defer srv.Close()
	var out bytes.Buffer
	err := run(context.Background(), []string{"-url", srv.URL, "-api-key", fakeKey, "-tenant", "acme",
		"-identity-base", "/acme/prod", "-clients", "2", "-duration", "300ms"}, &out)
	if !errors.Is(err, errFailed) {
		t.Fatalf("run: %v, want errFailed\n%s", err, out.String())
	}
	for _, want := range []string{"verdict: FAIL", "answers were 5xx", "users.get never succeeded", "users.get statuses: 500×"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRunFailsWhenTheServerIsGone(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	var out bytes.Buffer
	err := run(context.Background(), []string{"-url", url, "-api-key", fakeKey, "-clients", "1", "-duration", "200ms", "-timeout", "1s"}, &out)
	if !errors.Is(err, errFailed) || !strings.Contains(out.String(), "requests had no answer") {
		t.Errorf("run: %v, want errFailed naming the requests without answer\n%s", err, out.String())
	}
}

func TestRunWithStartWaitsForAFreshDemoFileAndSamplesTheStartedProcesses(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc on this system")
	}
	f := newFakeRoster()
	srv := httptest.NewServer(f.handler(t))
	defer srv.Close()
	dir := t.TempDir()
	demo := filepath.Join(dir, "demo.json")
	// An earlier server's demo file names a port nobody listens on.
	if err := os.WriteFile(demo, []byte(`{"apiUrl":"http://127.0.0.1:1","apiKey":"old"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	hourAgo := time.Now().Add(-time.Hour)
	if err := os.Chtimes(demo, hourAgo, hourAgo); err != nil {
		t.Fatal(err)
	}
	// The "server" writes the demo file, as cmd/local does, and lives on
	// with a child, as cmd/local lives with moto_server.
	script := fmt.Sprintf(`sleep 0.5; printf '{"apiUrl":%%s,"apiKey":%%s,"tenantId":"acme"}' '"%s"' '"%s"' > %s; sleep 30 & sleep 30`, srv.URL, fakeKey, demo)
	var out bytes.Buffer
	err := run(context.Background(), []string{"-start", script, "-demo", demo, "-start-log", filepath.Join(dir, "server.log"),
		"-identity-base", "/acme/prod", "-clients", "1", "-duration", "500ms", "-sample-every", "100ms"}, &out)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	if n := len(regexp.MustCompile(`(?m)^\d+\s+sleep\s`).FindAllString(out.String(), -1)); n != 2 {
		t.Errorf("%d sleep processes in the memory table, want the 2 the command started:\n%s", n, out.String())
	}
}
