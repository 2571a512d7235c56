package accessusers_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"roster/shared/accessusers"
	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/loginprofile"
	"roster/shared/user"
	"roster/shared/web"
	"roster/shared/web/webtest"
)

const searchPath = "/api/v1/accessuser/search"

func search(query string, as *auth.Principal) request {
	return request{Method: "GET", Target: searchPath + query, As: as}
}

// searchQuery runs a search and returns the query the store was asked.
func searchQuery(t *testing.T, query string) directory.UserSearch {
	t.Helper()
	f := happy(t)
	var got directory.UserSearch
	f.search = func(q directory.UserSearch) (directory.UserPage, error) {
		got = q
		return directory.UserPage{Indexed: true}, nil
	}
	res := do(t, f, search(query, &owner))
	if res.Code != http.StatusOK {
		t.Fatalf("%s: status %d, body %s", query, res.Code, res.Body)
	}
	return got
}

func TestSearchReplyHasEveryFieldOfTheDocumentsExample(t *testing.T) {
	f := happy(t)
	ldap := grace()
	ldap.ID, ldap.Number, ldap.Username, ldap.LoginProfileID, ldap.Active = "usr2", 43, "linus", 2, false
	f.search = func(q directory.UserSearch) (directory.UserPage, error) {
		return directory.UserPage{Users: []*user.User{grace(), ldap}, Offset: 40, More: true, Next: "CURSOR", Indexed: true}, nil
	}
	res := do(t, f, search("?startIndex=40&pageSize=2", &manager))
	if res.Code != http.StatusOK {
		t.Fatalf("status %d: %s", res.Code, res.Body)
	}
	want := `{
		"list":[
			{"id":42,"username":"grace","firstName":"Grace","lastName":"Hopper","email":"grace@example.com","authId":1,
			 "createdOwner":"user:usr9","updatedOwner":"apikey:key1","createDateTime":"2025-01-02T03:04:05.006Z",
			 "updateDateTime":"2025-02-03T04:05:06.000Z","loginProfileName":"Local","authTypeId":1,"authTypeStr":"LOCAL","active":true},
			{"id":43,"username":"linus","firstName":"Grace","lastName":"Hopper","email":"grace@example.com","authId":2,
			 "createdOwner":"user:usr9","updatedOwner":"apikey:key1","createDateTime":"2025-01-02T03:04:05.006Z",
			 "updateDateTime":"2025-02-03T04:05:06.000Z","loginProfileName":"Corporate LDAP","authTypeId":2,"authTypeStr":"LDAP","active":false}
		],
		"startIndex":40,"pageSize":2,"resultCount":2,"totalCount":43,
		"containerType":"accessUser","searchType":"indexed","startupMessage":"","maxFileSize":0,
		"canDelete":true,"canUpload":true,"canDownload":true,"canDownloadFolder":false,"canRename":true,"canCreateFolder":false,"copyProtect":false,
		"totalCountExact":false,"partial":false,"nextCursor":"CURSOR"
	}`
	assertSameJSON(t, res.Body, want)
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", res.Header.Get("Cache-Control"))
	}
	// The LDAP profile was not known yet: one read of the tenant's list.
	webtest.AssertCalls(t, f, "SearchUsers", "ListLoginProfiles")
}

func assertSameJSON(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("body %s: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want: %v", err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if !bytes.Equal(gb, wb) {
		t.Errorf("body\n%s\nwant\n%s", gb, wb)
	}
}

func TestSearchTotalCountIsExactOnTheLastPageAndALowerBoundBefore(t *testing.T) {
	tests := []struct {
		name      string
		page      directory.UserPage
		total     int
		exact     bool
		partial   bool
		message   string
		searchTyp string
	}{
		{"last page", directory.UserPage{Users: []*user.User{grace()}, Offset: 20, Indexed: true}, 21, true, false, "", "indexed"},
		{"empty result", directory.UserPage{Indexed: true}, 0, true, false, "", "indexed"},
		{"more follow", directory.UserPage{Users: []*user.User{grace()}, Offset: 0, More: true, Next: "c", Indexed: true}, 2, false, false, "", "indexed"},
		{"partial", directory.UserPage{Offset: 5, More: true, Next: "c", Partial: true, Examined: 1000}, 6, false, true, "reading 1000 users", "filtered"},
		{"filtered and complete", directory.UserPage{Users: []*user.User{grace()}}, 1, true, false, "", "filtered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := happy(t)
			f.search = func(directory.UserSearch) (directory.UserPage, error) { return tt.page, nil }
			res := do(t, f, search("", &owner))
			var got struct {
				TotalCount      int    `json:"totalCount"`
				TotalCountExact bool   `json:"totalCountExact"`
				Partial         bool   `json:"partial"`
				StartupMessage  string `json:"startupMessage"`
				SearchType      string `json:"searchType"`
				List            []any  `json:"list"`
			}
			if err := json.Unmarshal(res.Body, &got); err != nil {
				t.Fatal(err)
			}
			if got.TotalCount != tt.total || got.TotalCountExact != tt.exact || got.Partial != tt.partial ||
				!strings.Contains(got.StartupMessage, tt.message) || got.SearchType != tt.searchTyp || got.List == nil {
				t.Errorf("reply %s", res.Body)
			}
		})
	}
}

func TestSearchCapabilityFlagsFollowTheCallersRole(t *testing.T) {
	readOnly := auth.Principal{TenantID: "acme", KeyID: "k9", Roles: []string{"user_manager"}, Method: auth.ViaAPIKey}
	tests := []struct {
		as                          auth.Principal
		canDelete, canUpload, canRn bool
	}{
		{owner, true, true, true},
		{readOnly, true, true, true},
		{adminKey, true, true, true},
	}
	for _, tt := range tests {
		res := do(t, happy(t), search("", &tt.as))
		var got map[string]any
		if err := json.Unmarshal(res.Body, &got); err != nil {
			t.Fatal(err)
		}
		if got["canDelete"] != tt.canDelete || got["canUpload"] != tt.canUpload || got["canRename"] != tt.canRn ||
			got["canDownload"] != true || got["canDownloadFolder"] != false || got["canCreateFolder"] != false || got["copyProtect"] != false {
			t.Errorf("%v: flags %v", tt.as.Roles, got)
		}
	}
}

func TestSearchTurnsEveryParameterIntoTheStoresQuery(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2024, 9, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		query string
		want  directory.UserSearch
	}{
		{"", directory.UserSearch{Order: directory.ByCreated, Limit: 20}},
		{"?searchWord=%20Gr%C3%A2ce%20", directory.UserSearch{Word: "grâce", Order: directory.ByMatch, Limit: 20}},
		{"?searchWord=gr&match=contains", directory.UserSearch{Word: "gr", Contains: true, Order: directory.ByCreated, Limit: 20}},
		{"?searchWord=gr&match=prefix&sortField=email&sortOrder=dsc", directory.UserSearch{Word: "gr", Order: directory.ByEmail, Descending: true, Limit: 20}},
		{"?authId=2", directory.UserSearch{LoginProfileID: 2, Order: directory.ByCreated, Limit: 20}},
		{"?authId=0", directory.UserSearch{LoginProfileID: 1, Order: directory.ByCreated, Limit: 20}},
		{"?startIndex=10000&pageSize=100", directory.UserSearch{Skip: 10000, Order: directory.ByCreated, Limit: 100}},
		{"?pageSize=1&startIndex=0", directory.UserSearch{Order: directory.ByCreated, Limit: 1}},
		{"?fromDate=2024-09-01&toDate=2024-09-02", directory.UserSearch{From: day(1), To: day(3).Add(-time.Millisecond), Order: directory.ByCreated, Limit: 20}},
		{"?fromDate=2024-09-01T10:00:00.1234Z", directory.UserSearch{From: day(1).Add(10*time.Hour + 123*time.Millisecond), Order: directory.ByCreated, Limit: 20}},
		{"?toDate=2024-09-01T12:00:00%2B02:00", directory.UserSearch{To: day(1).Add(10 * time.Hour), Order: directory.ByCreated, Limit: 20}},
		{"?toDate=2024-09-01T12:00:00+02:00", directory.UserSearch{To: day(1).Add(10 * time.Hour), Order: directory.ByCreated, Limit: 20}},
		{"?fromDate=2024-09-01T12:00:00", directory.UserSearch{From: day(1).Add(12 * time.Hour), Order: directory.ByCreated, Limit: 20}},
		{"?fromDate=2024-09-01&dateField=updateDateTime", directory.UserSearch{From: day(1), DateField: directory.Updated, Order: directory.ByUpdated, Limit: 20}},
		{"?fromDate=2024-09-01&dateField=createDateTime&sortField=updateDateTime", directory.UserSearch{From: day(1), Order: directory.ByUpdated, Limit: 20}},
		{"?searchWord=a&fromDate=2024-09-01&dateField=updateDateTime", directory.UserSearch{Word: "a", From: day(1), DateField: directory.Updated, Order: directory.ByMatch, Limit: 20}},
		{"?sortField=id&sortOrder=desc", directory.UserSearch{Order: directory.ByCreated, Descending: true, Limit: 20}},
		{"?sortField=createDateTime&sortOrder=ACE", directory.UserSearch{Order: directory.ByCreated, Limit: 20}},
		{"?sortField=updateDateTime&sortOrder=asc", directory.UserSearch{Order: directory.ByUpdated, Limit: 20}},
		{"?sortField=username&sortOrder=DSC", directory.UserSearch{Order: directory.ByUsername, Descending: true, Limit: 20}},
		{"?sortField=firstName", directory.UserSearch{Order: directory.ByFirstName, Limit: 20}},
		{"?sortField=lastName", directory.UserSearch{Order: directory.ByLastName, Limit: 20}},
		{"?cursor=abc&pageSize=5", directory.UserSearch{Cursor: "abc", Order: directory.ByCreated, Limit: 5}},
		{"?searchWord=&authId=&startIndex=&pageSize=&fromDate=&toDate=&sortField=&sortOrder=&dateField=&match=&cursor=", directory.UserSearch{Order: directory.ByCreated, Limit: 20}},
	}
	for _, tt := range tests {
		tt.want.TenantID = "acme"
		got := searchQuery(t, tt.query)
		if !got.From.Equal(tt.want.From) || !got.To.Equal(tt.want.To) {
			t.Errorf("%s: dates %s..%s, want %s..%s", tt.query, got.From, got.To, tt.want.From, tt.want.To)
		}
		got.From, got.To, tt.want.From, tt.want.To = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if got != tt.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.query, got, tt.want)
		}
	}
}

func TestSearchRefusesEveryBadParameterNamingIt(t *testing.T) {
	tests := []struct {
		query     string
		messageID int
		want      []string
	}{
		{"?searchword=a", 40001, []string{"searchword is not a search parameter"}},
		{"?page=2", 40001, []string{"page is not a search parameter"}},
		{"?pageSize=1&pageSize=2", 40001, []string{"pageSize must be given once"}},
		{"?searchWord=%ZZ", 40001, []string{"query is not a valid URL query string"}},
		{"?searchWord=a%07b", 40001, []string{"searchWord must not contain control"}},
		{"?searchWord=" + strings.Repeat("w", 101), 40001, []string{"searchWord must be at most 100"}},
		{"?authId=x", 40001, []string{"authId must be"}},
		{"?authId=-1", 40001, []string{"authId must be"}},
		{"?authId=4294967296", 40001, []string{"authId must be"}},
		{"?authId=9", 40002, []string{"authId names no login profile"}},
		{"?startIndex=-1", 40001, []string{"startIndex must be an integer from 0 to 10000", "nextCursor"}},
		{"?startIndex=10001", 40001, []string{"startIndex must be an integer from 0 to 10000"}},
		{"?startIndex=1e3", 40001, []string{"startIndex must be"}},
		{"?startIndex=99999999999999999999", 40001, []string{"startIndex must be"}},
		{"?pageSize=0", 40001, []string{"pageSize must be an integer from 1 to 100"}},
		{"?pageSize=101", 40001, []string{"pageSize must be an integer from 1 to 100"}},
		{"?pageSize=-5", 40001, []string{"pageSize must be"}},
		{"?pageSize=2.5", 40001, []string{"pageSize must be"}},
		{"?pageSize=%2010", 40001, []string{"pageSize must be"}},
		{"?fromDate=yesterday", 40001, []string{"fromDate must be a date"}},
		{"?fromDate=2024-13-01", 40001, []string{"fromDate must be a date"}},
		{"?fromDate=2024-02-30", 40001, []string{"fromDate must be a date"}},
		{"?toDate=1969-12-31", 40001, []string{"toDate must be a date"}},
		{"?toDate=2024-09-12T25:00:00Z", 40001, []string{"toDate must be a date"}},
		{"?toDate=1726000000", 40001, []string{"toDate must be a date"}},
		{"?fromDate=2024-09-02&toDate=2024-09-01", 40001, []string{"toDate must not be before fromDate"}},
		{"?sortField=name", 40001, []string{"sortField must be one of id, username"}},
		{"?sortField=Username", 40001, []string{"sortField must be one of"}},
		{"?sortOrder=up", 40001, []string{"sortOrder must be ace (ascending) or dsc"}},
		{"?dateField=birthday", 40001, []string{"dateField must be createDateTime or updateDateTime"}},
		{"?match=fuzzy", 40001, []string{"match must be prefix or contains"}},
		{"?cursor=" + strings.Repeat("c", 4097), 40006, []string{"cursor is not a cursor"}},
		{"?pageSize=0&sortOrder=up&fromDate=x", 40001, []string{"pageSize", "sortOrder", "fromDate"}},
	}
	for _, tt := range tests {
		t.Run(tt.query[:min(len(tt.query), 40)], func(t *testing.T) {
			f := happy(t)
			assertFailure(t, do(t, f, search(tt.query, &owner)), http.StatusBadRequest, tt.messageID, tt.want...)
			for _, c := range f.Names() {
				if c == "SearchUsers" {
					t.Errorf("bad input reached the store")
				}
			}
		})
	}
}

func TestSearchPassesOnTheStoresRefusalsUnderTheParametersNames(t *testing.T) {
	tests := []struct {
		err       error
		messageID int
		want      string
	}{
		{fault.InvalidField("cursor", "belongs to a search with other conditions"), 40006, "cursor belongs to a search with other conditions"},
		{fault.InvalidField("skip", "must be from 0 to 10000"), 40001, "startIndex must be from 0 to 10000"},
		{fault.InvalidField("limit", "must be from 1 to 100"), 40001, "pageSize must be from 1 to 100"},
	}
	for _, tt := range tests {
		f := happy(t)
		f.search = func(directory.UserSearch) (directory.UserPage, error) { return directory.UserPage{}, tt.err }
		assertFailure(t, do(t, f, search("?cursor=x", &owner)), http.StatusBadRequest, tt.messageID, tt.want)
	}
	f := happy(t)
	f.search = func(directory.UserSearch) (directory.UserPage, error) {
		return directory.UserPage{}, webtest.Fault(fault.Unavailable)
	}
	assertFailure(t, do(t, f, search("", &owner)), http.StatusServiceUnavailable, 50301)
}

func TestSearchReadsTheLoginProfilesOnlyForANumberItHasNotSeen(t *testing.T) {
	f := happy(t)
	withProfile := func(id int64) {
		f.search = func(directory.UserSearch) (directory.UserPage, error) {
			u := grace()
			u.LoginProfileID = id
			return directory.UserPage{Users: []*user.User{u}}, nil
		}
	}
	// One handler for every request, as one container serves them.
	var logs bytes.Buffer
	h := accessusers.Handler(deps(f), web.NewLogger(&logs, "debug"), webtest.As(&owner))
	send := func(id int64) string {
		t.Helper()
		withProfile(id)
		res := serve(t, h, search("", &owner), &logs)
		var got struct {
			List []struct{ LoginProfileName, AuthTypeStr string }
		}
		if err := json.Unmarshal(res.Body, &got); err != nil || len(got.List) != 1 {
			t.Fatalf("body %s: %v", res.Body, err)
		}
		return got.List[0].LoginProfileName + "/" + got.List[0].AuthTypeStr
	}
	if got := send(0); got != "Local/LOCAL" {
		t.Errorf("default profile shows %q", got)
	}
	if got := send(3); got != "Contractors/LOCAL" {
		t.Errorf("profile 3 shows %q", got)
	}
	if got := send(2); got != "Corporate LDAP/LDAP" {
		t.Errorf("profile 2 shows %q", got)
	}
	// The first unknown number read the list; the next ones were in it.
	webtest.AssertCalls(t, f, "SearchUsers", "SearchUsers", "ListLoginProfiles", "SearchUsers")

	// A profile added elsewhere since is found with one more read; a
	// number no profile has shows as unknown.
	f.listProfiles = func(string) ([]loginprofile.Profile, error) {
		return append(profiles(), loginprofile.Profile{ID: 4, Name: "Okta", AuthType: loginprofile.OIDC}), nil
	}
	f.Calls = webtest.Calls{T: t}
	if got := send(4); got != "Okta/OIDC" {
		t.Errorf("profile 4 shows %q", got)
	}
	if got := send(99); got != "/UNKNOWN" {
		t.Errorf("unknown profile shows %q", got)
	}
	webtest.AssertCalls(t, f, "SearchUsers", "ListLoginProfiles", "SearchUsers", "ListLoginProfiles")
}

func TestSearchQueryEscapesAreDecodedOnce(t *testing.T) {
	got := searchQuery(t, "?searchWord="+url.QueryEscape("o'brien & co"))
	if got.Word != "o'brien & co" {
		t.Errorf("word %q", got.Word)
	}
}
