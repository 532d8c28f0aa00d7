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

// The Lambda request line of a flow is its invocation count: a frictionless
// flow is 4 invocations (preauth, auth, postauth, the webhook) since the
// flow functions check credentials themselves, 7 with a REQUEST
// authorizer before each merchant request; a challenge flow 6 (+ two
// challenge-callback invocations), 9 before (loadgen -cost meters them).
func TestInvocationsPerFlow(t *testing.T) {
	lambda := func(n float64) Usage {
		return Usage{Lambda: []Invocations{{Function: "f", Count: n, MemoryMB: 256}}}
	}
	for _, tc := range []struct {
		name        string
		invocations float64
		want        float64 // $ per million flows, Lambda requests only
	}{
		{"frictionless", 4, 0.80},
		{"frictionless with an authorizer", 7, 1.40},
		{"challenge", 6, 1.20},
		{"challenge with an authorizer", 9, 1.80},
	} {
		require.InDelta(t, tc.want, USEast1.PerMillion(lambda(tc.invocations)).LambdaRequests, 1e-9, tc.name)
	}
}
