package mail

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"
)

// Default holds the templates Roster ships: default/<language>/<type>.subject,
// .txt and .html, in English (every type) and German (recovery).
//
//go:embed templates
var defaultTemplates embed.FS

// FS is a folder of templates (fs.FS).
type FS = fs.FS

// Mail is a rendered message, ready for a Sender.
type Mail struct {
	ID      string // the message's id: a sender may deduplicate on it
	To      string
	Subject string
	Text    string
	HTML    string
	Link    string `json:"-"` // the link the mail carries (with its token): for the local outbox alone
}

// LogValue logs the id alone: never the address, the body or the link.
func (m Mail) LogValue() slog.Value { return slog.GroupValue(slog.String("id", m.ID)) }

// view is what a template sees.
type view struct {
	TenantName   string
	FirstName    string
	LastName     string
	Email        string
	Role         string
	Link         string
	ValidMinutes int
	Expires      string
}

// Renderer turns messages into mails with per-tenant, per-language
// templates and links under a base URL.
type Renderer struct {
	sources []fs.FS // searched in order; the shipped templates last
	base    *url.URL
	now     func() time.Time
	cache   sync.Map // source and path -> parsed template (executor)
}

// NewRenderer returns a renderer whose links start at linkBase (an
// absolute http or https URL, such as https://app.example.com) and whose
// templates come from overrides (each laid out as the shipped ones, plus
// tenants/<tenantUid>/<language>/... for one tenant's own wording) before
// the shipped ones.
func NewRenderer(linkBase string, overrides ...fs.FS) (*Renderer, error) {
	u, err := url.Parse(linkBase)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("mail link base %q: want an absolute http(s) URL", linkBase)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	shipped, err := fs.Sub(defaultTemplates, "templates")
	if err != nil {
		return nil, err
	}
	return &Renderer{sources: append(append([]fs.FS{}, overrides...), shipped), base: u, now: time.Now}, nil
}

// ErrNothingToSend is Render's answer for a message that sends nothing:
// a dropped request, or one without a recipient.
var ErrNothingToSend = errors.New("nothing to send")

// Render renders m, or returns ErrNothingToSend, or an error for a
// message it can never render (unknown type, no template).
func (r *Renderer) Render(m Message) (Mail, error) {
	if m.Type == RecoveryDropped || m.Email == "" {
		return Mail{}, ErrNothingToSend
	}
	v := view{TenantName: m.TenantName, FirstName: m.FirstName, LastName: m.LastName, Email: m.Email, Role: m.Role}
	if v.TenantName == "" {
		v.TenantName = m.Tenant
	}
	if v.FirstName == "" {
		v.FirstName = m.Email
	}
	if !m.ExpiresAt.IsZero() {
		v.ValidMinutes = max(1, int(m.ExpiresAt.Sub(r.now()).Round(time.Minute)/time.Minute))
		v.Expires = m.ExpiresAt.UTC().Format("2 January 2006, 15:04 UTC")
	}
	switch m.Type {
	case RecoveryRequested:
		v.Link = r.link("/reset-password", url.Values{"tenant": {m.Tenant}, "token": {m.Token}})
	case VerificationNeeded, EmailChangeRequested:
		v.Link = r.link("/verify-email", url.Values{"tenant": {m.Tenant}, "token": {m.Token}})
	case InvitationCreated:
		v.Link = r.link("/accept-invitation", url.Values{"token": {m.InviteToken}})
	case RecoveryUnknown, EmailChangeNotice:
	default:
		return Mail{}, fmt.Errorf("render mail %s: unknown type %q", m.ID, m.Type)
	}
	out := Mail{ID: m.ID, To: m.Email, Link: v.Link}
	var err error
	if out.Subject, err = r.text(m, "subject", v); err != nil {
		return Mail{}, err
	}
	out.Subject = strings.Join(strings.Fields(out.Subject), " ") // one line, whatever the template or the tenant's name holds
	if out.Text, err = r.text(m, "txt", v); err != nil {
		return Mail{}, err
	}
	if out.HTML, err = r.html(m, v); err != nil {
		return Mail{}, err
	}
	return out, nil
}

// link is the base URL with path and query.
func (r *Renderer) link(path string, q url.Values) string {
	u := *r.base
	u.Path += path
	u.RawQuery = q.Encode()
	return u.String()
}

// find returns the source and path of m's template with extension ext:
// the tenant's own in m's language, then in English, then the shipped
// ones likewise.
func (r *Renderer) find(m Message, ext string) (int, string, error) {
	lang := strings.ToLower(m.Language)
	var paths []string
	for _, l := range []string{lang, "en"} {
		if l == "" || strings.ContainsAny(l, "/.") {
			continue
		}
		if m.Tenant != "" && !strings.ContainsAny(m.Tenant, "/.") {
			paths = append(paths, "tenants/"+m.Tenant+"/"+l+"/"+m.Type+"."+ext)
		}
		paths = append(paths, "default/"+l+"/"+m.Type+"."+ext)
	}
	for i, src := range r.sources {
		for _, p := range paths {
			if _, err := fs.Stat(src, p); err == nil {
				return i, p, nil
			}
		}
	}
	return 0, "", fmt.Errorf("render mail %s: no %s template for %s", m.ID, ext, m.Type)
}

// executor is a parsed text or HTML template.
type executor interface {
	Execute(w io.Writer, data any) error
}

// text renders m's template with extension ext as plain text.
func (r *Renderer) text(m Message, ext string, v view) (string, error) {
	return r.execute(m, ext, v, func(src fs.FS, p string) (executor, error) {
		t, err := texttemplate.ParseFS(src, p)
		if err != nil {
			return nil, err
		}
		return t.Option("missingkey=error"), nil
	})
}

// html renders m's HTML template, escaping what it inserts.
func (r *Renderer) html(m Message, v view) (string, error) {
	return r.execute(m, "html", v, func(src fs.FS, p string) (executor, error) {
		t, err := htmltemplate.ParseFS(src, p)
		if err != nil {
			return nil, err
		}
		return t.Option("missingkey=error"), nil
	})
}

// execute finds, parses once (cached by source and path) and runs a
// template.
func (r *Renderer) execute(m Message, ext string, v view, parse func(fs.FS, string) (executor, error)) (string, error) {
	i, p, err := r.find(m, ext)
	if err != nil {
		return "", err
	}
	key := fmt.Sprint(i, ":", p)
	t, ok := r.cache.Load(key)
	if !ok {
		parsed, err := parse(r.sources[i], p)
		if err != nil {
			return "", fmt.Errorf("parse %s: %w", p, err)
		}
		t, _ = r.cache.LoadOrStore(key, parsed)
	}
	var b bytes.Buffer
	if err := t.(executor).Execute(&b, v); err != nil {
		return "", fmt.Errorf("render %s: %w", p, err)
	}
	return b.String(), nil
}
