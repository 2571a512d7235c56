package userinfo

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"roster/shared/auth"
	"roster/shared/check"
	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/user"
	"roster/shared/web"
)

// Limits on input, documented in the README; a user's fields follow
// package user's rules.
const (
	maxBody        = 16 << 10 // bytes per request body
	maxAccessToken = 8 << 10  // bytes; room for large JWTs
)

// principal returns the caller; the API-key middleware guarantees one.
func principal(ctx context.Context) auth.Principal {
	p, _ := auth.PrincipalFrom(ctx)
	return p
}

type updateAccessTokenRequest struct {
	AccessToken string `json:"accessToken"`
	UserEmail   string `json:"userEmail"`
}

// Valid checks the documented constraints: both fields required, min 1.
func (r updateAccessTokenRequest) Valid(context.Context) []fault.FieldError {
	var p []fault.FieldError
	if strings.TrimSpace(r.AccessToken) == "" { // blank is as missing as empty
		p = check.Missing("accessToken")
	} else {
		p = check.Token("accessToken", r.AccessToken, maxAccessToken)
	}
	p = append(p, checkEmail("userEmail", r.UserEmail)...)
	return p
}

// handleUpdateAccessToken stores a user's access token, sealed. 409 when no
// user of the caller's tenant has the email, as the API documents.
func handleUpdateAccessToken(dir directory.Service, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := web.DecodeValid[updateAccessTokenRequest](r, maxBody)
		if err != nil {
			errw(w, r, err)
			return
		}
		err = dir.SetAccessToken(r.Context(), principal(r.Context()), req.UserEmail, req.AccessToken)
		if fault.CodeOf(err) == fault.NotFound {
			errw(w, r, fault.Wrap(err, fault.Conflict, "No user with this email exists."))
			return
		}
		if err != nil {
			errw(w, r, err)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

type registerRequest struct {
	UserEmail string `json:"userEmail"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	UserName  string `json:"userName"`
}

// Valid checks a registration: email, first and last name required; the
// user name defaults to the email, so it is required when the email is
// longer than a user name may be.
func (r registerRequest) Valid(context.Context) []fault.FieldError {
	p := checkEmail("userEmail", r.UserEmail)
	emailOK := len(p) == 0
	p = append(p, user.CheckName("firstName", r.FirstName, true)...)
	p = append(p, user.CheckName("lastName", r.LastName, true)...)
	switch {
	case r.UserName == "" && emailOK && utf8.RuneCountInString(strings.TrimSpace(r.UserEmail)) > user.MaxUsername:
		// The email would become a user name longer than any group takes
		// as input, so no other group could name the user.
		p = append(p, fault.FieldError{Field: "userName", Message: "is required when userEmail is longer than 128 characters, the most a user name may have"})
	case r.UserName != "":
		p = append(p, user.CheckUsername("userName", r.UserName)...)
	}
	return p
}

// userResponse is a registered user as the group shows it. The access token
// is never part of it.
type userResponse struct {
	UserID    string    `json:"userId"`
	UserEmail string    `json:"userEmail"`
	UserName  string    `json:"userName"`
	FirstName string    `json:"firstName"`
	LastName  string    `json:"lastName"`
	CreatedAt time.Time `json:"createdAt"`
}

// handleRegister creates a user in the caller's tenant. 409 when the email or
// user name is taken.
func handleRegister(dir directory.Service, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := web.DecodeValid[registerRequest](r, maxBody)
		if err != nil {
			errw(w, r, err)
			return
		}
		u, err := dir.Register(r.Context(), principal(r.Context()), directory.Registration{
			Email: req.UserEmail, Username: req.UserName, FirstName: req.FirstName, LastName: req.LastName,
		})
		if err != nil {
			errw(w, r, renameFields(err, map[string]string{"email": "userEmail", "username": "userName"}))
			return
		}
		w.Header().Set("Location", "/UserInfo/UserId?userEmail="+url.QueryEscape(u.Email))
		web.Encode(w, http.StatusCreated, userResponse{
			UserID: u.ID, UserEmail: u.Email, UserName: u.Username, FirstName: u.FirstName, LastName: u.LastName, CreatedAt: u.CreatedAt,
		})
	})
}

type userIDResponse struct {
	UserID string `json:"userId"`
}

// handleUserID looks a user id up by email in the caller's tenant: 404 when
// there is none.
func handleUserID(dir directory.Service, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q, err := strictQuery(r.URL.RawQuery)
		if err != nil {
			errw(w, r, err)
			return
		}
		for name := range q {
			if name != "userEmail" {
				errw(w, r, fault.InvalidField(name, "is not a known query parameter"))
				return
			}
		}
		if len(q["userEmail"]) > 1 {
			errw(w, r, fault.InvalidField("userEmail", "must be given once"))
			return
		}
		email := q.Get("userEmail")
		if err := fault.InvalidFields(checkEmail("userEmail", email)); err != nil {
			errw(w, r, err)
			return
		}
		id, err := dir.UserIDByEmail(r.Context(), principal(r.Context()), email)
		if err != nil {
			errw(w, r, err)
			return
		}
		web.Encode(w, http.StatusOK, userIDResponse{UserID: id})
	})
}

// strictQuery parses a query string like url.ParseQuery but fails on a pair
// that is not validly encoded, naming its parameter, where r.URL.Query()
// would silently drop it (and with it an unknown or repeated parameter).
func strictQuery(raw string) (url.Values, error) {
	q := url.Values{}
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			return nil, fault.InvalidField("query", "has a parameter name that is not URL-encoded")
		}
		value, err := url.QueryUnescape(v)
		if err != nil {
			return nil, fault.InvalidField(name, "is not URL-encoded")
		}
		q.Add(name, value)
	}
	return q, nil
}

// checkEmail checks a required email address, tolerating white space
// around it as this API always has (it is stored trimmed).
func checkEmail(field, email string) []fault.FieldError {
	return user.CheckEmail(field, strings.TrimSpace(email))
}

// renameFields maps the store's field names to this dialect's.
func renameFields(err error, names map[string]string) error {
	return fault.RenameFields(err, fault.Names(names))
}
