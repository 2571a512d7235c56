package users

import (
	"net/http"

	"roster/shared/directory"
	"roster/shared/web"
)

// handleDelete removes a user of the caller's tenant: 204. If-Match makes
// it conditional on the version read.
func handleDelete(s directory.Service, errw web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathUserID(r)
		if err != nil {
			errw(w, r, err)
			return
		}
		if err := web.NoBody(r, maxEmptyBody); err != nil {
			errw(w, r, err)
			return
		}
		version, err := ifVersion(r.Header)
		if err != nil {
			errw(w, r, err)
			return
		}
		if err := s.Delete(r.Context(), principal(r.Context()), id, version); err != nil {
			errw(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}
