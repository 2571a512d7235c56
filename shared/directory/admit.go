package directory

import (
	"context"
	"fmt"

	"roster/shared/auth"
	"roster/shared/user"
)

// Admit checks that p may bring in u and stores it with also in one
// transaction. The feed's principal may give any role (the owner's
// permissions); an invitation's holder joins only as the person its auth
// token proved, in the invitation's tenant, with the role the inviter
// could assign when the invitation was made (signin checked it then).
func (s *service) Admit(ctx context.Context, p auth.Principal, u *user.User, also user.Also) error {
	if err := mayAdmit(p, u, also); err != nil {
		return err
	}
	if err := s.st.CreateUserWith(ctx, u, also); err != nil {
		return err
	}
	if p.Method == auth.ViaInvitation {
		// The invitation's token was mailed to the address, but also shown
		// to the administrator who made it: holding it proves nothing.
		s.welcomed(ctx, u)
	}
	return nil
}

// mayAdmit is Admit's permission check.
func mayAdmit(p auth.Principal, u *user.User, also user.Also) error {
	switch {
	case u.TenantID != p.TenantID || also == nil || also.Tenant() != p.TenantID:
		return forbid(fmt.Sprintf("admit: user or record outside the tenant %q", p.TenantID))
	case p.Method == auth.ViaFeed:
		// The feed speaks for the tenant, as its owner does: every role.
		return nil
	case p.Method == auth.ViaInvitation:
		if p.AccountID == "" || u.AccountID != p.AccountID {
			return forbid("admit: an invitation admits only the person who holds it")
		}
		return nil
	}
	return forbid("admit: only a provisioning feed or an invitation admits users; requests create them")
}
