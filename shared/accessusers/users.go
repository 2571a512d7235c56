package accessusers

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/loginprofile"
	"roster/shared/user"
	"roster/shared/web"
)

// directoryNames maps the directory's field names to this API's.
var directoryNames = map[string]string{"loginProfileId": "authId", "password": "userPassword"}

type addRequest struct {
	Username  string `json:"username"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	Email     string `json:"email"`
	AuthID    *int64 `json:"authId"`
	Active    *bool  `json:"active"`
}

// Valid checks the documented constraints: username and active required.
func (r addRequest) Valid(context.Context) []fault.FieldError {
	var p problems
	p.username(r.Username)
	p.text("firstName", r.FirstName, maxName)
	p.text("lastName", r.LastName, maxName)
	p.email(r.Email)
	p.profileID("authId", r.AuthID, false)
	if r.Active == nil {
		p.add("active", "is required: true or false")
	}
	return p
}

// add creates a user in the caller's tenant.
func (h *handlers) add() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		errw := writeError(h.now)
		req, err := web.DecodeValid[addRequest](r, maxBody)
		if err != nil {
			errw(w, r, err)
			return
		}
		p := principal(r.Context())
		var profile int64
		if req.AuthID != nil {
			profile = *req.AuthID
			if err := h.profiles.check(r.Context(), p.TenantID, "authId", profile); err != nil {
				errw(w, r, err)
				return
			}
		}
		u, err := h.dir.Create(r.Context(), p, directory.NewUser{
			Username: req.Username, Email: req.Email, FirstName: req.FirstName, LastName: req.LastName,
			Active: *req.Active, LoginProfileID: profile,
		})
		if err != nil {
			errw(w, r, renamed(err, directoryNames))
			return
		}
		writeOK(w, h.now(), "Access user "+u.Username+" added with id "+strconv.FormatInt(u.Number, 10)+".")
	})
}

type updateRequest struct {
	ID        *int64  `json:"id"`
	FirstName *string `json:"firstName"`
	LastName  *string `json:"lastName"`
	Email     *string `json:"email"`
	AuthID    *int64  `json:"authId"`
	Active    *bool   `json:"active"`
	// EmailVerified is an extension (decision 023): an administrator
	// vouches for the address (true) or withdraws that (false).
	EmailVerified *bool `json:"emailVerified"`
}

// Valid checks the documented constraints: id and authId required.
func (r updateRequest) Valid(context.Context) []fault.FieldError {
	var p problems
	p.userID(r.ID)
	if r.FirstName != nil {
		p.text("firstName", *r.FirstName, maxName)
	}
	if r.LastName != nil {
		p.text("lastName", *r.LastName, maxName)
	}
	if r.Email != nil {
		p.email(*r.Email)
	}
	p.profileID("authId", r.AuthID, true)
	return p
}

// update changes the fields a request gives of the user with a numeric id.
// Only what differs is changed, so a caller without users:privileged can
// send the user's current active flag back unchanged.
func (h *handlers) update() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		errw := writeError(h.now)
		req, err := web.DecodeValid[updateRequest](r, maxBody)
		if err != nil {
			errw(w, r, err)
			return
		}
		ctx, p := r.Context(), principal(r.Context())
		if err := h.profiles.check(ctx, p.TenantID, "authId", *req.AuthID); err != nil {
			errw(w, r, err)
			return
		}
		u, err := h.byNumber(ctx, p, *req.ID)
		if err != nil {
			errw(w, r, err)
			return
		}
		var (
			c       directory.Change
			changed bool
		)
		text := func(dst **string, v *string, cur string) {
			if v != nil && *v != cur {
				*dst, changed = v, true
			}
		}
		text(&c.FirstName, req.FirstName, u.FirstName)
		text(&c.LastName, req.LastName, u.LastName)
		text(&c.Email, req.Email, u.Email)
		if req.Active != nil && *req.Active != u.Active {
			c.Active, changed = req.Active, true
		}
		if req.EmailVerified != nil && (*req.EmailVerified != u.EmailVerified || c.Email != nil) {
			c.EmailVerified, changed = req.EmailVerified, true
		}
		if loginprofile.Effective(*req.AuthID) != loginprofile.Effective(u.LoginProfileID) {
			c.LoginProfileID, changed = req.AuthID, true
		}
		id := strconv.FormatInt(u.Number, 10)
		if !changed {
			writeOK(w, h.now(), "Access user "+id+" already has these values; nothing changed.")
			return
		}
		if _, err := h.dir.Update(ctx, p, u.ID, c); err != nil {
			errw(w, r, renamed(err, directoryNames))
			return
		}
		writeOK(w, h.now(), "Access user "+id+" updated.")
	})
}

type passwordRequest struct {
	Username        string  `json:"username"`
	UserPassword    string  `json:"userPassword"`
	ConfirmPassword string  `json:"confirmPassword"`
	AuthID          *int64  `json:"authId"`
	CurrentPassword *string `json:"currentPassword"`
}

// Valid checks the documented constraints: username, userPassword and
// confirmPassword required. That the two match is checked after, with a
// messageId of its own.
func (r passwordRequest) Valid(context.Context) []fault.FieldError {
	var p problems
	p.username(r.Username)
	p.secret("userPassword", r.UserPassword)
	p.secret("confirmPassword", r.ConfirmPassword)
	p.profileID("authId", r.AuthID, false)
	if r.CurrentPassword != nil && len(*r.CurrentPassword) > maxPasswordLen {
		p.add("currentPassword", "must be at most "+strconv.Itoa(maxPasswordLen)+" bytes")
	}
	return p
}

// updatePassword sets the password of the user with a username. A caller
// with users:write may set anyone's (the directory decides whose exactly);
// anyone else only their own, with their current password.
func (h *handlers) updatePassword() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		errw := writeError(h.now)
		req, err := web.DecodeValid[passwordRequest](r, maxBody)
		if err == nil && req.UserPassword != req.ConfirmPassword {
			err = withID(msgPasswordMismatch, fault.InvalidField("confirmPassword", "must be the same as userPassword"))
		}
		if err != nil {
			errw(w, r, err)
			return
		}
		ctx, p := r.Context(), principal(r.Context())
		u, err := h.dir.PasswordTarget(ctx, p, req.Username)
		if fault.CodeOf(err) == fault.NotFound {
			err = noUsername(err, req.Username)
		}
		if err != nil {
			errw(w, r, err)
			return
		}
		self := p.Method == auth.ViaAccessToken && u.ID == p.UserID
		if err := h.passwordsKept(ctx, u, req.AuthID); err != nil {
			errw(w, r, err)
			return
		}
		current := req.CurrentPassword
		if !self {
			current = nil // an administrator's reset needs none
		}
		if err := h.dir.SetPassword(ctx, p, u.ID, req.UserPassword, current); err != nil {
			errw(w, r, passwordFailure(renamed(err, directoryNames)))
			return
		}
		writeOK(w, h.now(), "The password of access user "+u.Username+" is changed.")
	})
}

// passwordFailure gives the directory's refusals of a password their
// messageIds: the policy (userPassword) and the current password.
func passwordFailure(err error) error {
	fe := fault.As(err)
	if fe.Code != fault.Invalid || len(fe.Fields) == 0 {
		return err
	}
	switch fe.Fields[0].Field {
	case "userPassword":
		return withID(msgPasswordPolicy, err)
	case "currentPassword":
		return withID(msgCurrentPassword, err)
	}
	return err
}

// passwordsKept checks that the user's login profile keeps its passwords
// here, and that authId, when given, names that profile.
func (h *handlers) passwordsKept(ctx context.Context, u *user.User, authID *int64) error {
	have := loginprofile.Effective(u.LoginProfileID)
	if authID != nil {
		if err := h.profiles.check(ctx, u.TenantID, "authId", *authID); err != nil {
			return err
		}
		if loginprofile.Effective(*authID) != have {
			return withID(msgInvalid, fault.InvalidField("authId",
				"is not the login profile of "+u.Username+", which signs in with profile "+strconv.FormatInt(have, 10)))
		}
	}
	prof, ok, err := h.profiles.get(ctx, u.TenantID, have)
	if err != nil {
		return err
	}
	if ok && !prof.AuthType.ManagesPasswords() {
		return withID(msgNoPassword, fault.New(fault.Conflict,
			"%s signs in through %s (login profile %d, %s), which keeps the password; change it there.",
			u.Username, prof.AuthType, prof.ID, prof.Name))
	}
	return nil
}

type deleteRequest struct {
	ID *int64 `json:"id"`
}

// Valid requires the id.
func (r deleteRequest) Valid(context.Context) []fault.FieldError {
	var p problems
	p.userID(r.ID)
	return p
}

// delete removes the user with a numeric id.
func (h *handlers) delete() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		errw := writeError(h.now)
		req, err := web.DecodeValid[deleteRequest](r, maxBody)
		if err != nil {
			errw(w, r, err)
			return
		}
		ctx, p := r.Context(), principal(r.Context())
		u, err := h.byNumber(ctx, p, *req.ID)
		if err == nil {
			err = h.dir.Delete(ctx, p, u.ID, 0)
		}
		if fault.CodeOf(err) == fault.NotFound {
			err = noNumber(err, *req.ID)
		}
		if err != nil {
			errw(w, r, err)
			return
		}
		writeOK(w, h.now(), "Access user "+strconv.FormatInt(*req.ID, 10)+" deleted.")
	})
}

type deleteByUsernameRequest struct {
	Username       string `json:"username"`
	LoginProfileID *int64 `json:"loginProfileId"`
}

// Valid requires both fields.
func (r deleteByUsernameRequest) Valid(context.Context) []fault.FieldError {
	var p problems
	p.username(r.Username)
	p.profileID("loginProfileId", r.LoginProfileID, true)
	return p
}

// deleteByUsername removes the user with a username, provided it signs in
// with the login profile named.
func (h *handlers) deleteByUsername() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		errw := writeError(h.now)
		req, err := web.DecodeValid[deleteByUsernameRequest](r, maxBody)
		if err != nil {
			errw(w, r, err)
			return
		}
		ctx, p := r.Context(), principal(r.Context())
		profile := *req.LoginProfileID
		if err := h.profiles.check(ctx, p.TenantID, "loginProfileId", profile); err != nil {
			errw(w, r, err)
			return
		}
		u, err := h.dir.GetByUsername(ctx, p, req.Username)
		if err == nil && loginprofile.Effective(u.LoginProfileID) != loginprofile.Effective(profile) {
			err = withID(msgNoUser, fault.New(fault.NotFound, "No access user of login profile %d has the username %s.",
				loginprofile.Effective(profile), req.Username))
		}
		if err == nil {
			err = h.dir.Delete(ctx, p, u.ID, 0)
		}
		if fault.CodeOf(err) == fault.NotFound {
			err = noUsername(err, req.Username)
		}
		if err != nil {
			errw(w, r, err)
			return
		}
		writeOK(w, h.now(), "Access user "+u.Username+" deleted.")
	})
}

// byNumber reads the user with a tenant-scoped number.
func (h *handlers) byNumber(ctx context.Context, p auth.Principal, n int64) (*user.User, error) {
	u, err := h.dir.GetByNumber(ctx, p, n)
	if fault.CodeOf(err) == fault.NotFound {
		return nil, noNumber(err, n)
	}
	return u, err
}

func noNumber(err error, n int64) error {
	var c *coded
	if errors.As(err, &c) {
		return err
	}
	return withID(msgNoUser, fault.Wrap(err, fault.NotFound, "No access user has id %d.", n))
}

func noUsername(err error, username string) error {
	var c *coded
	if errors.As(err, &c) {
		return err
	}
	return withID(msgNoUser, fault.Wrap(err, fault.NotFound, "No access user has the username %s.", username))
}
