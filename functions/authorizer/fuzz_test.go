package main

import (
	"context"
	"testing"
)

// FuzzHandle feeds the authorizer arbitrary credential headers (seeded from
// testdata): it never panics, never allows a request whose headers disagree
// or carry no valid key, and allows only the one valid key's merchant.
func FuzzHandle(f *testing.F) {
	base := fixtureF(f, "bearer.json")
	for _, name := range []string{"bearer.json", "apikey.json", "apikey-lowercase.json", "basic-scheme.json", "unknown.json", "revoked.json",
		"conflict-bearer-apikey.json", "conflict-repeated-apikey.json", "conflict-valid-and-unknown.json", "same-key-twice.json"} {
		ev := fixtureF(f, name)
		auth, key, key2 := "", "", ""
		for k, v := range ev.Headers {
			switch k {
			case "Authorization", "authorization":
				auth = v
			case "APIKey", "apikey", "ApiKey":
				key = v
			}
		}
		for k, vs := range ev.MultiValueHeaders {
			if (k == "APIKey" || k == "apikey") && len(vs) > 1 {
				key2 = vs[1]
			}
		}
		f.Add(auth, key, key2)
	}
	f.Fuzz(func(t *testing.T, auth, key, key2 string) {
		h, _ := newHandler(t, nil)
		ev := base
		ev.Headers = map[string]string{"Content-Type": "application/json"}
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
		resp, err := h.Handle(context.Background(), ev)
		if err != nil {
			if err.Error() != "Unauthorized" {
				t.Fatalf("unexpected authorizer error %v", err)
			}
			return
		}
		if resp.PrincipalID != "merchant-a" {
			t.Fatalf("allowed principal %q", resp.PrincipalID)
		}
		// An Allow needs the valid key, and every credential header that is
		// present must carry exactly it.
		sent := []string{key}
		if key != "" {
			sent = append(sent, key2)
		}
		for _, v := range sent {
			if trimmed(v) != "" && trimmed(v) != validKey {
				t.Fatalf("allowed with an APIKey header of another value")
			}
		}
		if auth != "" && trimmed(auth) != "" && !bearerOf(auth, validKey) {
			t.Fatalf("allowed with an Authorization header of another value")
		}
	})
}
