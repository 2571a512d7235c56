// Package web owns the HTTP plumbing every endpoint group shares: routing
// with problem-shaped 404 and 405 responses, the one mapping from fault codes
// to HTTP statuses, RFC 9457 problem details, strict JSON decoding and
// encoding, and the per-request middleware (request id, request-scoped
// logger, panic recovery, access log).
//
// A group's main typically needs one call:
//
//	h := web.NewHandler(routes, log, web.WriteProblem)
//
// Groups with their own error dialect pass their own [ErrorWriter], built on
// [Public], [RequestID] and [Logger].
package web
