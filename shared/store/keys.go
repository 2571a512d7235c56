package store

import (
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The single-table key design. A tenant's users, their uniqueness markers and
// the tenant's own record share one partition (PK = TENANT#<id>), so listing
// and reading a tenant's users is strongly consistent. API keys live in
// partitions of their own because a request names the key, not the tenant.
//
//	PK                  SK                  item
//	TENANT#<t>          TENANT              tenant record
//	TENANT#<t>          USER#<id>           user
//	TENANT#<t>          EMAIL#<email>       email marker -> userId
//	TENANT#<t>          USERNAME#<name>     username marker -> userId
//	TENANT#<t>          NUMBER#<n>          numeric-id marker -> userId
//	APIKEY#<keyId>      APIKEY              API key (tenant, HMAC of the key)
const (
	attrPK = "PK"
	attrSK = "SK"

	tenantSK = "TENANT"
	apiKeySK = "APIKEY"
)

func tenantPK(tenantID string) string     { return "TENANT#" + tenantID }
func userSK(id string) string             { return "USER#" + id }
func emailSK(normalized string) string    { return "EMAIL#" + normalized }
func usernameSK(normalized string) string { return "USERNAME#" + normalized }
func numberSK(n int64) string             { return "NUMBER#" + strconv.FormatInt(n, 10) }
func apiKeyPK(keyID string) string        { return "APIKEY#" + keyID }
func str(s string) types.AttributeValue   { return &types.AttributeValueMemberS{Value: s} }
func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}
func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrPK: str(pk), attrSK: str(sk)}
}
