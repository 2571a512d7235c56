package scim

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"

	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/user"
	"roster/shared/web"
)

// errStale answers a write whose If-Match no longer holds.
var errStale = fault.New(fault.PreconditionFailed, "The resource has changed since the version given (If-Match).")

// maxPatchTries bounds how often a PATCH without If-Match reads again
// after a concurrent change got in between its read and its write.
const maxPatchTries = 3

// principal is the verified caller; Routes let no request through
// without one.
func principal(r *http.Request) auth.Principal {
	p, _ := auth.PrincipalFrom(r.Context())
	return p
}

// baseURL is the absolute URL of the SCIM root as the client reached it,
// for meta.location and $ref: the scheme API Gateway forwards (https),
// http only on a loopback host. A Host that is not a plain host name
// gives a relative root.
func baseURL(r *http.Request) string {
	host := r.Host
	for _, c := range host {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(".-:[]", c)) {
			return Base
		}
	}
	if host == "" {
		return Base
	}
	scheme := "https"
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if ip := net.ParseIP(strings.Trim(host, "[]")); ip != nil && ip.IsLoopback() || host == "localhost" {
		scheme = "http"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
		scheme = p
	}
	return scheme + "://" + r.Host + Base
}

// oneResourceQuery reads the query parameters a read of one resource
// takes: attributes and excludedAttributes.
func oneResourceQuery(rt *resourceType, v url.Values) (listQuery, error) {
	for k := range v {
		if k != "attributes" && k != "excludedAttributes" {
			return listQuery{}, invalid(invalidValue, k, "is not a query parameter of this route")
		}
	}
	return queryFromURL(rt, v)
}

// writeUser answers one user with its ETag (meta.version).
func writeUser(w http.ResponseWriter, r *http.Request, status int, u *user.User, q listQuery) {
	m := userResource(u, baseURL(r))
	w.Header().Set("ETag", web.ETag(u.Version))
	if status == http.StatusCreated {
		w.Header().Set("Location", m["meta"].(object)["location"].(string))
	}
	encode(w, status, project(m, q))
}

// getUser answers GET /Users/{id}: one GetItem.
func (s *server) getUser(w http.ResponseWriter, r *http.Request) {
	q, err := oneResourceQuery(&userType, r.URL.Query())
	if err != nil {
		WriteError(w, r, err)
		return
	}
	u, err := s.dir.Get(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		WriteError(w, r, err)
		return
	}
	writeUser(w, r, http.StatusOK, u, q)
}

// readUser decodes and checks a User body.
func readUser(r *http.Request) (userInput, error) {
	return readResource(r, maxResourceBytes, &userType, userFrom)
}

// createUser answers POST /Users: the directory's create, one
// TransactWriteItems with the user's markers and its external id's ref.
func (s *server) createUser(w http.ResponseWriter, r *http.Request) {
	in, err := readUser(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	u, err := s.dir.Create(r.Context(), principal(r), in.newUser())
	if err != nil {
		WriteError(w, r, err)
		return
	}
	writeUser(w, r, http.StatusCreated, u, listQuery{})
}

// ifMatch reads If-Match as a version (0: none).
func ifMatch(r *http.Request) (int64, error) {
	v, err := web.IfMatchVersion(r.Header, errStale, "from meta.version or the ETag of a read")
	if fault.CodeOf(err) == fault.Invalid {
		return 0, typed(err, invalidValue)
	}
	return v, err
}

// replaceUser answers PUT /Users/{id}: the whole resource replaced, in
// the directory's update (a read and a conditional write).
func (s *server) replaceUser(w http.ResponseWriter, r *http.Request) {
	version, err := ifMatch(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	in, err := readUser(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	u, err := s.dir.Update(r.Context(), principal(r), r.PathValue("id"), in.change(version))
	if err != nil {
		WriteError(w, r, err)
		return
	}
	writeUser(w, r, http.StatusOK, u, listQuery{})
}

// patchUser answers PATCH /Users/{id}: the user is read, the operations
// applied to it as a resource, and the result written as a PUT would
// write it, conditional on the version read. Without If-Match a change
// that got in between is read again and the operations applied to it.
func (s *server) patchUser(w http.ResponseWriter, r *http.Request) {
	version, err := ifMatch(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	body, err := decodeObject(r, maxPatchBytes)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	ops, err := patchFrom(body)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	u, err := s.patch(r.Context(), principal(r), r.PathValue("id"), version, ops, baseURL(r))
	if err != nil {
		WriteError(w, r, err)
		return
	}
	writeUser(w, r, http.StatusOK, u, listQuery{})
}

// patch applies ops to the user id.
func (s *server) patch(ctx context.Context, p auth.Principal, id string, version int64, ops []patchOp, base string) (*user.User, error) {
	for try := 1; ; try++ {
		u, err := s.dir.Get(ctx, p, id)
		if err != nil {
			return nil, err
		}
		if version > 0 && u.Version != version {
			return nil, errStale
		}
		m, err := applyPatch(&userType, userResource(u, base), ops)
		if err != nil {
			return nil, err
		}
		in, err := userFrom(m)
		if err != nil {
			return nil, err
		}
		next, err := s.dir.Update(ctx, p, id, in.change(u.Version))
		if fault.CodeOf(err) == fault.PreconditionFailed && version == 0 && try < maxPatchTries {
			continue // changed since read: apply the operations to the new version
		}
		if fault.CodeOf(err) == fault.PreconditionFailed && version == 0 {
			return nil, fault.Wrap(err, fault.Conflict, "The user kept changing while the operations were applied; retry.")
		}
		return next, err
	}
}

// deleteUser answers DELETE /Users/{id}: 204.
func (s *server) deleteUser(w http.ResponseWriter, r *http.Request) {
	version, err := ifMatch(r)
	if err == nil {
		err = web.NoBody(r, 0)
	}
	if err == nil {
		err = s.dir.Delete(r.Context(), principal(r), r.PathValue("id"), version)
	}
	if err != nil {
		if fault.CodeOf(err) == fault.Invalid {
			err = typed(err, invalidValue)
		}
		WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// listUsers answers GET /Users.
func (s *server) listUsers(w http.ResponseWriter, r *http.Request) {
	q, err := queryFromURL(&userType, r.URL.Query())
	if err != nil {
		WriteError(w, r, err)
		return
	}
	s.findUsers(w, r, q)
}

// searchUsers answers POST /Users/.search (RFC 7644 §3.4.3).
func (s *server) searchUsers(w http.ResponseWriter, r *http.Request) {
	in, err := readSearch(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	q, err := in.query(&userType)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	s.findUsers(w, r, q)
}

// findUsers answers a list or search of users, in one of three ways:
//
//   - a filter an index serves (userName, externalId or emails.value eq,
//     id eq; alone or and-ed with more): one marker or ref read and the
//     user, the rest of the filter checked on it;
//   - no filter: one page of the tenant's users in creation order, or in
//     the order of sortBy where a search index keeps it (userName,
//     emails, name.givenName, name.familyName, meta.lastModified), with
//     startIndex at most directory.MaxSearchSkip+1: a Query per page
//     whatever the tenant's size;
//   - any other filter or sortBy: the tenant's users read in pages, up to
//     maxScan of them, filtered and sorted here; a larger tenant is
//     refused with tooMany, so nothing scans a large tenant unbounded.
func (s *server) findUsers(w http.ResponseWriter, r *http.Request, q listQuery) {
	if q.Filter == nil {
		if order, ok := searchOrder(q.SortPath); ok {
			s.pageUsers(w, r, q, order)
			return
		}
	}
	list, err := s.collectUsers(r.Context(), principal(r), baseURL(r), q)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	sortResources(list, q)
	page(w, q, len(list), window(list, q))
}

// collectUsers returns every user that matches q's filter (every user
// without one): through an index when one serves the filter, otherwise
// by reading at most maxScan users.
func (s *server) collectUsers(ctx context.Context, p auth.Principal, base string, q listQuery) ([]object, error) {
	if q.Filter != nil {
		if kind, v := indexed(&userType, q.Filter); kind != noIndex {
			var u *user.User
			var err error
			switch kind {
			case byID:
				u, err = s.dir.Get(ctx, p, v)
			case byUserName:
				u, err = s.dir.GetByUsername(ctx, p, v)
			case byExternalID:
				u, err = s.dir.GetByExternalID(ctx, p, v)
			case byEmail:
				u, err = s.dir.GetByEmail(ctx, p, v)
			}
			switch {
			case fault.CodeOf(err) == fault.NotFound:
				return nil, nil
			case err != nil:
				return nil, err
			}
			if m := userResource(u, base); matches(&userType, q.Filter, m) {
				return []object{m}, nil
			}
			return nil, nil
		}
	}
	var all []object
	err := s.scanUsers(ctx, p, "filter", func(u *user.User) {
		if m := userResource(u, base); q.Filter == nil || matches(&userType, q.Filter, m) {
			all = append(all, m)
		}
	})
	if fault.CodeOf(err) == fault.Invalid {
		err = typed(fault.InvalidField("filter",
			"needs more than 1000 users read: filter on userName, externalId or emails.value with eq, or list without a filter"), tooMany)
	}
	return all, err
}

// search answers POST /.search: the users and the groups that match, for
// each resource type whose schema the query fits (RFC 7644 §3.4.3).
func (s *server) search(w http.ResponseWriter, r *http.Request) {
	in, err := readSearch(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	uq, uerr := in.query(&userType)
	gq, gerr := in.query(&groupType)
	if uerr != nil && gerr != nil {
		WriteError(w, r, uerr)
		return
	}
	ctx, p, base := r.Context(), principal(r), baseURL(r)
	var list []object
	q := uq
	if uerr == nil {
		if list, err = s.collectUsers(ctx, p, base, uq); err != nil {
			WriteError(w, r, err)
			return
		}
	} else {
		q = gq
	}
	if gerr == nil {
		groups, err := s.collectGroups(ctx, p, base, gq)
		if err != nil {
			WriteError(w, r, err)
			return
		}
		list = append(list, groups...)
	}
	sortResources(list, q)
	page(w, q, len(list), window(list, q))
}

// searchOrder is the search index that keeps users in the order of
// sortBy, when one does.
func searchOrder(sortBy string) (directory.UserOrder, bool) {
	switch strings.ToLower(sortBy) {
	case "", "id", "meta.created":
		return directory.ByCreated, true
	case "username":
		return directory.ByUsername, true
	case "emails", "emails.value":
		return directory.ByEmail, true
	case "name.givenname":
		return directory.ByFirstName, true
	case "name.familyname":
		return directory.ByLastName, true
	case "meta.lastmodified":
		return directory.ByUpdated, true
	}
	return 0, false
}

// pageUsers answers an unfiltered list with one search page. Its
// totalResults is exact on the last page; before it, it counts the users
// up to this page and one more, so a client that pages until startIndex
// passes totalResults reads every user without the tenant being counted.
func (s *server) pageUsers(w http.ResponseWriter, r *http.Request, q listQuery, order directory.UserOrder) {
	if q.Start-1 > directory.MaxSearchSkip {
		WriteError(w, r, invalid(invalidValue, "startIndex", "must be at most 10001 without a filter"))
		return
	}
	limit := max(q.Count, 1)
	pg, err := s.dir.SearchUsers(r.Context(), principal(r), directory.UserSearch{
		Order: order, Descending: q.Descending, Skip: q.Start - 1, Limit: limit,
	})
	if err != nil {
		WriteError(w, r, err)
		return
	}
	base := baseURL(r)
	list := make([]object, 0, len(pg.Users))
	for _, u := range pg.Users {
		list = append(list, userResource(u, base))
	}
	if q.Count == 0 {
		list = nil
	}
	total := q.Start - 1 + len(pg.Users)
	if pg.More {
		total++
	}
	page(w, q, total, list)
}
