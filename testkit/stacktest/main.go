package stacktest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/open3ds/server/devstack/lambdalocal"
	"github.com/open3ds/server/devstack/lambdalocal/stack"
)

// startTimeout bounds building and starting a stack (it takes ~20 s).
const startTimeout = 5 * time.Minute

// Suite is the stack one test binary shares; its TestMain calls Run.
type Suite struct {
	// Name prefixes the messages Run prints ("e2e").
	Name string
	// DumpEnv names the variable that, set to anything, prints the captured
	// output when a test failed.
	DumpEnv string
	// Config starts the stack. Run sets Logs to the capture and, when they
	// are nil, Logger to JSON at debug level into the capture and NewStore
	// to stack.DynamoStore.
	Config stack.Config
	// Logs is the capture; nil: a new one.
	Logs *LogBuffer
	// Ready runs once the stack is up, before the tests; an error ends the
	// run with exit code 1.
	Ready func(*stack.Stack) error
}

// Run starts the stack, runs the tests, stops the stack and returns the exit
// code for os.Exit.
func (s Suite) Run(m *testing.M) int {
	if s.Logs == nil {
		s.Logs = &LogBuffer{}
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	stk, err := start(ctx, s.Config, s.Logs)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: the local stack did not start: %v\noutput:\n%s\n", s.Name, err, s.Logs.String())
		return 1
	}
	defer stk.Close()
	if s.Ready != nil {
		if err := s.Ready(stk); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", s.Name, err)
			return 1
		}
	}
	code := m.Run()
	// A call the template does not grant fails the suite even when the
	// function swallowed the AccessDeniedException (as the authorizer's
	// last-use write once did).
	if d := stk.IAMDenials(); len(d) > 0 {
		fmt.Fprintf(os.Stderr, "%s: calls template.yaml does not grant (AccessDenied in AWS):\n%s", s.Name, lambdalocal.DenialsByFunction(d))
		code = 1
	}
	if code != 0 && s.DumpEnv != "" && os.Getenv(s.DumpEnv) != "" {
		fmt.Fprintf(os.Stderr, "stack output:\n%s\n", s.Logs.String())
	}
	return code
}

// Start starts a stack for one test (Config as in Suite), closes it when
// the test ends and then logs the captured output if the test failed.
func Start(t *testing.T, cfg stack.Config) (*stack.Stack, *LogBuffer) {
	t.Helper()
	logs := &LogBuffer{}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	s, err := start(ctx, cfg, logs)
	if err != nil {
		t.Fatalf("the local stack did not start: %v\noutput:\n%s", err, logs.String())
	}
	t.Cleanup(func() {
		if d := s.IAMDenials(); len(d) > 0 {
			t.Errorf("calls template.yaml does not grant (AccessDenied in AWS):\n%s", lambdalocal.DenialsByFunction(d))
		}
		_ = s.Close()
		if t.Failed() {
			t.Logf("stack output:\n%s", logs.String())
		}
	})
	return s, logs
}

func start(ctx context.Context, cfg stack.Config, logs *LogBuffer) (*stack.Stack, error) {
	cfg.Logs = logs
	if cfg.Logger == nil {
		// The stack's and the simulator's own lines go to the same capture:
		// a card-data sweep reads every line anything wrote.
		cfg.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if cfg.NewStore == nil {
		cfg.NewStore = stack.DynamoStore
	}
	s, err := stack.Start(ctx, cfg)
	if err == nil {
		registerRReqKey(s.URL, s.RReqSigningKey())
	}
	return s, err
}
