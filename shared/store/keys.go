package store

import (
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The single-table key design. A tenant's users, their uniqueness markers and
// the tenant's own record share one partition (PK = TENANT#<id>), so listing
// and reading a tenant's users is strongly consistent. A person's account
// and memberships share the account's partition, so one query lists every
// tenant the person can enter. API keys, devices, auth tokens and invitations
// live in partitions of their own because a request names the secret, not
// the tenant.
//
//	PK                  SK                  item
//	TENANT#<t>          TENANT              tenant record
//	TENANT#<t>          OWNERS              count of the tenant's active owners; see owners.go
//	TENANT#<t>          USER#<id>           user
//	TENANT#<t>          EMAIL#<email>       email marker -> userId
//	TENANT#<t>          USERNAME#<name>     username marker -> userId
//	TENANT#<t>          NUMBER#<n>          numeric-id marker -> userId
//	TENANT#<t>          GROUP#<id>          group (name, createdAt)
//	TENANT#<t>          GROUPNAME#<name>    group-name marker -> groupId
//	TENANT#<t>          LOGINPROFILE#<n>    login profile (name, auth type); see loginprofiles.go
//	TENANT#<t>          PROFILENAME#<name>  login-profile name marker
//	TENANT#<t>          EXTERNAL#<id>       provisioning: external id -> userId, last applied event time
//	TENANT#<t>          EXTERNALGROUP#<id>  provisioning: group external id -> groupId, last group.upsert time
//	TENANT#<t>          EXTERNALMEMBER#<id>#<groupId>  provisioning: a user's membership, last membership event time
//	TENANT#<t>          INVITEE#<email>     the address's live invitation -> inviteId; see invites.go
//	TENANT#<t>          THROTTLE#<key>#<w>  sends counted in window w; see throttle.go
//	IDEMPOTENCY#<t>#<k> IDEMPOTENCY         provisioning: applied event key, payload hash, expiresAt
//	ACCOUNT#<a>         ACCOUNT             account (the person): password hash, lockout, default tenant
//	ACCOUNT#<a>         MEMBER#<t>          membership: the person's user in tenant t
//	APIKEY#<keyId>      APIKEY              API key (tenant, roles, HMAC of the key)
//	DEVICE#<id>         DEVICE              device token (tenant, HMAC)
//	AUTH#<id>           AUTH                auth token (account, HMAC, expiresAt)
//	INVITE#<id>         INVITE              invitation (tenant, email, role, HMAC, expiresAt)
//	RESET#<id>          RESET               password reset token (tenant, user, account, HMAC, expiresAt); the account's resetId names the live one; see recovery.go
//	VERIFY#<id>         VERIFY              email verification token (tenant, user, address, HMAC, expiresAt); see verification.go
//	LOGINCODE#<h>       LOGINCODE           failures of a login user code that names no user (failedLogins, lockedUntil, expiresAt); see LoginStandIn
//
// A LOGINCODE item counts until DynamoDB deletes it, expired or not: it
// is a counter that must last at least until expiresAt, not a secret.
//
// User items also carry the sort keys of the five local secondary indexes
// (LSI1SK..LSI5SK: username, email, first name, last name, updatedAt) that
// search reads; search.go computes them on every write.
//
// expiresAt is the table's TTL attribute: a Number of epoch seconds. DynamoDB
// deletes expired items late (within days), so every read checks it too.
const (
	attrPK = "PK"
	attrSK = "SK"

	tenantSK  = "TENANT"
	ownersSK  = "OWNERS"
	apiKeySK  = "APIKEY"
	accountSK = "ACCOUNT"
	deviceSK  = "DEVICE"
	authSK    = "AUTH"
	inviteSK  = "INVITE"
	// loginCodeSK: <h> is the hex HMAC the sign-in service keys a tenant
	// and user code under; the code itself is never stored.
	loginCodeSK = "LOGINCODE"

	memberPrefix = "MEMBER#"
)

func tenantPK(tenantID string) string     { return "TENANT#" + tenantID }
func userSK(id string) string             { return "USER#" + id }
func emailSK(normalized string) string    { return "EMAIL#" + normalized }
func usernameSK(normalized string) string { return "USERNAME#" + normalized }
func numberSK(n int64) string             { return "NUMBER#" + strconv.FormatInt(n, 10) }
func groupSK(id string) string            { return "GROUP#" + id }
func groupNameSK(lower string) string     { return "GROUPNAME#" + lower }
func apiKeyPK(keyID string) string        { return "APIKEY#" + keyID }
func accountPK(id string) string          { return "ACCOUNT#" + id }
func memberSK(tenantID string) string     { return memberPrefix + tenantID }
func devicePK(id string) string           { return "DEVICE#" + id }
func authPK(id string) string             { return "AUTH#" + id }
func invitePK(id string) string           { return "INVITE#" + id }
func loginCodePK(h string) string         { return "LOGINCODE#" + h }
func str(s string) types.AttributeValue   { return &types.AttributeValueMemberS{Value: s} }
func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}
func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrPK: str(pk), attrSK: str(sk)}
}
