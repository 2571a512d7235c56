package main

import (
	"net/http"
	"os"
)

// defaultRedocBundle is where scripts/tools.sh installs Redoc's standalone
// bundle, relative to the repository root that `make run` starts in.
const defaultRedocBundle = ".tools/reference/node_modules/redoc/bundles/redoc.standalone.js"

// referencePage is the shell Redoc renders the reference into. Both URLs are
// relative, so the page works under any prefix. It names no API on purpose:
// the title and operations on the rendered page can only come from the
// renderer reading the description.
const referencePage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API reference</title>
<style>body { margin: 0; }</style>
</head>
<body>
<redoc spec-url="../openapi.yaml"></redoc>
<script src="redoc.standalone.js"></script>
</body>
</html>
`

// referenceCSP keeps the page to what this server serves: no CDN, no web
// fonts, no telemetry. Redoc injects its styles inline and runs its search
// index in a worker it builds from a blob.
const referenceCSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// withReference serves the API description at /openapi.yaml and a reference
// page rendered from it at /docs/, and hands every other request to next.
// Only the local server has these routes; API Gateway serves neither.
//
// The page's script is read from bundlePath on each request, so the server
// starts without it and says how to install it when it is missing.
func withReference(next http.Handler, spec []byte, bundlePath string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /openapi.yaml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(spec)
	})
	mux.HandleFunc("GET /docs", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/docs/", http.StatusMovedPermanently)
	})
	mux.HandleFunc("GET /docs/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", referenceCSP)
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write([]byte(referencePage))
	})
	mux.HandleFunc("GET /docs/redoc.standalone.js", func(w http.ResponseWriter, r *http.Request) {
		if _, err := os.Stat(bundlePath); err != nil {
			http.Error(w, "the reference renderer is not installed: run `make tools`", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		http.ServeFile(w, r, bundlePath)
	})
	mux.Handle("/", next)
	return mux
}
