package users

import (
	"fmt"
	"net/http"

	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/web"
)

// handleGet shows one user of the caller's tenant. Another tenant's user
// is the directory's 404, the same as a user that does not exist.
func handleGet(s directory.Service, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathUserID(r)
		if err != nil {
			errw(w, r, err)
			return
		}
		p := principal(r.Context())
		u, err := s.Get(r.Context(), p, id)
		if err != nil {
			errw(w, r, err)
			return
		}
		writeUser(w, r, errw, p, http.StatusOK, u)
	})
}

// handleList shows one page of the tenant's users, oldest first.
func handleList(s directory.Service, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q, err := listQuery(r)
		if err != nil {
			errw(w, r, err)
			return
		}
		p := principal(r.Context())
		page, err := s.List(r.Context(), p, q.limit, q.cursor)
		if err != nil {
			errw(w, r, err)
			return
		}
		out := listResponse{Users: make([]userResponse, 0, len(page.Users))}
		for _, u := range page.Users {
			if err := sameTenant(p, u); err != nil {
				errw(w, r, fault.Wrap(fmt.Errorf("list users: %w", err), fault.Internal, "An internal error occurred."))
				return
			}
			out.Users = append(out.Users, newUser(u))
		}
		if page.Next != "" {
			out.NextCursor = &page.Next
		}
		web.Encode(w, http.StatusOK, out)
	})
}
