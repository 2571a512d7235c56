package identity

import (
	"context"
	"net/http"

	"roster/shared/check"
	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/web"
)

// createGroupRequest is the body of POST .../Group.
type createGroupRequest struct {
	Name string `json:"name"`
}

// Valid requires a name that is a line of text.
func (r createGroupRequest) Valid(context.Context) []fault.FieldError {
	return check.Text("name", r.Name, maxText, true)
}

// group is a group as the API shows it.
type group struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// groupsResponse answers GET .../Group.
type groupsResponse struct {
	Groups []group `json:"groups"`
}

// handleCreateGroup makes a group in the caller's tenant: 201 with the
// group, or 409 when the tenant has a group of that name.
func handleCreateGroup(dir directory.Service, tenants TenantReader, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req createGroupRequest
		_, p, err := admit(r, tenants, false, func() (err error) {
			req, err = decode[createGroupRequest](r)
			return err
		})
		if err != nil {
			errw(w, r, err)
			return
		}
		g, err := dir.CreateGroup(r.Context(), p, req.Name)
		if err != nil {
			errw(w, r, err)
			return
		}
		web.Encode(w, http.StatusCreated, group{ID: g.ID, Name: g.Name})
	})
}

// handleListGroups lists the caller's tenant's groups by name.
func handleListGroups(dir directory.Service, tenants TenantReader, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, p, err := admit(r, tenants, false, func() error { return noBody(r) })
		if err != nil {
			errw(w, r, err)
			return
		}
		gs, err := dir.ListGroups(r.Context(), p)
		if err != nil {
			errw(w, r, err)
			return
		}
		out := groupsResponse{Groups: make([]group, len(gs))}
		for i, g := range gs {
			out.Groups[i] = group{ID: g.ID, Name: g.Name}
		}
		web.Encode(w, http.StatusOK, out)
	})
}
