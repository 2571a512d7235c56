package mail_test

import (
	"errors"
	"log/slog"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"roster/shared/mail"
)

func reset(lang string) mail.Message {
	return mail.Message{
		Type: mail.RecoveryRequested, Version: 1, ID: "resetid1", Tenant: "acme", TenantName: "Acme <Corp>",
		Email: "ada@acme.example", FirstName: "Ada", Language: lang,
		Token: "rrt_resetid1_secret+/=", ExpiresAt: time.Now().Add(15 * time.Minute),
	}
}

func renderer(t *testing.T, overrides ...fstest.MapFS) *mail.Renderer {
	t.Helper()
	var fss []mail.FS
	for _, o := range overrides {
		fss = append(fss, o)
	}
	r, err := mail.NewRenderer("https://app.example.com/base/", fss...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRenderBuildsTheLinkFromTheBaseURLAndEscapesForHTML(t *testing.T) {
	m, err := renderer(t).Render(reset("en"))
	if err != nil {
		t.Fatal(err)
	}
	want := "https://app.example.com/base/reset-password?tenant=acme&token=rrt_resetid1_secret%2B%2F%3D"
	if m.Link != want || !strings.Contains(m.Text, want) {
		t.Errorf("link %q, text %q; want %q", m.Link, m.Text, want)
	}
	if !strings.Contains(m.HTML, "Acme &lt;Corp&gt;") || strings.Contains(m.HTML, "Acme <Corp>") {
		t.Errorf("the tenant's name is not escaped in HTML: %s", m.HTML)
	}
	if !strings.Contains(m.HTML, `href="https://app.example.com/base/reset-password?tenant=acme&amp;token=rrt_resetid1_secret%2b%2f%3d"`) &&
		!strings.Contains(m.HTML, `href="https://app.example.com/base/reset-password?tenant=acme&amp;token=rrt_resetid1_secret%2B%2F%3D"`) {
		t.Errorf("HTML link: %s", m.HTML)
	}
	if m.Subject != "Set a new password for Acme <Corp>" || m.To != "ada@acme.example" || m.ID != "resetid1" {
		t.Errorf("mail %+v", m)
	}
	if !strings.Contains(m.Text, "15 minutes") {
		t.Errorf("text does not say how long the link works: %s", m.Text)
	}
}

func TestRenderPicksTheLanguageAndTheTenantsOwnTemplates(t *testing.T) {
	de, err := renderer(t).Render(reset("de"))
	if err != nil || !strings.HasPrefix(de.Subject, "Neues Passwort") {
		t.Errorf("German: %q %v", de.Subject, err)
	}
	fallback, err := renderer(t).Render(reset("fr"))
	if err != nil || !strings.HasPrefix(fallback.Subject, "Set a new password") {
		t.Errorf("an unknown language falls back to English: %q %v", fallback.Subject, err)
	}
	own := fstest.MapFS{
		"tenants/acme/en/recovery.requested.subject": {Data: []byte("Acme: your new password\n")},
		"tenants/acme/en/recovery.requested.txt":     {Data: []byte("Go to {{.Link}}")},
		"tenants/acme/en/recovery.requested.html":    {Data: []byte("<a href=\"{{.Link}}\">go</a>")},
	}
	m, err := renderer(t, own).Render(reset("de")) // no German of its own: its English
	if err != nil || m.Subject != "Acme: your new password" || !strings.HasPrefix(m.Text, "Go to https://") {
		t.Errorf("tenant's own: %+v %v", m, err)
	}
	other := reset("en")
	other.Tenant = "globex"
	if m, _ := renderer(t, own).Render(other); m.Subject == "Acme: your new password" {
		t.Error("another tenant got acme's template")
	}
	traversal := reset("../../etc")
	traversal.Tenant = "../acme"
	if _, err := renderer(t, own).Render(traversal); err != nil {
		t.Errorf("a hostile language and tenant fall back to the shipped English: %v", err)
	}
}

func TestRenderSendsNothingForDroppedMessagesAndRefusesUnknownTypes(t *testing.T) {
	r := renderer(t)
	for _, m := range []mail.Message{{Type: mail.RecoveryDropped, ID: "x", Tenant: "acme"}, {Type: mail.RecoveryRequested, ID: "y"}} {
		if _, err := r.Render(m); !errors.Is(err, mail.ErrNothingToSend) {
			t.Errorf("%+v: %v, want ErrNothingToSend", m, err)
		}
	}
	if _, err := r.Render(mail.Message{Type: "user.deleted", Email: "a@b.example"}); err == nil || errors.Is(err, mail.ErrNothingToSend) {
		t.Errorf("unknown type: %v", err)
	}
	for _, typ := range []string{mail.RecoveryUnknown, mail.InvitationCreated, mail.VerificationNeeded, mail.EmailChangeRequested, mail.EmailChangeNotice} {
		m := reset("en")
		m.Type, m.InviteToken = typ, "rit_x"
		if out, err := r.Render(m); err != nil || out.Subject == "" || out.Text == "" || out.HTML == "" {
			t.Errorf("%s: %+v %v", typ, out, err)
		}
	}
}

func TestNewRendererRefusesARelativeOrOddBase(t *testing.T) {
	for _, base := range []string{"", "app.example.com", "/reset", "ftp://example.com", "https://"} {
		if _, err := mail.NewRenderer(base); err == nil {
			t.Errorf("%q accepted", base)
		}
	}
}

func TestAMailLogsItsIDAlone(t *testing.T) {
	m, err := renderer(t).Render(reset("en"))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	slog.New(slog.NewJSONHandler(&b, nil)).Info("sent", "mail", m)
	for _, secret := range []string{m.To, m.Link, "rrt_resetid1", m.Subject} {
		if strings.Contains(b.String(), secret) {
			t.Errorf("log %s carries %q", b.String(), secret)
		}
	}
	if !strings.Contains(b.String(), m.ID) {
		t.Errorf("log %s lacks the id", b.String())
	}
}
