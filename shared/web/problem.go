package web

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"roster/shared/fault"
)

// ErrorWriter renders err as the response. Each endpoint group picks one:
// [WriteProblem] by default, or its own dialect built on [Public].
type ErrorWriter func(w http.ResponseWriter, r *http.Request, err error)

// StatusOf returns the HTTP status for a fault code. It is the one place
// codes map to statuses; unknown codes are 500.
func StatusOf(code fault.Code) int {
	switch code {
	case fault.Invalid:
		return http.StatusBadRequest
	case fault.Unauthorized:
		return http.StatusUnauthorized
	case fault.Forbidden:
		return http.StatusForbidden
	case fault.NotFound:
		return http.StatusNotFound
	case fault.MethodNotAllowed:
		return http.StatusMethodNotAllowed
	case fault.Conflict:
		return http.StatusConflict
	case fault.PreconditionFailed:
		return http.StatusPreconditionFailed
	case fault.TooLarge:
		return http.StatusRequestEntityTooLarge
	case fault.Unsupported:
		return http.StatusUnsupportedMediaType
	case fault.TooManyRequests:
		return http.StatusTooManyRequests
	case fault.Unavailable:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// internalMessage is all a caller ever learns about an internal error.
const internalMessage = "An internal error occurred."

// Public returns the caller-safe form of err and its HTTP status. The
// result carries Code, Message and Fields but never the internal cause.
// Errors without a code, and Internal errors, become a generic Internal
// error and are logged with their cause at error level; Unavailable errors
// are logged at warn level. Every [ErrorWriter] should go through Public so
// that causes are logged once and never rendered.
func Public(r *http.Request, err error) (*fault.Error, int) {
	fe := fault.As(err)
	status := StatusOf(fe.Code)
	switch {
	case status == http.StatusInternalServerError:
		var pe *panicError
		if !errors.As(err, &pe) { // Middleware has already logged the panic with its stack
			Logger(r.Context()).LogAttrs(r.Context(), slog.LevelError, "internal error", errAttr(err))
		}
		return &fault.Error{Code: fault.Internal, Message: internalMessage}, status
	case fe.Code == fault.Unavailable:
		Logger(r.Context()).LogAttrs(r.Context(), slog.LevelWarn, "dependency unavailable", errAttr(err))
	}
	return &fault.Error{Code: fe.Code, Message: fe.Message, Fields: fe.Fields, RetryAfter: fe.RetryAfter}, status
}

// SetRetryAfter puts fe's RetryAfter on h as the Retry-After header, in
// whole seconds rounded up (a caller that waits that long finds the limit
// lifted), when it has one. Every [ErrorWriter] calls it; an answer that
// gets none and needs one (a 503 or 429) gets the middleware's default.
func SetRetryAfter(h http.Header, fe *fault.Error) {
	if fe.RetryAfter <= 0 {
		return
	}
	secs := int64((fe.RetryAfter + time.Second - 1) / time.Second)
	h.Set("Retry-After", strconv.FormatInt(secs, 10))
}

func errAttr(err error) slog.Attr {
	if err == nil {
		return slog.String("error", "<nil>")
	}
	return slog.String("error", err.Error())
}

// Problem is an RFC 9457 problem details object with two extension
// members: Errors names the offending input fields, and RequestID lets a
// caller quote the request to support.
type Problem struct {
	Type      string             `json:"type"`
	Title     string             `json:"title"`
	Status    int                `json:"status"`
	Detail    string             `json:"detail,omitempty"`
	Instance  string             `json:"instance,omitempty"`
	Errors    []fault.FieldError `json:"errors,omitempty"`
	RequestID string             `json:"requestId,omitempty"`
}

// ProblemContentType is the media type of a [Problem] body.
const ProblemContentType = "application/problem+json"

// WriteProblem is the default [ErrorWriter]: it renders err as a [Problem]
// of type about:blank whose title is the status text and whose detail is
// the fault message. Headers the caller set beforehand (WWW-Authenticate on
// a 401, Allow on a 405) are kept; none are invented.
func WriteProblem(w http.ResponseWriter, r *http.Request, err error) {
	fe, status := Public(r, err)
	body, merr := json.Marshal(Problem{
		Type:      "about:blank",
		Title:     http.StatusText(status),
		Status:    status,
		Detail:    fe.Message,
		Instance:  r.URL.Path,
		Errors:    fe.Fields,
		RequestID: RequestID(r.Context()),
	})
	if merr != nil { // cannot happen: Problem holds only strings and ints
		http.Error(w, internalMessage, http.StatusInternalServerError)
		return
	}
	h := w.Header()
	SetRetryAfter(h, fe)
	h.Set("Content-Type", ProblemContentType)
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}

// BearerChallenge is the WWW-Authenticate value of a 401: every credential
// the API takes (an API key, or an access, auth, device or invite token)
// is sent as a bearer token.
const BearerChallenge = `Bearer realm="roster"`

// WriteProblemWithChallenge is [WriteProblem] for groups whose routes take
// a credential: a 401 also carries [BearerChallenge], so a client learns
// how to authenticate.
func WriteProblemWithChallenge(w http.ResponseWriter, r *http.Request, err error) {
	if fault.CodeOf(err) == fault.Unauthorized {
		w.Header().Set("WWW-Authenticate", BearerChallenge)
	}
	WriteProblem(w, r, err)
}
