package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/shared/fault"
	"roster/shared/loginprofile"
)

// Login profiles live in the tenant partition:
//
//	PK          SK                        item
//	TENANT#<t>  LOGINPROFILE#<n, 6 digits> login profile n
//	TENANT#<t>  PROFILENAME#<name>         name marker -> n (names are unique per tenant)
//
// The numbers are zero-padded so the profiles list in number order. The
// built-in default (loginprofile.DefaultID) is never stored.
const (
	loginProfilePrefix = "LOGINPROFILE#"
	maxProfileTries    = 4 // a number taken by a concurrent add is drawn again this often
)

func loginProfileSK(n int64) string     { return fmt.Sprintf("%s%06d", loginProfilePrefix, n) }
func profileNameSK(lower string) string { return "PROFILENAME#" + lower }

type loginProfileItem struct {
	PK        string    `dynamodbav:"PK"`
	SK        string    `dynamodbav:"SK"`
	Type      string    `dynamodbav:"type"`
	ID        int64     `dynamodbav:"profileId"`
	Name      string    `dynamodbav:"name"`
	AuthType  int       `dynamodbav:"authType"`
	CreatedAt time.Time `dynamodbav:"createdAt"`
	CreatedBy string    `dynamodbav:"createdBy,omitempty"`
}

type profileNameItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Type      string `dynamodbav:"type"`
	ProfileID int64  `dynamodbav:"profileId"`
}

// ListLoginProfiles returns the tenant's profiles, the built-in default
// first, with one strongly consistent Query (a tenant has at most
// loginprofile.MaxPerTenant).
func (t *Table) ListLoginProfiles(ctx context.Context, tenantID string) ([]loginprofile.Profile, error) {
	out, err := t.db.Query(ctx, &dynamodb.QueryInput{
		TableName:              &t.name,
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(tenantPK(tenantID)), ":prefix": str(loginProfilePrefix),
		},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, translate(err, "list login profiles of "+tenantID)
	}
	profiles := []loginprofile.Profile{loginprofile.Default()}
	for _, raw := range out.Items {
		var it loginProfileItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return nil, fault.Wrap(fmt.Errorf("unmarshal login profile of %s: %w", tenantID, err), fault.Internal, errInternal)
		}
		profiles = append(profiles, loginprofile.Profile{
			ID: it.ID, Name: it.Name, AuthType: loginprofile.AuthType(it.AuthType), CreatedAt: it.CreatedAt, CreatedBy: it.CreatedBy,
		})
	}
	return profiles, nil
}

// AddLoginProfile stores p under the next free number, with its name
// marker, in one transaction conditional on the tenant being active, the
// number and the name being free. A number taken by a concurrent add is
// drawn again.
func (t *Table) AddLoginProfile(ctx context.Context, tenantID string, p loginprofile.Profile) (loginprofile.Profile, error) {
	lower := strings.ToLower(strings.TrimSpace(p.Name))
	if lower == strings.ToLower(loginprofile.Default().Name) {
		return loginprofile.Profile{}, nameTaken(nil)
	}
	for try := 1; ; try++ {
		existing, err := t.ListLoginProfiles(ctx, tenantID)
		if err != nil {
			return loginprofile.Profile{}, err
		}
		if len(existing) >= loginprofile.MaxPerTenant {
			return loginprofile.Profile{}, fault.New(fault.Conflict, "The tenant has %d login profiles, the most it may have.", loginprofile.MaxPerTenant)
		}
		for _, e := range existing {
			if strings.ToLower(e.Name) == lower {
				return loginprofile.Profile{}, nameTaken(nil)
			}
		}
		p.ID = existing[len(existing)-1].ID + 1
		err = t.putLoginProfile(ctx, tenantID, p, lower)
		if err != nil && fault.As(err).Message == profileNumberTaken {
			if try < maxProfileTries {
				continue
			}
			return loginprofile.Profile{}, fault.Wrap(err, fault.Unavailable, "Login profiles are being added at the same time; retry shortly.")
		}
		if err != nil {
			return loginprofile.Profile{}, err
		}
		return p, nil
	}
}

const profileNumberTaken = "The login profile number is taken."

func nameTaken(err error) error {
	return &fault.Error{Code: fault.Conflict, Message: "A login profile with this name already exists.",
		Fields: []fault.FieldError{{Field: "name", Message: "is already taken"}}, Err: err}
}

func (t *Table) putLoginProfile(ctx context.Context, tenantID string, p loginprofile.Profile, lower string) error {
	pk := tenantPK(tenantID)
	item, err := attributevalue.MarshalMap(loginProfileItem{
		PK: pk, SK: loginProfileSK(p.ID), Type: "loginProfile", ID: p.ID, Name: p.Name,
		AuthType: int(p.AuthType), CreatedAt: p.CreatedAt.UTC(), CreatedBy: p.CreatedBy,
	})
	if err != nil {
		return fault.Wrap(fmt.Errorf("marshal login profile: %w", err), fault.Internal, errInternal)
	}
	marker, err := attributevalue.MarshalMap(profileNameItem{PK: pk, SK: profileNameSK(lower), Type: "marker", ProfileID: p.ID})
	if err != nil {
		return fault.Wrap(fmt.Errorf("marshal login profile name: %w", err), fault.Internal, errInternal)
	}
	absent := aws.String("attribute_not_exists(PK)")
	x := &txn{table: &t.name}
	x.add(tenantActive(&t.name, pk), errTenantInactive)
	x.add(types.TransactWriteItem{Put: &types.Put{TableName: &t.name, Item: item, ConditionExpression: absent}},
		fault.New(fault.Conflict, profileNumberTaken))
	x.add(types.TransactWriteItem{Put: &types.Put{TableName: &t.name, Item: marker, ConditionExpression: absent}}, nameTaken(nil))
	return x.run(ctx, t.db, "add login profile to "+tenantID)
}
