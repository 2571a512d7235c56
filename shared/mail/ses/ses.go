// Package ses sends Roster's mail through Amazon SES v2 (SendEmail with
// simple content: a subject, a text and an HTML part).
package ses

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"roster/shared/mail"
)

// API is the SES call a Sender makes; *sesv2.Client implements it.
type API interface {
	SendEmail(ctx context.Context, in *sesv2.SendEmailInput, optFns ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

// Environment the mailer reads.
const (
	EnvFrom             = "MAIL_FROM"              // the sender address, of a verified SES identity
	EnvConfigurationSet = "MAIL_CONFIGURATION_SET" // optional: the SES configuration set (bounces, complaints)
)

// Sender is a mail.Sender over SES v2.
type Sender struct {
	api     API
	from    string
	confSet string
}

// New returns a sender from the address from, with the configuration set
// confSet ("" for none).
func New(api API, from, confSet string) *Sender {
	return &Sender{api: api, from: from, confSet: confSet}
}

// Send sends m as one SendEmail call.
func (s *Sender) Send(ctx context.Context, m mail.Mail) error {
	utf8 := "UTF-8"
	in := &sesv2.SendEmailInput{
		FromEmailAddress: &s.from,
		Destination:      &types.Destination{ToAddresses: []string{m.To}},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: &types.Content{Data: &m.Subject, Charset: &utf8},
			Body: &types.Body{
				Text: &types.Content{Data: &m.Text, Charset: &utf8},
				Html: &types.Content{Data: &m.HTML, Charset: &utf8},
			},
		}},
		EmailTags: []types.MessageTag{{Name: strPtr("roster-mail"), Value: strPtr(tag(m.ID))}},
	}
	if s.confSet != "" {
		in.ConfigurationSetName = &s.confSet
	}
	if _, err := s.api.SendEmail(ctx, in); err != nil {
		return fmt.Errorf("ses send %s: %w", m.ID, err)
	}
	return nil
}

func strPtr(s string) *string { return &s }

// tag keeps what SES allows in a tag value (letters, digits, _ and -).
func tag(id string) string {
	b := []byte(id)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			b[i] = '_'
		}
	}
	if len(b) == 0 {
		return "none"
	}
	return string(b)
}
