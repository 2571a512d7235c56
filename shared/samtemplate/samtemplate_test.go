package samtemplate

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func loadInline(t *testing.T, body string) (*Template, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "template.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return Load(path)
}

const indexedTable = `
Transform: AWS::Serverless-2016-10-31
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions:
        - {AttributeName: PK, AttributeType: S}
        - {AttributeName: SK, AttributeType: S}
        - {AttributeName: GSI1PK, AttributeType: S}
        - {AttributeName: GSI1SK, AttributeType: S}
        - {AttributeName: email, AttributeType: S}
      KeySchema:
        - {AttributeName: PK, KeyType: HASH}
        - {AttributeName: SK, KeyType: RANGE}
      BillingMode: PAY_PER_REQUEST
      GlobalSecondaryIndexes:
        - IndexName: GSI1
          KeySchema:
            - {AttributeName: GSI1PK, KeyType: HASH}
            - {AttributeName: GSI1SK, KeyType: RANGE}
          Projection:
            ProjectionType: INCLUDE
            NonKeyAttributes: [displayName, active]
      LocalSecondaryIndexes:
        - IndexName: ByEmail
          KeySchema:
            - {AttributeName: PK, KeyType: HASH}
            - {AttributeName: email, KeyType: RANGE}
          Projection:
            ProjectionType: KEYS_ONLY
      TimeToLiveSpecification: {AttributeName: ttl, Enabled: false}
`

func TestTableInputCarriesSecondaryIndexesWithTheirProjections(t *testing.T) {
	t.Parallel()
	tpl, err := loadInline(t, indexedTable)
	if err != nil {
		t.Fatal(err)
	}
	in, err := tpl.TableInput("Table", "local")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(in.AttributeDefinitions); n != 5 {
		t.Errorf("%d attribute definitions, want 5", n)
	}

	if len(in.GlobalSecondaryIndexes) != 1 {
		t.Fatalf("GSIs = %+v, want one", in.GlobalSecondaryIndexes)
	}
	g := in.GlobalSecondaryIndexes[0]
	if aws.ToString(g.IndexName) != "GSI1" || !slices.Equal(keys(g.KeySchema), []string{"GSI1PK HASH", "GSI1SK RANGE"}) {
		t.Errorf("GSI = %s %v", aws.ToString(g.IndexName), keys(g.KeySchema))
	}
	if g.Projection.ProjectionType != ddbtypes.ProjectionTypeInclude ||
		!slices.Equal(g.Projection.NonKeyAttributes, []string{"displayName", "active"}) {
		t.Errorf("GSI projection = %s %v", g.Projection.ProjectionType, g.Projection.NonKeyAttributes)
	}
	if g.ProvisionedThroughput != nil {
		t.Errorf("on-demand GSI has provisioned throughput %+v", g.ProvisionedThroughput)
	}

	if len(in.LocalSecondaryIndexes) != 1 {
		t.Fatalf("LSIs = %+v, want one", in.LocalSecondaryIndexes)
	}
	l := in.LocalSecondaryIndexes[0]
	if aws.ToString(l.IndexName) != "ByEmail" || !slices.Equal(keys(l.KeySchema), []string{"PK HASH", "email RANGE"}) {
		t.Errorf("LSI = %s %v", aws.ToString(l.IndexName), keys(l.KeySchema))
	}
	if l.Projection.ProjectionType != ddbtypes.ProjectionTypeKeysOnly {
		t.Errorf("LSI projection = %s, want KEYS_ONLY", l.Projection.ProjectionType)
	}

	if got := tpl.TTLAttribute("Table"); got != "" {
		t.Errorf("TTLAttribute of a disabled TTL = %q, want empty", got)
	}
}

func TestTableInputRefusesAKeyWithoutAttributeDefinition(t *testing.T) {
	t.Parallel()
	tpl, err := loadInline(t, strings.Replace(indexedTable, "        - {AttributeName: email, AttributeType: S}\n", "", 1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tpl.TableInput("Table", "local"); err == nil || !strings.Contains(err.Error(), "email") {
		t.Errorf("TableInput error = %v, want one naming email", err)
	}
	if _, err := tpl.TableInput("Missing", "local"); err == nil {
		t.Error("TableInput of a missing table succeeded")
	}
}

func TestFunctionsRenderIntrinsicsAndMergeGlobals(t *testing.T) {
	t.Parallel()
	tpl, err := loadInline(t, `
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    CodeUri: build/
    LoggingConfig: {LogFormat: JSON}
    Environment:
      Variables: {REGION: !Ref "AWS::Region", TABLE_NAME: global}
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      AccessLogSettings: {DestinationArn: arn, Format: "{}"}
  Queue:
    Type: AWS::SQS::Queue
  B:
    Type: AWS::Serverless::Function
    Properties:
      RecursiveLoop: Terminate
      Environment:
        Variables:
          TABLE_NAME: !Ref Table
          ARN: !GetAtt [Table, Arn]
          INDEX: !Sub ["${Arn}/index/*", {Arn: !GetAtt Table.Arn}]
          URL: !Sub "https://${Api}.example/${!literal}"
          JOINED: !Join ["-", [a, !Ref Stage]]
      Events:
        Get: {Type: HttpApi, Properties: {ApiId: !Ref Api, Method: get, Path: /b}}
        All: {Type: HttpApi}
        Work: {Type: SQS, Properties: {Queue: !GetAtt Queue.Arn}}
      Policies:
        - AWSLambdaBasicExecutionRole
        - DynamoDBCrudPolicy: {TableName: !Ref Table}
        - Statement:
            Effect: Allow
            NotAction: iam:*
            Resource: "*"
  A:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: .
`)
	if err != nil {
		t.Fatal(err)
	}
	fns := tpl.Functions()
	if len(fns) != 2 || fns[0].LogicalID != "A" || fns[1].LogicalID != "B" {
		t.Fatalf("functions = %+v, want A then B", fns)
	}
	a, b := fns[0], fns[1]
	if a.CodeURI != "." || b.CodeURI != "build/" {
		t.Errorf("CodeURI A=%q B=%q, want . and build/", a.CodeURI, b.CodeURI)
	}
	if a.Env["TABLE_NAME"] != "global" {
		t.Errorf("A inherits TABLE_NAME %q, want global", a.Env["TABLE_NAME"])
	}
	for name, want := range map[string]string{
		"REGION":     "Ref:AWS::Region",
		"TABLE_NAME": "Ref:Table",
		"ARN":        "GetAtt:Table.Arn",
		"INDEX":      "Sub:${Table.Arn}/index/*",
		"URL":        "Sub:https://${Api}.example/${!literal}",
		"JOINED":     `Join:["-",["a","Ref:Stage"]]`,
	} {
		if got := b.Env[name]; got != want {
			t.Errorf("B env %s = %q, want %q", name, got, want)
		}
	}
	wantRoutes := []Route{{"ANY", "$default", "", false}, {"GET", "/b", "Ref:Api", false}}
	if !slices.Equal(b.Routes, wantRoutes) {
		t.Errorf("routes = %v, want %v", b.Routes, wantRoutes)
	}
	if b.Events["Work"] != "SQS" {
		t.Errorf("events = %v, want Work as SQS", b.Events)
	}
	if !slices.Equal(b.OtherPolicies, []string{"AWSLambdaBasicExecutionRole", "DynamoDBCrudPolicy"}) {
		t.Errorf("OtherPolicies = %v", b.OtherPolicies)
	}
	if len(b.Policies) != 1 || !slices.Equal(b.Policies[0].NotActions, []string{"iam:*"}) ||
		!slices.Equal(b.Policies[0].Resources, []string{"*"}) {
		t.Errorf("Policies = %+v", b.Policies)
	}
}

func TestLoadRefusesAnHttpApiEventItCannotRead(t *testing.T) {
	t.Parallel()
	_, err := loadInline(t, `
Resources:
  F:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Get: {Type: HttpApi, Properties: {Method: GET, Path: /x, Unknown: 1}}
`)
	if err == nil || !strings.Contains(err.Error(), "Get") {
		t.Errorf("Load error = %v, want one naming event Get", err)
	}
}
