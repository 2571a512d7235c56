package accessusers_test

import (
	"net/http"
	"strings"
	"testing"

	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/user"
	"roster/shared/web/webtest"
)

func post(target, body string, as *auth.Principal) request {
	return request{Method: "POST", Target: target, Body: body, As: as}
}

func del(target, body string, as *auth.Principal) request {
	return request{Method: "DELETE", Target: target, Body: body, As: as}
}

const (
	addPath      = "/api/v1/accessuser/add"
	updatePath   = "/api/v1/accessuser/update"
	passwordPath = "/api/v1/accessuser/updateUserPassword"
	deletePath   = "/api/v1/accessuser/delete"
	deleteByPath = "/api/v1/accessuser/deleteByUsername"
)

func TestAddCreatesTheUserWithItsLoginProfileAndSaysItsID(t *testing.T) {
	f := happy(t)
	var got directory.NewUser
	f.CreateFn = func(p auth.Principal, in directory.NewUser) (*user.User, error) {
		if p.UserID != owner.UserID {
			t.Errorf("created as %+v", p)
		}
		got = in
		u := grace()
		u.Username, u.Number = in.Username, 1234
		return u, nil
	}
	res := do(t, f, post(addPath, `{"username":"ada","firstName":"Ada","lastName":"Lovelace","email":"ada@example.com","authId":2,"active":false}`, &owner))
	assertOK(t, res, "ada", "1234")
	want := directory.NewUser{Username: "ada", Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace", Active: false, LoginProfileID: 2}
	if got.Username != want.Username || got.Email != want.Email || got.FirstName != want.FirstName || got.LastName != want.LastName ||
		got.Active != want.Active || got.LoginProfileID != want.LoginProfileID || got.Password != "" || got.Role != "" {
		t.Errorf("NewUser %+v, want %+v", got, want)
	}
	webtest.AssertCalls(t, f, "ListLoginProfiles", "Create")
}

func TestAddWithoutAuthIDOrWithTheDefaultNeedsNoProfileRead(t *testing.T) {
	for _, body := range []string{`{"username":"ada","active":true}`, `{"username":"ada","active":true,"authId":0}`, `{"username":"ada","active":true,"authId":1}`} {
		f := happy(t)
		var profile int64 = -1
		f.CreateFn = func(p auth.Principal, in directory.NewUser) (*user.User, error) {
			profile = in.LoginProfileID
			return grace(), nil
		}
		assertOK(t, do(t, f, post(addPath, body, &manager)))
		if profile != 0 && profile != 1 {
			t.Errorf("%s: login profile %d", body, profile)
		}
		webtest.AssertCalls(t, f, "Create")
	}
}

func TestAddRefusesBadInputNamingEachField(t *testing.T) {
	tests := []struct {
		name, body string
		want       []string
	}{
		{"nothing", `{}`, []string{"username is required", "active is required"}},
		{"blank username", `{"username":"  ","active":true}`, []string{"username is required"}},
		{"username with a space", `{"username":"a b","active":true}`, []string{"username must not contain spaces"}},
		{"long username", `{"username":"` + strings.Repeat("u", 129) + `","active":true}`, []string{"username must be at most 128"}},
		{"long first name", `{"username":"a","active":true,"firstName":"` + strings.Repeat("f", 101) + `"}`, []string{"firstName must be at most 100"}},
		{"control in last name", `{"username":"a","active":true,"lastName":"x\u0007"}`, []string{"lastName must not contain control"}},
		{"long email", `{"username":"a","active":true,"email":"` + strings.Repeat("e", 250) + `@x.io"}`, []string{"email must be at most 254"}},
		{"negative authId", `{"username":"a","active":true,"authId":-1}`, []string{"authId must be the id"}},
		{"huge authId", `{"username":"a","active":true,"authId":99999999999}`, []string{"authId must be the id"}},
		{"null active", `{"username":"a","active":null}`, []string{"active is required"}},
		{"lower-case firstname", `{"username":"a","active":true,"firstname":"x"}`, []string{"firstname is not a known field"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := happy(t)
			assertFailure(t, do(t, f, post(addPath, tt.body, &owner)), http.StatusBadRequest, 40001, tt.want...)
			webtest.AssertCalls(t, f)
		})
	}
}

func TestAddWithAnUnknownAuthIDIsRefusedNamingIt(t *testing.T) {
	f := happy(t)
	assertFailure(t, do(t, f, post(addPath, `{"username":"ada","active":true,"authId":9}`, &owner)), http.StatusBadRequest, 40002, "authId", "loginprofile/list")
	webtest.AssertCalls(t, f, "ListLoginProfiles")
}

func TestAddPassesOnWhatTheDirectoryRefusesInTheEnvelope(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		status    int
		messageID int
		want      string
	}{
		{"username taken", fieldErr(fault.Conflict, "username"), 409, 40901, "refused"},
		{"email taken", fieldErr(fault.Conflict, "email"), 409, 40902, "refused"},
		{"bad email", fieldErr(fault.Invalid, "email"), 400, 40001, "email is wrong somehow"},
		{"bad profile", fieldErr(fault.Invalid, "loginProfileId"), 400, 40001, "authId is wrong somehow"},
		{"role not allowed", webtest.Fault(fault.Forbidden), 403, 40301, "forbidden"},
		{"tenant inactive", webtest.Fault(fault.NotFound), 404, 40400, "not_found"},
		{"throttled", webtest.Fault(fault.TooManyRequests), 429, 42901, "too_many_requests"},
		{"busy", webtest.Fault(fault.Unavailable), 503, 50301, "unavailable"},
		{"bug", webtest.Fault(fault.Internal), 500, 50001, "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := happy(t)
			f.CreateFn = func(auth.Principal, directory.NewUser) (*user.User, error) { return nil, tt.err }
			assertFailure(t, do(t, f, post(addPath, `{"username":"ada","active":true}`, &owner)), tt.status, tt.messageID, tt.want)
		})
	}
}

func TestUpdateChangesOnlyWhatDiffers(t *testing.T) {
	f := happy(t)
	var got directory.Change
	var gotID string
	f.UpdateFn = func(p auth.Principal, id string, c directory.Change) (*user.User, error) {
		gotID, got = id, c
		return grace(), nil
	}
	// Same first name and active flag as stored; new last name, email and
	// profile.
	res := do(t, f, post(updatePath, `{"id":42,"firstName":"Grace","lastName":"Murray","email":"gm@example.com","authId":3,"active":true}`, &manager))
	assertOK(t, res, "42 updated")
	if gotID != "usr1" || got.FirstName != nil || got.Active != nil || got.LastName == nil || *got.LastName != "Murray" ||
		got.Email == nil || *got.Email != "gm@example.com" || got.LoginProfileID == nil || *got.LoginProfileID != 3 ||
		got.Username != nil || got.Role != nil || got.Password != nil || got.IfVersion != 0 {
		t.Errorf("change of %s: %+v", gotID, got)
	}
	webtest.AssertCalls(t, f, "ListLoginProfiles", "GetByNumber", "Update")
}

func TestUpdateCanChangeTheActiveFlagAndClearANameOrTheProfile(t *testing.T) {
	f := happy(t)
	f.GetByNumberFn = func(auth.Principal, int64) (*user.User, error) {
		u := grace()
		u.LoginProfileID = 3
		return u, nil
	}
	var got directory.Change
	f.UpdateFn = func(p auth.Principal, id string, c directory.Change) (*user.User, error) {
		got = c
		return grace(), nil
	}
	assertOK(t, do(t, f, post(updatePath, `{"id":42,"lastName":"","authId":1,"active":false}`, &owner)))
	if got.Active == nil || *got.Active || got.LastName == nil || *got.LastName != "" || got.LoginProfileID == nil || *got.LoginProfileID != 1 {
		t.Errorf("change %+v", got)
	}
}

func TestUpdateThatChangesNothingWritesNothing(t *testing.T) {
	f := happy(t)
	res := do(t, f, post(updatePath, `{"id":42,"firstName":"Grace","email":"grace@example.com","authId":0,"active":true}`, &owner))
	assertOK(t, res, "nothing changed")
	webtest.AssertCalls(t, f, "GetByNumber")
}

func TestUpdateRefusesBadInputNamingEachField(t *testing.T) {
	tests := []struct {
		name, body string
		want       []string
	}{
		{"nothing", `{}`, []string{"id is required", "authId is required"}},
		{"no authId", `{"id":42}`, []string{"authId is required"}},
		{"zero id", `{"id":0,"authId":1}`, []string{"id must be an access user's id"}},
		{"negative id", `{"id":-4,"authId":1}`, []string{"id must be"}},
		{"id beyond 2^53", `{"id":9007199254740993,"authId":1}`, []string{"id must be"}},
		{"fractional id", `{"id":4.5,"authId":1}`, []string{"id must be an integer"}},
		{"negative authId", `{"id":42,"authId":-2}`, []string{"authId must be"}},
		{"long last name", `{"id":42,"authId":1,"lastName":"` + strings.Repeat("l", 101) + `"}`, []string{"lastName must be at most 100"}},
		{"username is not changed here", `{"id":42,"authId":1,"username":"x"}`, []string{"username is not a known field"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := happy(t)
			assertFailure(t, do(t, f, post(updatePath, tt.body, &owner)), http.StatusBadRequest, 40001, tt.want...)
			webtest.AssertCalls(t, f)
		})
	}
}

func TestUpdateOfAnUnknownUserOrProfileIsRefusedNamingIt(t *testing.T) {
	f := happy(t)
	assertFailure(t, do(t, f, post(updatePath, `{"id":7,"authId":1}`, &owner)), http.StatusNotFound, 40401, "id 7")
	webtest.AssertCalls(t, f, "GetByNumber")

	f = happy(t)
	assertFailure(t, do(t, f, post(updatePath, `{"id":42,"authId":8}`, &owner)), http.StatusBadRequest, 40002, "authId", "(8)")
	webtest.AssertCalls(t, f, "ListLoginProfiles")
}

func TestUpdatePassesOnWhatTheDirectoryRefuses(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		status    int
		messageID int
	}{
		{"email taken", fieldErr(fault.Conflict, "email"), 409, 40902},
		{"changed meanwhile", webtest.Fault(fault.Conflict), 409, 40903},
		{"last active owner", &fault.Error{Code: fault.Conflict, Message: "The user is the tenant's last active owner.", Err: directory.ErrLastOwner,
			Fields: []fault.FieldError{{Field: "active", Message: "would leave the tenant without an active owner"}}}, 409, 40907},
		{"active needs users:privileged", webtest.Fault(fault.Forbidden), 403, 40301},
		{"gone meanwhile", webtest.Fault(fault.NotFound), 404, 40400},
		{"stale", webtest.Fault(fault.PreconditionFailed), 412, 41201},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := happy(t)
			f.UpdateFn = func(auth.Principal, string, directory.Change) (*user.User, error) { return nil, tt.err }
			assertFailure(t, do(t, f, post(updatePath, `{"id":42,"authId":1,"active":false}`, &manager)), tt.status, tt.messageID)
		})
	}
}

const newPassword = "a new long passphrase"

func passwordBody(extra string) string {
	return `{"username":"grace","userPassword":"` + newPassword + `","confirmPassword":"` + newPassword + `"` + extra + `}`
}

func TestUpdatePasswordOfOnesOwnUserPassesTheCurrentPassword(t *testing.T) {
	f := happy(t)
	var gotID, gotPw string
	var gotCurrent *string
	f.SetPasswordFn = func(p auth.Principal, id, pw string, current *string) error {
		gotID, gotPw, gotCurrent = id, pw, current
		return nil
	}
	assertOK(t, do(t, f, post(passwordPath, passwordBody(`,"currentPassword":"the old one","authId":1`), &member)), "grace")
	if gotID != "usr1" || gotPw != newPassword || gotCurrent == nil || *gotCurrent != "the old one" {
		t.Errorf("SetPassword(%s, %q, %v)", gotID, gotPw, gotCurrent)
	}
	webtest.AssertCalls(t, f, "PasswordTarget", "SetPassword")
}

func TestUpdatePasswordOfAnotherUserByAnAdministratorNeedsNoCurrentPassword(t *testing.T) {
	for _, as := range []*auth.Principal{&owner, &manager, &adminKey} {
		f := happy(t)
		var gotCurrent *string = ptr("unset")
		f.SetPasswordFn = func(p auth.Principal, id, pw string, current *string) error { gotCurrent = current; return nil }
		assertOK(t, do(t, f, post(passwordPath, passwordBody(`,"currentPassword":"ignored"`), as)))
		if gotCurrent != nil {
			t.Errorf("%v: current password %q passed on for another user", as.Roles, *gotCurrent)
		}
	}
}

// The directory refuses another's password to a member whether or not the
// username exists (its own tests show it); the group answers the refusal.
func TestUpdatePasswordByAMemberOfAnotherUserIsForbiddenWhetherOrNotItExists(t *testing.T) {
	other := member
	other.UserID = "usr2"
	for _, username := range []string{"grace", "nobody"} {
		f := happy(t)
		f.PasswordTargetFn = func(auth.Principal, string) (*user.User, error) {
			return nil, fault.New(fault.Forbidden, "Your role lets you change only your own password (users:write).")
		}
		body := strings.Replace(passwordBody(`,"currentPassword":"x"`), "grace", username, 1)
		assertFailure(t, do(t, f, post(passwordPath, body, &other)), http.StatusForbidden, 40301, "only your own password")
		webtest.AssertCalls(t, f, "PasswordTarget")
	}
}

func TestUpdatePasswordRefusesBadInput(t *testing.T) {
	tests := []struct {
		name, body string
		messageID  int
		want       []string
	}{
		{"nothing", `{}`, 40001, []string{"username is required", "userPassword is required", "confirmPassword is required"}},
		{"mismatch", `{"username":"grace","userPassword":"` + newPassword + `","confirmPassword":"another one entirely"}`, 40003, []string{"confirmPassword must be the same as userPassword"}},
		{"huge password", `{"username":"grace","userPassword":"` + strings.Repeat("p", 1025) + `","confirmPassword":"x"}`, 40001, []string{"userPassword must be at most 1024 bytes"}},
		{"huge current password", passwordBody(`,"currentPassword":"` + strings.Repeat("c", 1025) + `"`), 40001, []string{"currentPassword must be at most 1024"}},
		{"negative authId", passwordBody(`,"authId":-1`), 40001, []string{"authId must be"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := happy(t)
			assertFailure(t, do(t, f, post(passwordPath, tt.body, &owner)), http.StatusBadRequest, tt.messageID, tt.want...)
			webtest.AssertCalls(t, f)
		})
	}
}

func TestUpdatePasswordOfAnUnknownUsernameIsNotFoundForAnAdministrator(t *testing.T) {
	f := happy(t)
	body := strings.Replace(passwordBody(""), "grace", "nobody", 1)
	assertFailure(t, do(t, f, post(passwordPath, body, &owner)), http.StatusNotFound, 40401, "nobody")
	webtest.AssertCalls(t, f, "PasswordTarget")
}

func TestUpdatePasswordChecksTheLoginProfile(t *testing.T) {
	withProfile := func(f *fake, id int64) {
		f.PasswordTargetFn = func(auth.Principal, string) (*user.User, error) { u := grace(); u.LoginProfileID = id; return u, nil }
	}
	t.Run("another profile than the user's", func(t *testing.T) {
		f := happy(t)
		assertFailure(t, do(t, f, post(passwordPath, passwordBody(`,"authId":3`), &owner)), http.StatusBadRequest, 40001, "authId is not the login profile of grace")
	})
	t.Run("no such profile", func(t *testing.T) {
		f := happy(t)
		assertFailure(t, do(t, f, post(passwordPath, passwordBody(`,"authId":77`), &owner)), http.StatusBadRequest, 40002, "authId")
	})
	t.Run("a profile that keeps no passwords", func(t *testing.T) {
		f := happy(t)
		withProfile(f, 2)
		assertFailure(t, do(t, f, post(passwordPath, passwordBody(""), &owner)), http.StatusConflict, 40905, "LDAP", "Corporate LDAP")
		webtest.AssertCalls(t, f, "PasswordTarget", "ListLoginProfiles")
	})
	t.Run("a local profile other than the default", func(t *testing.T) {
		f := happy(t)
		withProfile(f, 3)
		assertOK(t, do(t, f, post(passwordPath, passwordBody(`,"authId":3`), &owner)))
	})
}

func TestUpdatePasswordPassesOnThePolicyAndTheCurrentPasswordCheck(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		status    int
		messageID int
		want      string
	}{
		{"policy", fieldErr(fault.Invalid, "password"), 400, 40004, "userPassword is wrong somehow"},
		{"current password wrong", fieldErr(fault.Invalid, "currentPassword"), 400, 40005, "currentPassword"},
		{"other tenants", webtest.Fault(fault.Forbidden), 403, 40301, "forbidden"},
		{"no person", webtest.Fault(fault.Conflict), 409, 40903, "conflict"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := happy(t)
			f.SetPasswordFn = func(auth.Principal, string, string, *string) error { return tt.err }
			assertFailure(t, do(t, f, post(passwordPath, passwordBody(`,"currentPassword":"x"`), &member)), tt.status, tt.messageID, tt.want)
		})
	}
}

func TestDeleteRemovesTheUserWithTheNumber(t *testing.T) {
	f := happy(t)
	var gotID string
	f.DeleteFn = func(p auth.Principal, id string, ifVersion int64) error {
		gotID = id
		if ifVersion != 0 {
			t.Errorf("ifVersion %d", ifVersion)
		}
		return nil
	}
	assertOK(t, do(t, f, del(deletePath, `{"id":42}`, &manager)), "42 deleted")
	if gotID != "usr1" {
		t.Errorf("deleted %q", gotID)
	}
}

func TestDeleteRefusesAMissingOrUnknownID(t *testing.T) {
	f := happy(t)
	assertFailure(t, do(t, f, del(deletePath, `{}`, &owner)), http.StatusBadRequest, 40001, "id is required")
	assertFailure(t, do(t, f, del(deletePath, `{"id":0}`, &owner)), http.StatusBadRequest, 40001, "id must be")
	webtest.AssertCalls(t, f)
	assertFailure(t, do(t, f, del(deletePath, `{"id":41}`, &owner)), http.StatusNotFound, 40401, "id 41")
	f.DeleteFn = func(auth.Principal, string, int64) error { return webtest.Fault(fault.NotFound) }
	assertFailure(t, do(t, f, del(deletePath, `{"id":42}`, &owner)), http.StatusNotFound, 40401, "id 42")
	f.DeleteFn = func(auth.Principal, string, int64) error { return webtest.Fault(fault.Forbidden) }
	assertFailure(t, do(t, f, del(deletePath, `{"id":42}`, &manager)), http.StatusForbidden, 40301)
}

func TestDeleteByUsernameNeedsTheUsersLoginProfile(t *testing.T) {
	f := happy(t)
	assertOK(t, do(t, f, del(deleteByPath, `{"username":"GRACE","loginProfileId":0}`, &owner)), "grace deleted")
	webtest.AssertCalls(t, f, "GetByUsername", "Delete")

	f = happy(t)
	assertFailure(t, do(t, f, del(deleteByPath, `{"username":"grace","loginProfileId":3}`, &owner)), http.StatusNotFound, 40401, "login profile 3", "grace")
	webtest.AssertCalls(t, f, "ListLoginProfiles", "GetByUsername")

	f = happy(t)
	f.GetByUsernameFn = func(auth.Principal, string) (*user.User, error) {
		u := grace()
		u.LoginProfileID = 2
		return u, nil
	}
	assertOK(t, do(t, f, del(deleteByPath, `{"username":"grace","loginProfileId":2}`, &owner)))
}

func TestDeleteByUsernameRefusesBadInputAndUnknownUsers(t *testing.T) {
	f := happy(t)
	assertFailure(t, do(t, f, del(deleteByPath, `{}`, &owner)), http.StatusBadRequest, 40001, "username is required", "loginProfileId is required")
	assertFailure(t, do(t, f, del(deleteByPath, `{"username":"grace","loginProfileId":-1}`, &owner)), http.StatusBadRequest, 40001, "loginProfileId must be")
	webtest.AssertCalls(t, f)
	assertFailure(t, do(t, f, del(deleteByPath, `{"username":"grace","loginProfileId":12}`, &owner)), http.StatusBadRequest, 40002, "loginProfileId")
	assertFailure(t, do(t, f, del(deleteByPath, `{"username":"nobody","loginProfileId":1}`, &owner)), http.StatusNotFound, 40401, "nobody")
}
