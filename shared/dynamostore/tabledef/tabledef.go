package tabledef

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"gopkg.in/yaml.v3"
)

// TableSpec is the part of an AWS::DynamoDB::Table resource that DynamoDB
// Local can create.
type TableSpec struct {
	BillingMode             string                `yaml:"BillingMode"`
	AttributeDefinitions    []attributeDefinition `yaml:"AttributeDefinitions"`
	KeySchema               []keyElement          `yaml:"KeySchema"`
	GlobalSecondaryIndexes  []secondaryIndex      `yaml:"GlobalSecondaryIndexes"`
	LocalSecondaryIndexes   []secondaryIndex      `yaml:"LocalSecondaryIndexes"`
	ProvisionedThroughput   *throughput           `yaml:"ProvisionedThroughput"`
	TimeToLiveSpecification *struct {
		AttributeName string `yaml:"AttributeName"`
		Enabled       bool   `yaml:"Enabled"`
	} `yaml:"TimeToLiveSpecification"`
	StreamSpecification *struct {
		StreamViewType string `yaml:"StreamViewType"`
	} `yaml:"StreamSpecification"`
}

type attributeDefinition struct {
	AttributeName string `yaml:"AttributeName"`
	AttributeType string `yaml:"AttributeType"`
}

type keyElement struct {
	AttributeName string `yaml:"AttributeName"`
	KeyType       string `yaml:"KeyType"`
}

type secondaryIndex struct {
	IndexName  string       `yaml:"IndexName"`
	KeySchema  []keyElement `yaml:"KeySchema"`
	Projection struct {
		ProjectionType   string   `yaml:"ProjectionType"`
		NonKeyAttributes []string `yaml:"NonKeyAttributes"`
	} `yaml:"Projection"`
	ProvisionedThroughput *throughput `yaml:"ProvisionedThroughput"`
}

type throughput struct {
	ReadCapacityUnits  int64 `yaml:"ReadCapacityUnits"`
	WriteCapacityUnits int64 `yaml:"WriteCapacityUnits"`
}

// ReadTableSpec parses a CloudFormation/SAM template and returns the
// properties of the AWS::DynamoDB::Table resource logicalID. Intrinsic
// functions in short form (!Ref, !Sub, !GetAtt, !If …) are treated as opaque
// values.
func ReadTableSpec(templatePath, logicalID string) (*TableSpec, error) {
	data, err := os.ReadFile(templatePath)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parse %s: %w", templatePath, err)
	}
	stripCustomTags(&doc)
	var tpl struct {
		Resources map[string]struct {
			Type       string    `yaml:"Type"`
			Properties yaml.Node `yaml:"Properties"`
		} `yaml:"Resources"`
	}
	if err := doc.Decode(&tpl); err != nil {
		return nil, fmt.Errorf("parse %s: %w", templatePath, err)
	}
	res, ok := tpl.Resources[logicalID]
	if !ok {
		return nil, fmt.Errorf("%s: no resource %q", templatePath, logicalID)
	}
	if res.Type != "AWS::DynamoDB::Table" {
		return nil, fmt.Errorf("%s: resource %q is %s, not AWS::DynamoDB::Table", templatePath, logicalID, res.Type)
	}
	var spec TableSpec
	if err := res.Properties.Decode(&spec); err != nil {
		return nil, fmt.Errorf("%s: resource %q: %w", templatePath, logicalID, err)
	}
	if len(spec.KeySchema) == 0 {
		return nil, fmt.Errorf("%s: resource %q has no KeySchema", templatePath, logicalID)
	}
	return &spec, nil
}

// stripCustomTags drops CloudFormation's short-form tags so the values
// decode as plain scalars, sequences or maps.
func stripCustomTags(n *yaml.Node) {
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		n.Tag = ""
	}
	for _, c := range n.Content {
		stripCustomTags(c)
	}
}

// CreateTableInput turns the spec into the CreateTable request for name.
func (s *TableSpec) CreateTableInput(name string) *dynamodb.CreateTableInput {
	in := &dynamodb.CreateTableInput{TableName: aws.String(name), BillingMode: types.BillingModePayPerRequest}
	if s.BillingMode == string(types.BillingModeProvisioned) || (s.BillingMode == "" && s.ProvisionedThroughput != nil) {
		in.BillingMode = types.BillingModeProvisioned
		in.ProvisionedThroughput = s.ProvisionedThroughput.sdk()
	}
	for _, a := range s.AttributeDefinitions {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{
			AttributeName: aws.String(a.AttributeName), AttributeType: types.ScalarAttributeType(a.AttributeType)})
	}
	in.KeySchema = keys(s.KeySchema)
	for _, g := range s.GlobalSecondaryIndexes {
		gi := types.GlobalSecondaryIndex{IndexName: aws.String(g.IndexName), KeySchema: keys(g.KeySchema), Projection: g.projection()}
		if in.BillingMode == types.BillingModeProvisioned {
			gi.ProvisionedThroughput = g.ProvisionedThroughput.sdk()
		}
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, gi)
	}
	for _, l := range s.LocalSecondaryIndexes {
		in.LocalSecondaryIndexes = append(in.LocalSecondaryIndexes, types.LocalSecondaryIndex{
			IndexName: aws.String(l.IndexName), KeySchema: keys(l.KeySchema), Projection: l.projection()})
	}
	if s.StreamSpecification != nil && s.StreamSpecification.StreamViewType != "" {
		in.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewType(s.StreamSpecification.StreamViewType)}
	}
	return in
}

func (t *throughput) sdk() *types.ProvisionedThroughput {
	if t == nil {
		return &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(5), WriteCapacityUnits: aws.Int64(5)}
	}
	return &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(t.ReadCapacityUnits), WriteCapacityUnits: aws.Int64(t.WriteCapacityUnits)}
}

func (g secondaryIndex) projection() *types.Projection {
	p := &types.Projection{ProjectionType: types.ProjectionType(g.Projection.ProjectionType)}
	if p.ProjectionType == "" {
		p.ProjectionType = types.ProjectionTypeAll
	}
	if len(g.Projection.NonKeyAttributes) > 0 {
		p.NonKeyAttributes = g.Projection.NonKeyAttributes
	}
	return p
}

func keys(ks []keyElement) []types.KeySchemaElement {
	out := make([]types.KeySchemaElement, len(ks))
	for i, k := range ks {
		out[i] = types.KeySchemaElement{AttributeName: aws.String(k.AttributeName), KeyType: types.KeyType(k.KeyType)}
	}
	return out
}

// TableAPI is what table creation needs from a DynamoDB client.
type TableAPI interface {
	CreateTable(context.Context, *dynamodb.CreateTableInput, ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	DescribeTable(context.Context, *dynamodb.DescribeTableInput, ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
	UpdateTimeToLive(context.Context, *dynamodb.UpdateTimeToLiveInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateTimeToLiveOutput, error)
}

// CreateTableFromTemplate creates tableName exactly as the
// AWS::DynamoDB::Table resource logicalID of the template defines it
// (attributes, keys, indexes, stream), waits until it is ACTIVE and enables
// its TTL. An existing table of that name is an error
// (ResourceInUseException).
func CreateTableFromTemplate(ctx context.Context, client TableAPI, templatePath, logicalID, tableName string) error {
	spec, err := ReadTableSpec(templatePath, logicalID)
	if err != nil {
		return err
	}
	return CreateTable(ctx, client, spec, tableName)
}

// CreateTable creates tableName from spec (see CreateTableFromTemplate).
func CreateTable(ctx context.Context, client TableAPI, spec *TableSpec, tableName string) error {
	if _, err := client.CreateTable(ctx, spec.CreateTableInput(tableName)); err != nil {
		return fmt.Errorf("create table %s: %w", tableName, err)
	}
	for {
		out, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(tableName)})
		if err != nil {
			return fmt.Errorf("describe table %s: %w", tableName, err)
		}
		if out.Table.TableStatus == types.TableStatusActive {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	if ttl := spec.TimeToLiveSpecification; ttl != nil && ttl.Enabled && ttl.AttributeName != "" {
		_, err := client.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
			TableName:               aws.String(tableName),
			TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(ttl.AttributeName), Enabled: aws.Bool(true)},
		})
		if err != nil {
			return fmt.Errorf("enable TTL on %s: %w", tableName, err)
		}
	}
	return nil
}

// IsTableExists reports the error CreateTable returns for an existing table.
func IsTableExists(err error) bool {
	var inUse *types.ResourceInUseException
	return errors.As(err, &inUse)
}

// TableLogicalID is the table resource in the project's template.yaml.
const TableLogicalID = "Table"

// FindTemplate walks up from dir (the working directory when empty) to the
// first folder holding template.yaml and returns that file's path.
func FindTemplate(dir string) (string, error) {
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return "", err
		}
		dir = wd
	}
	for {
		p := filepath.Join(dir, "template.yaml")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no template.yaml in this folder or above it: give -template")
		}
		dir = parent
	}
}
