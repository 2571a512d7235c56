package account_test

import (
	"io"
	"testing"

	"roster/shared/account"
	"roster/shared/web"
	"roster/shared/web/webtest"
)

// BenchmarkHandlerOverhead measures each route's plumbing (routing,
// middleware, decoding, validation, encoding) around a service that
// answers at once.
func BenchmarkHandlerOverhead(b *testing.B) {
	for _, rt := range routes() {
		b.Run(rt.name(), func(b *testing.B) {
			h := account.Handler(deps(happy(nil)), web.NewLogger(io.Discard, "info"), webtest.As(rt.as))
			webtest.BenchRequest(b, h, rt.request(), rt.status)
		})
	}
}
