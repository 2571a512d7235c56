package account_test

import (
	"context"
	"time"

	"roster/shared/auth"
	"roster/shared/signin"
	"roster/shared/web/webtest"
)

// The second-factor secrets the fake hands out.
const (
	challengeTok = "rmc_cccccccccccccccc_challenge-token-secret-0000000000000000000"
	totpSecret   = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	recoveryCode = "ABCDE-FGHIJ"
)

// factorFns are the fake's signin.Factors methods.
type factorFns struct {
	startTOTP   func(p auth.Principal) (signin.TOTPEnrolment, error)
	confirmTOTP func(p auth.Principal, code string) ([]string, error)
	removeTOTP  func(p auth.Principal, code string) error
	summary     func(p auth.Principal) (signin.FactorSummary, error)
	verify      func(deviceToken, challengeToken string, f signin.SecondFactor) (signin.Tokens, error)
}

var _ signin.Factors = (*fake)(nil)

func happyFactors() factorFns {
	return factorFns{
		startTOTP: func(auth.Principal) (signin.TOTPEnrolment, error) {
			return signin.TOTPEnrolment{
				Secret: totpSecret, URI: "otpauth://totp/Roster:grace@example.com?secret=" + totpSecret + "&issuer=Roster",
				QRCodePNG: []byte("\x89PNG\r\n\x1a\n"), ExpiresAt: fixedNow.Add(10 * time.Minute),
			}, nil
		},
		confirmTOTP: func(auth.Principal, string) ([]string, error) { return []string{recoveryCode}, nil },
		removeTOTP:  func(auth.Principal, string) error { return nil },
		summary: func(auth.Principal) (signin.FactorSummary, error) {
			return signin.FactorSummary{TOTPSince: fixedNow.Add(-time.Hour), RecoveryCodes: 9}, nil
		},
		verify: func(string, string, signin.SecondFactor) (signin.Tokens, error) { return theTokens(), nil },
	}
}

func failingFactors(err error) factorFns {
	return factorFns{
		startTOTP:   func(auth.Principal) (signin.TOTPEnrolment, error) { return signin.TOTPEnrolment{}, err },
		confirmTOTP: func(auth.Principal, string) ([]string, error) { return nil, err },
		removeTOTP:  func(auth.Principal, string) error { return err },
		summary:     func(auth.Principal) (signin.FactorSummary, error) { return signin.FactorSummary{}, err },
		verify:      func(string, string, signin.SecondFactor) (signin.Tokens, error) { return signin.Tokens{}, err },
	}
}

func (f *fake) StartTOTP(_ context.Context, p auth.Principal) (signin.TOTPEnrolment, error) {
	if !f.Called("StartTOTP", f.startTOTP) {
		return signin.TOTPEnrolment{}, webtest.ErrUnexpected
	}
	return f.startTOTP(p)
}

func (f *fake) ConfirmTOTP(_ context.Context, p auth.Principal, code string) ([]string, error) {
	if !f.Called("ConfirmTOTP", f.confirmTOTP) {
		return nil, webtest.ErrUnexpected
	}
	return f.confirmTOTP(p, code)
}

func (f *fake) RemoveTOTP(_ context.Context, p auth.Principal, code string) error {
	if !f.Called("RemoveTOTP", f.removeTOTP) {
		return webtest.ErrUnexpected
	}
	return f.removeTOTP(p, code)
}

func (f *fake) Summary(_ context.Context, p auth.Principal) (signin.FactorSummary, error) {
	if !f.Called("Summary", f.summary) {
		return signin.FactorSummary{}, webtest.ErrUnexpected
	}
	return f.summary(p)
}

func (f *fake) Verify(_ context.Context, deviceToken, challengeToken string, sf signin.SecondFactor) (signin.Tokens, error) {
	if !f.Called("Verify", f.verify) {
		return signin.Tokens{}, webtest.ErrUnexpected
	}
	return f.verify(deviceToken, challengeToken, sf)
}
