package stack

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/open3ds/server/devstack/ddblocal"
	"github.com/open3ds/server/devstack/lambdalocal"
	"github.com/open3ds/server/shared/dssim"
	"github.com/open3ds/server/shared/dynamostore/tabledef"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/shared/vault"
)

// Defaults of a local run.
const (
	TableName = "open3ds-local"
	// DefaultConcurrency is Config.Concurrency's default: enough that 50
	// concurrent flows do not queue on one process per function, few enough
	// for a laptop (each environment is a process of ≈ 10 MB).
	DefaultConcurrency = 8
	ThreeDSServerRef   = "3DS_LOA_SER_OPEN_020200_00001"
	webhookFunction    = "WebhookFunction"
	cardRangeFunction  = "CardRangesFunction"
	simulatorFunction  = "SimulatorFunction"
)

// Store is what seeding needs from the table: the threeds ports for
// merchants, API keys and card ranges.
type Store interface {
	threeds.MerchantStore
	threeds.APIKeyStore
	threeds.CardRangeStore
}

// Config configures a local stack. The zero value runs on free ports, in
// memory.
type Config struct {
	Port, DDBPort, SimPort int    // 0 picks free ports
	DataDir                string // "" keeps everything in memory
	ModuleDir              string // "" finds go.mod from the working directory

	// APIKeys are the two merchants' keys; "" generates one.
	APIKey, APIKey2 string
	// WebhookURL and WebhookSecret are the first merchant's; "" means the
	// local sink and a generated secret.
	WebhookURL, WebhookSecret string

	// Cardinal is merchant-1's Cardinal credential set; "" generates.
	Cardinal CardinalInfo

	// Env adds or overrides function environment variables (e.g. DS_TIMEOUT).
	Env map[string]string
	// Concurrency is each function's most concurrent execution environments
	// (processes), as Lambda scales out per concurrent request; 0 means
	// DefaultConcurrency. Only the first environment of each function starts
	// with the stack; the others start when requests overlap.
	Concurrency int
	// SimulatorLambda runs the simulator as SimulatorFunction (cmd/dssim
	// through the local Runtime API behind its own gateway, state in the
	// template's SimulatorTable) with several execution environments and
	// invocations spread over them, as the sandbox deployment does; false
	// runs it in process.
	SimulatorLambda bool
	// NoCardRangeLoad skips the startup card-range refresh: the table starts
	// without card ranges, as a fresh deployment's does before
	// CardRangesInitialLoad (see CreateCustomResources).
	NoCardRangeLoad bool
	// NewStore opens the seeding store over the table (dynamostore).
	NewStore func(client *dynamodb.Client, table string, v *vault.Vault) (Store, error)
	// Logs receives the functions' and components' output; nil: os.Stderr.
	Logs   io.Writer
	Logger *slog.Logger
	// UASToken is merchant-1's UAS capability token (make run:
	// THREEDS_UAS_TOKEN); "" generates one.
	UASToken string
}

// MerchantInfo is a seeded merchant as printed.
type MerchantInfo struct {
	ID, Name, APIKey, WebhookURL string
}

// Stack is a running local system.
type Stack struct {
	URL         string // base URL of the local API Gateway
	DDBEndpoint string
	Table       string
	Merchants   []MerchantInfo
	// UASToken and UASBaseURL are merchant-1's UAS capability token and the
	// base URL Hyperswitch's UAS client is given (seed_uas.go).
	UASToken, UASBaseURL string
	Juspay               *JuspayInfo         // merchant-1's Juspay credentials (seed_juspay.go)
	Worldpay             WorldpayCredentials // merchant-1's Worldpay-dialect Basic credentials
	Cardinal             CardinalInfo        // merchant-1's Cardinal credentials
	Sim                  *dssim.Simulator

	cfg       Config
	logger    *slog.Logger
	tpl       *lambdalocal.Template
	ddb       *ddblocal.Instance
	fns       map[string]*lambdalocal.Function
	poller    *lambdalocal.StreamPoller
	dead      *lambdalocal.DeadLetters
	sink      *webhookSink
	srv       *http.Server
	ln        net.Listener
	tmpDir    string
	cancel    context.CancelFunc
	pollDone  chan struct{}
	gwMu      sync.RWMutex
	gw        http.Handler
	iam       *lambdalocal.IAMChecker
	simSrv    *http.Server
	simURL    string
	rreqKey   []byte
	ui        http.Handler // devstack/localui, once seeded
	closeOnce sync.Once

	mu     sync.Mutex
	health map[string]bool
}

// Start brings every part up and returns once GET /health would answer
// 200. On error everything started so far is stopped.
func Start(ctx context.Context, cfg Config) (_ *Stack, err error) {
	if cfg.Logs == nil {
		cfg.Logs = os.Stderr
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(cfg.Logs, nil))
	}
	if cfg.ModuleDir == "" {
		if cfg.ModuleDir, err = lambdalocal.ModuleRoot("."); err != nil {
			return nil, err
		}
	}
	s := &Stack{cfg: cfg, logger: cfg.Logger, Table: TableName, health: map[string]bool{}, pollDone: make(chan struct{})}
	defer func() {
		if err != nil {
			_ = s.Close()
		}
	}()
	runCtx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel

	tpl, err := lambdalocal.ReadTemplate(filepath.Join(cfg.ModuleDir, "template.yaml"))
	if err != nil {
		return nil, err
	}
	// The simulator runs in process, or as its Lambda (Config.SimulatorLambda).
	s.tpl = tpl
	if !cfg.SimulatorLambda {
		s.tpl = tpl.Without(simulatorFunction)
	}

	stateDir := cfg.DataDir
	if stateDir == "" {
		if s.tmpDir, err = os.MkdirTemp("", "open3ds-local-"); err != nil {
			return nil, err
		}
		stateDir = s.tmpDir
	} else if err = os.MkdirAll(filepath.Join(stateDir, "dynamodb"), 0o700); err != nil {
		return nil, err
	}
	masterKey, masterSecretString, err := ensureSecrets(stateDir)
	if err != nil {
		return nil, err
	}
	rreqKey, rreqSecretString, err := ensureRReqKey(stateDir)
	if err != nil {
		return nil, err
	}
	s.rreqKey = rreqKey
	v, err := vault.New(masterKey)
	if err != nil {
		return nil, err
	}
	if cfg.DataDir != "" {
		s.dead = lambdalocal.NewDeadLetters(filepath.Join(cfg.DataDir, "dead-letters.jsonl"))
	} else {
		s.dead = lambdalocal.NewDeadLetters("")
	}

	// The gateway's port first: its URL goes into the functions' environment,
	// and /health answers 503 while the rest starts.
	s.ln, err = net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(cfg.Port))
	if err != nil {
		return nil, fmt.Errorf("gateway port: %w", err)
	}
	s.URL = "http://" + s.ln.Addr().String()
	s.sink = newWebhookSink()
	s.srv = &http.Server{Handler: s.handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(s.ln) }()

	// DynamoDB Local's JVM start and the go builds overlap.
	type built struct {
		bins map[string]string
		err  error
	}
	buildDone := make(chan built, 1)
	go func() {
		pkgs := map[string]bool{}
		for _, fn := range s.tpl.Functions {
			pkgs[fn.Package] = true
		}
		list := make([]string, 0, len(pkgs))
		for p := range pkgs {
			list = append(list, p)
		}
		sort.Strings(list)
		s.logger.Info("building functions for the host", "packages", list)
		bins, err := lambdalocal.Build(ctx, lambdalocal.BuildConfig{ModuleDir: cfg.ModuleDir, Packages: list, Parallel: 2})
		buildDone <- built{bins, err}
	}()

	opts := ddblocal.Options{Port: cfg.DDBPort, Dir: cfg.ModuleDir}
	if cfg.DataDir != "" {
		opts.DBPath = filepath.Join(cfg.DataDir, "dynamodb")
	}
	if s.ddb, err = ddblocal.Start(ctx, opts); err != nil {
		<-buildDone
		return nil, fmt.Errorf("DynamoDB Local: %w", err)
	}
	s.DDBEndpoint = s.ddb.Endpoint()
	if err = s.ensureTable(ctx); err != nil {
		<-buildDone
		return nil, err
	}
	s.setHealth("dynamodb", true)
	if err = s.startIAM(masterSecretString, rreqSecretString); err != nil {
		<-buildDone
		return nil, err
	}

	var simLn net.Listener
	if cfg.SimulatorLambda {
		if err = s.ensureSimulatorTable(ctx); err == nil {
			simLn, err = s.listenSimulator()
		}
		if err != nil {
			<-buildDone
			return nil, err
		}
		s.simURL = "http://" + simLn.Addr().String()
	} else {
		s.Sim, err = dssim.New(dssim.Config{Addr: "127.0.0.1:" + strconv.Itoa(cfg.SimPort), RReqSigningKey: rreqKey, Logger: s.logger.With("component", "dssim"),
			VendorTestCards: strings.Split(SandboxTestCards, ",")})
		if err == nil {
			err = s.Sim.Start()
		}
		if err != nil {
			<-buildDone
			return nil, fmt.Errorf("simulator: %w", err)
		}
		s.simURL = s.Sim.URL()
		s.setHealth("simulator", true)
	}

	b := <-buildDone
	if b.err != nil {
		return nil, b.err
	}
	env := map[string]string{
		"TABLE_NAME":                TableName,
		"DYNAMODB_ENDPOINT":         s.DDBEndpoint,
		"PUBLIC_BASE_URL":           s.URL,
		"RESULTS_URL":               s.URL + "/ds/results",
		"DS_URL":                    s.simURL + "/ds",
		"THREEDS_SERVER_REF_NUMBER": ThreeDSServerRef,
		// Like the sandbox: 2.1.0 stays enabled so its test card works.
		"VERSIONS_ENABLED": "2.1.0,2.2.0,2.3.1",
	}
	for k, v := range cfg.Env {
		env[k] = v
	}
	perFunction := s.perFunctionEnv(s.tpl, s.simURL)
	if missing := lambdalocal.MissingEnv(s.tpl, env, perFunction); len(missing) > 0 {
		s.logger.Debug("template variables left unset locally", "variables", missing)
	}
	concurrency := cfg.Concurrency
	if concurrency <= 0 {
		concurrency = DefaultConcurrency
	}
	s.fns, err = lambdalocal.StartFunctions(lambdalocal.FunctionsConfig{
		Template: s.tpl, Binaries: b.bins, Env: env, PerFunction: perFunction, Concurrency: concurrency,
		PerFunctionConcurrency: map[string]int{simulatorFunction: simEnvironments}, Spread: map[string]bool{simulatorFunction: true},
		Logs: func(id string) io.Writer { return &prefixWriter{prefix: "[" + id + "] ", w: cfg.Logs} },
	})
	if err != nil {
		return nil, err
	}
	if err = s.warmAll(ctx); err != nil {
		return nil, err
	}
	if cfg.SimulatorLambda {
		if err = s.serveSimulatorLambda(simLn, s.tpl); err != nil {
			return nil, err
		}
		s.setHealth("simulator", true)
	}
	gw, err := lambdalocal.NewGateway(lambdalocal.GatewayConfig{Template: s.tpl.Without(simulatorFunction), Functions: lambdalocal.Invokers(s.fns), Logger: s.logger.With("component", "gateway")})
	if err != nil {
		return nil, err
	}
	s.gwMu.Lock()
	s.gw = gw
	s.gwMu.Unlock()

	if err = s.seed(ctx, v); err != nil {
		return nil, err
	}
	if err = s.seedCardinal(ctx, v); err != nil {
		return nil, err
	}
	s.startUI(v)
	if err = s.startPoller(ctx, runCtx); err != nil {
		return nil, err
	}
	return s, nil
}

// ensureSecrets keeps the master key in the state directory; it returns the
// key and the secret's value (what the local Secrets Manager serves).
func ensureSecrets(dir string) ([]byte, string, error) {
	file := filepath.Join(dir, "secrets.json")
	var doc struct {
		MasterKey string `json:"masterKey"`
	}
	if b, err := os.ReadFile(file); err == nil {
		if err := json.Unmarshal(b, &doc); err != nil {
			return nil, "", fmt.Errorf("%s: %w", file, err)
		}
		key, err := vault.ParseMasterKey(doc.MasterKey)
		return key, string(b), err
	}
	key := make([]byte, vault.KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, "", err
	}
	doc.MasterKey = base64.StdEncoding.EncodeToString(key)
	b, _ := json.Marshal(doc)
	if err := os.WriteFile(file, b, 0o600); err != nil {
		return nil, "", err
	}
	return key, string(b), nil
}

func (s *Stack) ensureTable(ctx context.Context) error {
	db := s.ddb.Client()
	if _, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(TableName)}); err == nil {
		return nil // kept from an earlier run (DATA=dir)
	}
	logical := tabledef.TableLogicalID
	if hook := s.tpl.Functions[webhookFunction]; hook != nil && len(hook.Streams) > 0 {
		logical = hook.Streams[0].Table
	}
	err := tabledef.CreateTableFromTemplate(ctx, db, filepath.Join(s.cfg.ModuleDir, "template.yaml"), logical, TableName)
	if err != nil && !tabledef.IsTableExists(err) {
		return err
	}
	return nil
}

// warmAll starts every function's first execution environment (two at a
// time: the machine has few cores), so /health means every function is up.
func (s *Stack) warmAll(ctx context.Context) error {
	ids := make([]string, 0, len(s.fns))
	for id := range s.fns {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		sem  = make(chan struct{}, 2)
	)
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if err := s.fns[id].Warm(ctx); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("function %s did not start: %w (see its output above)", id, err))
				mu.Unlock()
				return
			}
			s.setHealth(id, true)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (s *Stack) startPoller(ctx, runCtx context.Context) error {
	hook := s.fns[webhookFunction]
	spec := s.tpl.Functions[webhookFunction]
	if hook == nil || spec == nil || len(spec.Streams) == 0 {
		close(s.pollDone)
		return errors.New("template has no WebhookFunction with a DynamoDB stream event")
	}
	arn, err := lambdalocal.LatestStreamARN(ctx, s.ddb.Client(), TableName)
	if err != nil {
		close(s.pollDone)
		return err
	}
	streams := dynamodbstreams.New(dynamodbstreams.Options{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""), BaseEndpoint: aws.String(s.DDBEndpoint)})
	s.poller, err = lambdalocal.NewStreamPoller(lambdalocal.StreamConfig{
		Streams: streams, StreamARN: arn, Mapping: spec.Streams[0], Function: hook, FunctionARN: hook.ARN(),
		DeadLetters: s.dead, Logger: s.logger.With("component", "stream"),
	})
	if err != nil {
		close(s.pollDone)
		return err
	}
	go func() {
		defer close(s.pollDone)
		_ = s.poller.Run(runCtx)
	}()
	select {
	case <-s.poller.Ready():
		s.setHealth("stream", true)
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(30 * time.Second):
		return errors.New("stream poller did not become ready")
	}
}

func (s *Stack) setHealth(part string, up bool) {
	s.mu.Lock()
	s.health[part] = up
	s.mu.Unlock()
}

// Healthy reports whether every part is up.
func (s *Stack) Healthy() (bool, map[string]bool) {
	s.mu.Lock()
	parts := map[string]bool{}
	for k, v := range s.health {
		parts[k] = v
	}
	s.mu.Unlock()
	if s.ddb != nil {
		select {
		case <-s.ddb.Exited():
			parts["dynamodb"] = false
		default:
		}
	}
	ok := parts["dynamodb"] && parts["simulator"] && parts["stream"] && len(s.fns) > 0
	for id := range s.fns {
		ok = ok && parts[id]
	}
	return ok, parts
}

// AuthorizerStats returns the local gateway's authorizer counts
// (invocations, cached answers); zero before the gateway is up.
func (s *Stack) AuthorizerStats() lambdalocal.AuthorizerStats {
	s.gwMu.RLock()
	defer s.gwMu.RUnlock()
	if g, ok := s.gw.(*lambdalocal.Gateway); ok {
		return g.AuthorizerStats()
	}
	return lambdalocal.AuthorizerStats{}
}

// GatewayInvocations returns the local gateway's Lambda invocations by
// function logical ID (lambdalocal.Gateway.Invocations); nil before the
// gateway is up.
func (s *Stack) GatewayInvocations() map[string]int64 {
	s.gwMu.RLock()
	defer s.gwMu.RUnlock()
	if g, ok := s.gw.(*lambdalocal.Gateway); ok {
		return g.Invocations()
	}
	return nil
}

// StreamStats returns the stream poller's counts (invocations, records
// delivered, dead-lettered, filtered out).
func (s *Stack) StreamStats() lambdalocal.StreamStats {
	if s.poller == nil {
		return lambdalocal.StreamStats{}
	}
	return s.poller.Stats()
}

// Webhooks returns the events the local sink received, oldest first.
func (s *Stack) Webhooks() []ReceivedWebhook { return s.sink.list() }

// DeadLetters returns the on-failure records of the stream mapping.
func (s *Stack) DeadLetters() ([]json.RawMessage, error) { return s.dead.List() }

// Close stops everything Start started: the HTTP server, the poller, every
// function process, the simulator and DynamoDB Local.
func (s *Stack) Close() error {
	s.closeOnce.Do(func() {
		if s.srv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			_ = s.srv.Shutdown(ctx)
			cancel()
		}
		if s.cancel != nil {
			s.cancel()
		}
		if s.poller != nil {
			<-s.pollDone
		}
		for _, fn := range s.fns {
			_ = fn.Close()
		}
		if s.Sim != nil {
			_ = s.Sim.Close()
		}
		if s.simSrv != nil {
			_ = s.simSrv.Close()
		}
		if s.iam != nil {
			_ = s.iam.Close()
		}
		if s.ddb != nil {
			_ = s.ddb.Stop()
		}
		if s.tmpDir != "" {
			_ = os.RemoveAll(s.tmpDir)
		}
	})
	return nil
}

// prefixWriter prefixes each line of a function's output with its name.
type prefixWriter struct {
	mu     sync.Mutex
	prefix string
	w      io.Writer
	buf    []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = append(p.buf, b...)
	for {
		i := indexByte(p.buf, '\n')
		if i < 0 {
			break
		}
		line := append([]byte(p.prefix), p.buf[:i+1]...)
		p.buf = p.buf[i+1:]
		if _, err := p.w.Write(line); err != nil {
			return len(b), nil //nolint:nilerr // losing a log line must not break the function
		}
	}
	return len(b), nil
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}
