package identity_test

import (
	"io"
	"testing"

	"roster/shared/identity"
	"roster/shared/web"
	"roster/shared/web/webtest"
)

// BenchmarkHandlerOverhead measures each route's plumbing (routing,
// middleware, trace id, permission and tenant-name checks, decoding,
// validation, encoding) around a directory and tenant reader that answer
// at once. Budget: 10 µs/op.
func BenchmarkHandlerOverhead(b *testing.B) {
	for _, rt := range routes() {
		b.Run(rt.name(), func(b *testing.B) {
			h := identity.Handler(deps(happy(nil)), web.NewLogger(io.Discard, "info"), webtest.As(&owner))
			webtest.BenchRequest(b, h, rt.request(owner), rt.status)
		})
	}
}
