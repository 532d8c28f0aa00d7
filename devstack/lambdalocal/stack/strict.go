package stack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/open3ds/server/devstack/lambdalocal"
	"github.com/open3ds/server/shared/dynamostore/tabledef"
)

// Local names of what CloudFormation would create.
const (
	simulatorTable  = "dssim-local"
	masterSecret    = "open3ds-local/master"
	rreqSecret      = "open3ds-local/rreq-signing"
	simulatorAPI    = "SimulatorApi"
	simEnvironments = 3
)

// localAWS is how the template's intrinsics resolve in the local stack.
func (s *Stack) localAWS() lambdalocal.LocalAWS {
	l := lambdalocal.LocalAWS{Names: map[string]string{"Table": TableName, "SimulatorTable": simulatorTable, "SandboxRReqSecret": rreqSecret}}
	l.Params = map[string]string{"MasterKeySecretArn": l.SecretARN(masterSecret)}
	return l
}

// ensureRReqKey keeps the sandbox RReq signing key in the state directory,
// shaped like the SandboxRReqSecret that CloudFormation generates.
func ensureRReqKey(dir string) (key []byte, secretString string, err error) {
	file := filepath.Join(dir, "rreq-signing.json")
	var doc struct {
		RReqKey string `json:"rreqKey"`
	}
	if b, err := os.ReadFile(file); err == nil {
		if err := json.Unmarshal(b, &doc); err != nil || len(doc.RReqKey) < 32 {
			return nil, "", fmt.Errorf("%s: not {\"rreqKey\": <at least 32 characters>}", file)
		}
		return []byte(doc.RReqKey), string(b), nil
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, "", err
	}
	doc.RReqKey = hex.EncodeToString(raw[:])
	b, _ := json.Marshal(doc)
	if err := os.WriteFile(file, b, 0o600); err != nil {
		return nil, "", err
	}
	return []byte(doc.RReqKey), string(b), nil
}

// startIAM reads every function's policy from template.yaml and starts the
// IAM checker that the functions' DynamoDB and Secrets Manager calls go
// through: a grant missing from the template fails locally as in AWS.
func (s *Stack) startIAM(masterSecretString, rreqSecretString string) error {
	b, err := os.ReadFile(filepath.Join(s.cfg.ModuleDir, "template.yaml"))
	if err != nil {
		return err
	}
	aws := s.localAWS()
	policies, err := lambdalocal.ReadPolicies(b, aws)
	if err != nil {
		return fmt.Errorf("IAM policies of template.yaml: %w", err)
	}
	upstream := s.DDBEndpoint
	if u := s.cfg.Env["DYNAMODB_ENDPOINT"]; u != "" {
		upstream = u // e.g. loadgen's capacity meter in front of DynamoDB Local
	}
	s.iam, err = lambdalocal.StartIAMChecker(lambdalocal.IAMCheckerConfig{
		Policies: policies, DynamoDB: upstream, AWS: aws,
		Secrets: map[string]string{aws.SecretARN(masterSecret): masterSecretString, aws.SecretARN(rreqSecret): rreqSecretString},
		Logger:  s.logger.With("component", "iam"),
	})
	return err
}

// FunctionDynamoDBEndpoint is the DynamoDB endpoint function fn's calls go
// to (its IAM checker endpoint, then whatever is in front of DynamoDB
// Local): a storage probe timed there takes the function's own path.
func (s *Stack) FunctionDynamoDBEndpoint(fn string) string {
	if s.iam != nil {
		if u := s.iam.Endpoint(fn); u != "" {
			return u
		}
	}
	return s.DDBEndpoint
}

// IAMDenials returns the calls the IAM checker refused (each one an
// AccessDeniedException a function got).
func (s *Stack) IAMDenials() []lambdalocal.Denial {
	if s.iam == nil {
		return nil
	}
	return s.iam.Denials()
}

// SandboxTestCards are the sandbox test-card sets of the local stack: the
// functions' SANDBOX_TEST_CARDS and the simulator's VendorTestCards.
const SandboxTestCards = "3dsecureio,worldpay"

// perFunctionEnv is what each function gets on top of the shared local
// environment: its IAM-checked endpoints, and the template variables only
// CloudFormation computes (secret ARNs, the simulator's table), given only
// to the functions whose template lists them.
func (s *Stack) perFunctionEnv(tpl *lambdalocal.Template, simURL string) map[string]map[string]string {
	aws := s.localAWS()
	computed := map[string]string{
		"SECRETS_ARN":             aws.Params["MasterKeySecretArn"],
		"RREQ_SIGNING_SECRET_ARN": aws.SecretARN(rreqSecret),
		"DSSIM_TABLE":             simulatorTable,
		"SANDBOX_TEST_CARDS":      SandboxTestCards,
		"DSSIM_RREQ_SECRET_ARN":   aws.SecretARN(rreqSecret),
	}
	out := map[string]map[string]string{}
	for id, spec := range tpl.Functions {
		env := map[string]string{}
		maps.Copy(env, s.iam.Env(id))
		for _, name := range spec.Unresolved {
			if v, ok := computed[name]; ok {
				env[name] = v
			}
		}
		if id == simulatorFunction {
			env["DSSIM_PUBLIC_URL"] = simURL
		}
		out[id] = env
	}
	return out
}

// ensureSimulatorTable creates the sandbox simulator's state table from
// template.yaml (SimulatorTable).
func (s *Stack) ensureSimulatorTable(ctx context.Context) error {
	err := tabledef.CreateTableFromTemplate(ctx, s.ddb.Client(), filepath.Join(s.cfg.ModuleDir, "template.yaml"), "SimulatorTable", simulatorTable)
	if err != nil && !tabledef.IsTableExists(err) {
		return err
	}
	return nil
}

// listenSimulator opens the simulator's port (its URL goes into the
// functions' DS_URL before the simulator Lambda starts).
func (s *Stack) listenSimulator() (net.Listener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(s.cfg.SimPort))
	if err != nil {
		return nil, fmt.Errorf("simulator port: %w", err)
	}
	return ln, nil
}

// serveSimulatorLambda serves SimulatorApi (the simulator's {proxy+} route)
// on ln through its own local API Gateway, invoking SimulatorFunction: the
// sandbox deployment's shape, with several execution environments.
func (s *Stack) serveSimulatorLambda(ln net.Listener, tpl *lambdalocal.Template) error {
	simTpl := &lambdalocal.Template{
		Functions: map[string]*lambdalocal.FunctionSpec{simulatorFunction: tpl.Functions[simulatorFunction]},
		APIs:      map[string]*lambdalocal.APISpec{simulatorAPI: tpl.APIs[simulatorAPI]},
	}
	gw, err := lambdalocal.NewGateway(lambdalocal.GatewayConfig{
		Template: simTpl, Functions: lambdalocal.Invokers(map[string]*lambdalocal.Function{simulatorFunction: s.fns[simulatorFunction]}),
		Logger: s.logger.With("component", "simulator-gateway"),
	})
	if err != nil {
		return err
	}
	s.simSrv = &http.Server{Handler: gw, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.simSrv.Serve(ln) }()
	return nil
}

// SimulatorURL is the simulator's base URL, in process or as its Lambda.
func (s *Stack) SimulatorURL() string {
	if s.Sim != nil {
		return s.Sim.URL()
	}
	return s.simURL
}

// Environments is how many execution environments of a function have a
// running process.
func (s *Stack) Environments(logicalID string) int {
	if fn := s.fns[logicalID]; fn != nil {
		return fn.Environments()
	}
	return 0
}

// RReqSigningKey is the sandbox RReq key: the simulator signs its RReqs
// with it and /ds/results refuses RReqs without its signature. A test that
// plays the DS signs with it (testkit/stacktest's PostRReq does).
func (s *Stack) RReqSigningKey() []byte { return append([]byte(nil), s.rreqKey...) }
