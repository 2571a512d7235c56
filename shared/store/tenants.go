package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"roster/shared/fault"
	"roster/shared/tenant"
)

type tenantItem struct {
	PK           string    `dynamodbav:"PK"`
	SK           string    `dynamodbav:"SK"`
	Type         string    `dynamodbav:"type"`
	ID           string    `dynamodbav:"tenantId"`
	Organization string    `dynamodbav:"organization"`
	Name         string    `dynamodbav:"name"`
	Active       bool      `dynamodbav:"active"`
	CreatedAt    time.Time `dynamodbav:"createdAt"`
	StateAt      int64     `dynamodbav:"stateAt,omitempty"`            // epoch nanoseconds, so conditions compare numbers; see tenantstate.go
	MFARoles     []string  `dynamodbav:"mfaRoles,stringset,omitempty"` // roles that must log in with a second factor; see factors.go
}

// newTenantItem is the stored form of tn.
func newTenantItem(tn *tenant.Tenant) tenantItem {
	it := tenantItem{
		PK: tenantPK(tn.ID), SK: tenantSK, Type: "tenant", ID: tn.ID,
		Organization: tn.Organization, Name: tn.Name, Active: tn.Active, CreatedAt: tn.CreatedAt.UTC(),
		MFARoles: tn.MFARoles,
	}
	if !tn.StateAt.IsZero() {
		it.StateAt = tn.StateAt.UnixNano()
	}
	return it
}

func (it tenantItem) tenant() *tenant.Tenant {
	tn := &tenant.Tenant{ID: it.ID, Organization: it.Organization, Name: it.Name, Active: it.Active, CreatedAt: it.CreatedAt, MFARoles: it.MFARoles}
	if it.StateAt != 0 {
		tn.StateAt = time.Unix(0, it.StateAt).UTC()
	}
	return tn
}

// CreateTenant stores a new tenant. Returns fault.Conflict when the uid is taken.
func (t *Table) CreateTenant(ctx context.Context, tn *tenant.Tenant) error {
	item, err := attributevalue.MarshalMap(newTenantItem(tn))
	if err != nil {
		return fault.Wrap(fmt.Errorf("marshal tenant %s: %w", tn.ID, err), fault.Internal, "An internal error occurred.")
	}
	return t.putIfAbsent(ctx, item, "The tenant already exists.", "create tenant "+tn.ID)
}

// GetTenant reads a tenant. Returns fault.NotFound.
func (t *Table) GetTenant(ctx context.Context, id string) (*tenant.Tenant, error) {
	out, err := t.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &t.name, Key: key(tenantPK(id), tenantSK), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, translate(err, "get tenant "+id)
	}
	if out.Item == nil {
		return nil, fault.New(fault.NotFound, "The tenant does not exist.")
	}
	var it tenantItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return nil, fault.Wrap(fmt.Errorf("unmarshal tenant %s: %w", id, err), fault.Internal, "An internal error occurred.")
	}
	return it.tenant(), nil
}
