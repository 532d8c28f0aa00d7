// Package tabledef reads the AWS::DynamoDB::Table resource of a
// CloudFormation/SAM template (template.yaml) and creates that table through
// any DynamoDB endpoint: keys, indexes, billing, stream and TTL exactly as the
// template defines them. threedsctl table-create and the local stack use it,
// so a table created by hand or on a laptop is the one AWS would create. It
// is a separate package so that the Lambda functions, which import
// dynamostore, do not link a YAML parser.
package tabledef
