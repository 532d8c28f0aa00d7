package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// FuzzHandle feeds /auth arbitrary bodies (seeded from testdata): the
// handler never fails, never panics, never answers 500, and always answers
// a JSON object.
func FuzzHandle(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
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
	f.Fuzz(func(t *testing.T, body string, b64 bool) {
		h := newHarness(t)
		ev := base
		ev.Body, ev.IsBase64Encoded = body, b64
		requireSaneAnswer(t, h.h.Handle, ev)
	})
}

func requireSaneAnswer(t *testing.T, handle func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error), ev events.APIGatewayProxyRequest) {
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
