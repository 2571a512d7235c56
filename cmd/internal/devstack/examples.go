package devstack

import (
	"context"
	"fmt"
	"time"

	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/opaque"
	"roster/shared/platform"
	"roster/shared/role"
	"roster/shared/signin"
	"roster/shared/tenant"
	"roster/shared/user"
)

// The fixed data the files in events/ name besides the demo credentials:
// the owner's ids (API Gateway hands a function the authorizer's verdict,
// which names them), a member to administer, a second API key to revoke,
// and the invited person with an auth token of her own. Each example works
// on a freshly seeded stack (cmd/invoke's test runs every one).
const (
	DemoOwnerID        = "demouserada2lovelace3owner" // the owner's user id
	demoOwnerAccountID = "demoaccountada2lovelace345"

	DemoMemberID     = "demouseralan2turing3member" // a member, for the administration examples
	DemoMemberNumber = 1234567890123                // the member's Access User API id
	demoMemberName   = "alan"
	demoMemberEmail  = "alan@demo.example"

	// The member's open password reset, which the reset example spends.
	demoResetID     = "demoresetdemores"
	demoResetSecret = "local-demo-reset-never-valid-in-aws-0000000"
	// The member's open email verification, which the confirmation
	// example spends.
	demoVerifyID     = "demoverifydemove"
	demoVerifySecret = "local-demo-verify-never-valid-in-aws-000000"

	demoSpareKeyID     = "reportkeyreportk" // an API key the revocation example revokes
	demoSpareKeySecret = "local-demo-spare-key-never-valid-in-aws-000"

	// DemoSCIMKeyID is the demo tenant's SCIM token (an API key with the
	// scim role), for the SCIM examples and an identity provider's setup.
	DemoSCIMKeyID     = "demoscimdemoscim"
	demoSCIMKeySecret = "local-demo-scim-key-never-valid-in-aws-0000"
	// DemoGroupID is a group of the demo tenant, for the SCIM Groups examples.
	DemoGroupID = "demogroupresearch"

	// The invited person already holds a user in another tenant, so she
	// has an account and an auth token to accept the invitation with.
	demoInviteeTenant    = "demo-lab"
	demoInviteeID        = "demousergrace2hopper3membr"
	demoInviteeAccountID = "demoaccountgrace2hopper345"
	demoInviteeAuthID    = "demograceauthdem"
	demoInviteeAuthSec   = "local-demo-grace-auth-never-valid-in-aws-00"
)

// DemoSCIMToken is the demo tenant's SCIM token, as a client sends it.
func DemoSCIMToken() string {
	k, err := opaque.APIKey.FromSecret(DemoSCIMKeyID, demoSCIMKeySecret)
	if err != nil {
		panic(err) // a constant that is not a key: a bug in this file
	}
	return k.Token
}

// seedExamples adds the member, the spare API key, the SCIM token and the invitee with her
// auth token to a stack whose demo tenant is seeded, and returns the
// invitee's auth token.
func seedExamples(ctx context.Context, p *platform.Platform, now time.Time) (string, error) {
	err := seedUser(ctx, p, DemoMemberID, DemoMemberNumber, user.New(user.Fields{
		TenantID: DemoTenant, Username: demoMemberName, Email: demoMemberEmail,
		FirstName: "Alan", LastName: "Turing", Role: string(role.Member),
	}, now, "seed"))
	if err != nil {
		return "", err
	}
	if err := seedReset(ctx, p, now); err != nil {
		return "", err
	}
	key, err := opaque.APIKey.FromSecret(demoSpareKeyID, demoSpareKeySecret)
	if err != nil {
		return "", err
	}
	err = p.Table.PutAPIKey(ctx, &auth.APIKey{
		ID: key.ID, TenantID: DemoTenant, Name: "reporting", Roles: []string{string(role.UserManager)},
		Hash: opaque.Hash(p.Keys.Pepper, key.Token), CreatedAt: now, CreatedBy: "seed",
	})
	if err != nil {
		return "", fmt.Errorf("seed spare api key: %w", err)
	}

	if err := p.Table.CreateGroup(ctx, DemoTenant, directory.Group{ID: DemoGroupID, Name: "Research", CreatedAt: now}); err != nil {
		return "", fmt.Errorf("seed group: %w", err)
	}
	scimKey, err := opaque.APIKey.FromSecret(DemoSCIMKeyID, demoSCIMKeySecret)
	if err != nil {
		return "", err
	}
	err = p.Table.PutAPIKey(ctx, &auth.APIKey{
		ID: scimKey.ID, TenantID: DemoTenant, Name: "scim", Roles: []string{string(role.SCIM)},
		Hash: opaque.Hash(p.Keys.Pepper, scimKey.Token), CreatedAt: now, CreatedBy: "seed",
	})
	if err != nil {
		return "", fmt.Errorf("seed scim token: %w", err)
	}

	err = p.Table.CreateTenant(ctx, &tenant.Tenant{
		ID: demoInviteeTenant, Organization: demoInviteeTenant, Name: demoInviteeTenant, Active: true, CreatedAt: now,
	})
	if err != nil {
		return "", fmt.Errorf("seed tenant %s: %w", demoInviteeTenant, err)
	}
	err = seedUser(ctx, p, demoInviteeID, 0, user.New(user.Fields{
		TenantID: demoInviteeTenant, AccountID: demoInviteeAccountID, Username: "grace", Email: demoInviteEmail,
		FirstName: "Grace", LastName: "Hopper", Role: string(role.Member),
	}, now, "seed"))
	if err != nil {
		return "", err
	}
	tok, err := opaque.Auth.FromSecret(demoInviteeAuthID, demoInviteeAuthSec)
	if err != nil {
		return "", err
	}
	err = p.Table.CompleteLogin(ctx, signin.LoginSuccess{Token: &signin.AuthToken{
		ID: tok.ID, AccountID: demoInviteeAccountID, Hash: opaque.Hash(p.Keys.Pepper, tok.Token),
		CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour),
	}})
	if err != nil {
		return "", fmt.Errorf("seed invitee auth token: %w", err)
	}
	return tok.Token, nil
}

// seedUser creates u, built by user.New, as an active user shown by its
// full name, under a fixed id and (when not 0) a fixed number.
func seedUser(ctx context.Context, p *platform.Platform, id string, number int64, u *user.User) error {
	u.ID = id // fixed, so the files in events/ can name it
	if number != 0 {
		u.Number = number
	}
	u.DisplayName = u.FirstName + " " + u.LastName
	u.Active = true
	if err := p.Table.CreateUser(ctx, u); err != nil {
		return fmt.Errorf("seed user %s in %s: %w", u.Username, u.TenantID, err)
	}
	return nil
}

// seedReset gives the member an open password reset with a fixed token,
// for the reset example. It lasts a day, not the 15 minutes of a real one,
// so the example works as long as the demo auth tokens do.
func seedReset(ctx context.Context, p *platform.Platform, now time.Time) error {
	m, err := p.Table.GetUser(ctx, DemoTenant, DemoMemberID)
	if err != nil {
		return fmt.Errorf("seed reset: %w", err)
	}
	tok, err := opaque.Reset.FromSecret(demoResetID, demoResetSecret)
	if err != nil {
		return err
	}
	err = p.Table.StartReset(ctx, signin.ResetStart{Now: now, Token: &signin.ResetToken{
		ID: tok.ID, TenantID: DemoTenant, UserID: m.ID, AccountID: m.AccountID, Hash: opaque.Hash(p.Keys.Pepper, tok.Token),
		CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour),
	}})
	if err != nil {
		return fmt.Errorf("seed reset: %w", err)
	}
	vt, err := opaque.Email.FromSecret(demoVerifyID, demoVerifySecret)
	if err != nil {
		return err
	}
	err = p.Table.PutVerifyToken(ctx, &signin.VerifyToken{
		ID: vt.ID, TenantID: DemoTenant, UserID: m.ID, Email: user.NormalizeEmail(m.Email), Hash: opaque.Hash(p.Keys.Pepper, vt.Token),
		CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour),
	}, nil, now)
	if err != nil {
		return fmt.Errorf("seed verification: %w", err)
	}
	return nil
}
