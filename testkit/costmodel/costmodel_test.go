package costmodel

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPerMillion(t *testing.T) {
	p := Prices{APIGatewayRESTPerMillion: 3.5, LambdaRequestsPerMillion: 0.2, LambdaGBSecondArm: 0.00001, DynamoDBWRUPerMillion: 1, DynamoDBRRUPerMillion: 0.5}
	tests := []struct {
		name string
		u    Usage
		want Cost
	}{
		{"nothing", Usage{}, Cost{}},
		{"api only", Usage{APIRequests: 3}, Cost{APIGateway: 10.5, Total: 10.5}},
		{
			// 2 invocations × 1e6 × 0.25 GB × 0.005 s (4.2 ms billed as 5) × 1e-5 = 0.025
			"lambda rounds duration up to the millisecond",
			Usage{Lambda: []Invocations{{Function: "f", Count: 2, MemoryMB: 256, DurationMS: 4.2}}},
			Cost{LambdaRequests: 0.4, LambdaDuration: 0.025, Total: 0.425},
		},
		{"dynamodb", Usage{RRU: 4, WRU: 3}, Cost{DynamoDBRead: 2, DynamoDBWrite: 3, Total: 5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := p.PerMillion(tc.u)
			require.InDelta(t, tc.want.APIGateway, got.APIGateway, 1e-9)
			require.InDelta(t, tc.want.LambdaRequests, got.LambdaRequests, 1e-9)
			require.InDelta(t, tc.want.LambdaDuration, got.LambdaDuration, 1e-9)
			require.InDelta(t, tc.want.DynamoDBRead, got.DynamoDBRead, 1e-9)
			require.InDelta(t, tc.want.DynamoDBWrite, got.DynamoDBWrite, 1e-9)
			require.InDelta(t, tc.want.Total, got.Total, 1e-9)
		})
	}
}

func TestAddWeights(t *testing.T) {
	a := Cost{APIGateway: 1, Total: 1}
	b := Cost{APIGateway: 10, DynamoDBWrite: 2, Total: 12}
	got := a.Add(b, 0.5)
	require.Equal(t, Cost{APIGateway: 6, DynamoDBWrite: 1, Total: 7}, got)
}

func TestUSEast1IsComplete(t *testing.T) {
	p := USEast1
	require.Equal(t, "us-east-1", p.Region)
	require.NotEmpty(t, p.AsOf)
	for name, v := range map[string]float64{
		"api": p.APIGatewayRESTPerMillion, "lambda requests": p.LambdaRequestsPerMillion, "lambda GB-s": p.LambdaGBSecondArm,
		"wru": p.DynamoDBWRUPerMillion, "rru": p.DynamoDBRRUPerMillion,
	} {
		require.Greater(t, v, 0.0, name)
	}
}
