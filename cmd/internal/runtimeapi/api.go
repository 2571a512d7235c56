package runtimeapi

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"
)

// maxResponse is the service's limit on a synchronous response payload.
const maxResponse = 6 << 20

// The headers of the Runtime API, as the 2018-06-01 reference names them.
const (
	headerRequestID   = "Lambda-Runtime-Aws-Request-Id"
	headerDeadline    = "Lambda-Runtime-Deadline-Ms"
	headerFunctionARN = "Lambda-Runtime-Invoked-Function-Arn"
	headerTraceID     = "Lambda-Runtime-Trace-Id"
	headerErrorType   = "Lambda-Runtime-Function-Error-Type"
	// A runtime that fails while streaming its response body reports the
	// failure in trailers; aws-lambda-go does so for a response reader
	// that errors.
	trailerErrorType = "Lambda-Runtime-Function-Error-Type"
	trailerErrorBody = "Lambda-Runtime-Function-Error-Body"
)

// routes is the part of the Runtime API a custom runtime uses.
func (s *sandbox) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", s.next)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", s.response)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", s.invocationError)
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", s.initError)
	return mux
}

// next blocks until an event is queued, or until the runtime goes away.
func (s *sandbox) next(w http.ResponseWriter, r *http.Request) {
	s.pollOnce.Do(func() {
		s.firstPoll = time.Now()
		close(s.polled)
	})
	select {
	case inv := <-s.queue:
		s.mu.Lock()
		s.current = inv
		s.mu.Unlock()
		h := w.Header()
		h.Set(headerRequestID, inv.id)
		h.Set(headerDeadline, strconv.FormatInt(inv.deadline.UnixMilli(), 10))
		h.Set(headerFunctionARN, s.arn)
		h.Set(headerTraceID, inv.traceID)
		h.Set("Content-Type", "application/json")
		_, _ = w.Write(inv.event)
	case <-r.Context().Done():
	}
}

func (s *sandbox) response(w http.ResponseWriter, r *http.Request) {
	inv := s.claim(w, r.PathValue("id"))
	if inv == nil {
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxResponse+1))
	if err != nil {
		// The runtime died mid-post; the sandbox's exit ends the invocation.
		return
	}
	if len(body) > maxResponse {
		p := &ErrorPayload{
			Type:    "Function.ResponseSizeTooLarge",
			Message: "Response payload size exceeded maximum allowed payload size (6 MB).",
		}
		inv.done <- answer{err: p}
		writeJSON(w, http.StatusRequestEntityTooLarge, ErrorPayload{Type: "RequestEntityTooLarge", Message: p.Message})
		return
	}
	if typ := r.Trailer.Get(trailerErrorType); typ != "" {
		p := &ErrorPayload{Type: typ}
		if b, err := base64.StdEncoding.DecodeString(r.Trailer.Get(trailerErrorBody)); err == nil {
			_ = json.Unmarshal(b, p)
		}
		inv.done <- answer{err: p}
	} else {
		inv.done <- answer{payload: body}
	}
	accepted(w)
}

func (s *sandbox) invocationError(w http.ResponseWriter, r *http.Request) {
	inv := s.claim(w, r.PathValue("id"))
	if inv == nil {
		return
	}
	p, err := readError(r)
	if err != nil {
		return
	}
	inv.done <- answer{err: p}
	accepted(w)
}

func (s *sandbox) initError(w http.ResponseWriter, r *http.Request) {
	p, err := readError(r)
	if err != nil {
		return
	}
	select {
	case s.initErr <- p:
	default: // a second report adds nothing to the first
	}
	accepted(w)
}

// claim takes the in-flight invocation if id names it, so that a second post
// for the same invocation is refused as the service refuses it.
func (s *sandbox) claim(w http.ResponseWriter, id string) *invocation {
	s.mu.Lock()
	inv := s.current
	if inv != nil && inv.id == id {
		s.current = nil
	}
	s.mu.Unlock()
	if inv == nil || inv.id != id {
		writeJSON(w, http.StatusBadRequest, ErrorPayload{Type: "InvalidRequestID", Message: "no invocation in progress with id " + id})
		return nil
	}
	return inv
}

// readError reads an error document; a runtime that posts something other
// than JSON still gets its error reported, with the header as its type.
func readError(r *http.Request) (*ErrorPayload, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxResponse))
	if err != nil {
		return nil, err
	}
	p := &ErrorPayload{}
	if json.Unmarshal(body, p) != nil || (p.Type == "" && p.Message == "") {
		p = &ErrorPayload{Message: string(body)}
	}
	if p.Type == "" {
		p.Type = r.Header.Get(headerErrorType)
	}
	if p.Type == "" {
		p.Type = "Unhandled"
	}
	return p, nil
}

func accepted(w http.ResponseWriter) {
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "OK"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
