package samtemplate

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The tests in this file hold the real template to the rules every function
// must follow, so a function added later is checked without a new test.

const templatePath = "../../template.yaml"

func loadProject(t *testing.T) *Template {
	t.Helper()
	tpl, err := Load(templatePath)
	if err != nil {
		t.Fatalf("Load(%s): %v", templatePath, err)
	}
	return tpl
}

func TestTableIsKeyedByPKAndSKOnDemand(t *testing.T) {
	t.Parallel()
	in, err := loadProject(t).TableInput("Table", "roster-local")
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(in.TableName); got != "roster-local" {
		t.Errorf("TableName = %q, want roster-local", got)
	}
	if in.BillingMode != ddbtypes.BillingModePayPerRequest {
		t.Errorf("BillingMode = %q, want PAY_PER_REQUEST", in.BillingMode)
	}
	want := []string{"PK HASH", "SK RANGE"}
	if got := keys(in.KeySchema); !slices.Equal(got, want) {
		t.Errorf("KeySchema = %v, want %v", got, want)
	}
	for _, a := range in.AttributeDefinitions {
		if n := aws.ToString(a.AttributeName); (n == "PK" || n == "SK") && a.AttributeType != ddbtypes.ScalarAttributeTypeS {
			t.Errorf("attribute %s has type %s, want S", n, a.AttributeType)
		}
	}
}

func TestTableExpiresItemsByExpiresAt(t *testing.T) {
	t.Parallel()
	if got := loadProject(t).TTLAttribute("Table"); got != "expiresAt" {
		t.Errorf("TTLAttribute(Table) = %q, want expiresAt", got)
	}
}

func TestEveryFunctionIsBuiltByTheMakefile(t *testing.T) {
	t.Parallel()
	for _, fn := range functions(t) {
		if fn.BuildMethod != "makefile" {
			t.Errorf("%s: BuildMethod = %q, want makefile", fn.LogicalID, fn.BuildMethod)
		}
	}
}

func TestEveryFunctionFindsTheTableAndSecretInItsEnvironment(t *testing.T) {
	t.Parallel()
	want := map[string]string{"TABLE_NAME": "Ref:Table", "SECRET_ID": "Ref:Secret"}
	for _, fn := range functions(t) {
		if fn.LogicalID == "MailerFunction" {
			continue // reads neither (decision 022); catalog checks its own variables
		}
		for name, value := range want {
			if got := fn.Env[name]; got != value {
				t.Errorf("%s: env %s = %q, want %q", fn.LogicalID, name, got, value)
			}
		}
	}
}

func TestEveryFunctionHasLeastPrivilege(t *testing.T) {
	t.Parallel()
	// What each service's actions may target. Index ARNs are allowed so
	// Query permissions can name the table's indexes.
	allowed := map[string]func(resource string) bool{
		"dynamodb": func(r string) bool {
			return r == "GetAtt:Table.Arn" || strings.HasPrefix(r, "Sub:${Table.Arn}/index/")
		},
		"secretsmanager": func(r string) bool { return r == "Ref:Secret" },
		// The mailer sends as the one configured identity (decision 022).
		"ses": func(r string) bool {
			return r == "Sub:arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${MailIdentity}"
		},
	}
	for _, fn := range functions(t) {
		if len(fn.OtherPolicies) > 0 {
			t.Errorf("%s: managed policies or SAM policy templates %v; write IAM statements instead", fn.LogicalID, fn.OtherPolicies)
		}
		for i, st := range fn.Policies {
			where := fmt.Sprintf("%s statement %d", fn.LogicalID, i+1)
			if len(st.NotActions) > 0 || len(st.NotResources) > 0 {
				t.Errorf("%s: NotAction/NotResource grants everything else", where)
			}
			if len(st.Actions) == 0 || len(st.Resources) == 0 {
				t.Errorf("%s: needs both Action and Resource", where)
			}
			for _, a := range st.Actions {
				if strings.Contains(a, "*") {
					t.Errorf("%s: wildcard action %q", where, a)
				}
			}
			for _, r := range st.Resources {
				if strings.Contains(r, "*") && !strings.HasPrefix(r, "Sub:${Table.Arn}/index/") {
					t.Errorf("%s: wildcard resource %q", where, r)
				}
			}
			for _, a := range st.Actions {
				service, _, _ := strings.Cut(a, ":")
				ok := allowed[service]
				if ok == nil {
					continue
				}
				for _, r := range st.Resources {
					if !ok(r) {
						t.Errorf("%s: %s on %q, outside what %s may touch", where, a, r, service)
					}
				}
			}
		}
	}
}

func TestEveryRouteIsOnTheHttpApi(t *testing.T) {
	t.Parallel()
	owner := map[Route]string{}
	for _, fn := range functions(t) {
		for name, typ := range fn.Events {
			if typ == "Api" {
				t.Errorf("%s: event %s is a REST Api event; routes belong on the HttpApi", fn.LogicalID, name)
			}
		}
		for _, r := range fn.Routes {
			if r.API != "Ref:HttpApi" {
				t.Errorf("%s: route %s %s is on %q, want Ref:HttpApi", fn.LogicalID, r.Method, r.Path, r.API)
			}
			if other, dup := owner[r]; dup {
				t.Errorf("route %s %s is served by both %s and %s", r.Method, r.Path, other, fn.LogicalID)
			}
			owner[r] = fn.LogicalID
		}
	}
}

func TestUserInfoFunctionServesTheUserInfoAPI(t *testing.T) {
	t.Parallel()
	i := slices.IndexFunc(functions(t), func(f Function) bool { return f.LogicalID == "UserInfoFunction" })
	if i < 0 {
		t.Fatal("UserInfoFunction missing")
	}
	want := []Route{
		{"POST", "/UserInfo/RegisterNewUser", "Ref:HttpApi", false},
		{"PATCH", "/UserInfo/UpdateAccessToken", "Ref:HttpApi", false},
		{"GET", "/UserInfo/UserId", "Ref:HttpApi", false},
	}
	if got := functions(t)[i].Routes; !slices.Equal(got, want) {
		t.Errorf("routes = %v, want %v", got, want)
	}
}

func functions(t *testing.T) []Function {
	t.Helper()
	fns := loadProject(t).Functions()
	if len(fns) == 0 {
		t.Fatal("template has no functions")
	}
	return fns
}

func keys(ks []ddbtypes.KeySchemaElement) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = aws.ToString(k.AttributeName) + " " + string(k.KeyType)
	}
	return out
}
