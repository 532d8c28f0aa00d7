package lambdalocal

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Errors of an invocation that did not produce a function result. The
// gateway answers both like API Gateway does for a failed Lambda: 502.
var (
	// ErrCrashed means the function's process exited (or failed its init)
	// before answering; the next invocation starts a fresh process.
	ErrCrashed = errors.New("function process exited before answering")
	// ErrTimeout means the function ran past its timeout and was stopped.
	ErrTimeout = errors.New("function timed out")
	// ErrClosed means the Function was closed.
	ErrClosed = errors.New("function closed")
)

// FunctionError is the error a handler returned (POST …/error): Lambda
// reports it to the caller as a function error with this type and message.
type FunctionError struct {
	Type    string `json:"errorType"`
	Message string `json:"errorMessage"`
}

func (e *FunctionError) Error() string {
	return fmt.Sprintf("function error %s: %s", e.Type, e.Message)
}

// Result is one invocation's outcome.
type Result struct {
	Payload []byte
	// InitDuration is the cold start (process start → first /next) when this
	// invocation had to start a new execution environment; zero when warm.
	InitDuration time.Duration
	Duration     time.Duration
}

// Invoker runs one Lambda invocation synchronously. *Function implements it;
// it returns *FunctionError when the handler failed, ErrCrashed or
// ErrTimeout when the environment did.
type Invoker interface {
	Invoke(ctx context.Context, payload []byte) (*Result, error)
}

// FunctionConfig configures a Function.
type FunctionConfig struct {
	Name      string // function name (AWS_LAMBDA_FUNCTION_NAME)
	Bootstrap string // path of the built bootstrap binary
	Env       map[string]string
	Timeout   time.Duration // 0 means 3 s, Lambda's default
	Region    string        // default us-east-1
	// Concurrency is the most execution environments (processes) the
	// function runs at once, like Lambda scaling out per concurrent request;
	// default 1: invocations queue on one warm environment. Environments
	// start on demand (a cold start when every started one is busy), and a
	// free warm environment is always preferred to a cold one.
	Concurrency int
	// Spread hands each invocation to the free environment that has waited
	// longest instead of the warm one used last, so that consecutive
	// invocations land on different execution environments (each starting
	// cold on first use). Code that keeps state in memory between
	// invocations then fails locally as it would on Lambda.
	Spread bool
	// Logs receives the processes' stdout and stderr; nil discards them.
	Logs io.Writer
}

// Function is one Lambda function: a pool of execution environments, each a
// bootstrap process with its own Runtime API server.
type Function struct {
	cfg   FunctionConfig
	arn   string
	slots chan struct{} // one token per environment in use; capacity Concurrency

	mu         sync.Mutex
	closed     bool
	envs       []*environment
	idle       []*environment // free environments, most recently used last
	coldStarts []time.Duration
}

// NewFunction prepares a function; processes start on first invocation
// (or on Warm).
func NewFunction(cfg FunctionConfig) (*Function, error) {
	if cfg.Name == "" || cfg.Bootstrap == "" {
		return nil, errors.New("function name and bootstrap path are required")
	}
	if _, err := os.Stat(cfg.Bootstrap); err != nil {
		return nil, fmt.Errorf("function %s: %w", cfg.Name, err)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 3 * time.Second
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 1
	}
	if cfg.Logs == nil {
		cfg.Logs = io.Discard
	}
	f := &Function{
		cfg:   cfg,
		arn:   "arn:aws:lambda:" + cfg.Region + ":" + LocalAccountID + ":function:" + cfg.Name,
		slots: make(chan struct{}, cfg.Concurrency),
	}
	for range cfg.Concurrency {
		f.envs = append(f.envs, &environment{fn: f})
	}
	// Taken from the end: envs[0] first, then whichever was used last, so
	// sequential invocations stay on one warm process and cold starts
	// happen only when every started environment is busy.
	for i := len(f.envs) - 1; i >= 0; i-- {
		f.idle = append(f.idle, f.envs[i])
	}
	return f, nil
}

// acquire takes a free execution environment, waiting while all are busy.
// A started one is preferred: the most recently released is warm unless it
// crashed.
func (f *Function) acquire(ctx context.Context) (*environment, error) {
	select {
	case f.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cfg.Spread {
		env := f.idle[0]
		f.idle = f.idle[1:]
		return env, nil
	}
	env := f.idle[len(f.idle)-1]
	f.idle = f.idle[:len(f.idle)-1]
	return env, nil
}

func (f *Function) release(env *environment) {
	f.mu.Lock()
	f.idle = append(f.idle, env)
	f.mu.Unlock()
	<-f.slots
}

// Environments returns the number of execution environments that have a
// running process.
func (f *Function) Environments() int {
	f.mu.Lock()
	envs := f.envs
	f.mu.Unlock()
	n := 0
	for _, e := range envs {
		e.mu.Lock()
		if e.cmd != nil && !isClosedChan(e.exited) {
			n++
		}
		e.mu.Unlock()
	}
	return n
}

// LocalAccountID is the account ID used in ARNs and events locally.
const LocalAccountID = "123456789012"

// Name returns the function's name.
func (f *Function) Name() string { return f.cfg.Name }

// ARN returns the function's local ARN.
func (f *Function) ARN() string { return f.arn }

// ColdStarts returns the init durations (process start → first /next) of
// every execution environment started so far, oldest first.
func (f *Function) ColdStarts() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.coldStarts...)
}

// Warm starts one execution environment and waits until its runtime asks for
// work, so that readiness checks and first requests do not pay the cold
// start.
func (f *Function) Warm(ctx context.Context) error {
	env, err := f.acquire(ctx)
	if err != nil {
		return err
	}
	defer f.release(env)
	if f.isClosed() {
		return ErrClosed
	}
	_, err = env.ensure(ctx)
	return err
}

// Invoke runs one invocation on a free execution environment, starting a
// new process when the environment has none (first use or after a crash or
// timeout).
func (f *Function) Invoke(ctx context.Context, payload []byte) (*Result, error) {
	env, err := f.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer f.release(env)
	if f.isClosed() {
		return nil, ErrClosed
	}
	start := time.Now()
	initDur, err := env.ensure(ctx)
	if err != nil {
		return nil, err
	}
	res, err := env.invoke(ctx, payload)
	if res != nil {
		res.InitDuration = initDur
		res.Duration = time.Since(start) - initDur
	}
	return res, err
}

// Close stops every process of the function.
func (f *Function) Close() error {
	f.mu.Lock()
	f.closed = true
	envs := f.envs
	f.mu.Unlock()
	for _, env := range envs {
		env.stop()
	}
	return nil
}

func (f *Function) isClosed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.closed
}

func (f *Function) recordColdStart(d time.Duration) {
	f.mu.Lock()
	f.coldStarts = append(f.coldStarts, d)
	f.mu.Unlock()
}

// invocation is an event handed to the runtime by /next.
type invocation struct {
	id       string
	payload  []byte
	deadline time.Time
	done     chan outcome // buffered 1
}

type outcome struct {
	payload []byte
	err     error
}

// environment is one execution environment: one bootstrap process and its
// Runtime API server. Only the goroutine holding it from the pool uses it,
// apart from the HTTP handlers and the process watcher.
type environment struct {
	fn *Function

	mu      sync.Mutex
	cmd     *exec.Cmd
	srv     *http.Server
	exited  chan struct{} // closed when the process has exited
	ready   chan struct{} // closed on the first /next
	readyAt time.Time
	next    chan *invocation
	current map[string]*invocation
	initErr *FunctionError
}

// ensure starts the process if needed and waits for its first /next. It
// returns the init duration when it started one.
func (e *environment) ensure(ctx context.Context) (time.Duration, error) {
	e.mu.Lock()
	running := e.cmd != nil && !isClosedChan(e.exited)
	e.mu.Unlock()
	if running {
		return 0, nil
	}
	e.stop()
	start := time.Now()
	if err := e.start(); err != nil {
		return 0, err
	}
	select {
	case <-e.ready:
		d := e.readyAt.Sub(start)
		e.fn.recordColdStart(d)
		return d, nil
	case <-e.exited:
		e.mu.Lock()
		initErr := e.initErr
		e.mu.Unlock()
		e.stop()
		if initErr != nil {
			return 0, fmt.Errorf("%w: init error %s: %s", ErrCrashed, initErr.Type, initErr.Message)
		}
		return 0, fmt.Errorf("%w during init", ErrCrashed)
	case <-time.After(10 * time.Second): // Lambda's init phase limit
		e.stop()
		return 0, fmt.Errorf("%w: init did not finish in 10s", ErrTimeout)
	case <-ctx.Done():
		e.stop()
		return 0, ctx.Err()
	}
}

func (e *environment) start() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("runtime API listener: %w", err)
	}
	e.mu.Lock()
	e.exited = make(chan struct{})
	e.ready = make(chan struct{})
	e.next = make(chan *invocation, 1)
	e.current = map[string]*invocation{}
	e.initErr = nil
	e.srv = &http.Server{Handler: e.runtimeAPI(e.exited, e.ready, e.next), ReadHeaderTimeout: 10 * time.Second}
	srv := e.srv
	e.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()

	cfg := e.fn.cfg
	cmd := exec.Command(cfg.Bootstrap)
	cmd.Env = e.environ(ln.Addr().String())
	cmd.Stdout = cfg.Logs
	cmd.Stderr = cfg.Logs
	cmd.SysProcAttr = childProcAttr()
	if err := cmd.Start(); err != nil {
		_ = srv.Close()
		return fmt.Errorf("start %s: %w", cfg.Name, err)
	}
	e.mu.Lock()
	e.cmd = cmd
	exited := e.exited
	e.mu.Unlock()
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	return nil
}

// environ is the process environment: what Lambda sets, then the
// function's variables. The parent's environment is not inherited (Lambda's
// is not yours either), except PATH, HOME and TMPDIR for tools.
func (e *environment) environ(runtimeAPI string) []string {
	cfg := e.fn.cfg
	vars := map[string]string{
		"PATH":                            os.Getenv("PATH"),
		"HOME":                            os.Getenv("HOME"),
		"TMPDIR":                          os.TempDir(),
		"TZ":                              ":UTC",
		"LANG":                            "en_US.UTF-8",
		"AWS_LAMBDA_RUNTIME_API":          runtimeAPI,
		"AWS_LAMBDA_FUNCTION_NAME":        cfg.Name,
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/" + cfg.Name,
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_REGION":                      cfg.Region,
		"AWS_DEFAULT_REGION":              cfg.Region,
		"AWS_EXECUTION_ENV":               "AWS_Lambda_provided.al2023",
		// Static local credentials: DynamoDB Local needs some, and no
		// real AWS credentials must leak into a local function.
		"AWS_ACCESS_KEY_ID":     "local",
		"AWS_SECRET_ACCESS_KEY": "local",
		"AWS_SESSION_TOKEN":     "",
	}
	for k, v := range cfg.Env {
		vars[k] = v
	}
	out := make([]string, 0, len(vars))
	for k, v := range vars {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

func (e *environment) invoke(ctx context.Context, payload []byte) (*Result, error) {
	timeout := e.fn.cfg.Timeout
	inv := &invocation{id: newRequestID(), payload: payload, deadline: time.Now().Add(timeout), done: make(chan outcome, 1)}
	e.mu.Lock()
	next, exited := e.next, e.exited
	e.current[inv.id] = inv
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		delete(e.current, inv.id)
		e.mu.Unlock()
	}()
	next <- inv // buffered; the runtime's /next picks it up

	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case out := <-inv.done:
		if out.err != nil {
			return nil, out.err
		}
		return &Result{Payload: out.payload}, nil
	case <-exited:
		select { // an answer may have raced the exit
		case out := <-inv.done:
			if out.err == nil {
				e.stop()
				return &Result{Payload: out.payload}, nil
			}
		default:
		}
		e.stop()
		return nil, ErrCrashed
	case <-timer.C:
		// Lambda stops the environment of a timed-out invocation.
		e.stop()
		return nil, fmt.Errorf("%w after %s", ErrTimeout, timeout)
	case <-ctx.Done():
		// The caller gave up (API Gateway's integration timeout): the
		// process may still be busy, so it is replaced.
		e.stop()
		return nil, ctx.Err()
	}
}

// stop kills the process group and the Runtime API server.
func (e *environment) stop() {
	e.mu.Lock()
	cmd, srv, exited := e.cmd, e.srv, e.exited
	e.cmd, e.srv = nil, nil
	e.mu.Unlock()
	if cmd != nil && cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	}
	if srv != nil {
		_ = srv.Close()
	}
}

const runtimePrefix = "/2018-06-01/runtime/"

// runtimeAPI serves the Lambda Runtime API to one process.
func (e *environment) runtimeAPI(exited, ready chan struct{}, next chan *invocation) http.Handler {
	var readyOnce sync.Once
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+runtimePrefix+"invocation/next", func(w http.ResponseWriter, r *http.Request) {
		readyOnce.Do(func() {
			e.mu.Lock()
			e.readyAt = time.Now()
			e.mu.Unlock()
			close(ready)
		})
		select {
		case inv := <-next:
			h := w.Header()
			h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
			h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
			h.Set("Lambda-Runtime-Invoked-Function-Arn", e.fn.arn)
			h.Set("Lambda-Runtime-Trace-Id", "Root=1-"+strconv.FormatInt(time.Now().Unix(), 16)+"-"+newRequestID()[:24]+";Sampled=0")
			h.Set("Content-Type", "application/json")
			_, _ = w.Write(inv.payload)
		case <-exited:
		case <-r.Context().Done():
		}
	})
	answer := func(isErr bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			body, err := io.ReadAll(io.LimitReader(r.Body, 6<<20+1))
			if err != nil {
				http.Error(w, `{"errorMessage":"cannot read body","errorType":"InvalidRequestContent"}`, http.StatusBadRequest)
				return
			}
			e.mu.Lock()
			inv := e.current[r.PathValue("id")]
			e.mu.Unlock()
			if inv == nil {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(`{"errorMessage":"unknown request id","errorType":"InvalidRequestID"}`))
				return
			}
			var out outcome
			switch {
			case isErr:
				fe := &FunctionError{}
				if json.Unmarshal(body, fe) != nil || fe.Type == "" {
					fe.Type = r.Header.Get("Lambda-Runtime-Function-Error-Type")
					if fe.Type == "" {
						fe.Type = "Unhandled"
					}
				}
				out.err = fe
			case len(body) > 6<<20:
				// Lambda's synchronous response limit.
				out.err = &FunctionError{Type: "Function.ResponseSizeTooLarge", Message: "Response payload size exceeded maximum allowed payload size (6291556 bytes)."}
			default:
				out.payload = body
			}
			select {
			case inv.done <- out:
			default:
			}
			w.WriteHeader(http.StatusAccepted)
			_, _ = w.Write([]byte(`{"status":"OK"}`))
		}
	}
	mux.HandleFunc("POST "+runtimePrefix+"invocation/{id}/response", answer(false))
	mux.HandleFunc("POST "+runtimePrefix+"invocation/{id}/error", answer(true))
	mux.HandleFunc("POST "+runtimePrefix+"init/error", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		fe := &FunctionError{}
		if json.Unmarshal(body, fe) != nil || fe.Type == "" {
			fe.Type = r.Header.Get("Lambda-Runtime-Function-Error-Type")
			fe.Message = strings.TrimSpace(string(bytes.ToValidUTF8(body, nil)))
		}
		e.mu.Lock()
		e.initErr = fe
		e.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte(`{"status":"OK"}`))
	})
	return mux
}

func isClosedChan(c chan struct{}) bool {
	if c == nil {
		return true
	}
	select {
	case <-c:
		return true
	default:
		return false
	}
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	s := hex.EncodeToString(b[:])
	return s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}
