package users_test

import (
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"roster/shared/directory"
	"roster/shared/user"
	"roster/shared/web/webtest"
)

func TestSetRoleChangesOnlyTheRole(t *testing.T) {
	for _, id := range []string{"owner", "admin", "user_manager", "member"} {
		t.Run(id, func(t *testing.T) {
			f, c, uid := captureUpdate(t)
			res := do(t, f, request{Method: "PUT", Target: "/users/usr1/role", Body: `{"roleId":"` + id + `"}`, As: &owner})
			webtest.AssertJSON(t, res, http.StatusOK, theUserJSON)
			webtest.AssertHeaders(t, res, map[string]string{"ETag": `"8"`})
			if !reflect.DeepEqual(*c, directory.Change{Role: new(id)}) || *uid != "usr1" {
				t.Errorf("change %+v for %q", *c, *uid)
			}
		})
	}
}

func TestSetRoleRefusesAnUnknownRole(t *testing.T) {
	for _, body := range []string{`{}`, `{"roleId":""}`, `{"roleId":null}`, `{"roleId":"superuser"}`, `{"roleId":"Admin"}`} {
		t.Run(body, func(t *testing.T) {
			f := happy(t)
			p := webtest.AssertProblem(t, do(t, f, request{Method: "PUT", Target: "/users/usr1/role", Body: body, As: &owner}), http.StatusBadRequest, "roleId")
			if !strings.Contains(p.Errors[0].Message, "owner, admin, user_manager, member") {
				t.Errorf("message %q does not list the roles", p.Errors[0].Message)
			}
			webtest.AssertCalls(t, f)
		})
	}
}

func TestSetWorkingEnvironmentsReplacesTheList(t *testing.T) {
	hundred := make([]string, 100)
	for i := range hundred {
		hundred[i] = "we-" + strconv.Itoa(i)
	}
	tests := []struct {
		name string
		body string
		want []string
	}{
		{"two", `{"publicIds":["we-1","WE_2"]}`, []string{"we-1", "WE_2"}},
		{"none unassigns all", `{"publicIds":[]}`, []string{}},
		{"the most", `{"publicIds":["` + strings.Join(hundred, `","`) + `"]}`, hundred},
		{"a 64-character id", `{"publicIds":["` + strings.Repeat("w", 64) + `"]}`, []string{strings.Repeat("w", 64)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c, _ := captureUpdate(t)
			res := do(t, f, request{Method: "PUT", Target: "/users/usr1/working-environments", Body: tt.body, As: &owner})
			webtest.AssertJSON(t, res, http.StatusOK, theUserJSON)
			if c.WorkingEnvironments == nil || *c.WorkingEnvironments == nil || !reflect.DeepEqual(*c.WorkingEnvironments, tt.want) {
				t.Fatalf("change %+v", *c)
			}
			if !reflect.DeepEqual(*c, directory.Change{WorkingEnvironments: c.WorkingEnvironments}) {
				t.Errorf("change sets more than the working environments: %+v", *c)
			}
		})
	}
}

func TestSetWorkingEnvironmentsRefusesABadList(t *testing.T) {
	ids := make([]string, 101)
	for i := range ids {
		ids[i] = `"we-` + strconv.Itoa(i) + `"`
	}
	tests := []struct {
		name, body, field string
	}{
		{"missing", `{}`, "publicIds"},
		{"null", `{"publicIds":null}`, "publicIds"},
		{"too many", `{"publicIds":[` + strings.Join(ids, ",") + `]}`, "publicIds"},
		{"not strings", `{"publicIds":[1]}`, "publicIds"},
		{"an empty id", `{"publicIds":["we-1",""]}`, "publicIds[1]"},
		{"a bad id", `{"publicIds":["we-1","we 2"]}`, "publicIds[1]"},
		{"a long id", `{"publicIds":["` + strings.Repeat("w", 65) + `"]}`, "publicIds[0]"},
		{"twice", `{"publicIds":["we-1","we-2","we-1"]}`, "publicIds[2]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := happy(t)
			webtest.AssertProblem(t, do(t, f, request{Method: "PUT", Target: "/users/usr1/working-environments", Body: tt.body, As: &owner}), http.StatusBadRequest, tt.field)
			webtest.AssertCalls(t, f)
		})
	}
}

func TestSetAzureCredentialsPassesTheKeyInClearToTheDirectoryAndShowsItMasked(t *testing.T) {
	f, c, _ := captureUpdate(t)
	res := do(t, f, request{Method: "PUT", Target: "/users/usr1/azure-credentials", Body: azureBody, As: &owner})
	webtest.AssertJSON(t, res, http.StatusOK, theUserJSON)
	want := directory.Change{Azure: &user.AzureCredentials{
		SubscriptionID: "8f2e4c1a-0b6d-4e7f-9a3c-5d1e2f3a4b5c", TenantID: "1b2c3d4e-5f60-4718-9a0b-c1d2e3f4a5b6",
		ApplicationID: "0a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9", ApplicationKey: clearKey,
	}}
	if !reflect.DeepEqual(*c, want) {
		t.Errorf("change %+v, want %+v", *c, want)
	}
	for _, s := range []string{clearKey, sealedKey} {
		if strings.Contains(string(res.Body), s) || strings.Contains(res.Logs, s) {
			t.Errorf("the key (%.8s…) is shown: body %s logs %s", s, res.Body, res.Logs)
		}
	}
}

func TestSetAzureCredentialsAcceptsATenantDomain(t *testing.T) {
	f, c, _ := captureUpdate(t)
	body := strings.Replace(azureBody, "1b2c3d4e-5f60-4718-9a0b-c1d2e3f4a5b6", "contoso.onmicrosoft.com", 1)
	if res := do(t, f, request{Method: "PUT", Target: "/users/usr1/azure-credentials", Body: body, As: &owner}); res.Code != http.StatusOK {
		t.Fatalf("status %d; body %s", res.Code, res.Body)
	}
	if c.Azure == nil || c.Azure.TenantID != "contoso.onmicrosoft.com" {
		t.Errorf("change %+v", *c)
	}
}

func TestSetAzureCredentialsRefusesBadCredentials(t *testing.T) {
	const (
		sub = `"subscriptionId":"8f2e4c1a-0b6d-4e7f-9a3c-5d1e2f3a4b5c"`
		ten = `"tenantId":"1b2c3d4e-5f60-4718-9a0b-c1d2e3f4a5b6"`
		app = `"applicationId":"0a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9"`
		key = `"applicationKey":"` + clearKey + `"`
	)
	tests := []struct {
		name, body string
		fields     []string
	}{
		{"nothing", `{}`, []string{"subscriptionId", "tenantId", "applicationId", "applicationKey"}},
		{"no key", `{` + sub + `,` + ten + `,` + app + `}`, []string{"applicationKey"}},
		{"empty key", `{` + sub + `,` + ten + `,` + app + `,"applicationKey":""}`, []string{"applicationKey"}},
		{"long key", `{` + sub + `,` + ten + `,` + app + `,"applicationKey":"` + strings.Repeat("k", 1025) + `"}`, []string{"applicationKey"}},
		{"key with a newline", `{` + sub + `,` + ten + `,` + app + `,"applicationKey":"` + clearKey + `\n"}`, []string{"applicationKey"}},
		{"subscription with a space", `{"subscriptionId":"my subscription",` + ten + `,` + app + `,` + key + `}`, []string{"subscriptionId"}},
		{"empty tenant", `{` + sub + `,"tenantId":"",` + app + `,` + key + `}`, []string{"tenantId"}},
		{"tenant as a URL", `{` + sub + `,"tenantId":"https://login.microsoftonline.com/contoso",` + app + `,` + key + `}`, []string{"tenantId"}},
		{"long application id", `{` + sub + `,` + ten + `,"applicationId":"` + strings.Repeat("a", 129) + `",` + key + `}`, []string{"applicationId"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := happy(t)
			res := do(t, f, request{Method: "PUT", Target: "/users/usr1/azure-credentials", Body: tt.body, As: &owner})
			webtest.AssertProblem(t, res, http.StatusBadRequest, tt.fields...)
			webtest.AssertCalls(t, f)
			if strings.Contains(string(res.Body), clearKey) || strings.Contains(res.Logs, clearKey) {
				t.Errorf("the key is echoed: %s", res.Body)
			}
		})
	}
}
