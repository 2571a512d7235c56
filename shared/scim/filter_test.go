package scim

import (
	"errors"
	"testing"
	"time"

	"roster/shared/user"
)

// ada is a stored user as the filters see her.
func ada() object {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	return userResource(&user.User{
		TenantID: "acme", ID: "usr1", Username: "Ada.Lovelace", Email: "ada@Example.com",
		FirstName: "Ada", LastName: "Lovelace", Active: true, Version: 3, ExternalID: "Ext-1",
		CreatedAt: now, UpdatedAt: now.Add(time.Hour), Groups: []string{"grp1"},
		Profile: &user.Profile{
			Title: "Countess", Emails: []user.Contact{{Value: "ada@Example.com", Type: "work", Primary: true}, {Value: "ada@home.example", Type: "home"}},
			PhoneNumbers: []user.Contact{{Value: "+44 20 1234", Type: "mobile"}},
			Department:   "Analytical Engines", ManagerID: "usr0",
		},
	}, "https://api.example/scim/v2")
}

func TestFiltersFollowRFC7644(t *testing.T) {
	m := ada()
	cases := map[string]bool{
		`userName eq "ada.lovelace"`:                     true, // caseExact false
		`userName eq "Ada"`:                              false,
		`userName ne "x"`:                                true,
		`userName co "LOVE"`:                             true,
		`userName sw "ada"`:                              true,
		`userName ew "lace"`:                             true,
		`userName gt "b"`:                                false,
		`userName lt "b"`:                                true,
		`userName ge "ada.lovelace"`:                     true,
		`userName le "ada"`:                              false,
		`externalId eq "ext-1"`:                          false, // caseExact true
		`externalId eq "Ext-1"`:                          true,
		`id eq "usr1"`:                                   true,
		`title pr`:                                       true,
		`nickName pr`:                                    false,
		`active eq true`:                                 true,
		`active eq false`:                                false,
		`emails co "home.example"`:                       true, // emails means emails.value
		`emails.value eq "ADA@example.com"`:              true,
		`emails[type eq "work" and value co "@example"]`: true,
		`emails[type eq "home" and value co "@example.com"]`:                                            false,
		`emails[type eq "work"] and not (title eq "Countess")`:                                          false,
		`name.givenName eq "Ada" or name.familyName eq "x"`:                                             true,
		`(userName eq "x" or title eq "countess") and active eq true`:                                   true,
		`not (userName eq "ada.lovelace")`:                                                              false,
		`meta.lastModified gt "2026-03-01T12:30:00Z"`:                                                   true,
		`meta.created lt "2026-03-01T11:00:00Z"`:                                                        false,
		`meta.resourceType eq "User"`:                                                                   true,
		`groups.value eq "grp1"`:                                                                        true,
		`phoneNumbers[type eq "mobile"].value pr`:                                                       false, // a value path with a sub-attribute is a PATCH path, not a filter
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "analytical engines"`: true,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "usr0"`:            true,
		`urn:ietf:params:scim:schemas:core:2.0:User:userName sw "ADA"`:                                  true,
	}
	for f, want := range cases {
		e, err := parseFilter(&userType, f)
		if err != nil {
			if f == `phoneNumbers[type eq "mobile"].value pr` {
				continue
			}
			t.Errorf("%s: %v", f, err)
			continue
		}
		if got := matches(&userType, e, m); got != want {
			t.Errorf("%s: %v, want %v", f, got, want)
		}
	}
}

func TestABadFilterIsInvalidFilter(t *testing.T) {
	for _, f := range []string{
		`userName zz "x"`, `userName eq`, `(userName eq "x"`, `nope eq "x"`, `name.nope eq "x"`,
		`active gt true`, `active eq "yes"`, `userName eq true`, `name eq "x"`, `password eq "x"`,
		`emails[nope eq "x"]`, `userName eq "x" and`, `urn:x:y:z eq "1"`,
	} {
		_, err := parseFilter(&userType, f)
		var st scimType
		if !errors.As(err, &st) || st != invalidFilter {
			t.Errorf("%s: %v, want invalidFilter", f, err)
		}
	}
}

func TestTheIndexedFiltersAreTheClientsCommonOnes(t *testing.T) {
	cases := map[string]lookupKind{
		`userName eq "ada"`:                      byUserName,
		`USERNAME eq "ada"`:                      byUserName,
		`externalId eq "00u1"`:                   byExternalID,
		`emails.value eq "a@b.example"`:          byEmail,
		`emails[value eq "a@b.example"]`:         byEmail,
		`emails eq "a@b.example"`:                byEmail,
		`id eq "usr1"`:                           byID,
		`userName eq "ada" and active eq true`:   byUserName,
		`active eq true and externalId eq "x"`:   byExternalID,
		`userName eq "ada" or userName eq "bob"`: noIndex,
		`userName sw "ada"`:                      noIndex,
		`not (userName eq "ada")`:                noIndex,
		`emails[type eq "work"]`:                 noIndex,
		`displayName eq "Ada"`:                   noIndex,
	}
	for f, want := range cases {
		e, err := parseFilter(&userType, f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if got, _ := indexed(&userType, e); got != want {
			t.Errorf("%s: %v, want %v", f, got, want)
		}
	}
}

func TestAttributesAndExcludedAttributesTrimAResource(t *testing.T) {
	q, err := (searchRequest{Attributes: []string{"userName", "name.givenName", "emails.value",
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"}}).query(&userType)
	if err != nil {
		t.Fatal(err)
	}
	got := project(ada(), q)
	if len(got) != 6 || got["id"] != "usr1" || got["userName"] != "Ada.Lovelace" || got["meta"] != nil {
		t.Errorf("attributes: %v", got)
	}
	if n := got["name"].(object); len(n) != 1 || n["givenName"] != "Ada" {
		t.Errorf("name: %v", n)
	}
	if e := got["emails"].([]any); len(e) != 2 || len(e[0].(object)) != 1 {
		t.Errorf("emails: %v", e)
	}
	if d := got[EnterpriseSchema].(object); len(d) != 1 || d["department"] != "Analytical Engines" {
		t.Errorf("extension: %v", d)
	}

	q, err = (searchRequest{ExcludedAttributes: []string{"emails", "id", "name.familyName", EnterpriseSchema}}).query(&userType)
	if err != nil {
		t.Fatal(err)
	}
	got = project(ada(), q)
	if got["emails"] != nil || got["id"] != "usr1" || got[EnterpriseSchema] != nil || got["name"].(object)["familyName"] != nil || got["name"].(object)["givenName"] != "Ada" {
		t.Errorf("excludedAttributes: %v", got)
	}
	if ada()["name"].(object)["familyName"] != "Lovelace" {
		t.Error("projection changed the resource it trimmed")
	}

	for _, bad := range []searchRequest{{Attributes: []string{"nope"}}, {ExcludedAttributes: []string{"name.nope"}},
		{SortBy: "name"}, {SortOrder: "up"}, {Filter: "x"}} {
		if _, err := bad.query(&userType); err == nil {
			t.Errorf("%+v: accepted", bad)
		}
	}
}

func TestSortingPutsResourcesWithoutAValueLast(t *testing.T) {
	mk := func(name, title string) object {
		o := object{"userName": name}
		if title != "" {
			o["title"] = title
		}
		return o
	}
	list := []object{mk("c", ""), mk("b", "Beta"), mk("a", "alpha")}
	q, _ := (searchRequest{SortBy: "title"}).query(&userType)
	sortResources(list, q)
	if list[0]["userName"] != "a" || list[1]["userName"] != "b" || list[2]["userName"] != "c" {
		t.Errorf("ascending: %v", list)
	}
	q, _ = (searchRequest{SortBy: "title", SortOrder: "descending"}).query(&userType)
	sortResources(list, q)
	if list[0]["userName"] != "b" || list[2]["userName"] != "c" {
		t.Errorf("descending: %v", list)
	}
	q.Start, q.Count = 2, 1
	if w := window(list, q); len(w) != 1 || w[0]["userName"] != "a" {
		t.Errorf("window: %v", w)
	}
	q.Start = 9
	if w := window(list, q); len(w) != 0 {
		t.Errorf("window past the end: %v", w)
	}
}
