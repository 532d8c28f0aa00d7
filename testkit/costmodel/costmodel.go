package costmodel

import "math"

// Prices are on-demand list prices for one region, in US dollars.
type Prices struct {
	Region string
	// AsOf says when these prices were published and how they were obtained.
	AsOf string
	// APIGatewayRESTPerMillion is the REST API price per million requests
	// (first 333 million a month).
	APIGatewayRESTPerMillion float64
	// LambdaRequestsPerMillion is the price per million invocations.
	LambdaRequestsPerMillion float64
	// LambdaGBSecondArm is the arm64 duration price per GB-second (first
	// 7.5 billion GB-seconds a month).
	LambdaGBSecondArm float64
	// DynamoDBWRUPerMillion and DynamoDBRRUPerMillion are the on-demand
	// write and read request unit prices.
	DynamoDBWRUPerMillion float64
	DynamoDBRRUPerMillion float64
}

// USEast1 are the us-east-1 list prices known at the date in AsOf. They were
// not fetched (the build machine has no internet access): check them against
// aws.amazon.com/{api-gateway,lambda,dynamodb}/pricing before relying on them.
var USEast1 = Prices{
	Region:                   "us-east-1",
	AsOf:                     "published prices as known on 2025-01 (DynamoDB on-demand after the 2024-11-01 50% reduction); not re-checked online",
	APIGatewayRESTPerMillion: 3.50,
	LambdaRequestsPerMillion: 0.20,
	LambdaGBSecondArm:        0.0000133334,
	DynamoDBWRUPerMillion:    0.625,
	DynamoDBRRUPerMillion:    0.125,
}

// Invocations are one function's invocations in one flow.
type Invocations struct {
	Function string
	Count    float64 // per flow (may be fractional: batched stream records)
	MemoryMB int
	// DurationMS is the duration of one invocation; Lambda bills it rounded
	// up to the millisecond.
	DurationMS float64
}

// Usage is what one flow consumes.
type Usage struct {
	APIRequests float64 // API Gateway REST requests
	Lambda      []Invocations
	RRU, WRU    float64 // DynamoDB request units
}

// Cost is US dollars per million flows.
type Cost struct {
	APIGateway     float64
	LambdaRequests float64
	LambdaDuration float64
	DynamoDBRead   float64
	DynamoDBWrite  float64
	Total          float64
}

// PerMillion prices a million flows of u.
func (p Prices) PerMillion(u Usage) Cost {
	var c Cost
	c.APIGateway = u.APIRequests * p.APIGatewayRESTPerMillion
	for _, inv := range u.Lambda {
		c.LambdaRequests += inv.Count * p.LambdaRequestsPerMillion
		billedS := math.Ceil(inv.DurationMS) / 1000
		c.LambdaDuration += inv.Count * 1e6 * float64(inv.MemoryMB) / 1024 * billedS * p.LambdaGBSecondArm
	}
	c.DynamoDBRead = u.RRU * p.DynamoDBRRUPerMillion
	c.DynamoDBWrite = u.WRU * p.DynamoDBWRUPerMillion
	c.Total = c.APIGateway + c.LambdaRequests + c.LambdaDuration + c.DynamoDBRead + c.DynamoDBWrite
	return c
}

// Add returns the sum of two costs, each weighted (for a mix of flows).
func (c Cost) Add(o Cost, weight float64) Cost {
	return Cost{
		APIGateway:     c.APIGateway + weight*o.APIGateway,
		LambdaRequests: c.LambdaRequests + weight*o.LambdaRequests,
		LambdaDuration: c.LambdaDuration + weight*o.LambdaDuration,
		DynamoDBRead:   c.DynamoDBRead + weight*o.DynamoDBRead,
		DynamoDBWrite:  c.DynamoDBWrite + weight*o.DynamoDBWrite,
		Total:          c.Total + weight*o.Total,
	}
}
