package tabledef_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dynamostore/tabledef"
)

func TestReadTableSpecShortTags(t *testing.T) {
	spec, err := tabledef.ReadTableSpec("testdata/template.yaml", "Things")
	require.NoError(t, err)
	in := spec.CreateTableInput("x")
	require.Equal(t, types.BillingModePayPerRequest, in.BillingMode)
	require.Len(t, in.AttributeDefinitions, 3)
	require.Equal(t, "n", *in.KeySchema[1].AttributeName)
	require.Equal(t, types.KeyTypeRange, in.KeySchema[1].KeyType)
	require.Len(t, in.GlobalSecondaryIndexes, 1)
	require.Equal(t, types.ProjectionTypeKeysOnly, in.GlobalSecondaryIndexes[0].Projection.ProjectionType)
	require.Equal(t, types.StreamViewTypeKeysOnly, in.StreamSpecification.StreamViewType)
	require.Equal(t, "ttl", spec.TimeToLiveSpecification.AttributeName)

	for name, id := range map[string]string{"missing": "Nope", "not a table": "NotATable", "function": "Fn"} {
		_, err := tabledef.ReadTableSpec("testdata/template.yaml", id)
		require.Error(t, err, name)
	}
	_, err = tabledef.ReadTableSpec("testdata/none.yaml", "Things")
	require.Error(t, err)
}

func TestRepoTemplateTable(t *testing.T) {
	path, err := tabledef.FindTemplate("")
	require.NoError(t, err)
	spec, err := tabledef.ReadTableSpec(path, tabledef.TableLogicalID)
	require.NoError(t, err)
	in := spec.CreateTableInput("t")
	require.Equal(t, "pk", *in.KeySchema[0].AttributeName)
	require.Equal(t, "gsi1", *in.GlobalSecondaryIndexes[0].IndexName)
	require.Equal(t, "expiresAt", spec.TimeToLiveSpecification.AttributeName)
}

func TestFindTemplateNone(t *testing.T) {
	_, err := tabledef.FindTemplate(t.TempDir())
	require.Error(t, err)
}
