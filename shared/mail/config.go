package mail

import (
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// Environment the mailer function reads (template.yaml sets it).
const (
	EnvLinkBase  = "MAIL_LINK_BASE" // where the links in mails point: the customer's app, e.g. https://app.example.com
	EnvTemplates = "MAIL_TEMPLATES" // optional: a folder of templates laid out as the shipped ones, searched first
)

// Config is the mailer's configuration.
type Config struct {
	LinkBase  string
	Templates string // "" for the shipped templates alone
	LogLevel  string
}

// ConfigFromEnv reads Config; MAIL_LINK_BASE and every name in required
// must be set.
func ConfigFromEnv(getenv func(string) string, required ...string) (Config, error) {
	c := Config{LinkBase: getenv(EnvLinkBase), Templates: getenv(EnvTemplates), LogLevel: getenv("LOG_LEVEL")}
	var missing []string
	for _, name := range append([]string{EnvLinkBase}, required...) {
		if getenv(name) == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return c, fmt.Errorf("missing environment: %s", strings.Join(missing, ", "))
	}
	if c.LogLevel == "" {
		c.LogLevel = "info"
	}
	return c, nil
}

// Renderer builds the renderer c describes.
func (c Config) Renderer() (*Renderer, error) {
	var overrides []fs.FS
	if c.Templates != "" {
		overrides = append(overrides, os.DirFS(c.Templates))
	}
	return NewRenderer(c.LinkBase, overrides...)
}
