package users_test

import (
	"io"
	"testing"

	"roster/shared/users"
	"roster/shared/web"
	"roster/shared/web/webtest"
)

// BenchmarkHandlerOverhead measures each route's plumbing (routing,
// middleware, permission check, decoding, validation, encoding) around a
// directory that answers at once. Budget: 10 µs/op.
func BenchmarkHandlerOverhead(b *testing.B) {
	for _, rt := range routes() {
		b.Run(rt.name(), func(b *testing.B) {
			h := users.Handler(users.Deps{Service: happy(nil)}, web.NewLogger(io.Discard, "info"), webtest.As(&owner))
			webtest.BenchRequest(b, h, rt.request(), rt.status)
		})
	}
}
