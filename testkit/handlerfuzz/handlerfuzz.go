// Package handlerfuzz is what the HTTP handlers' fuzz targets share: seeds
// from a handler's testdata event fixtures, and the rule every answer to a
// client's body must keep (no handler error, no 500, a JSON object).
package handlerfuzz

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// Handle is an API Gateway REST handler.
type Handle func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error)

// Seed adds the body of every API Gateway event in glob (testdata/*.json) to
// f and returns the last event, whose headers and context the fuzzed bodies
// are sent with.
func Seed(f *testing.F, glob string) events.APIGatewayProxyRequest {
	files, _ := filepath.Glob(glob)
	var base events.APIGatewayProxyRequest
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		var ev events.APIGatewayProxyRequest
		if err := json.Unmarshal(raw, &ev); err != nil {
			f.Fatal(err)
		}
		base = ev
		f.Add(ev.Body, ev.IsBase64Encoded)
	}
	return base
}

// RequireSaneAnswer sends ev to handle: the handler must not fail, must not
// answer 500 (a client's body is never the server's fault), and must answer
// a JSON object.
func RequireSaneAnswer(t *testing.T, handle Handle, ev events.APIGatewayProxyRequest) {
	t.Helper()
	resp, err := handle(context.Background(), ev)
	if err != nil {
		t.Fatalf("handler error: %v", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode >= 600 || resp.StatusCode == 500 {
		t.Fatalf("status %d for a client's body: %s", resp.StatusCode, resp.Body)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(resp.Body), &m); err != nil {
		t.Fatalf("answer is not a JSON object: %s", resp.Body)
	}
}
