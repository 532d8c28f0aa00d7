package lambdalocal

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// testBins holds the test Lambdas (testdata/functions/*) built once for
// every test: real processes driven through the Runtime API.
var testBins map[string]string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	root, err := ModuleRoot(".")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	out, err := os.MkdirTemp("", "lambdalocal-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(out)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	src, _ := filepath.Rel(root, filepath.Join(mustAbs("."), "testdata", "functions"))
	testBins, err = Build(ctx, BuildConfig{ModuleDir: root, SourceDir: src, OutDir: out, Dirs: []string{"echofn", "authfn", "streamfn"}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

func mustAbs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		panic(err)
	}
	return a
}
