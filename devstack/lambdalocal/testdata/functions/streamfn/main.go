// Command streamfn is a test stream consumer: it posts each batch to
// SINK_URL, reports items whose NewImage has fail=true as batch item
// failures, and fails the whole invocation when one has boom=true.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	b, err := json.Marshal(ev)
	if err != nil {
		return events.DynamoDBEventResponse{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, os.Getenv("SINK_URL"), bytes.NewReader(b))
	if err != nil {
		return events.DynamoDBEventResponse{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return events.DynamoDBEventResponse{}, err
	}
	_ = resp.Body.Close()
	var out events.DynamoDBEventResponse
	for _, r := range ev.Records {
		img := r.Change.NewImage
		if v, ok := img["boom"]; ok && v.DataType() == events.DataTypeBoolean && v.Boolean() {
			return out, fmt.Errorf("boom in %s", r.Change.SequenceNumber)
		}
		if v, ok := img["fail"]; ok && v.DataType() == events.DataTypeBoolean && v.Boolean() {
			out.BatchItemFailures = append(out.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: r.Change.SequenceNumber})
		}
	}
	if len(ev.Records) == 0 {
		return out, errors.New("empty batch")
	}
	return out, nil
}

func main() { lambda.Start(handle) }
