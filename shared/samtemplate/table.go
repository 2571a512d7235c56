package samtemplate

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	cfndynamodb "github.com/awslabs/goformation/v7/cloudformation/dynamodb"
)

// TableInput turns the AWS::DynamoDB::Table resource logicalID into the
// CreateTableInput that creates the same table under tableName: attribute
// definitions, key schema, billing mode (with provisioned throughput when
// the template sets it), streams, and every GSI and LSI with its projection.
// The local server and store tests create their table with it, so an index
// added to the template exists locally without a second definition.
//
// Settings that change nothing an emulator can observe (encryption,
// point-in-time recovery, deletion protection, tags) are left out, and so is
// TTL, which DynamoDB sets with a separate UpdateTimeToLive call (see
// TTLAttribute).
func (t *Template) TableInput(logicalID, tableName string) (*dynamodb.CreateTableInput, error) {
	tbl, err := t.cfn.GetDynamoDBTableWithName(logicalID)
	if err != nil {
		return nil, fmt.Errorf("table input: %w", err)
	}
	if len(tbl.KeySchema) == 0 {
		return nil, fmt.Errorf("table input: %s has no KeySchema", logicalID)
	}

	in := &dynamodb.CreateTableInput{
		TableName: aws.String(tableName),
		KeySchema: keySchema(tbl.KeySchema),
		// CloudFormation's default, which the template may rely on.
		BillingMode: ddbtypes.BillingModeProvisioned,
	}
	if tbl.BillingMode != nil {
		in.BillingMode = ddbtypes.BillingMode(*tbl.BillingMode)
	}
	for _, a := range tbl.AttributeDefinitions {
		in.AttributeDefinitions = append(in.AttributeDefinitions, ddbtypes.AttributeDefinition{
			AttributeName: aws.String(a.AttributeName),
			AttributeType: ddbtypes.ScalarAttributeType(a.AttributeType),
		})
	}
	in.ProvisionedThroughput = throughput(tbl.ProvisionedThroughput)
	if s := tbl.StreamSpecification; s != nil {
		in.StreamSpecification = &ddbtypes.StreamSpecification{
			StreamEnabled:  aws.Bool(true),
			StreamViewType: ddbtypes.StreamViewType(s.StreamViewType),
		}
	}
	for _, g := range tbl.GlobalSecondaryIndexes {
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, ddbtypes.GlobalSecondaryIndex{
			IndexName:             aws.String(g.IndexName),
			KeySchema:             keySchema(g.KeySchema),
			Projection:            projection(g.Projection),
			ProvisionedThroughput: throughput(g.ProvisionedThroughput),
		})
	}
	for _, l := range tbl.LocalSecondaryIndexes {
		in.LocalSecondaryIndexes = append(in.LocalSecondaryIndexes, ddbtypes.LocalSecondaryIndex{
			IndexName:  aws.String(l.IndexName),
			KeySchema:  keySchema(l.KeySchema),
			Projection: projection(l.Projection),
		})
	}
	if err := checkAttributes(in); err != nil {
		return nil, fmt.Errorf("table input: %s: %w", logicalID, err)
	}
	return in, nil
}

// TTLAttribute returns the name of the attribute that expires items of the
// table logicalID, or "" when the table has no enabled TTL (or no such
// table exists). Callers enable TTL on a local table with it, since
// CreateTable cannot.
func (t *Template) TTLAttribute(logicalID string) string {
	tbl, err := t.cfn.GetDynamoDBTableWithName(logicalID)
	if err != nil || tbl.TimeToLiveSpecification == nil || !tbl.TimeToLiveSpecification.Enabled {
		return ""
	}
	return aws.ToString(tbl.TimeToLiveSpecification.AttributeName)
}

func keySchema(ks []cfndynamodb.Table_KeySchema) []ddbtypes.KeySchemaElement {
	out := make([]ddbtypes.KeySchemaElement, len(ks))
	for i, k := range ks {
		out[i] = ddbtypes.KeySchemaElement{
			AttributeName: aws.String(k.AttributeName),
			KeyType:       ddbtypes.KeyType(k.KeyType),
		}
	}
	return out
}

func projection(p *cfndynamodb.Table_Projection) *ddbtypes.Projection {
	// ALL is DynamoDB's default when a projection names no type.
	out := &ddbtypes.Projection{ProjectionType: ddbtypes.ProjectionTypeAll}
	if p == nil {
		return out
	}
	if p.ProjectionType != nil {
		out.ProjectionType = ddbtypes.ProjectionType(*p.ProjectionType)
	}
	if len(p.NonKeyAttributes) > 0 {
		out.NonKeyAttributes = append([]string(nil), p.NonKeyAttributes...)
	}
	return out
}

func throughput(p *cfndynamodb.Table_ProvisionedThroughput) *ddbtypes.ProvisionedThroughput {
	if p == nil {
		return nil
	}
	return &ddbtypes.ProvisionedThroughput{
		ReadCapacityUnits:  aws.Int64(int64(p.ReadCapacityUnits)),
		WriteCapacityUnits: aws.Int64(int64(p.WriteCapacityUnits)),
	}
}

// checkAttributes reports a key attribute without a definition, or a
// definition no key uses: DynamoDB rejects both, and the error here names
// the attribute instead of leaving an emulator to explain.
func checkAttributes(in *dynamodb.CreateTableInput) error {
	defined := map[string]bool{}
	for _, a := range in.AttributeDefinitions {
		defined[aws.ToString(a.AttributeName)] = true
	}
	used := map[string]bool{}
	keys := [][]ddbtypes.KeySchemaElement{in.KeySchema}
	for _, g := range in.GlobalSecondaryIndexes {
		keys = append(keys, g.KeySchema)
	}
	for _, l := range in.LocalSecondaryIndexes {
		keys = append(keys, l.KeySchema)
	}
	for _, ks := range keys {
		for _, k := range ks {
			name := aws.ToString(k.AttributeName)
			if !defined[name] {
				return fmt.Errorf("key attribute %q has no AttributeDefinition", name)
			}
			used[name] = true
		}
	}
	for name := range defined {
		if !used[name] {
			return fmt.Errorf("attribute %q is defined but used by no key", name)
		}
	}
	return nil
}
