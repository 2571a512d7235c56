package scim

import (
	"encoding/json"
	"errors"
	"testing"
)

// patched applies a PatchOp message to ada and reads the result as a User.
func patched(t *testing.T, msg string) (object, userInput, error) {
	t.Helper()
	var body object
	if err := json.Unmarshal([]byte(msg), &body); err != nil {
		t.Fatal(err)
	}
	ops, err := patchFrom(body)
	if err != nil {
		return nil, userInput{}, err
	}
	m, err := applyPatch(&userType, ada(), ops)
	if err != nil {
		return nil, userInput{}, err
	}
	in, err := userFrom(m)
	return m, in, err
}

const patchMsg = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":`

// The request shapes below are the ones Okta's and Microsoft Entra ID's
// provisioning documentation show their clients sending.
func TestPatchTakesOktasAndEntraIDsRequestShapes(t *testing.T) {
	cases := []struct {
		name, ops string
		check     func(object, userInput) bool
	}{
		{"okta deactivate", `[{"op":"replace","value":{"active":false}}]`,
			func(_ object, in userInput) bool { return !in.Active }},
		{"okta password", `[{"op":"replace","value":{"password":"a new long passphrase"}}]`,
			func(_ object, in userInput) bool {
				return in.Password != nil && *in.Password == "a new long passphrase"
			}},
		{"okta profile", `[{"op":"replace","value":{"name":{"givenName":"Augusta"},"title":"Analyst"}}]`,
			func(_ object, in userInput) bool {
				return in.FirstName == "Augusta" && in.LastName == "Lovelace" && in.Profile.Title == "Analyst"
			}},
		{"entra disable with a boolean string", `[{"op":"Replace","path":"active","value":"False"}]`,
			func(_ object, in userInput) bool { return !in.Active }},
		{"entra capitalised ops", `[{"op":"Replace","path":"displayName","value":"Ada L."},{"op":"Add","path":"name.familyName","value":"King"}]`,
			func(_ object, in userInput) bool { return in.DisplayName == "Ada L." && in.LastName == "King" }},
		{"entra work email by filter", `[{"op":"Add","path":"emails[type eq \"work\"].value","value":"countess@example.com"}]`,
			func(_ object, in userInput) bool {
				return in.Email == "countess@example.com" && len(in.Profile.Emails) == 2
			}},
		{"entra new mobile by filter", `[{"op":"Add","path":"phoneNumbers[type eq \"fax\"].value","value":"+44 20 9999"}]`,
			func(_ object, in userInput) bool {
				return len(in.Profile.PhoneNumbers) == 2 && in.Profile.PhoneNumbers[1].Type == "fax"
			}},
		{"entra manager as a bare id", `[{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"usr7"}]`,
			func(_ object, in userInput) bool { return in.Profile.ManagerID == "usr7" }},
		{"entra manager removed", `[{"op":"Remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"}]`,
			func(_ object, in userInput) bool {
				return in.Profile.ManagerID == "" && in.Profile.Department == "Analytical Engines"
			}},
		{"entra dotted names without a path", `[{"op":"replace","value":{"name.givenName":"Augusta","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"1815"}}]`,
			func(_ object, in userInput) bool {
				return in.FirstName == "Augusta" && in.Profile.EmployeeNumber == "1815"
			}},
		{"remove by filter", `[{"op":"remove","path":"emails[type eq \"home\"]"}]`,
			func(_ object, in userInput) bool { return len(in.Profile.Emails) == 1 && in.Email == "ada@Example.com" }},
		{"a new primary email takes the mark", `[{"op":"add","path":"emails","value":[{"value":"new@example.com","primary":true}]}]`,
			func(_ object, in userInput) bool { return in.Email == "new@example.com" && len(in.Profile.Emails) == 3 }},
		{"adding a value that is there adds nothing", `[{"op":"add","path":"emails","value":{"value":"ada@home.example"}}]`,
			func(_ object, in userInput) bool { return len(in.Profile.Emails) == 2 }},
		{"replace a multi-valued attribute", `[{"op":"replace","path":"phoneNumbers","value":[{"value":"1","type":"work"}]}]`,
			func(_ object, in userInput) bool {
				return len(in.Profile.PhoneNumbers) == 1 && in.Profile.PhoneNumbers[0].Value == "1"
			}},
		{"externalId", `[{"op":"replace","path":"externalId","value":"okta-2"}]`,
			func(_ object, in userInput) bool { return in.ExternalID == "okta-2" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, in, err := patched(t, patchMsg+c.ops+`}`)
			if err != nil {
				t.Fatal(err)
			}
			if !c.check(m, in) {
				t.Errorf("result %v\nreads %+v (profile %+v)", m, in, in.Profile)
			}
		})
	}
}

func TestABadPatchNamesItsScimType(t *testing.T) {
	cases := map[string]string{
		`{"Operations":[{"op":"add","value":{}}]}`: invalidSyntax,
		patchMsg + `[]}`: invalidSyntax,
		patchMsg + `[{"op":"move","path":"title"}]}`:                      invalidSyntax,
		patchMsg + `[{"path":"title","value":"x"}]}`:                      invalidSyntax,
		patchMsg + `[{"op":"add","path":"title","value":"x","extra":1}]}`: invalidSyntax,
		patchMsg + `[{"op":"remove"}]}`:                                   noTarget,
		patchMsg + `[{"op":"replace","path":"emails[type eq \"nope\" and value co \"x\"]","value":{"value":"a@b.example"}}]}`: noTarget,
		patchMsg + `[{"op":"replace","path":"emails[type eq \"other\"].display","value":"x"}]}`:                               "",
		patchMsg + `[{"op":"replace","path":"nope","value":"x"}]}`:                                                            invalidPath,
		patchMsg + `[{"op":"replace","path":"name.nope","value":"x"}]}`:                                                       invalidPath,
		patchMsg + `[{"op":"replace","path":"emails[","value":"x"}]}`:                                                         invalidPath,
		patchMsg + `[{"op":"replace","path":"emails[nope eq \"x\"].value","value":"x"}]}`:                                     invalidPath,
		patchMsg + `[{"op":"replace","value":{"nope":1}}]}`:                                                                   invalidPath,
		patchMsg + `[{"op":"replace","value":"x"}]}`:                                                                          invalidValue,
		patchMsg + `[{"op":"replace","path":"active","value":"maybe"}]}`:                                                      invalidValue,
		patchMsg + `[{"op":"replace","path":"title","value":5}]}`:                                                             invalidValue,
		patchMsg + `[{"op":"replace","path":"emails","value":5}]}`:                                                            invalidValue,
		patchMsg + `[{"op":"remove","path":"userName"}]}`:                                                                     invalidValue,
		patchMsg + `[{"op":"replace","path":"id","value":"x"}]}`:                                                              mutability,
		patchMsg + `[{"op":"replace","path":"meta.version","value":"x"}]}`:                                                    mutability,
		patchMsg + `[{"op":"add","path":"groups","value":[{"value":"g"}]}]}`:                                                  mutability,
		patchMsg + `[{"op":"replace","value":{"id":"x"}}]}`:                                                                   mutability,
	}
	for msg, want := range cases {
		_, _, err := patched(t, msg)
		if want == "" {
			if err != nil {
				t.Errorf("%s: %v, want a value added", msg, err)
			}
			continue
		}
		var st scimType
		if !errors.As(err, &st) || string(st) != want {
			t.Errorf("%s: %v, want %s", msg, err, want)
		}
	}
}

func TestAPatchOfHundredsOfOperationsIsOneMessage(t *testing.T) {
	ops := "["
	for i := range 500 {
		if i > 0 {
			ops += ","
		}
		ops += `{"op":"replace","path":"title","value":"t"}`
	}
	if _, _, err := patched(t, patchMsg+ops+`]}`); err != nil {
		t.Fatal(err)
	}
	ops = "["
	for i := range maxOperations + 1 {
		if i > 0 {
			ops += ","
		}
		ops += `{"op":"remove","path":"title"}`
	}
	_, _, err := patched(t, patchMsg+ops+`]}`)
	var st scimType
	if !errors.As(err, &st) || st != tooMany {
		t.Errorf("%d operations: %v, want tooMany", maxOperations+1, err)
	}
}
