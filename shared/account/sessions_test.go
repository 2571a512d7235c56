package account_test

import (
	"net/http"
	"strings"
	"testing"

	"roster/shared/auth"
	"roster/shared/signin"
	"roster/shared/web/webtest"
)

func TestListSessionsShowsDeviceTenantAndTimes(t *testing.T) {
	f := happy(t)
	res := do(t, f, request{Method: "GET", Target: "/account/sessions", As: &member})
	webtest.AssertJSON(t, res, http.StatusOK, `{"sessions":[{"sessionUid":"ssssssssssssssss","deviceUid":"dddddddddddddddd",
		"tenantUid":"acme","startedAt":"2025-03-10T11:00:00Z","lastUsedAt":"2025-03-10T11:59:00Z","expiresAt":"2025-03-17T11:00:00Z"}]}`)
	if strings.Contains(string(res.Body), "aaaaaaaaaaaaaaaa") {
		t.Errorf("the body shows the current auth token's id: %s", res.Body)
	}
	f.listSessions = func(auth.Principal) ([]signin.Session, error) { return nil, nil }
	webtest.AssertJSON(t, do(t, f, request{Method: "GET", Target: "/account/sessions", As: &member}), http.StatusOK, `{"sessions":[]}`)
}

func TestSessionAndUserPathsRefuseIdsOutsideThePattern(t *testing.T) {
	bad := []string{"a.b", "a%2Fb", "ten~ant", strings.Repeat("s", 65)}
	webtest.CheckRefusedParam(t, "DELETE /account/sessions/{sessionUid}", "sessionUid", bad, func(t *testing.T, v string) (response, webtest.Recorder) {
		f := happy(t)
		return do(t, f, request{Method: "DELETE", Target: "/account/sessions/" + v, As: &member}), f
	})
	for _, suffix := range []string{"sessions", "mfa"} {
		webtest.CheckRefusedParam(t, "DELETE /tenants/{tenantUid}/users/{userUid}/"+suffix, "userUid", bad, func(t *testing.T, v string) (response, webtest.Recorder) {
			f := happy(t)
			return do(t, f, request{Method: "DELETE", Target: "/tenants/acme/users/" + v + "/" + suffix, As: &owner}), f
		})
	}
}

func TestMFAPolicyPassesTheRolesAndRefusesAMissingOrLongList(t *testing.T) {
	f := happy(t)
	var got []string
	f.setPolicy = func(_ auth.Principal, roles []string) ([]string, error) { got = roles; return []string{}, nil }
	res := do(t, f, request{Method: "PUT", Target: "/tenants/acme/mfa-policy", As: &owner, Body: `{"requiredRoles":[]}`})
	webtest.AssertJSON(t, res, http.StatusOK, `{"requiredRoles":[]}`)
	if got == nil || len(got) != 0 {
		t.Errorf("SetMFAPolicy(%v), want an empty list", got)
	}
	for _, body := range []string{`{}`, `{"requiredRoles":null}`, `{"requiredRoles":["a","b","c","d","e","f","g","h","i"]}`} {
		f := happy(t)
		webtest.AssertProblem(t, do(t, f, request{Method: "PUT", Target: "/tenants/acme/mfa-policy", As: &owner, Body: body}), http.StatusBadRequest, "requiredRoles")
		webtest.AssertCalls(t, f)
	}
	res = do(t, happy(t), request{Method: "GET", Target: "/tenants/acme/mfa-policy", As: &adminKey})
	webtest.AssertJSON(t, res, http.StatusOK, `{"requiredRoles":["admin","owner"]}`)
}

func TestVerifyThatEnrolledShowsTheRecoveryCodesOnce(t *testing.T) {
	f := happy(t)
	f.verify = func(string, string, signin.SecondFactor) (signin.Tokens, error) {
		tok := theTokens()
		tok.RecoveryCodes = []string{recoveryCode}
		return tok, nil
	}
	res := do(t, f, request{Method: "POST", Target: "/account/mfa/verify", Header: map[string]string{"Authorization": deviceTok},
		Body: `{"challengeToken":"` + challengeTok + `","code":"123456"}`})
	webtest.AssertJSON(t, res, http.StatusOK, `{`+theTokensJSON+`,"tenantUid":"acme","userUid":"usr1","accountUid":"acc1","recoveryCodes":["`+recoveryCode+`"]}`)
}
