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
	startTOTP    func(p auth.Principal) (signin.TOTPEnrolment, error)
	confirmTOTP  func(p auth.Principal, code string) ([]string, error)
	removeTOTP   func(p auth.Principal, code string) error
	summary      func(p auth.Principal) (signin.FactorSummary, error)
	verify       func(deviceToken, challengeToken string, f signin.SecondFactor) (signin.Tokens, error)
	enrol        func(deviceToken, challengeToken string) (signin.TOTPEnrolment, error)
	policy       func(p auth.Principal) ([]string, error)
	setPolicy    func(p auth.Principal, roles []string) ([]string, error)
	resetFactors func(p auth.Principal, userID string) error

	listSessions   func(p auth.Principal) ([]signin.Session, error)
	endSession     func(p auth.Principal, id string) error
	endAll         func(p auth.Principal) error
	endUserSession func(p auth.Principal, userID string) error

	beginRegistration  func(p auth.Principal) ([]byte, error)
	finishRegistration func(p auth.Principal, name string, credential []byte) (signin.Passkey, error)
	beginPasskeyLogin  func(deviceToken, challengeToken string) (string, []byte, error)
	verifyPasskey      func(deviceToken, challengeToken string, credential []byte) (signin.Tokens, error)
}

var _ signin.Passkeys = (*fake)(nil)

// theOptions are the WebAuthn options the fake hands out.
const theOptions = `{"publicKey":{"challenge":"Y2hhbGxlbmdl","rpId":"localhost"}}`

var _ signin.Sessions = (*fake)(nil)

// theSession is the live session the fake lists.
func theSession() signin.Session {
	return signin.Session{ID: "ssssssssssssssss", AccountID: "acc1", DeviceID: "dddddddddddddddd", TenantID: "acme", TokenID: "aaaaaaaaaaaaaaaa",
		StartedAt: fixedNow.Add(-time.Hour), LastUsedAt: fixedNow.Add(-time.Minute), ExpiresAt: fixedNow.Add(167 * time.Hour)}
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
		enrol: func(string, string) (signin.TOTPEnrolment, error) {
			return signin.TOTPEnrolment{Secret: totpSecret, URI: "otpauth://totp/Roster:grace@example.com?secret=" + totpSecret + "&issuer=Roster",
				QRCodePNG: []byte("\x89PNG\r\n\x1a\n"), ExpiresAt: fixedNow.Add(10 * time.Minute)}, nil
		},
		policy:         func(auth.Principal) ([]string, error) { return []string{"admin", "owner"}, nil },
		setPolicy:      func(_ auth.Principal, roles []string) ([]string, error) { return roles, nil },
		resetFactors:   func(auth.Principal, string) error { return nil },
		listSessions:   func(auth.Principal) ([]signin.Session, error) { return []signin.Session{theSession()}, nil },
		endSession:     func(auth.Principal, string) error { return nil },
		endAll:         func(auth.Principal) error { return nil },
		endUserSession: func(auth.Principal, string) error { return nil },

		beginRegistration: func(auth.Principal) ([]byte, error) { return []byte(theOptions), nil },
		finishRegistration: func(_ auth.Principal, name string, _ []byte) (signin.Passkey, error) {
			return signin.Passkey{ID: "cGFzc2tleQ", Name: name, CreatedAt: fixedNow}, nil
		},
		beginPasskeyLogin: func(string, string) (string, []byte, error) { return challengeTok, []byte(theOptions), nil },
		verifyPasskey:     func(string, string, []byte) (signin.Tokens, error) { return theTokens(), nil },
	}
}

func failingFactors(err error) factorFns {
	return factorFns{
		startTOTP:    func(auth.Principal) (signin.TOTPEnrolment, error) { return signin.TOTPEnrolment{}, err },
		confirmTOTP:  func(auth.Principal, string) ([]string, error) { return nil, err },
		removeTOTP:   func(auth.Principal, string) error { return err },
		summary:      func(auth.Principal) (signin.FactorSummary, error) { return signin.FactorSummary{}, err },
		verify:       func(string, string, signin.SecondFactor) (signin.Tokens, error) { return signin.Tokens{}, err },
		enrol:        func(string, string) (signin.TOTPEnrolment, error) { return signin.TOTPEnrolment{}, err },
		policy:       func(auth.Principal) ([]string, error) { return nil, err },
		setPolicy:    func(auth.Principal, []string) ([]string, error) { return nil, err },
		resetFactors: func(auth.Principal, string) error { return err },

		listSessions:   func(auth.Principal) ([]signin.Session, error) { return nil, err },
		endSession:     func(auth.Principal, string) error { return err },
		endAll:         func(auth.Principal) error { return err },
		endUserSession: func(auth.Principal, string) error { return err },

		beginRegistration:  func(auth.Principal) ([]byte, error) { return nil, err },
		finishRegistration: func(auth.Principal, string, []byte) (signin.Passkey, error) { return signin.Passkey{}, err },
		beginPasskeyLogin:  func(string, string) (string, []byte, error) { return "", nil, err },
		verifyPasskey:      func(string, string, []byte) (signin.Tokens, error) { return signin.Tokens{}, err },
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

func (f *fake) StartEnrolment(_ context.Context, deviceToken, challengeToken string) (signin.TOTPEnrolment, error) {
	if !f.Called("StartEnrolment", f.enrol) {
		return signin.TOTPEnrolment{}, webtest.ErrUnexpected
	}
	return f.enrol(deviceToken, challengeToken)
}

func (f *fake) MFAPolicy(_ context.Context, p auth.Principal) ([]string, error) {
	if !f.Called("MFAPolicy", f.policy) {
		return nil, webtest.ErrUnexpected
	}
	return f.policy(p)
}

func (f *fake) SetMFAPolicy(_ context.Context, p auth.Principal, roles []string) ([]string, error) {
	if !f.Called("SetMFAPolicy", f.setPolicy) {
		return nil, webtest.ErrUnexpected
	}
	return f.setPolicy(p, roles)
}

func (f *fake) ResetFactors(_ context.Context, p auth.Principal, userID string) error {
	if !f.Called("ResetFactors", f.resetFactors) {
		return webtest.ErrUnexpected
	}
	return f.resetFactors(p, userID)
}

func (f *fake) ListSessions(_ context.Context, p auth.Principal) ([]signin.Session, error) {
	if !f.Called("ListSessions", f.listSessions) {
		return nil, webtest.ErrUnexpected
	}
	return f.listSessions(p)
}

func (f *fake) EndSession(_ context.Context, p auth.Principal, id string) error {
	if !f.Called("EndSession", f.endSession) {
		return webtest.ErrUnexpected
	}
	return f.endSession(p, id)
}

func (f *fake) EndAllSessions(_ context.Context, p auth.Principal) error {
	if !f.Called("EndAllSessions", f.endAll) {
		return webtest.ErrUnexpected
	}
	return f.endAll(p)
}

func (f *fake) EndUserSessions(_ context.Context, p auth.Principal, userID string) error {
	if !f.Called("EndUserSessions", f.endUserSession) {
		return webtest.ErrUnexpected
	}
	return f.endUserSession(p, userID)
}

func (f *fake) BeginPasskeyRegistration(_ context.Context, p auth.Principal) ([]byte, error) {
	if !f.Called("BeginPasskeyRegistration", f.beginRegistration) {
		return nil, webtest.ErrUnexpected
	}
	return f.beginRegistration(p)
}

func (f *fake) FinishPasskeyRegistration(_ context.Context, p auth.Principal, name string, credential []byte) (signin.Passkey, error) {
	if !f.Called("FinishPasskeyRegistration", f.finishRegistration) {
		return signin.Passkey{}, webtest.ErrUnexpected
	}
	return f.finishRegistration(p, name, credential)
}

func (f *fake) BeginPasskeyLogin(_ context.Context, deviceToken, challengeToken string) (string, []byte, error) {
	if !f.Called("BeginPasskeyLogin", f.beginPasskeyLogin) {
		return "", nil, webtest.ErrUnexpected
	}
	return f.beginPasskeyLogin(deviceToken, challengeToken)
}

func (f *fake) VerifyPasskey(_ context.Context, deviceToken, challengeToken string, credential []byte) (signin.Tokens, error) {
	if !f.Called("VerifyPasskey", f.verifyPasskey) {
		return signin.Tokens{}, webtest.ErrUnexpected
	}
	return f.verifyPasskey(deviceToken, challengeToken, credential)
}
