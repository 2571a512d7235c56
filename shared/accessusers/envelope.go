package accessusers

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/web"
)

// envelope is the Access User API's reply to everything but a search page:
// status and messageId are 0 on success; on failure status repeats the
// HTTP status and messageId says which failure it is (the table below,
// documented in docs/api/accessusers.md).
type envelope struct {
	Timestamp string `json:"timestamp"`
	Status    int    `json:"status"`
	MessageID int    `json:"messageId"`
	Message   string `json:"message"`
}

// timeLayout is the API's time format: UTC with milliseconds.
const timeLayout = "2006-01-02T15:04:05.000Z"

func stamp(t time.Time) string { return t.UTC().Format(timeLayout) }

// The messageIds of failures: the HTTP status times 100 plus a number
// within it. Each says what to do about it in its message.
const (
	msgInvalid          = 40001 // a parameter or body field is missing or wrong; the message names it
	msgNoLoginProfile   = 40002 // authId / loginProfileId names no login profile of the tenant
	msgPasswordMismatch = 40003 // confirmPassword differs from userPassword
	msgPasswordPolicy   = 40004 // userPassword breaks the password policy
	msgCurrentPassword  = 40005 // currentPassword missing or wrong (changing one's own password)
	msgBadCursor        = 40006 // cursor is not one a search with these parameters returned
	msgUnauthenticated  = 40101 // no valid access token or API key
	msgForbidden        = 40301 // the caller's role does not allow it
	msgNotFound         = 40400 // no such path
	msgNoUser           = 40401 // no access user has this id or username
	msgMethod           = 40501 // the path does not take this method
	msgUsernameTaken    = 40901 // another user has the username
	msgEmailTaken       = 40902 // another user has the email
	msgChanged          = 40903 // the user changed meanwhile; read it again and retry
	msgProfileNameTaken = 40904 // another login profile has the name
	msgNoPassword       = 40905 // the user's login profile keeps no passwords here (LDAP, SAML, OIDC)
	msgProfileLimit     = 40906 // the tenant has the most login profiles it may have
	msgLastOwner        = 40907 // the change would leave the tenant without an active owner
	msgStale            = 41201 // a version condition failed
	msgTooLarge         = 41301 // the body is over its limit
	msgNotJSON          = 41501 // the body is not JSON
	msgTooMany          = 42901 // a limit is spent; retry after Retry-After seconds
	msgInternal         = 50001 // a fault of the service; quote the X-Request-Id
	msgUnavailable      = 50301 // the service is busy; retry shortly
)

// coded gives a failure its messageId when code and field alone cannot.
type coded struct {
	id  int
	err error
}

func (c *coded) Error() string { return c.err.Error() }
func (c *coded) Unwrap() error { return c.err }

func withID(id int, err error) error { return &coded{id: id, err: err} }

// messageID picks the messageId of a failure: the one a handler attached,
// else the one its code (and for a conflict, the field taken) names.
func messageID(err error, fe *fault.Error) int {
	var c *coded
	if errors.As(err, &c) {
		return c.id
	}
	field := ""
	if len(fe.Fields) > 0 {
		field = fe.Fields[0].Field
	}
	switch fe.Code {
	case fault.Invalid:
		return msgInvalid
	case fault.Unauthorized:
		return msgUnauthenticated
	case fault.Forbidden:
		return msgForbidden
	case fault.NotFound:
		return msgNotFound
	case fault.MethodNotAllowed:
		return msgMethod
	case fault.Conflict:
		if directory.IsLastOwner(err) {
			return msgLastOwner
		}
		switch field {
		case "username":
			return msgUsernameTaken
		case "email":
			return msgEmailTaken
		case "name":
			return msgProfileNameTaken
		}
		return msgChanged
	case fault.PreconditionFailed:
		return msgStale
	case fault.TooLarge:
		return msgTooLarge
	case fault.Unsupported:
		return msgNotJSON
	case fault.TooManyRequests:
		return msgTooMany
	case fault.Unavailable:
		return msgUnavailable
	}
	return msgInternal
}

// message is what a person reads: for invalid input, each field named
// with what is wrong with it; otherwise the failure's own message.
func message(fe *fault.Error) string {
	if fe.Code != fault.Invalid || len(fe.Fields) == 0 {
		return fe.Message
	}
	parts := make([]string, len(fe.Fields))
	for i, f := range fe.Fields {
		parts[i] = f.Field + " " + f.Message
	}
	return strings.Join(parts, "; ") + "."
}

// writeError is the group's error writer: the envelope, with the HTTP
// status of the failure's code and a Bearer challenge on every 401.
// Internal causes are logged by web.Public and never sent.
func writeError(now func() time.Time) web.ErrorWriter {
	return func(w http.ResponseWriter, r *http.Request, err error) {
		fe, status := web.Public(r, err)
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="roster"`)
		}
		id := msgInternal
		if status != http.StatusInternalServerError {
			id = messageID(err, fe)
		}
		web.SetRetryAfter(w.Header(), fe)
		web.Encode(w, status, envelope{Timestamp: stamp(now()), Status: status, MessageID: id, Message: message(fe)})
	}
}

// writeOK answers a successful change: 200 with the envelope, status and
// messageId 0.
func writeOK(w http.ResponseWriter, now time.Time, msg string) {
	web.Encode(w, http.StatusOK, envelope{Timestamp: stamp(now), Message: msg})
}

// renamed returns err with its fields named as this API names them
// (the directory speaks of password and loginProfileId).
func renamed(err error, names map[string]string) error {
	var fe *fault.Error
	if !errors.As(err, &fe) || len(fe.Fields) == 0 {
		return err
	}
	out := fault.RenameFields(fe, fault.Names(names))
	var c *coded
	if errors.As(err, &c) {
		return withID(c.id, out)
	}
	return out
}
