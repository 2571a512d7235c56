package scim_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"roster/shared/emulator"
	"roster/shared/store"
	"roster/shared/store/storetest"
	"roster/shared/user"
	"roster/shared/web/webtest"
)

// BenchmarkSCIMCalls sends each SCIM operation through the group over a
// real table of 100 users (ROSTER_SCIM_BENCH_USERS for more, such as
// 100000; seeding that many takes minutes) and reports what one costs in
// DynamoDB: calls in total and by API, and capacity (zero on emulators
// that do not report it). Emulator latency makes ns/op meaningless.
func BenchmarkSCIMCalls(b *testing.B) {
	size := 100
	if v, err := strconv.Atoi(os.Getenv("ROSTER_SCIM_BENCH_USERS")); err == nil && v > 0 {
		size = v
	}
	for _, ep := range emulator.DynamoDB(b) {
		if ep.Name != "dynamodb-local" {
			continue // moto's transactions fail under the seeding's load
		}
		b.Run(fmt.Sprintf("%s/users=%d", ep.Name, size), func(b *testing.B) {
			env := storetest.New(b, ep)
			env.Tenant(b, "acme")
			ctx := context.Background()
			now := time.Now().UTC()
			for i := range size {
				u := user.New(user.Fields{TenantID: "acme", Username: fmt.Sprintf("seed%06d", i), Email: fmt.Sprintf("seed%06d@acme.example", i), Active: true}, now, "seed")
				if err := env.Table.CreateUser(ctx, u); err != nil {
					b.Fatal(err)
				}
			}
			p := webtest.PlatformOn(b, env.Table, &discard{})
			token := acmeToken
			h := p.SCIM(webtest.As(&token))
			send := func(ctx context.Context, method, target, body string, want int) map[string]any {
				rq := webtest.Request{Method: method, Target: target, Body: body, Header: map[string]string{}}
				if body != "" {
					rq.Header["Content-Type"] = "application/scim+json"
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, webtest.NewRequest(rq).WithContext(ctx))
				if w.Code != want {
					b.Fatalf("%s %s: %d %s", method, target, w.Code, w.Body)
				}
				return nil
			}
			newBody := func(i int) string {
				return fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"made%06d","externalId":"ext%06d",
					"emails":[{"value":"made%06d@acme.example","primary":true}],"name":{"givenName":"G","familyName":"F"}}`, i, i, i)
			}
			// The user the changes work on.
			target := user.New(user.Fields{TenantID: "acme", Username: "target", Email: "target@acme.example", Active: true}, now, "seed")
			if err := env.Table.CreateUser(ctx, target); err != nil {
				b.Fatal(err)
			}
			one := "/scim/v2/Users/" + target.ID
			var seeded []string
			first, _, err := p.Table.ListUsers(ctx, "acme", 100, "")
			if err != nil {
				b.Fatal(err)
			}
			for _, u := range first {
				seeded = append(seeded, `{"value":"`+u.ID+`"}`)
			}
			members100 := "[" + strings.Join(seeded, ",") + "]"
			ops := []struct {
				name string
				op   func(ctx context.Context, i int)
			}{
				{"create", func(ctx context.Context, i int) { send(ctx, "POST", "/scim/v2/Users", newBody(i), 201) }},
				{"get", func(ctx context.Context, _ int) { send(ctx, "GET", one, "", 200) }},
				{"replace", func(ctx context.Context, i int) {
					send(ctx, "PUT", one, fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"target","emails":[{"value":"target@acme.example","primary":true}],"title":"t%d"}`, i), 200)
				}},
				{"patch-one-attribute", func(ctx context.Context, i int) {
					send(ctx, "PATCH", one, fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"p%d"}]}`, i), 200)
				}},
				{"userName-eq", func(ctx context.Context, _ int) {
					send(ctx, "GET", "/scim/v2/Users?filter="+url.QueryEscape(`userName eq "seed000042"`), "", 200)
				}},
				{"list-page", func(ctx context.Context, _ int) { send(ctx, "GET", "/scim/v2/Users?startIndex=1&count=100", "", 200) }},
				{"group-patch-100-members", func(ctx context.Context, i int) {
					// Each run adds the same 100 seeded users to a new group.
					gctx := context.Background()
					w := httptest.NewRecorder()
					h.ServeHTTP(w, webtest.NewRequest(webtest.Request{Method: "POST", Target: "/scim/v2/Groups",
						Body:   fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"g%d"}`, i),
						Header: map[string]string{"Content-Type": "application/scim+json"}}).WithContext(gctx))
					var g struct{ ID string }
					if err := json.Unmarshal(w.Body.Bytes(), &g); err != nil || g.ID == "" {
						b.Fatalf("create group: %d %s", w.Code, w.Body)
					}
					send(ctx, "PATCH", "/scim/v2/Groups/"+g.ID, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":`+members100+`}]}`, 204)
				}},
			}
			for _, o := range ops {
				b.Run(o.name, func(b *testing.B) {
					ctx, usage := store.WithUsage(context.Background())
					n := 0
					for b.Loop() {
						o.op(ctx, n+b.N*1000)
						n++
					}
					per := func(v float64) float64 { return v / float64(n) }
					b.ReportMetric(per(float64(usage.Calls())), "ddb-calls/op")
					for _, api := range []string{"GetItem", "Query", "TransactWriteItems", "UpdateItem"} {
						if c := usage.Calls(api); c > 0 {
							b.ReportMetric(per(float64(c)), api+"/op")
						}
					}
					read, write := usage.Capacity()
					b.ReportMetric(per(read), "RCU/op")
					b.ReportMetric(per(write), "WCU/op")
				})
			}
		})
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// BenchmarkSCIMBulkSync is an identity provider's initial sync through
// /Bulk: ROSTER_SCIM_BULK_USERS users (1,000 by default; the issue's
// figure is 10,000) created in requests of 300 operations (the limit), against
// DynamoDB Local. It reports the time per user and the capacity per user.
func BenchmarkSCIMBulkSync(b *testing.B) {
	users := 1000
	if v, err := strconv.Atoi(os.Getenv("ROSTER_SCIM_BULK_USERS")); err == nil && v > 0 {
		users = v
	}
	for _, ep := range emulator.DynamoDB(b) {
		if ep.Name != "dynamodb-local" {
			continue
		}
		b.Run(fmt.Sprintf("%s/users=%d", ep.Name, users), func(b *testing.B) {
			run := 0
			for b.Loop() {
				b.StopTimer()
				env := storetest.New(b, ep)
				env.Tenant(b, "acme")
				p := webtest.PlatformOn(b, env.Table, &discard{})
				token := acmeToken
				h := p.SCIM(webtest.As(&token))
				ctx, usage := store.WithUsage(context.Background())
				b.StartTimer()
				start := time.Now()
				for done := 0; done < users; {
					n := min(300, users-done)
					ops := make([]string, n)
					for i := range n {
						k := done + i
						ops[i] = fmt.Sprintf(`{"method":"POST","path":"/Users","bulkId":"u%d","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],`+
							`"userName":"sync%06d_%d","externalId":"x%06d_%d","emails":[{"value":"sync%06d_%d@acme.example","primary":true}],"name":{"givenName":"G","familyName":"F"}}}`, k, k, run, k, run, k, run)
					}
					w := httptest.NewRecorder()
					h.ServeHTTP(w, webtest.NewRequest(webtest.Request{Method: "POST", Target: "/scim/v2/Bulk",
						Body:   `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[` + strings.Join(ops, ",") + `]}`,
						Header: map[string]string{"Content-Type": "application/scim+json"}}).WithContext(ctx))
					if w.Code != 200 || strings.Contains(w.Body.String(), `"status":"4`) {
						b.Fatalf("bulk: %d %.400s", w.Code, w.Body)
					}
					done += n
				}
				elapsed := time.Since(start)
				_, write := usage.Capacity()
				b.ReportMetric(float64(elapsed.Milliseconds())/float64(users), "ms/user")
				b.ReportMetric(float64(elapsed.Seconds()), "s/sync")
				b.ReportMetric(write/float64(users), "WCU/user")
				b.ReportMetric(float64(usage.Calls())/float64(users), "ddb-calls/user")
				run++
			}
		})
	}
}
