package dynamostore_test

import (
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dynamostore"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

func finalImage(state string) map[string]events.DynamoDBAttributeValue {
	s := events.NewStringAttribute
	return map[string]events.DynamoDBAttributeValue{
		"pk": s("TX#00000000-0000-4000-8000-000000000001"), "sk": s("TX"), "type": s("transaction"),
		"threeDSServerTransID": s("00000000-0000-4000-8000-000000000001"), "merchantId": s("merchant-a"),
		"dialect": s("emvjson"), "state": s(state), "version": events.NewNumberAttribute("4"),
		"expiresAt": events.NewNumberAttribute("1784967330"), "cardScheme": s("visa"), "messageVersion": s("2.2.0"),
		"decoupledRequested": events.NewBooleanAttribute(false),
		"ares": events.NewMapAttribute(map[string]events.DynamoDBAttributeValue{
			"transStatus": s("C"), "dsTransID": s("d0000000-0000-4000-8000-000000000001"), "acsTransID": s("a0000000-0000-4000-8000-000000000001"),
		}),
		"result": events.NewMapAttribute(map[string]events.DynamoDBAttributeValue{
			"transStatus": s("Y"), "eci": s("05"), "authenticationValue": s("AAABBZEEBgAAAAAAAAQGAAAAAAA="),
			"source": s("RReq"), "receivedAt": s("2026-06-25T08:15:30Z"),
		}),
	}
}

func TestBecameFinal(t *testing.T) {
	t.Parallel()
	st := &dynamostore.Store{}
	rec := func(name string, old, img map[string]events.DynamoDBAttributeValue) events.DynamoDBEventRecord {
		return events.DynamoDBEventRecord{EventID: "e1", EventName: name, Change: events.DynamoDBStreamRecord{OldImage: old, NewImage: img}}
	}
	pending := finalImage("challenge_pending")
	delete(pending, "result")

	tx, ok, err := st.BecameFinal(rec("MODIFY", pending, finalImage("final")))
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "00000000-0000-4000-8000-000000000001", tx.ID)
	require.Equal(t, "merchant-a", tx.MerchantID)
	require.Equal(t, "emvjson", tx.Dialect, "the webhook renders in the transaction's dialect")
	require.Equal(t, threeds.StateFinal, tx.State)
	require.Equal(t, emv3ds.TransStatus("Y"), tx.Result.TransStatus)
	require.Equal(t, "d0000000-0000-4000-8000-000000000001", tx.ARes.DSTransID)
	require.Equal(t, int64(4), tx.Version)

	_, ok, err = st.BecameFinal(rec("INSERT", nil, finalImage("final")))
	require.NoError(t, err)
	require.True(t, ok, "created final (a restored item)")

	for name, r := range map[string]events.DynamoDBEventRecord{
		"final to final": rec("MODIFY", finalImage("final"), finalImage("final")),
		"still pending":  rec("MODIFY", pending, pending),
		"removed":        rec("REMOVE", finalImage("final"), nil),
		"another item type": rec("INSERT", nil, map[string]events.DynamoDBAttributeValue{
			"type": events.NewStringAttribute("idempotency"), "state": events.NewStringAttribute("final")}),
	} {
		tx, ok, err := st.BecameFinal(r)
		require.NoError(t, err, name)
		require.False(t, ok, name)
		require.Nil(t, tx, name)
	}

	bad := finalImage("final")
	bad["version"] = events.NewStringAttribute("four")
	_, _, err = st.BecameFinal(rec("MODIFY", pending, bad))
	require.Error(t, err, "an undecodable image is an error (the record is retried), not a silent skip")
}
