package lambdalocal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
)

// BuildConfig says which functions to build and where.
type BuildConfig struct {
	// ModuleDir is the Go module's root (where go.mod is); the go command runs there.
	ModuleDir string
	// Packages are the main packages to build, relative to ModuleDir
	// (functions/preauth, as FunctionSpec.Package has them).
	Packages []string
	// OutDir receives <last element of the package>/bootstrap; default
	// <ModuleDir>/bin/local.
	OutDir string
	// Parallel is the number of concurrent go builds; default 2.
	Parallel int
	Go       string // the go command; default "go"
}

// Build compiles each package into a bootstrap for the host (the same main
// package Lambda runs, with -tags lambda.norpc) and returns the binaries'
// paths by package.
func Build(ctx context.Context, cfg BuildConfig) (map[string]string, error) {
	if cfg.OutDir == "" {
		cfg.OutDir = filepath.Join(cfg.ModuleDir, "bin", "local")
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = 2
	}
	if cfg.Go == "" {
		cfg.Go = "go"
	}
	out := make(map[string]string, len(cfg.Packages))
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
		sem  = make(chan struct{}, cfg.Parallel)
	)
	for _, pkg := range cfg.Packages {
		bin, err := filepath.Abs(filepath.Join(cfg.OutDir, filepath.Base(pkg), "bootstrap"))
		if err != nil {
			return nil, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			cmd := exec.CommandContext(ctx, cfg.Go, "build", "-tags", "lambda.norpc", "-o", bin, "./"+filepath.ToSlash(pkg))
			cmd.Dir = cfg.ModuleDir
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("build %s: %w\n%s", pkg, err, stderr.String()))
				return
			}
			out[pkg] = bin
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// ModuleRoot finds the directory holding go.mod, starting at dir and going up.
func ModuleRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found")
		}
		dir = parent
	}
}
