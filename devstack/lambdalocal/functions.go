package lambdalocal

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"sort"
	"time"
)

// FunctionsConfig says how to run a template's functions.
type FunctionsConfig struct {
	Template *Template
	// Binaries are the built bootstraps by package (see Build).
	Binaries map[string]string
	// Env is the local environment every function gets on top of the
	// template's literal values: it supplies what the template computes with
	// intrinsics (TABLE_NAME: !Ref Table) and local endpoints.
	Env map[string]string
	// PerFunction adds or overrides variables of one function (logical ID).
	PerFunction map[string]map[string]string
	Region      string
	// Logs returns the writer for a function's output; nil discards it.
	Logs func(logicalID string) io.Writer
	// Timeouts overrides template timeouts (logical ID → timeout), e.g. for tests.
	Timeouts map[string]time.Duration
	// Concurrency is every function's most concurrent execution
	// environments (FunctionConfig.Concurrency; 0 means 1).
	Concurrency int
	// PerFunctionConcurrency overrides Concurrency for some functions.
	PerFunctionConcurrency map[string]int
	// Spread lists the functions whose invocations are spread over their
	// environments (FunctionConfig.Spread).
	Spread map[string]bool
}

// StartFunctions prepares every function of the template (processes start
// on first use or Warm). It fails if a function has no binary.
func StartFunctions(cfg FunctionsConfig) (map[string]*Function, error) {
	out := map[string]*Function{}
	ids := make([]string, 0, len(cfg.Template.Functions))
	for id := range cfg.Template.Functions {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var errs []error
	for _, id := range ids {
		spec := cfg.Template.Functions[id]
		bin, ok := cfg.Binaries[spec.Package]
		if !ok {
			errs = append(errs, fmt.Errorf("function %s: no bootstrap built for %s", id, spec.Package))
			continue
		}
		env := map[string]string{}
		maps.Copy(env, spec.Env)
		maps.Copy(env, cfg.Env)
		maps.Copy(env, cfg.PerFunction[id])
		var logs io.Writer
		if cfg.Logs != nil {
			logs = cfg.Logs(id)
		}
		timeout := spec.Timeout
		if t, ok := cfg.Timeouts[id]; ok {
			timeout = t
		}
		concurrency := cfg.Concurrency
		if n, ok := cfg.PerFunctionConcurrency[id]; ok {
			concurrency = n
		}
		fn, err := NewFunction(FunctionConfig{Name: id, Bootstrap: bin, Env: env, Timeout: timeout, Region: cfg.Region, Logs: logs, Concurrency: concurrency, Spread: cfg.Spread[id]})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out[id] = fn
	}
	if err := errors.Join(errs...); err != nil {
		for _, fn := range out {
			_ = fn.Close()
		}
		return nil, err
	}
	return out, nil
}

// MissingEnv lists, per function, the template variables whose value only
// CloudFormation can compute and that the local Env does not supply.
func MissingEnv(t *Template, env map[string]string, perFunction map[string]map[string]string) map[string][]string {
	out := map[string][]string{}
	for id, spec := range t.Functions {
		for _, k := range spec.Unresolved {
			if _, ok := env[k]; ok {
				continue
			}
			if _, ok := perFunction[id][k]; ok {
				continue
			}
			out[id] = append(out[id], k)
		}
	}
	return out
}

// Invokers converts a map of functions to the gateway's view of them.
func Invokers(fns map[string]*Function) map[string]Invoker {
	out := make(map[string]Invoker, len(fns))
	for k, v := range fns {
		out[k] = v
	}
	return out
}
