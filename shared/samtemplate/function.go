package samtemplate

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/awslabs/goformation/v7/cloudformation/serverless"
)

// Function is one AWS::Serverless::Function as SAM deploys it: Globals are
// merged in, so CodeURI and Env are what the function really gets.
type Function struct {
	LogicalID   string
	CodeURI     string
	BuildMethod string // Metadata.BuildMethod, e.g. "makefile"
	// Env holds the environment variables, intrinsics rendered readably
	// (TABLE_NAME: !Ref Table becomes "Ref:Table").
	Env map[string]string
	// Events maps each event's logical id to its SAM type ("HttpApi",
	// "SQS", ...), so checks can see events that are not routes.
	Events map[string]string
	// Routes are the HttpApi events, sorted by path then method.
	Routes []Route
	// Policies are the inline IAM statements, in template order.
	Policies []Statement
	// OtherPolicies names what Policies cannot show: managed policies (by
	// name or ARN) and SAM policy templates (by template name). A
	// least-privilege check expects it empty.
	OtherPolicies []string
}

// Route is one HttpApi event, e.g. {"PATCH", "/UserInfo/UpdateAccessToken",
// "Ref:HttpApi"}. An event without Method and Path is SAM's catch-all and
// reads as {"ANY", "$default", ...}.
type Route struct {
	Method string // upper case
	Path   string
	// API is the event's ApiId rendered, e.g. "Ref:HttpApi"; "" means the
	// implicit API SAM creates when no ApiId is given.
	API string
	// Public is true when the event sets Auth.Authorizer to NONE, taking
	// the route out from under the API's default authorizer.
	Public bool
}

// Statement is one inline IAM policy statement. Action and Resource are
// always lists here, whether the template wrote one value or several.
type Statement struct {
	Effect string
	// Actions as written, e.g. "dynamodb:GetItem".
	Actions []string
	// Resources rendered, e.g. "GetAtt:Table.Arn", "Ref:Secret" or
	// "Sub:${Table.Arn}/index/*".
	Resources []string
	// NotActions and NotResources grant everything except what they list,
	// so they are kept apart for checks to refuse.
	NotActions   []string
	NotResources []string
}

// Functions lists every AWS::Serverless::Function, sorted by logical id.
func (t *Template) Functions() []Function {
	// Load built the same list from the same template, so no error can
	// come back; building afresh gives each caller its own copy.
	fns, _ := t.functions()
	return fns
}

func (t *Template) functions() ([]Function, error) {
	global, _ := t.cfn.GetServerlessGlobalFunction() // nil when there are no Globals
	var out []Function
	for id, fn := range t.cfn.GetAllServerlessFunctionResources() {
		f := Function{
			LogicalID: id,
			Env:       map[string]string{},
			Events:    map[string]string{},
		}
		if global != nil {
			f.CodeURI = codeURI(global.CodeUri)
			if global.Environment != nil {
				maps.Copy(f.Env, global.Environment.Variables)
			}
		}
		if uri := codeURI(fn.CodeUri); uri != "" {
			f.CodeURI = uri
		}
		if fn.Environment != nil {
			maps.Copy(f.Env, fn.Environment.Variables)
		}
		if bm, ok := fn.AWSCloudFormationMetadata["BuildMethod"].(string); ok {
			f.BuildMethod = bm
		}
		for name, ev := range fn.Events {
			f.Events[name] = ev.Type
			if ev.Type != "HttpApi" {
				continue
			}
			r, err := route(ev)
			if err != nil {
				return nil, fmt.Errorf("function %s event %s: %w", id, name, err)
			}
			f.Routes = append(f.Routes, r)
		}
		slices.SortFunc(f.Routes, func(a, b Route) int {
			return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Method, b.Method))
		})
		var err error
		f.Policies, f.OtherPolicies, err = policies(t.policies[id])
		if err != nil {
			return nil, fmt.Errorf("function %s policies: %w", id, err)
		}
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b Function) int { return cmp.Compare(a.LogicalID, b.LogicalID) })
	return out, nil
}

func codeURI(c *serverless.Function_CodeUri) string {
	switch {
	case c == nil:
		return ""
	case c.String != nil:
		return *c.String
	case c.S3Location != nil:
		return "s3://" + c.S3Location.Bucket + "/" + c.S3Location.Key
	}
	return ""
}

// route reads an HttpApi event. goformation decodes event properties by
// trying every event type and silently keeping none when all fail, so an
// HttpApi event without a decoded HttpApiEvent is an error here.
func route(ev serverless.Function_EventSource) (Route, error) {
	if ev.Properties == nil {
		return Route{Method: "ANY", Path: "$default"}, nil
	}
	h := ev.Properties.HttpApiEvent
	if h == nil {
		return Route{}, fmt.Errorf("HttpApi event properties do not decode (an unknown property or a non-string value?)")
	}
	r := Route{
		Method: strings.ToUpper(deref(h.Method)),
		Path:   deref(h.Path),
		API:    deref(h.ApiId),
		Public: h.Auth != nil && deref(h.Auth.Authorizer) == "NONE",
	}
	if r.Method == "" && r.Path == "" {
		r.Method, r.Path = "ANY", "$default"
	}
	return r, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// policies reads a function's Policies property, which SAM accepts as one
// item or a list of items, each a managed policy name or ARN (a string), a
// policy document (a map with Statement) or a SAM policy template (a map
// keyed by the template name).
func policies(raw any) ([]Statement, []string, error) {
	var items []any
	switch v := raw.(type) {
	case nil:
		return nil, nil, nil
	case []any:
		items = v
	default:
		items = []any{v}
	}
	var stmts []Statement
	var others []string
	for _, item := range items {
		switch v := item.(type) {
		case string:
			others = append(others, v)
		case map[string]any:
			doc, ok := v["Statement"]
			if !ok {
				others = append(others, slices.Sorted(maps.Keys(v))...)
				continue
			}
			s, err := statements(doc)
			if err != nil {
				return nil, nil, err
			}
			stmts = append(stmts, s...)
		default:
			return nil, nil, fmt.Errorf("unexpected policy %v", item)
		}
	}
	return stmts, others, nil
}

func statements(doc any) ([]Statement, error) {
	list, ok := doc.([]any)
	if !ok {
		list = []any{doc}
	}
	out := make([]Statement, 0, len(list))
	for _, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("statement is %T, not a map", item)
		}
		effect, _ := m["Effect"].(string)
		out = append(out, Statement{
			Effect:       effect,
			Actions:      stringList(m["Action"]),
			Resources:    stringList(m["Resource"]),
			NotActions:   stringList(m["NotAction"]),
			NotResources: stringList(m["NotResource"]),
		})
	}
	return out, nil
}

// stringList reads an IAM element that may be one value or a list of values.
func stringList(v any) []string {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		out := make([]string, len(v))
		for i, s := range v {
			out[i] = fmt.Sprint(s)
		}
		return out
	default:
		return []string{fmt.Sprint(v)}
	}
}
