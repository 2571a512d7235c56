package accessusers_test

import (
	"io"
	"testing"

	"roster/shared/accessusers"
	"roster/shared/web"
	"roster/shared/web/webtest"
)

// BenchmarkHandlerOverhead measures each route's plumbing (routing,
// middleware, permission check, login-profile cache, decoding,
// validation, envelope) around a directory, search and profile store that
// answer at once. Budget: 10 µs/op.
func BenchmarkHandlerOverhead(b *testing.B) {
	for _, rt := range routes() {
		b.Run(rt.name(), func(b *testing.B) {
			h := accessusers.Handler(deps(happy(nil)), web.NewLogger(io.Discard, "info"), webtest.As(&owner))
			webtest.BenchRequest(b, h, webtest.Request{Method: rt.method, Target: rt.target, Body: rt.body, As: &owner}, 200)
		})
	}
}
