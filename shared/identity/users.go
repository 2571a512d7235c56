package identity

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"roster/shared/check"
	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/user"
	"roster/shared/web"
)

// updateUserRequest is the body of PUT .../User/{userId}. Every member is
// optional; one that is absent or null leaves the user's value alone.
type updateUserRequest struct {
	Name                       *string  `json:"name"`
	Surname                    *string  `json:"surname"`
	Email                      *string  `json:"email"`
	IsActive                   *bool    `json:"isActive"`
	Password                   *string  `json:"password"`
	GroupIDsToAdd              []string `json:"groupIDsToAdd"`
	GroupIDsToRemove           []string `json:"groupIDsToRemove"`
	BypassBasicAuthRestriction *bool    `json:"bypassBasicAuthRestriction"`
	InvitationAccepted         *bool    `json:"invitationAccepted"`
	// EmailVerified is an extension (decision 023): an administrator
	// vouches for the address (true) or withdraws that (false).
	EmailVerified *bool `json:"emailVerified"`
}

// Valid checks the shape of each member given. Whether the caller may set
// isActive or bypassBasicAuthRestriction, whether the groups exist and the
// password policy are the directory's answers.
func (r updateUserRequest) Valid(context.Context) []fault.FieldError {
	var p []fault.FieldError
	if r.Name != nil {
		p = append(p, user.CheckName("name", *r.Name, true)...)
	}
	if r.Surname != nil {
		p = append(p, user.CheckName("surname", *r.Surname, false)...)
	}
	if r.Email != nil {
		p = append(p, user.CheckEmail("email", *r.Email)...)
	}
	if r.Password != nil {
		p = append(p, check.Secret("password", *r.Password, maxPasswordBytes)...)
	}
	p = append(p, checkIDs("groupIDsToAdd", r.GroupIDsToAdd, directory.MaxGroups)...)
	p = append(p, checkIDs("groupIDsToRemove", r.GroupIDsToRemove, directory.MaxGroups)...)
	for i, id := range r.GroupIDsToRemove {
		if slices.Contains(r.GroupIDsToAdd, id) {
			return append(p, fault.FieldError{Field: "groupIDsToRemove", Message: fmt.Sprintf("must not name a group that groupIDsToAdd also names (groupIDsToRemove[%d])", i)})
		}
	}
	return p
}

// change is the directory's form of the request.
func (r updateUserRequest) change(ifVersion int64) directory.Change {
	return directory.Change{
		FirstName:          r.Name,
		LastName:           r.Surname,
		Email:              r.Email,
		Active:             r.IsActive,
		Password:           r.Password,
		GroupsToAdd:        r.GroupIDsToAdd,
		GroupsToRemove:     r.GroupIDsToRemove,
		BypassBasicAuth:    r.BypassBasicAuthRestriction,
		InvitationAccepted: r.InvitationAccepted,
		EmailVerified:      r.EmailVerified,
		IfVersion:          ifVersion,
	}
}

// userFields maps the directory's names for a change's fields, in any
// case, to the request's.
var userFields = map[string]string{
	"firstname": "name", "lastname": "surname", "active": "isActive", "bypassbasicauth": "bypassBasicAuthRestriction",
	"groupstoadd": "groupIDsToAdd", "groupstoremove": "groupIDsToRemove", "invitationaccepted": "invitationAccepted", "emailverified": "emailVerified",
	"name": "name", "surname": "surname", "email": "email", "isactive": "isActive", "password": "password",
	"groupidstoadd": "groupIDsToAdd", "groupidstoremove": "groupIDsToRemove", "bypassbasicauthrestriction": "bypassBasicAuthRestriction",
}

// handleUpdateUser changes a user of the caller's tenant. An If-Match
// with the user's version (the users group's ETag) makes the change
// conditional.
func handleUpdateUser(dir directory.Service, tenants TenantReader, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var (
			req     updateUserRequest
			version int64
		)
		at, p, err := admit(r, tenants, true, func() (err error) {
			if version, err = ifVersion(r.Header); err != nil {
				return err
			}
			req, err = decode[updateUserRequest](r)
			return err
		})
		if err != nil {
			errw(w, r, err)
			return
		}
		if _, err := dir.Update(r.Context(), p, at.userID, req.change(version)); err != nil {
			errw(w, r, renamed(err, userFields))
			return
		}
		encodeSucceeded(w)
	})
}

// handleDeleteUser deletes a user of the caller's tenant.
func handleDeleteUser(dir directory.Service, tenants TenantReader, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var version int64
		at, p, err := admit(r, tenants, true, func() (err error) {
			if version, err = ifVersion(r.Header); err != nil {
				return err
			}
			return noBody(r)
		})
		if err != nil {
			errw(w, r, err)
			return
		}
		if err := dir.Delete(r.Context(), p, at.userID, version); err != nil {
			errw(w, r, err)
			return
		}
		encodeSucceeded(w)
	})
}

// deleteUsersRequest is the body of DELETE .../User.
type deleteUsersRequest struct {
	UserIDs []string `json:"userIds"`
}

// Valid requires 1 to directory.MaxBulkDelete well-formed ids, each once.
func (r deleteUsersRequest) Valid(context.Context) []fault.FieldError {
	if len(r.UserIDs) == 0 {
		return []fault.FieldError{{Field: "userIds", Message: "must list at least one user id"}}
	}
	return checkIDs("userIds", r.UserIDs, directory.MaxBulkDelete)
}

// handleDeleteUsers deletes several users of the caller's tenant and
// reports each id. An id that names no user (or another tenant's) fails
// alone; the request still answers 200, and succeeded says whether every
// id was deleted.
func handleDeleteUsers(dir directory.Service, tenants TenantReader, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req deleteUsersRequest
		_, p, err := admit(r, tenants, false, func() (err error) {
			req, err = decode[deleteUsersRequest](r)
			return err
		})
		if err != nil {
			errw(w, r, err)
			return
		}
		outcomes, err := dir.DeleteMany(r.Context(), p, req.UserIDs)
		if err != nil {
			errw(w, r, renamed(err, map[string]string{"ids": "userIds", "userids": "userIds"}))
			return
		}
		res, err := newBulkResult(req.UserIDs, outcomes)
		if err != nil {
			errw(w, r, err)
			return
		}
		web.Encode(w, http.StatusOK, res)
	})
}

// setPasswordRequest is the body of PUT .../User/{userId}/password.
type setPasswordRequest struct {
	NewPassword string  `json:"newPassword"`
	OldPassword *string `json:"oldPassword"`
}

// Valid checks that the passwords are present and bounded.
func (r setPasswordRequest) Valid(context.Context) []fault.FieldError {
	p := check.Secret("newPassword", r.NewPassword, maxPasswordBytes)
	if r.OldPassword != nil {
		p = append(p, check.Secret("oldPassword", *r.OldPassword, maxPasswordBytes)...)
	}
	return p
}

// passwordFields maps the directory's names for the passwords to the
// request's.
var passwordFields = map[string]string{
	"password": "newPassword", "newpassword": "newPassword",
	"currentpassword": "oldPassword", "oldpassword": "oldPassword",
}

// handleSetPassword sets a user's password. A user changing their own
// must give the old one; an administrator setting another's need not.
func handleSetPassword(dir directory.Service, tenants TenantReader, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req setPasswordRequest
		at, p, err := admit(r, tenants, true, func() (err error) {
			if req, err = decode[setPasswordRequest](r); err != nil {
				return err
			}
			if req.OldPassword == nil && isSelf(caller(r), r.PathValue("userId")) {
				return fault.InvalidField("oldPassword", "is required when you change your own password")
			}
			return nil
		})
		if err != nil {
			errw(w, r, err)
			return
		}
		if err := dir.SetPassword(r.Context(), p, at.userID, req.NewPassword, req.OldPassword); err != nil {
			errw(w, r, renamed(err, passwordFields))
			return
		}
		encodeSucceeded(w)
	})
}

// encodeSucceeded writes what web.Encode(w, http.StatusOK, succeeded())
// writes, from a body encoded once.
func encodeSucceeded(w http.ResponseWriter) {
	w.Header()["Content-Type"] = jsonType
	w.WriteHeader(http.StatusOK)
	w.Write(succeededBody)
}

// Header values every response shares instead of each allocating its own,
// as Header().Set would. They are never changed in place: Set and Del
// replace a value, and Add appends to a copy (the capacity is 1).
var (
	jsonType = []string{"application/json"} // web.Encode's Content-Type
)

// succeededBody is the body web.Encode writes for succeeded(): the value
// as json.Marshal writes it and a newline. Writers do not change what they
// are given (io.Writer), so it serves every response.
var succeededBody = func() []byte {
	b, err := json.Marshal(succeeded())
	if err != nil {
		panic(err)
	}
	return append(b, '\n')
}()

// The response bodies of the user routes. result is the API's documented
// success, {"succeeded": true, "errors": []}: an ASP.NET Identity result,
// whose errors are {code, description} pairs.
type result struct {
	Succeeded bool            `json:"succeeded"`
	Errors    []identityError `json:"errors"`
}

type identityError struct {
	Code        string `json:"code"`
	Description string `json:"description"`
}

func succeeded() result { return result{Succeeded: true, Errors: []identityError{}} }

// bulkResult answers DELETE .../User: the result over all ids, an error
// for each id not deleted, and every id's outcome in the order asked.
type bulkResult struct {
	Succeeded bool            `json:"succeeded"`
	Errors    []identityError `json:"errors"`
	Results   []userResult    `json:"results"`
}

type userResult struct {
	UserID    string  `json:"userId"`
	Succeeded bool    `json:"succeeded"`
	Error     *string `json:"error"` // null when deleted
}

// notFound is a bulk result's error for an id that names no user.
const notFound = "not found"

func newBulkResult(ids []string, outcomes []directory.DeleteOutcome) (bulkResult, error) {
	status := make(map[string]string, len(outcomes))
	for _, o := range outcomes {
		status[o.ID] = o.Status
	}
	res := bulkResult{Succeeded: true, Errors: []identityError{}, Results: make([]userResult, len(ids))}
	for i, id := range ids {
		switch status[id] {
		case "deleted":
			res.Results[i] = userResult{UserID: id, Succeeded: true}
		case "not_found":
			msg := notFound
			res.Results[i] = userResult{UserID: id, Error: &msg}
			res.Succeeded = false
			res.Errors = append(res.Errors, identityError{Code: "UserNotFound", Description: "User " + strconv.Quote(id) + " was not found."})
		default:
			return bulkResult{}, fault.Wrap(fmt.Errorf("bulk delete: outcome %q for id %s", status[id], id), fault.Internal, "An internal error occurred.")
		}
	}
	return res, nil
}
