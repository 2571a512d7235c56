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
	"regexp"
	"strings"
	"sync"

	"github.com/awslabs/goformation/v7/cloudformation"
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

// processMu serialises intrinsics.ProcessYAML, which registers its YAML tag
// resolvers in a package-level map on every call and so races with itself.
var processMu sync.Mutex

// Load reads and parses the template at path. It fails when goformation
// cannot represent a resource (goformation rejects properties it does not
// know on most resource types, though it ignores them in Globals) or when an
// HttpApi event does not decode, so a route never goes missing silently.
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

	cfn := &cloudformation.Template{}
	if err := json.Unmarshal(processed, cfn); err != nil {
		return nil, fmt.Errorf("decode template %s: %w", path, err)
	}
	var raw struct {
		Resources map[string]struct {
			Type       string
			Properties struct{ Policies any }
		}
	}
	if err := json.Unmarshal(processed, &raw); err != nil {
		return nil, fmt.Errorf("decode template %s: %w", path, err)
	}
	t := &Template{cfn: cfn, policies: map[string]any{}}
	for id, r := range raw.Resources {
		if r.Type == "AWS::Serverless::Function" && r.Properties.Policies != nil {
			t.policies[id] = r.Properties.Policies
		}
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
