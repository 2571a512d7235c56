package platform

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// InitTimeout bounds the build during Lambda's init phase. The service
// gives an on-demand init 10 s and, past that, starts the container again
// with init inside the first invocation; failing sooner keeps the
// container, which answers that event unavailable and retries then.
const InitTimeout = 5 * time.Second

// Ready holds what a function serves events with. [Prepare] builds it
// during init; when that build failed, [Ready.Get] builds it again, once
// per event, until one succeeds, and keeps that one for the container's
// life. Every function has exactly this one start-up behaviour.
type Ready[T any] struct {
	name  string
	log   *slog.Logger
	build func(ctx context.Context) (T, error)

	mu    sync.Mutex
	value T
	ok    bool
}

// Prepare builds fn's platform (fn.Load) and then, from it, what fn serves
// (build), now: main calls it before lambda.Start, so the work happens in
// Lambda's init phase, which provisioned concurrency runs ahead of any
// request. A failure does not end the process, which would put the
// container in an init loop (each retry paying the whole start again): it
// is logged, and the next event retries it ([Ready.Get]).
func Prepare[T any](fn Function, build func(p *Platform) (T, error)) *Ready[T] {
	r := &Ready[T]{name: fn.Name, log: fn.Log, build: func(ctx context.Context) (T, error) {
		p, err := fn.Load(ctx)
		if err != nil {
			var zero T
			return zero, err
		}
		return build(p)
	}}
	ctx, cancel := context.WithTimeout(context.Background(), InitTimeout)
	defer cancel()
	_, _ = r.Get(ctx) // a failure is logged, and retried by the first event
	return r
}

// Get returns what was built, building it first if no build has succeeded
// yet. The error of a failed build is logged here, with the cause only
// (never key material: secrets types redact themselves); the caller turns
// it into its own "unavailable" answer.
func (r *Ready[T]) Get(ctx context.Context) (T, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ok {
		return r.value, nil
	}
	v, err := r.build(ctx)
	if err != nil {
		r.log.ErrorContext(ctx, "start failed; answering unavailable and retrying on the next event",
			slog.String("function", r.name), slog.String("error", err.Error()))
		var zero T
		return zero, fmt.Errorf("%s start: %w", r.name, err)
	}
	r.value, r.ok = v, true
	return v, nil
}
