package main

import (
	"testing"

	"github.com/open3ds/server/testkit/handlerfuzz"
)

// FuzzHandle feeds /auth arbitrary bodies (seeded from testdata): the
// handler never fails, never panics, never answers 500, and always answers
// a JSON object.
func FuzzHandle(f *testing.F) {
	base := handlerfuzz.Seed(f, "testdata/*.json")
	f.Fuzz(func(t *testing.T, body string, b64 bool) {
		h := newHarness(t)
		ev := base
		ev.Body, ev.IsBase64Encoded = body, b64
		handlerfuzz.RequireSaneAnswer(t, h.h.Handle, ev)
	})
}
