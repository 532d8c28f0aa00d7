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
	var pkgs []string
	for _, name := range []string{"echofn", "authfn", "streamfn"} {
		pkgs = append(pkgs, filepath.Join(src, name))
	}
	bins, err := Build(ctx, BuildConfig{ModuleDir: root, Packages: pkgs, OutDir: out})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	testBins = map[string]string{}
	for pkg, bin := range bins {
		testBins[filepath.Base(pkg)] = bin
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
