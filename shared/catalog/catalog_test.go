package catalog_test

import (
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"roster/shared/catalog"
	"roster/shared/platform"
	"roster/shared/samtemplate"
	"roster/shared/store/storetest"
)

func loadTemplate(t *testing.T) *samtemplate.Template {
	t.Helper()
	tpl, err := samtemplate.Load(storetest.TemplatePath(t))
	if err != nil {
		t.Fatalf("load template: %v", err)
	}
	return tpl
}

func routeKeys[R any](routes []R, key func(R) string) []string {
	keys := make([]string, 0, len(routes))
	for _, r := range routes {
		keys = append(keys, key(r))
	}
	slices.Sort(keys)
	return keys
}

// TestTemplateRoutesMatchCodeRoutes fails when a route is in template.yaml
// but no handler serves it, or a handler serves a route API Gateway never
// sends to its function.
func TestTemplateRoutesMatchCodeRoutes(t *testing.T) {
	tpl := loadTemplate(t)
	code := map[string]catalog.Function{}
	for _, f := range catalog.Functions() {
		code[f.LogicalID] = f
	}
	seen := map[string]bool{}
	for _, tf := range tpl.Functions() {
		if len(tf.Routes) == 0 {
			continue
		}
		f, ok := code[tf.LogicalID]
		if !ok {
			t.Errorf("template function %s has routes but no handler in shared/catalog", tf.LogicalID)
			continue
		}
		seen[tf.LogicalID] = true
		// A public route in the code must be exempt from the authorizer in
		// the template, and only such routes may be.
		want := routeKeys(tf.Routes, func(r samtemplate.Route) string { return r.Method + " " + r.Path + publicMark(r.Public) })
		got := routeKeys(f.Routes, func(r catalog.Route) string { return r.Method + " " + r.Path + publicMark(r.Public) })
		if !slices.Equal(want, got) {
			t.Errorf("%s routes differ\ntemplate: %v\ncode:     %v", tf.LogicalID, want, got)
		}
		for _, r := range tf.Routes {
			if r.API != "Ref:HttpApi" {
				t.Errorf("%s route %s %s is not on the HttpApi (api %q)", tf.LogicalID, r.Method, r.Path, r.API)
			}
		}
	}
	for id := range code {
		if !seen[id] {
			t.Errorf("code function %s has no routes in template.yaml", id)
		}
	}
}

// TestTemplateEnvironmentHasWhatCodeReads fails when a function would start
// without a variable its code requires.
func TestTemplateEnvironmentHasWhatCodeReads(t *testing.T) {
	tpl := loadTemplate(t)
	want := map[string]string{"TABLE_NAME": "Ref:Table", "SECRET_ID": "Ref:Secret", "LOG_LEVEL": "Ref:LogLevel"}
	for _, name := range platform.Env {
		if _, ok := want[name]; !ok {
			t.Fatalf("platform reads %s; add its expected template value to this test", name)
		}
	}
	for _, tf := range tpl.Functions() {
		if tf.LogicalID == "MailerFunction" {
			// The mailer builds no platform: it reads neither the table
			// nor the secret (decision 022), only LOG_LEVEL and its own.
			if tf.Env["LOG_LEVEL"] != want["LOG_LEVEL"] || tf.Env["MAIL_FROM"] == "" || tf.Env["MAIL_LINK_BASE"] == "" {
				t.Errorf("%s: environment %v, want LOG_LEVEL, MAIL_FROM and MAIL_LINK_BASE", tf.LogicalID, tf.Env)
			}
			continue
		}
		for _, name := range platform.Env {
			if got := tf.Env[name]; got != want[name] {
				t.Errorf("%s: %s = %q, want %q", tf.LogicalID, name, got, want[name])
			}
		}
	}
}

// TestEveryFunctionHasAMainPackage fails when the catalog names a function
// folder that does not exist, so SAM's makefile build would fail.
func TestEveryFunctionHasAMainPackage(t *testing.T) {
	root := filepath.Dir(storetest.TemplatePath(t))
	for _, f := range catalog.Functions() {
		src, err := os.ReadFile(filepath.Join(root, "functions", f.Dir, "main.go"))
		if err != nil {
			t.Errorf("%s: %v", f.LogicalID, err)
			continue
		}
		if !strings.Contains(string(src), "package main") {
			t.Errorf("%s: functions/%s/main.go is not a main package", f.LogicalID, f.Dir)
		}
	}
}

// TestEveryFunctionServesWhatTheCatalogMounts fails when a function's
// main.go builds its handler with another of the root's builders than the
// one the local server and the contract tests mount for it.
func TestEveryFunctionServesWhatTheCatalogMounts(t *testing.T) {
	root := filepath.Dir(storetest.TemplatePath(t))
	for _, f := range catalog.Functions() {
		name := runtime.FuncForPC(reflect.ValueOf(f.Build).Pointer()).Name()
		// A method of the root, or a builder of a sub-package of it
		// (accountfn.Account), named as main.go names it.
		builder := "(*platform.Platform)." + strings.TrimSuffix(name[strings.LastIndex(name, ".")+1:], "-fm")
		if !strings.Contains(name, "(*Platform)") {
			builder = name[strings.LastIndex(name, "/")+1:]
		}
		src, err := os.ReadFile(filepath.Join(root, "functions", f.Dir, "main.go"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(src), builder) {
			t.Errorf("%s: functions/%s/main.go does not build its handler with %s (%s)", f.LogicalID, f.Dir, builder, name)
		}
	}
}

// TestMakefileBuildsEveryTemplateFunction fails when sam build would find
// no build-<LogicalId> target for a function, or the Makefile builds one
// the template no longer has.
func TestMakefileBuildsEveryTemplateFunction(t *testing.T) {
	root := filepath.Dir(storetest.TemplatePath(t))
	mk, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	var built []string
	for _, line := range strings.Split(string(mk), "\n") {
		if rest, ok := strings.CutPrefix(line, "FUNCTIONS := "); ok {
			for _, f := range strings.Fields(rest) {
				id, dir, _ := strings.Cut(f, ":")
				built = append(built, id)
				if _, err := os.Stat(filepath.Join(root, "functions", dir, "main.go")); err != nil {
					t.Errorf("Makefile builds %s from functions/%s: %v", id, dir, err)
				}
			}
		}
	}
	var declared []string
	for _, tf := range loadTemplate(t).Functions() {
		declared = append(declared, tf.LogicalID)
		if tf.BuildMethod != "makefile" || tf.CodeURI != "." {
			t.Errorf("%s: BuildMethod %q, CodeUri %q; want makefile and .", tf.LogicalID, tf.BuildMethod, tf.CodeURI)
		}
	}
	slices.Sort(built)
	slices.Sort(declared)
	if !slices.Equal(built, declared) {
		t.Errorf("Makefile FUNCTIONS %v, template functions %v", built, declared)
	}
}

func publicMark(public bool) string {
	if public {
		return " (public)"
	}
	return ""
}
