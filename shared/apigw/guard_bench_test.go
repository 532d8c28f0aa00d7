package apigw_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/open3ds/server/shared/vault"
)

// The credential check the flow functions run before every merchant route
// (header parse, SHA-256, lookup in an in-memory store, constant-time
// compare, the authorizer context), without DynamoDB: what replaced the
// REQUEST authorizer's invocation.
func benchEvent(headers map[string]string) events.APIGatewayProxyRequest {
	return events.APIGatewayProxyRequest{Resource: "/auth", Path: "/auth", HTTPMethod: "POST", Headers: headers}
}

func BenchmarkCredentialGuardValidKey(b *testing.B) {
	r, _, _ := guardedRouter(b, nil)
	ev := benchEvent(map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + validKey, "User-Agent": "bench"})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		resp, err := r.Handle(ctx, ev)
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("want 200, got %d %v", resp.StatusCode, err)
		}
	}
}

func BenchmarkCredentialGuardUnknownKey(b *testing.B) {
	r, _, _ := guardedRouter(b, nil)
	ev := benchEvent(map[string]string{"APIKey": "o3ds_thisKeyDoesNotExist0000000000000000000"})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if resp, _ := r.Handle(ctx, ev); resp.StatusCode != http.StatusUnauthorized {
			b.Fatalf("want 401, got %d", resp.StatusCode)
		}
	}
}

func BenchmarkHashAPIKey(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if len(vault.HashAPIKey(validKey)) != 64 {
			b.Fatal("hash is not 64 hex characters")
		}
	}
}

// FuzzCredentialGuard feeds the guard arbitrary credential headers (seeded
// from testdata): it never panics, never admits a request whose headers
// disagree or carry no valid key, and admits only the valid key's merchant.
func FuzzCredentialGuard(f *testing.F) {
	for _, name := range []string{"bearer.json", "apikey.json", "apikey-lowercase.json", "basic-scheme.json", "unknown.json", "revoked.json",
		"conflict-bearer-apikey.json", "conflict-repeated-apikey.json", "conflict-valid-and-unknown.json", "same-key-twice.json"} {
		ev := guardFixture(f, name)
		auth, key, key2 := "", "", ""
		for k, v := range ev.Headers {
			switch strings.ToLower(k) {
			case "authorization":
				auth = v
			case "apikey":
				key = v
			}
		}
		for k, vs := range ev.MultiValueHeaders {
			if strings.EqualFold(k, "APIKey") && len(vs) > 1 {
				key2 = vs[1]
			}
		}
		f.Add(auth, key, key2)
	}
	r, _, _ := guardedRouter(f, nil)
	f.Fuzz(func(t *testing.T, auth, key, key2 string) {
		ev := benchEvent(map[string]string{"Content-Type": "application/json"})
		ev.MultiValueHeaders = map[string][]string{}
		if auth != "" {
			ev.Headers["Authorization"] = auth
			ev.MultiValueHeaders["Authorization"] = []string{auth}
		}
		if key != "" {
			ev.Headers["APIKey"] = key
			ev.MultiValueHeaders["APIKey"] = []string{key}
			if key2 != "" {
				ev.MultiValueHeaders["APIKey"] = append(ev.MultiValueHeaders["APIKey"], key2)
			}
		}
		resp, err := r.Handle(context.Background(), ev)
		if err != nil {
			t.Fatalf("router error %v", err)
		}
		if resp.StatusCode == http.StatusUnauthorized {
			return
		}
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, `"merchant":"merchant-a"`) {
			t.Fatalf("unexpected answer %d %s", resp.StatusCode, resp.Body)
		}
		sent := []string{key}
		if key != "" {
			sent = append(sent, key2)
		}
		for _, v := range sent {
			if strings.TrimSpace(v) != "" && strings.TrimSpace(v) != validKey {
				t.Fatalf("admitted with an APIKey header of another value")
			}
		}
		if strings.TrimSpace(auth) != "" {
			scheme, token, ok := strings.Cut(strings.TrimSpace(auth), " ")
			if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) != validKey {
				t.Fatalf("admitted with an Authorization header of another value")
			}
		}
	})
}
