// Package samtemplate reads the SAM template (template.yaml) so that Go code
// can use the deployed definition instead of restating it: the local server
// creates its DynamoDB table from the template's table, and drift tests check
// routes, environment and IAM policies against the code.
//
// Intrinsic functions are kept, not resolved: resolving them the way
// CloudFormation does needs a deployed stack, and resolving them offline (as
// goformation does by default) turns a reference to a resource into nothing.
// Instead every intrinsic is rendered as a readable string: !Ref Table
// becomes "Ref:Table", !GetAtt Table.Arn becomes "GetAtt:Table.Arn" and
// !Sub "${Table.Arn}/index/*" becomes "Sub:${Table.Arn}/index/*".
package samtemplate

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strings"
	"sync"

	"github.com/awslabs/goformation/v7/cloudformation"
	cfndynamodb "github.com/awslabs/goformation/v7/cloudformation/dynamodb"
	"github.com/awslabs/goformation/v7/cloudformation/serverless"
	"github.com/awslabs/goformation/v7/intrinsics"
)

// Template is a parsed SAM template with its intrinsic functions rendered as
// strings (see the package comment).
type Template struct {
	cfn *cloudformation.Template
	// policies holds each function's Policies property as written, because
	// goformation's typed form cannot tell a managed policy or SAM policy
	// template apart from an inline statement reliably.
	policies map[string]any
}

// typedResources names the resource types read through goformation's
// structs, with the properties each struct knows. goformation refuses a
// resource with a property it does not know (its HttpApi even spells
// AccessLogSettings without the final s) and a resource type it does not
// know, so Load hands it only these types and only these properties; the
// rest of the template is none of this package's business.
var typedResources = map[string]map[string]bool{
	"AWS::DynamoDB::Table":      jsonFields(reflect.TypeFor[cfndynamodb.Table]()),
	"AWS::Serverless::Function": jsonFields(reflect.TypeFor[serverless.Function]()),
}

func jsonFields(t reflect.Type) map[string]bool {
	fields := map[string]bool{}
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			fields[name] = true
		}
	}
	return fields
}

// processMu serialises intrinsics.ProcessYAML, which registers its YAML tag
// resolvers in a package-level map on every call and so races with itself.
var processMu sync.Mutex

// Load reads and parses the template at path. It fails when a table or a
// function does not decode (a value of the wrong type, or a nested property
// goformation does not know) and when an HttpApi event does not decode, so
// a route never goes missing silently.
func Load(path string) (*Template, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	opts := &intrinsics.ProcessorOptions{IntrinsicHandlerOverrides: renderers()}
	processMu.Lock()
	processed, err := intrinsics.ProcessYAML(data, opts)
	processMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("parse template %s: %w", path, err)
	}

	var doc map[string]any
	if err := json.Unmarshal(processed, &doc); err != nil {
		return nil, fmt.Errorf("decode template %s: %w", path, err)
	}
	t := &Template{policies: map[string]any{}}
	resources, _ := doc["Resources"].(map[string]any)
	for id, r := range resources {
		res, _ := r.(map[string]any)
		typ, _ := res["Type"].(string)
		known, ok := typedResources[typ]
		if !ok {
			delete(resources, id)
			continue
		}
		props, _ := res["Properties"].(map[string]any)
		if typ == "AWS::Serverless::Function" && props["Policies"] != nil {
			t.policies[id] = props["Policies"]
		}
		for name := range props {
			if !known[name] {
				delete(props, name)
			}
		}
	}
	typed, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("encode template %s: %w", path, err)
	}
	t.cfn = &cloudformation.Template{}
	if err := json.Unmarshal(typed, t.cfn); err != nil {
		return nil, fmt.Errorf("decode template %s: %w", path, err)
	}
	if _, err := t.functions(); err != nil {
		return nil, fmt.Errorf("template %s: %w", path, err)
	}
	return t, nil
}

// intrinsicNames lists every intrinsic goformation knows; each gets a
// renderer so none is resolved to a placeholder value or to nil.
var intrinsicNames = []string{
	"Ref", "Fn::GetAtt", "Fn::Sub", "Fn::Join", "Fn::If", "Fn::Select",
	"Fn::Split", "Fn::Base64", "Fn::FindInMap", "Fn::GetAZs",
	"Fn::ImportValue", "Fn::Cidr", "Fn::Transform", "Fn::And",
	"Fn::Equals", "Fn::Not", "Fn::Or",
}

func renderers() map[string]intrinsics.IntrinsicHandler {
	m := make(map[string]intrinsics.IntrinsicHandler, len(intrinsicNames))
	for _, name := range intrinsicNames {
		m[name] = renderIntrinsic
	}
	return m
}

// renderIntrinsic turns one intrinsic into a string. Nested intrinsics have
// already been rendered by the time it runs, so input holds only strings,
// numbers, lists and maps.
func renderIntrinsic(name string, input any, _ any) any {
	switch name {
	case "Ref":
		if s, ok := input.(string); ok {
			return "Ref:" + s
		}
	case "Fn::GetAtt":
		switch v := input.(type) {
		case string: // short form: !GetAtt Table.Arn
			return "GetAtt:" + v
		case []any:
			parts := make([]string, len(v))
			for i, p := range v {
				parts[i] = fmt.Sprint(p)
			}
			return "GetAtt:" + strings.Join(parts, ".")
		}
	case "Fn::Sub":
		switch v := input.(type) {
		case string:
			return "Sub:" + v
		case []any:
			if s, ok := subWithVariables(v); ok {
				return "Sub:" + s
			}
		}
	}
	b, err := json.Marshal(input)
	if err != nil {
		b = []byte(fmt.Sprint(input))
	}
	return strings.TrimPrefix(name, "Fn::") + ":" + string(b)
}

// subWithVariables folds the variable map of a two-argument Fn::Sub into its
// string, so that !Sub ["${Arn}/index/*", {Arn: !GetAtt Table.Arn}] reads the
// same as !Sub "${Table.Arn}/index/*".
func subWithVariables(v []any) (string, bool) {
	if len(v) != 2 {
		return "", false
	}
	s, ok := v[0].(string)
	vars, ok2 := v[1].(map[string]any)
	if !ok || !ok2 {
		return "", false
	}
	return subVariable.ReplaceAllStringFunc(s, func(m string) string {
		value, ok := vars[m[2:len(m)-1]]
		if !ok {
			return m // a resource, attribute or parameter, not a variable
		}
		r := fmt.Sprint(value)
		switch {
		case strings.HasPrefix(r, "Ref:"):
			return "${" + strings.TrimPrefix(r, "Ref:") + "}"
		case strings.HasPrefix(r, "GetAtt:"):
			return "${" + strings.TrimPrefix(r, "GetAtt:") + "}"
		}
		return r
	}), true
}

// subVariable matches a ${name} placeholder; ${!name} is an escaped literal.
var subVariable = regexp.MustCompile(`\$\{[^!}][^}]*\}`)
