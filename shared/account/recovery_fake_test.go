package account_test

import (
	"context"

	"roster/shared/auth"
	"roster/shared/signin"
	"roster/shared/user"
	"roster/shared/web/webtest"
)

var (
	_ signin.Recovery     = (*fake)(nil)
	_ signin.Verification = (*fake)(nil)
)

// The fake's recovery and verification: fields of fake, recorded as its
// sign-in methods are.

const (
	resetTok  = "rrt_rrrrrrrrrrrrrrrr_reset-token-secret-000000000000000000000000"
	verifyTok = "rvt_vvvvvvvvvvvvvvvv_verify-token-secret-00000000000000000000000"
)

func (f *fake) RequestReset(_ context.Context, tenantID string, r signin.ResetRequest) error {
	if !f.Called("RequestReset", f.requestReset) {
		return webtest.ErrUnexpected
	}
	return f.requestReset(tenantID, r)
}

func (f *fake) Reset(_ context.Context, tenantID, token, password string) error {
	if !f.Called("Reset", f.reset) {
		return webtest.ErrUnexpected
	}
	return f.reset(tenantID, token, password)
}

func (f *fake) SendReset(_ context.Context, p auth.Principal, userID string) error {
	if !f.Called("SendReset", f.sendReset) {
		return webtest.ErrUnexpected
	}
	return f.sendReset(p, userID)
}

func (f *fake) RequestVerification(_ context.Context, p auth.Principal, tenantID string) error {
	if !f.Called("RequestVerification", f.requestVerification) {
		return webtest.ErrUnexpected
	}
	return f.requestVerification(p, tenantID)
}

func (f *fake) ConfirmEmail(_ context.Context, tenantID, token string) error {
	if !f.Called("ConfirmEmail", f.confirmEmail) {
		return webtest.ErrUnexpected
	}
	return f.confirmEmail(tenantID, token)
}

// Welcome is the directory's, never the group's: a handler that calls it
// is a bug.
func (f *fake) Welcome(context.Context, *user.User) error { return webtest.ErrUnexpected }
