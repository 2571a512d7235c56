package account_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"roster/shared/auth"
	"roster/shared/signin"
	"roster/shared/web/webtest"
)

func TestLoginOfAnAccountWithASecondFactorAnswers202WithAChallengeAndNoToken(t *testing.T) {
	f := happy(t)
	f.login = func(string, string, string) (signin.Tokens, error) {
		return signin.Tokens{TenantID: "acme", UserID: "usr1", AccountID: "acc1", Challenge: &signin.PendingChallenge{
			Token: challengeTok, ExpiresAt: fixedNow.Add(5 * time.Minute), Factors: []string{"totp", "recovery_code"},
		}}, nil
	}
	res := do(t, f, routeFor(t, "Login").request())
	webtest.AssertJSON(t, res, http.StatusAccepted, `{"mfaRequired":true,"challengeToken":"`+challengeTok+`",
		"challengeExpiresAt":"2025-03-10T12:05:00Z","factors":["totp","recovery_code"],"tenantUid":"acme"}`)
	webtest.AssertHeaders(t, res, map[string]string{"Cache-Control": "no-store"})
}

func TestVerifyPassesTheDeviceChallengeAndOneCodeAndAnswersAsALogin(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       signin.SecondFactor
	}{
		{"totp", `{"challengeToken":"` + challengeTok + `","code":"012345"}`, signin.SecondFactor{Code: "012345"}},
		{"recovery code", `{"challengeToken":"` + challengeTok + `","recoveryCode":" abcde-fghij "}`, signin.SecondFactor{RecoveryCode: "abcde-fghij"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := happy(t)
			var dev, ch string
			var got signin.SecondFactor
			f.verify = func(d, c string, sf signin.SecondFactor) (signin.Tokens, error) {
				dev, ch, got = d, c, sf
				return theTokens(), nil
			}
			res := do(t, f, request{Method: "POST", Target: "/account/mfa/verify", Body: tc.body,
				Header: map[string]string{"Authorization": "Bearer " + deviceTok}})
			webtest.AssertJSON(t, res, http.StatusOK, `{`+theTokensJSON+`,"tenantUid":"acme","userUid":"usr1","accountUid":"acc1"}`)
			if dev != deviceTok || ch != challengeTok || got != tc.want {
				t.Errorf("Verify(%q, %q, %+v)", dev, ch, got)
			}
		})
	}
}

func TestVerifyRefusesBadInputNamingTheFieldWithoutCallingTheService(t *testing.T) {
	dev := map[string]string{"Authorization": "Bearer " + deviceTok}
	for _, tc := range []struct{ name, body, field string }{
		{"no code", `{"challengeToken":"` + challengeTok + `"}`, "code"},
		{"both codes", `{"challengeToken":"` + challengeTok + `","code":"123456","recoveryCode":"` + recoveryCode + `"}`, "recoveryCode"},
		{"short code", `{"challengeToken":"` + challengeTok + `","code":"12345"}`, "code"},
		{"letters", `{"challengeToken":"` + challengeTok + `","code":"12345a"}`, "code"},
		{"long recovery code", `{"challengeToken":"` + challengeTok + `","recoveryCode":"` + strings.Repeat("A", 40) + `"}`, "recoveryCode"},
		{"no challenge", `{"code":"123456"}`, "challengeToken"},
		{"code and passkey", `{"challengeToken":"` + challengeTok + `","code":"123456","passkey":{"id":"x"}}`, "passkey"},
		{"passkey not an object", `{"challengeToken":"` + challengeTok + `","passkey":"x"}`, "passkey"},
		{"passkey too long", `{"challengeToken":"` + challengeTok + `","passkey":{"id":"` + strings.Repeat("x", 9000) + `"}}`, "passkey"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := happy(t)
			res := do(t, f, request{Method: "POST", Target: "/account/mfa/verify", Body: tc.body, Header: dev})
			webtest.AssertProblem(t, res, http.StatusBadRequest, tc.field)
			webtest.AssertCalls(t, f)
		})
	}
	f := happy(t)
	res := do(t, f, request{Method: "POST", Target: "/account/mfa/verify", Body: `{"challengeToken":"` + challengeTok + `","code":"123456"}`})
	webtest.AssertProblem(t, res, http.StatusUnauthorized)
	webtest.AssertCalls(t, f)
}

func TestFactorRoutesShowTheEnrolmentOnceAndTheSummary(t *testing.T) {
	f := happy(t)
	res := do(t, f, request{Method: "POST", Target: "/account/mfa/totp", As: &member})
	webtest.AssertJSON(t, res, http.StatusCreated, `{"secret":"`+totpSecret+`",
		"otpauthUri":"otpauth://totp/Roster:grace@example.com?secret=`+totpSecret+`&issuer=Roster",
		"qrCodePng":"iVBORw0KGgo=","expiresAt":"2025-03-10T12:10:00Z"}`)
	res = do(t, f, request{Method: "PUT", Target: "/account/mfa/totp", As: &member, Body: `{"code":"123456"}`})
	webtest.AssertJSON(t, res, http.StatusOK, `{"recoveryCodes":["`+recoveryCode+`"]}`)
	res = do(t, f, request{Method: "GET", Target: "/account/mfa", As: &member})
	webtest.AssertJSON(t, res, http.StatusOK, `{"totp":true,"totpEnrolledAt":"2025-03-10T11:00:00Z","recoveryCodesLeft":9,"passkeys":0}`)
	f.summary = func(auth.Principal) (signin.FactorSummary, error) { return signin.FactorSummary{}, nil }
	res = do(t, f, request{Method: "GET", Target: "/account/mfa", As: &member})
	webtest.AssertJSON(t, res, http.StatusOK, `{"totp":false,"totpEnrolledAt":null,"recoveryCodesLeft":0,"passkeys":0}`)
}

func TestVerifyWithAPasskeyPassesTheAssertion(t *testing.T) {
	f := happy(t)
	var got string
	f.verifyPasskey = func(_, _ string, c []byte) (signin.Tokens, error) { got = string(c); return theTokens(), nil }
	res := do(t, f, request{Method: "POST", Target: "/account/mfa/verify", Header: map[string]string{"Authorization": deviceTok},
		Body: `{"challengeToken":"` + challengeTok + `","passkey":{"id":"abc","type":"public-key"}}`})
	webtest.AssertJSON(t, res, http.StatusOK, `{`+theTokensJSON+`,"tenantUid":"acme","userUid":"usr1","accountUid":"acc1"}`)
	webtest.AssertCalls(t, f, "VerifyPasskey")
	if got != `{"id":"abc","type":"public-key"}` {
		t.Errorf("VerifyPasskey(%s)", got)
	}
}

func TestPasskeyOptionsAreHandedOnAsTheServiceMadeThem(t *testing.T) {
	f := happy(t)
	res := do(t, f, request{Method: "POST", Target: "/account/passkey/options", Header: map[string]string{"Authorization": deviceTok}, Body: `{}`})
	webtest.AssertJSON(t, res, http.StatusOK, `{"challengeToken":"`+challengeTok+`","options":`+theOptions+`}`)
	res = do(t, f, request{Method: "POST", Target: "/account/passkeys/options", As: &member})
	webtest.AssertJSON(t, res, http.StatusOK, `{"options":`+theOptions+`}`)
	for _, body := range []string{`{"name":"laptop"}`, `{"name":"laptop","credential":"x"}`, `{"credential":{}}`} {
		f := happy(t)
		res := do(t, f, request{Method: "POST", Target: "/account/passkeys", As: &member, Body: body})
		if res.Code != http.StatusBadRequest {
			t.Errorf("%s: status %d", body, res.Code)
		}
		webtest.AssertCalls(t, f)
	}
}
