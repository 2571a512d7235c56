package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"time"
)

// Target is the Roster API under load and the credentials that drive it.
type Target struct {
	URL          string // the API's base URL, without a trailing slash
	APIKey       string // a tenant API key whose role may read and write users (admin or owner)
	DeviceToken  string // a registered device of that tenant, for logins
	UserCode     string // a person who logs in on that device
	Password     string
	Tenant       string // the tenant id, named in provisioning events
	IdentityBase string // the Identity API's "/{organizationName}/{tenantName}"
	HTTP         *http.Client
	// Send puts one provisioning event on the queue; nil when there is no
	// queue to send to (the operation is then left out of the mix).
	Send func(ctx context.Context, body string) error
	// Backlog counts the events on the queue not yet consumed; nil when
	// unknown.
	Backlog func(ctx context.Context) (int, error)
	// Run is unique to this run and part of every name it creates, so
	// creates never collide with an earlier run's users.
	Run string
}

// maxKnown bounds what a client remembers of what it created: enough to
// spread reads and updates, and constant memory however long the run.
const maxKnown = 64

// client is one simulated administrator working in a loop. It reads and
// changes only what it created itself, so clients never race each other
// for a version and a 409 or 412 means something is wrong.
type client struct {
	t      *Target
	rec    *Recorder
	id     int
	rnd    *rand.Rand
	seq    int
	users  []*knownUser // created through the Users and UserInfo APIs
	access []int64      // Access User ids
	sent   []string     // emails of the people in the provisioning events sent
	cursor string       // where users.list goes on
	token  string       // the last login's access token
	until  time.Time    // when it expires, with a margin
}

type knownUser struct {
	id, email string
	etag      string // "" when unknown: read before the next conditional write
}

func newClient(t *Target, rec *Recorder, id int, seed uint64) *client {
	return &client{t: t, rec: rec, id: id, rnd: rand.New(rand.NewPCG(seed, uint64(id)))}
}

// do runs one operation. An operation that needs something the client has
// not made yet (a user to read, a token to use) makes it instead.
func (c *client) do(ctx context.Context, op string) {
	switch {
	case (op == opUsersGet || op == opUsersUpdate || op == opIdentityUpdate || op == opUserID) && len(c.users) == 0:
		op = opUsersCreate
	case op == opAccessUpdate && len(c.access) == 0:
		op = opAccessAdd
	case op == opAccountGet && (c.token == "" || time.Now().After(c.until)):
		op = opLogin
	}
	switch op {
	case opRegister:
		e := email(c.name("r"))
		c.createUser(ctx, op, "/UserInfo/RegisterNewUser", "userId", map[string]any{"userEmail": e, "firstName": "Load", "lastName": "Register"}, e)
	case opUserID:
		u := pick(c.rnd, c.users)
		c.call(ctx, op, http.MethodGet, "/UserInfo/UserId?userEmail="+url.QueryEscape(u.email), c.t.APIKey, nil, "")
	case opUsersCreate:
		e := email(c.name("u"))
		c.createUser(ctx, op, "/users", "publicId", map[string]any{"email": e, "firstName": "Load", "lastName": "Users"}, e)
	case opUsersGet:
		c.getUser(ctx, pick(c.rnd, c.users))
	case opUsersUpdate:
		c.updateUser(ctx, pick(c.rnd, c.users))
	case opUsersList:
		c.listUsers(ctx)
	case opAccessAdd:
		c.addAccessUser(ctx)
	case opAccessUpdate:
		body := map[string]any{"id": pick(c.rnd, c.access), "authId": 1, "lastName": c.name("l")}
		c.call(ctx, op, http.MethodPost, "/api/v1/accessuser/update", c.t.APIKey, body, "")
	case opAccessSearch:
		q := url.Values{"searchWord": {c.prefix()}, "sortField": {"username"}, "pageSize": {"20"}}
		c.call(ctx, op, http.MethodGet, "/api/v1/accessuser/search?"+q.Encode(), c.t.APIKey, nil, "")
	case opIdentityUpdate:
		u := pick(c.rnd, c.users)
		body := map[string]any{"name": "Load", "surname": c.name("s")}
		c.call(ctx, op, http.MethodPut, c.t.IdentityBase+"/identity_/api/User/"+url.PathEscape(u.id), c.t.APIKey, body, "")
		u.etag = "" // the version moved on, whatever the answer
	case opIdentityGroups:
		c.call(ctx, op, http.MethodGet, c.t.IdentityBase+"/identity_/api/Group", c.t.APIKey, nil, "")
	case opLogin:
		c.login(ctx)
	case opAccountGet:
		c.call(ctx, op, http.MethodGet, "/account", "Bearer "+c.token, nil, "")
	case opProvision:
		c.provision(ctx)
	default:
		panic("unknown operation " + op)
	}
}

// name returns a name unique to this run, client and request; kind tells
// what it names, for whoever reads the table afterwards.
func (c *client) name(kind string) string {
	c.seq++
	return fmt.Sprintf("%s%s%d", c.prefix(), kind, c.seq)
}

// prefix starts every name this client makes: what its searches look for.
func (c *client) prefix() string { return fmt.Sprintf("ld%s-c%d-", c.t.Run, c.id) }

func email(name string) string { return name + "@load.example" }

// createUser creates a user through the UserInfo or the Users API and
// remembers it; idField names the new user's id in the answer.
func (c *client) createUser(ctx context.Context, op, path, idField string, body map[string]any, email string) {
	a, ok := c.call(ctx, op, http.MethodPost, path, c.t.APIKey, body, "")
	var out map[string]any
	if !ok || a.status != http.StatusCreated || json.Unmarshal(a.body, &out) != nil {
		return
	}
	if id, _ := out[idField].(string); id != "" {
		c.users = remember(c.users, &knownUser{id: id, email: email, etag: a.header.Get("ETag")})
	}
}

func (c *client) getUser(ctx context.Context, u *knownUser) bool {
	a, ok := c.call(ctx, opUsersGet, http.MethodGet, "/users/"+url.PathEscape(u.id), c.t.APIKey, nil, "")
	if !ok || a.status != http.StatusOK {
		return false
	}
	u.etag = a.header.Get("ETag")
	return true
}

// updateUser is a conditional change, as a careful client makes it: with
// the ETag of its last read, reading first when it has none.
func (c *client) updateUser(ctx context.Context, u *knownUser) {
	if u.etag == "" && !c.getUser(ctx, u) {
		return
	}
	body := map[string]any{"firstName": "Load", "lastName": c.name("p"), "notificationsOptIn": c.rnd.IntN(2) == 0}
	a, ok := c.call(ctx, opUsersUpdate, http.MethodPut, "/users/"+url.PathEscape(u.id), c.t.APIKey, body, u.etag)
	u.etag = ""
	if ok && a.status == http.StatusOK {
		u.etag = a.header.Get("ETag")
	}
}

// listUsers pages through the tenant, one page per call, and starts over
// at the end: deep pages cost what the first does, and that is measured.
func (c *client) listUsers(ctx context.Context) {
	q := url.Values{"limit": {"20"}}
	if c.cursor != "" {
		q.Set("cursor", c.cursor)
	}
	a, ok := c.call(ctx, opUsersList, http.MethodGet, "/users?"+q.Encode(), c.t.APIKey, nil, "")
	var out struct {
		NextCursor *string `json:"nextCursor"`
	}
	c.cursor = ""
	if ok && a.status == http.StatusOK && json.Unmarshal(a.body, &out) == nil && out.NextCursor != nil {
		c.cursor = *out.NextCursor
	}
}

// addedID finds the new user's id in the Access User add reply's message,
// the only place the API gives it.
var addedID = regexp.MustCompile(`with id (\d+)`)

func (c *client) addAccessUser(ctx context.Context) {
	n := c.name("a")
	a, ok := c.call(ctx, opAccessAdd, http.MethodPost, "/api/v1/accessuser/add", c.t.APIKey,
		map[string]any{"username": n, "email": email(n), "firstName": "Load", "lastName": "Access", "active": true}, "")
	var out struct {
		Message string `json:"message"`
	}
	if !ok || a.status != http.StatusOK || json.Unmarshal(a.body, &out) != nil {
		return
	}
	if m := addedID.FindStringSubmatch(out.Message); m != nil {
		if id, err := strconv.ParseInt(m[1], 10, 64); err == nil {
			c.access = remember(c.access, id)
		}
	}
}

func (c *client) login(ctx context.Context) {
	a, ok := c.call(ctx, opLogin, http.MethodPost, "/account", "Bearer "+c.t.DeviceToken,
		map[string]any{"userCode": c.t.UserCode, "password": c.t.Password}, "")
	var out struct {
		AccessToken string `json:"accessToken"`
		ExpiresIn   int    `json:"expiresIn"`
	}
	if ok && a.status == http.StatusOK && json.Unmarshal(a.body, &out) == nil && out.AccessToken != "" {
		// A minute of margin: a token must not expire on its way.
		c.token, c.until = out.AccessToken, time.Now().Add(time.Duration(out.ExpiresIn)*time.Second-time.Minute)
	}
}

// provision sends a user.upsert for a new person, as an HR feed would.
// The answer is the queue's; the event is applied later, by the
// provisioning consumer.
func (c *client) provision(ctx context.Context) {
	n := c.name("e")
	body, err := json.Marshal(map[string]any{
		"type": "user.upsert", "version": 1, "id": n, "occurredAt": time.Now().UTC().Format(time.RFC3339Nano),
		"tenant": c.t.Tenant, "externalId": n,
		"user": map[string]any{"username": n, "email": email(n), "firstName": "Load", "lastName": "Event", "active": true, "role": "member"},
	})
	if err != nil {
		panic(err) // maps of strings always marshal
	}
	start := time.Now()
	err = c.t.Send(ctx, string(body))
	if err != nil && ctx.Err() != nil {
		return // interrupted, not failed
	}
	status := http.StatusOK
	if err != nil {
		status = 0
	}
	c.rec.Record(opProvision, status, time.Since(start), err)
	if err == nil {
		c.sent = remember(c.sent, email(n))
	}
}

// answer is what the API answered.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// call sends one request and records it under op. ok is false when no
// answer came back. authorization is the whole header value; ifMatch is
// sent when not empty.
func (c *client) call(ctx context.Context, op, method, path, authorization string, body any, ifMatch string) (answer, bool) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			panic(err) // the bodies are maps of plain values
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.t.URL+path, rd)
	if err != nil {
		c.rec.Record(op, 0, 0, fmt.Errorf("build request: %w", err))
		return answer{}, false
	}
	req.Header.Set("Authorization", authorization)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	start := time.Now()
	res, err := c.t.HTTP.Do(req)
	var a answer
	if err == nil {
		a = answer{status: res.StatusCode, header: res.Header}
		// Read to the end, so the connection is reused and the time
		// includes the whole answer.
		a.body, err = io.ReadAll(io.LimitReader(res.Body, 1<<20))
		res.Body.Close()
	}
	d := time.Since(start)
	if err != nil {
		if ctx.Err() != nil {
			return answer{}, false // interrupted, not failed
		}
		c.rec.Record(op, 0, d, err) // a *url.Error: it names the method and URL
		return answer{}, false
	}
	c.rec.Record(op, a.status, d, nil)
	return a, true
}

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// remember appends v, forgetting the oldest beyond maxKnown.
func remember[T any](s []T, v T) []T {
	if len(s) >= maxKnown {
		s = append(s[:0], s[1:]...)
	}
	return append(s, v)
}
