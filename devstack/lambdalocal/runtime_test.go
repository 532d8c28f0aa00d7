package lambdalocal

import (
	"context"
	"encoding/json"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/require"
)

type echoReply struct {
	Event       events.APIGatewayProxyRequest `json:"event"`
	Invocations int                           `json:"invocations"`
	PID         int                           `json:"pid"`
	Greeting    string                        `json:"greeting"`
	Function    string                        `json:"function"`
	RequestID   string                        `json:"requestId"`
	ARN         string                        `json:"arn"`
	HasDeadline bool                          `json:"hasDeadline"`
}

func newEcho(t *testing.T, timeout time.Duration, env map[string]string) *Function {
	t.Helper()
	fn, err := NewFunction(FunctionConfig{Name: "echo", Bootstrap: testBins["echofn"], Env: env, Timeout: timeout, Logs: testLog{t}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = fn.Close() })
	return fn
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) { l.t.Logf("fn: %s", p); return len(p), nil }

func invokeEcho(t *testing.T, fn *Function, path string) (*Result, echoReply, error) {
	t.Helper()
	payload, err := json.Marshal(events.APIGatewayProxyRequest{Path: path, HTTPMethod: "GET"})
	require.NoError(t, err)
	res, err := fn.Invoke(context.Background(), payload)
	if err != nil {
		return res, echoReply{}, err
	}
	var resp events.APIGatewayProxyResponse
	require.NoError(t, json.Unmarshal(res.Payload, &resp))
	var r echoReply
	require.NoError(t, json.Unmarshal([]byte(resp.Body), &r))
	return res, r, nil
}

func TestFunctionInvokeWarmAndCold(t *testing.T) {
	fn := newEcho(t, 2*time.Second, map[string]string{"GREETING": "bonjour"})

	res, r, err := invokeEcho(t, fn, "/a")
	require.NoError(t, err)
	require.Positive(t, res.InitDuration, "first invocation is a cold start")
	require.Equal(t, 1, r.Invocations)
	require.Equal(t, "bonjour", r.Greeting)
	require.Equal(t, "echo", r.Function)
	require.Equal(t, fn.ARN(), r.ARN)
	require.NotEmpty(t, r.RequestID)
	require.True(t, r.HasDeadline)
	require.Equal(t, "/a", r.Event.Path)

	res2, r2, err := invokeEcho(t, fn, "/b")
	require.NoError(t, err)
	require.Zero(t, res2.InitDuration, "second invocation reuses the warm environment")
	require.Equal(t, r.PID, r2.PID)
	require.Equal(t, 2, r2.Invocations)
	require.NotEqual(t, r.RequestID, r2.RequestID)
	require.Len(t, fn.ColdStarts(), 1)
}

func TestFunctionCrashRestarts(t *testing.T) {
	fn := newEcho(t, 2*time.Second, nil)
	_, first, err := invokeEcho(t, fn, "/a")
	require.NoError(t, err)

	_, _, err = invokeEcho(t, fn, "/crash")
	require.ErrorIs(t, err, ErrCrashed)

	res, again, err := invokeEcho(t, fn, "/a")
	require.NoError(t, err)
	require.NotEqual(t, first.PID, again.PID, "a new process after the crash")
	require.Equal(t, 1, again.Invocations)
	require.Positive(t, res.InitDuration)
	require.Len(t, fn.ColdStarts(), 2)
}

func TestFunctionTimeoutStopsEnvironment(t *testing.T) {
	fn := newEcho(t, 300*time.Millisecond, nil)
	_, first, err := invokeEcho(t, fn, "/a")
	require.NoError(t, err)

	_, _, err = invokeEcho(t, fn, "/hang")
	require.ErrorIs(t, err, ErrTimeout)
	require.ErrorIs(t, syscall.Kill(first.PID, 0), syscall.ESRCH, "the timed-out process is gone")

	_, again, err := invokeEcho(t, fn, "/a")
	require.NoError(t, err)
	require.NotEqual(t, first.PID, again.PID)
}

func TestFunctionHandlerError(t *testing.T) {
	fn := newEcho(t, 2*time.Second, nil)
	_, _, err := invokeEcho(t, fn, "/error")
	var fe *FunctionError
	require.True(t, errors.As(err, &fe), "got %v", err)
	require.Equal(t, "echo failed on purpose", fe.Message)
	require.NotEmpty(t, fe.Type)

	_, r, err := invokeEcho(t, fn, "/a")
	require.NoError(t, err)
	require.Equal(t, 2, r.Invocations, "a handler error keeps the environment")
}

func TestFunctionInitFailure(t *testing.T) {
	fn := newEcho(t, 2*time.Second, map[string]string{"ECHO_FAIL_INIT": "1"})
	_, _, err := invokeEcho(t, fn, "/a")
	require.ErrorIs(t, err, ErrCrashed)
	require.ErrorIs(t, fn.Warm(context.Background()), ErrCrashed)
}

func TestFunctionCloseKillsProcess(t *testing.T) {
	fn := newEcho(t, 2*time.Second, nil)
	_, r, err := invokeEcho(t, fn, "/a")
	require.NoError(t, err)
	require.NoError(t, fn.Close())
	require.ErrorIs(t, syscall.Kill(r.PID, 0), syscall.ESRCH)
	_, err = fn.Invoke(context.Background(), []byte(`{}`))
	require.ErrorIs(t, err, ErrClosed)
}

func TestFunctionQueuesOnOneEnvironment(t *testing.T) {
	fn := newEcho(t, 2*time.Second, nil)
	require.NoError(t, fn.Warm(context.Background()))
	errs := make(chan error, 4)
	pids := make(chan int, 4)
	for range 4 {
		go func() {
			_, r, err := invokeEcho(t, fn, "/a")
			errs <- err
			pids <- r.PID
		}()
	}
	seen := map[int]bool{}
	for range 4 {
		require.NoError(t, <-errs)
		seen[<-pids] = true
	}
	require.Len(t, seen, 1, "one execution environment serves them one at a time")
	require.Len(t, fn.ColdStarts(), 1)
}

func TestFunctionScalesOutToConcurrency(t *testing.T) {
	fn, err := NewFunction(FunctionConfig{Name: "echo", Bootstrap: testBins["echofn"], Timeout: 2 * time.Second, Concurrency: 3, Logs: testLog{t}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = fn.Close() })

	// Sequential invocations stay on the first, warm environment.
	for range 3 {
		_, _, err := invokeEcho(t, fn, "/a")
		require.NoError(t, err)
	}
	require.Len(t, fn.ColdStarts(), 1, "no cold start while one environment suffices")
	require.Equal(t, 1, fn.Environments())

	// Five overlapping invocations: three environments, the rest queue.
	const n = 5
	errs := make(chan error, n)
	pids := make(chan int, n)
	for range n {
		go func() {
			_, r, err := invokeEcho(t, fn, "/slow")
			errs <- err
			pids <- r.PID
		}()
	}
	seen := map[int]bool{}
	for range n {
		require.NoError(t, <-errs)
		seen[<-pids] = true
	}
	require.Len(t, seen, 3, "one process per concurrent invocation, up to Concurrency")
	require.Len(t, fn.ColdStarts(), 3)
	require.Equal(t, 3, fn.Environments())

	// Once the burst is over, a warm environment answers again.
	res, _, err := invokeEcho(t, fn, "/a")
	require.NoError(t, err)
	require.Zero(t, res.InitDuration)
	require.Len(t, fn.ColdStarts(), 3)
}

// Spread: sequential invocations go round the environments (not to the warm
// one), so per-process memory is not shared between them.
func TestFunctionSpreadsSequentialInvocations(t *testing.T) {
	fn, err := NewFunction(FunctionConfig{Name: "echo", Bootstrap: testBins["echofn"], Timeout: 2 * time.Second, Logs: testLog{t}, Concurrency: 3, Spread: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = fn.Close() })
	pids := map[int]int{}
	for range 6 {
		_, r, err := invokeEcho(t, fn, "/x")
		require.NoError(t, err)
		pids[r.PID]++
	}
	require.Len(t, pids, 3, "six sequential invocations on three environments")
	for pid, n := range pids {
		require.Equal(t, 2, n, "pid %d", pid)
	}
	require.Len(t, fn.ColdStarts(), 3)
}
