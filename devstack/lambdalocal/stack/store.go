package stack

import (
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/open3ds/server/shared/dynamostore"
	"github.com/open3ds/server/shared/vault"
)

// DynamoStore opens the product's DynamoDB store on the local table, with
// webhook secrets sealed by the run's vault (what cmd/localrun seeds with).
func DynamoStore(client *dynamodb.Client, table string, v *vault.Vault) (Store, error) {
	return dynamostore.New(client, table, dynamostore.Options{Sealer: v}), nil
}
