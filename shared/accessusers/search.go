package accessusers

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/loginprofile"
	"roster/shared/role"
	"roster/shared/web"
)

// Search paging limits, documented in docs/api/accessusers.md.
const (
	defaultPageSize = 20
	maxPageSize     = directory.MaxSearchLimit
	maxStartIndex   = directory.MaxSearchSkip
	maxCursor       = 4096 // characters; real cursors are a few hundred
)

// searchParams are the parameters search takes: the document's, then
// dateField, match and cursor, which this API adds.
var searchParams = []string{
	"searchWord", "authId", "startIndex", "pageSize", "fromDate", "toDate", "sortField", "sortOrder",
	"dateField", "match", "cursor",
}

// sortFields maps sortField to the index order that serves it. id and
// createDateTime are both creation order: ids grow with creation time.
var sortFields = map[string]directory.UserOrder{
	"id": directory.ByCreated, "createDateTime": directory.ByCreated, "updateDateTime": directory.ByUpdated,
	"username": directory.ByUsername, "email": directory.ByEmail, "firstName": directory.ByFirstName, "lastName": directory.ByLastName,
}

const sortFieldList = "id, username, firstName, lastName, email, createDateTime or updateDateTime"

// listItem is one user of a search page, with every field of the
// document's example.
type listItem struct {
	ID               int64  `json:"id"`
	Username         string `json:"username"`
	FirstName        string `json:"firstName"`
	LastName         string `json:"lastName"`
	Email            string `json:"email"`
	AuthID           int64  `json:"authId"`
	CreatedOwner     string `json:"createdOwner"`
	UpdatedOwner     string `json:"updatedOwner"`
	CreateDateTime   string `json:"createDateTime"`
	UpdateDateTime   string `json:"updateDateTime"`
	LoginProfileName string `json:"loginProfileName"`
	AuthTypeID       int    `json:"authTypeId"`
	AuthTypeStr      string `json:"authTypeStr"`
	Active           bool   `json:"active"`
}

// searchReply is a search page: the document's members, then the ones this
// API adds to say how complete the page is and how to go on.
type searchReply struct {
	List        []listItem `json:"list"`
	StartIndex  int        `json:"startIndex"`  // index of list[0] in the whole result
	PageSize    int        `json:"pageSize"`    // the page size asked for
	ResultCount int        `json:"resultCount"` // len(list)
	TotalCount  int        `json:"totalCount"`  // exact when totalCountExact, else a lower bound
	// containerType and searchType describe the page; startupMessage is
	// advice for a person when the page is incomplete.
	ContainerType  string `json:"containerType"`
	SearchType     string `json:"searchType"`
	StartupMessage string `json:"startupMessage"`
	// The capability flags say what the caller's role lets it do with the
	// users listed; file-related ones are constants, as users are no files.
	MaxFileSize       int64 `json:"maxFileSize"`
	CanDelete         bool  `json:"canDelete"`
	CanUpload         bool  `json:"canUpload"`
	CanDownload       bool  `json:"canDownload"`
	CanDownloadFolder bool  `json:"canDownloadFolder"`
	CanRename         bool  `json:"canRename"`
	CanCreateFolder   bool  `json:"canCreateFolder"`
	CopyProtect       bool  `json:"copyProtect"`

	TotalCountExact bool   `json:"totalCountExact"`
	Partial         bool   `json:"partial"`
	NextCursor      string `json:"nextCursor"`
}

// The searchType values.
const (
	searchIndexed  = "indexed"  // every condition served by an index: constant cost per page
	searchFiltered = "filtered" // some condition checked user by user, within directory.MaxDiscarded per request
)

// searchUsers answers GET /api/v1/accessuser/search.
func (h *handlers) searchUsers() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		errw := writeError(h.now)
		ctx, p := r.Context(), principal(r.Context())
		q, err := parseSearch(r.URL.RawQuery)
		if err != nil {
			errw(w, r, err)
			return
		}
		q.TenantID = p.TenantID
		if q.LoginProfileID != 0 {
			if err := h.profiles.check(ctx, p.TenantID, "authId", q.LoginProfileID); err != nil {
				errw(w, r, err)
				return
			}
		}
		page, err := h.dir.SearchUsers(ctx, p, q)
		if err != nil {
			if fe := fault.As(err); fe.Code == fault.Invalid {
				err = renamed(err, map[string]string{"skip": "startIndex", "limit": "pageSize"})
				if len(fe.Fields) > 0 && fe.Fields[0].Field == "cursor" {
					err = withID(msgBadCursor, err)
				}
			}
			errw(w, r, err)
			return
		}
		ids := make([]int64, 0, 1)
		for _, u := range page.Users {
			if id := loginprofile.Effective(u.LoginProfileID); !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
		profiles, err := h.profiles.lookup(ctx, p.TenantID, ids...)
		if err != nil {
			errw(w, r, err)
			return
		}
		out := searchReply{
			List: make([]listItem, len(page.Users)), StartIndex: page.Offset, PageSize: q.Limit, ResultCount: len(page.Users),
			ContainerType: "accessUser", SearchType: searchIndexed,
			CanDelete: p.Can(role.UsersDelete), CanUpload: p.Can(role.UsersWrite), CanDownload: p.Can(role.UsersRead),
			CanRename: p.Can(role.UsersWrite),
			Partial:   page.Partial, NextCursor: page.Next,
		}
		if !page.Indexed {
			out.SearchType = searchFiltered
		}
		for i, u := range page.Users {
			pid := loginprofile.Effective(u.LoginProfileID)
			prof, ok := profiles[pid]
			if !ok {
				prof = loginprofile.Profile{ID: pid} // set by another API to a number no profile has
			}
			out.List[i] = listItem{
				ID: u.Number, Username: u.Username, FirstName: u.FirstName, LastName: u.LastName, Email: u.Email,
				AuthID: pid, CreatedOwner: u.CreatedBy, UpdatedOwner: u.UpdatedBy,
				CreateDateTime: stamp(u.CreatedAt), UpdateDateTime: stamp(u.UpdatedAt),
				LoginProfileName: prof.Name, AuthTypeID: int(prof.AuthType), AuthTypeStr: prof.AuthType.String(), Active: u.Active,
			}
		}
		switch {
		case !page.More:
			out.TotalCount, out.TotalCountExact = page.Offset+len(page.Users), true
		default:
			out.TotalCount = page.Offset + len(page.Users) + 1 // at least one more
		}
		if page.Partial {
			out.StartupMessage = "The search stopped after reading " + strconv.Itoa(page.Examined) + " users, most of which do not match, " +
				"before the page was full; more may match: follow nextCursor to go on, or narrow the search with a condition " +
				"an index serves (a searchWord prefix, or a date range on the date it sorts by)."
		}
		web.Encode(w, http.StatusOK, out)
	})
}

// parseSearch reads the search parameters strictly: an unknown or
// repeated parameter and every bad value is an error naming it. An empty
// value counts as absent.
func parseSearch(raw string) (directory.UserSearch, error) {
	vals, err := url.ParseQuery(raw)
	if err != nil {
		return directory.UserSearch{}, fault.InvalidField("query", "is not a valid URL query string (check its %-escapes)")
	}
	var p problems
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		switch {
		case !slices.Contains(searchParams, k):
			p.add(k, "is not a search parameter (they are "+strings.Join(searchParams, ", ")+"; names are case-sensitive)")
		case len(vals[k]) > 1:
			p.add(k, "must be given once")
		}
	}
	if err := p.err(); err != nil {
		return directory.UserSearch{}, err
	}
	get := func(k string) string { return vals.Get(k) }

	q := directory.UserSearch{Limit: defaultPageSize}
	if w := strings.TrimSpace(get("searchWord")); w != "" {
		switch {
		case !utf8.ValidString(w) || strings.IndexFunc(w, unicode.IsControl) >= 0:
			p.add("searchWord", "must not contain control characters")
		case utf8.RuneCountInString(w) > maxSearchWord:
			p.add("searchWord", "must be at most "+strconv.Itoa(maxSearchWord)+" characters")
		default:
			q.Word = directory.FoldSearchText(w)
		}
	}
	if v := get("authId"); v != "" {
		n, ok := integer(v, 0, maxProfileID-1)
		if !ok {
			p.add("authId", "must be the id of one of the tenant's login profiles (GET /api/v1/loginprofile/list)")
		}
		q.LoginProfileID = loginprofile.Effective(n)
	}
	if v := get("startIndex"); v != "" {
		n, ok := integer(v, 0, maxStartIndex)
		if !ok {
			p.add("startIndex", "must be an integer from 0 to "+strconv.Itoa(maxStartIndex)+"; to go deeper, follow nextCursor")
		}
		q.Skip = int(n)
	}
	if v := get("pageSize"); v != "" {
		n, ok := integer(v, 1, maxPageSize)
		if !ok {
			p.add("pageSize", "must be an integer from 1 to "+strconv.Itoa(maxPageSize))
		}
		q.Limit = int(n)
	}
	from, fromOK := date(get("fromDate"), false)
	if !fromOK {
		p.add("fromDate", dateHelp)
	}
	to, toOK := date(get("toDate"), true)
	if !toOK {
		p.add("toDate", dateHelp)
	}
	if fromOK && toOK && !from.IsZero() && !to.IsZero() && to.Before(from) {
		p.add("toDate", "must not be before fromDate")
	}
	q.From, q.To = from, to
	switch v := get("dateField"); v {
	case "", "createDateTime":
	case "updateDateTime":
		q.DateField = directory.Updated
	default:
		p.add("dateField", "must be createDateTime or updateDateTime")
	}
	switch v := get("match"); v {
	case "", "prefix":
	case "contains":
		q.Contains = true
	default:
		p.add("match", "must be prefix or contains")
	}
	sortField := get("sortField")
	order, ok := sortFields[sortField]
	switch {
	case sortField == "":
		order = defaultOrder(q)
	case !ok:
		p.add("sortField", "must be one of "+sortFieldList)
	}
	q.Order = order
	switch v := strings.ToLower(get("sortOrder")); v {
	case "", "ace", "asc":
	case "dsc", "desc":
		q.Descending = true
	default:
		p.add("sortOrder", "must be ace (ascending) or dsc (descending); asc and desc are accepted too")
	}
	q.Cursor = get("cursor")
	if len(q.Cursor) > maxCursor {
		return q, withID(msgBadCursor, fault.InvalidField("cursor", "is not a cursor returned by this search; start again without it"))
	}
	return q, p.err()
}

// defaultOrder is the order of a search without sortField: by the matching
// text for a prefix word, by the bounded date for a date range, else by
// creation.
func defaultOrder(q directory.UserSearch) directory.UserOrder {
	switch {
	case q.Word != "" && !q.Contains:
		return directory.ByMatch
	case (!q.From.IsZero() || !q.To.IsZero()) && q.DateField == directory.Updated:
		return directory.ByUpdated
	}
	return directory.ByCreated
}

// integer parses a decimal integer in [lo, hi].
func integer(v string, lo, hi int64) (int64, bool) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, false
	}
	return n, true
}

const dateHelp = "must be a date (2024-09-12) or a date and time (2024-09-12T06:22:39.255Z, " +
	"2024-09-12T08:22:39+02:00; without an offset it is UTC) from 1970 to 9999"

// dateLayouts are the forms fromDate and toDate accept, most precise first.
var dateLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04"}

// date parses a fromDate or toDate to the millisecond; a bare date is the
// start of that day (UTC), or for toDate its last millisecond. "" is the
// zero time, an open end.
func date(v string, end bool) (time.Time, bool) {
	if v == "" {
		return time.Time{}, true
	}
	// A "+" in a query string arrives as a space; a date holds none.
	v = strings.ReplaceAll(v, " ", "+")
	var (
		t   time.Time
		err error
	)
	if len(v) == len(time.DateOnly) {
		t, err = time.Parse(time.DateOnly, v)
		if err == nil && end {
			t = t.Add(24*time.Hour - time.Millisecond)
		}
	} else {
		for _, layout := range dateLayouts {
			if t, err = time.Parse(layout, v); err == nil {
				break
			}
		}
	}
	if err != nil || t.Year() < 1970 || t.Year() > 9999 {
		return time.Time{}, false
	}
	return t.UTC().Truncate(time.Millisecond), true
}

// noQuery refuses query parameters on a route that takes none.
func noQuery(r *http.Request) error {
	vals, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return fault.InvalidField("query", "is not a valid URL query string (check its %-escapes)")
	}
	var p problems
	for k := range vals {
		p.add(k, "is not a parameter of this route, which takes none")
	}
	slices.SortFunc(p, func(a, b fault.FieldError) int { return strings.Compare(a.Field, b.Field) })
	return p.err()
}
