package dynamostore

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"
)

// billedSize is an item's size as DynamoDB bills writes: attribute names
// plus values (numbers about one byte per two digits, maps 3 bytes plus
// their members).
func billedSize(item map[string]types.AttributeValue) int {
	n := 0
	for name, v := range item {
		n += len(name) + valueSize(v)
	}
	return n
}

func valueSize(v types.AttributeValue) int {
	switch x := v.(type) {
	case *types.AttributeValueMemberS:
		return len(x.Value)
	case *types.AttributeValueMemberN:
		return (len(strings.TrimLeft(x.Value, "-0"))+1)/2 + 1
	case *types.AttributeValueMemberB:
		return len(x.Value)
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberM:
		return 3 + billedSize(x.Value)
	}
	return 0
}

// TestTransactionItemNotIndexed: transaction items carry no gsi1 keys, so a
// write is not charged again for the index. The size is logged: DynamoDB
// charges 1 WRU per started KB, and a final frictionless item is just over
// 1 KB (BENCHMARKS.md §4).
func TestTransactionItemNotIndexed(t *testing.T) {
	item, err := attributevalue.MarshalMap(toTxItem(benchTx()))
	require.NoError(t, err)
	require.NotContains(t, item, attrGSI1PK, "transactions are not indexed")
	require.NotContains(t, item, attrGSI1SK)
	require.Equal(t, "TX#"+benchTx().ID, item[attrPK].(*types.AttributeValueMemberS).Value)
	t.Logf("final frictionless transaction item: %d bytes as billed", billedSize(item))
}
