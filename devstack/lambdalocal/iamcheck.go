package lambdalocal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// IAMCheckerConfig configures an IAMChecker.
type IAMCheckerConfig struct {
	// Policies are the functions' policies (ReadPolicies); each gets its own
	// endpoint, so the checker knows who calls.
	Policies map[string]*Policy
	// DynamoDB is the upstream endpoint (DynamoDB Local, or a proxy in front
	// of it) that allowed DynamoDB calls go to.
	DynamoDB string
	// Secrets are the local Secrets Manager secrets: full ARN → SecretString.
	Secrets map[string]string
	AWS     LocalAWS
	Logger  *slog.Logger
}

// Denial is one call the checker refused.
type Denial struct {
	Function, Action, Resource string
}

// IAMChecker stands where AWS checks a function's role: in front of DynamoDB
// and Secrets Manager. Each function's DYNAMODB_ENDPOINT and
// AWS_ENDPOINT_URL_SECRETS_MANAGER point at its own endpoint; every call is
// matched against that function's policy from template.yaml (actions and
// resources), and refused with AccessDeniedException as AWS would, so a
// missing grant fails locally the way it fails in AWS. Allowed DynamoDB
// calls are forwarded; GetSecretValue is answered from Secrets.
type IAMChecker struct {
	cfg  IAMCheckerConfig
	hc   *http.Client
	srvs []*http.Server
	urls map[string]string

	mu      sync.Mutex
	denials []Denial
}

// StartIAMChecker opens one endpoint per function.
func StartIAMChecker(cfg IAMCheckerConfig) (*IAMChecker, error) {
	if cfg.DynamoDB == "" {
		return nil, errors.New("iam checker: no DynamoDB endpoint")
	}
	cfg.AWS = cfg.AWS.withDefaults()
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	c := &IAMChecker{cfg: cfg, hc: &http.Client{Timeout: 60 * time.Second, Transport: ProxyTransport()}, urls: map[string]string{}}
	for _, fn := range sortedMapKeys(cfg.Policies) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			_ = c.Close()
			return nil, fmt.Errorf("iam checker: %w", err)
		}
		srv := &http.Server{Handler: c.handler(cfg.Policies[fn]), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		c.srvs = append(c.srvs, srv)
		c.urls[fn] = "http://" + ln.Addr().String()
	}
	return c, nil
}

// Endpoint is the function's endpoint ("" for a function without a policy).
func (c *IAMChecker) Endpoint(fn string) string { return c.urls[fn] }

// Env is the environment that routes fn's DynamoDB and Secrets Manager
// calls through the checker.
func (c *IAMChecker) Env(fn string) map[string]string {
	u := c.urls[fn]
	if u == "" {
		return nil
	}
	return map[string]string{"DYNAMODB_ENDPOINT": u, "AWS_ENDPOINT_URL_SECRETS_MANAGER": u}
}

// Denials returns the refused calls so far, oldest first.
func (c *IAMChecker) Denials() []Denial {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Denial(nil), c.denials...)
}

// Close stops every endpoint.
func (c *IAMChecker) Close() error {
	for _, s := range c.srvs {
		_ = s.Close()
	}
	return nil
}

func (c *IAMChecker) handler(p *Policy) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 32<<20))
		if err != nil {
			http.Error(w, "iam checker: read body", http.StatusBadGateway)
			return
		}
		target := r.Header.Get("X-Amz-Target")
		svc, op, _ := strings.Cut(target, ".")
		switch {
		case strings.HasPrefix(svc, "DynamoDB_"):
			c.dynamoDB(w, r, p, op, body)
		case svc == "secretsmanager":
			c.secretsManager(w, p, op, body)
		default:
			writeAWSError(w, "application/x-amz-json-1.0", http.StatusBadRequest, "UnknownOperationException", "the local IAM checker serves DynamoDB and Secrets Manager only, not "+target)
		}
	})
}

// DynamoDBAccess lists the (action, resource) pairs (as Denials without a
// function) a DynamoDB request needs: one per table (or index) for the plain operations, one per item
// for the transactions, as IAM authorizes them.
func DynamoDBAccess(aws LocalAWS, op string, body []byte) ([]Denial, error) {
	var req struct {
		TableName     string                     `json:"TableName"`
		IndexName     string                     `json:"IndexName"`
		RequestItems  map[string]json.RawMessage `json:"RequestItems"`
		TransactItems []map[string]struct {
			TableName string `json:"TableName"`
		} `json:"TransactItems"`
	}
	if len(body) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			return nil, fmt.Errorf("request body: %w", err)
		}
	}
	arn := func(t string) string {
		if strings.HasPrefix(t, "arn:") {
			return t
		}
		return aws.TableARN(t)
	}
	var out []Denial
	add := func(action, resource string) {
		out = append(out, Denial{Action: "dynamodb:" + action, Resource: resource})
	}
	switch op {
	case "BatchGetItem", "BatchWriteItem":
		for _, t := range sortedMapKeys(req.RequestItems) {
			add(op, arn(t))
		}
	case "TransactWriteItems", "TransactGetItems":
		kinds := map[string]string{"ConditionCheck": "ConditionCheckItem", "Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "Get": "GetItem"}
		for _, it := range req.TransactItems {
			for k, v := range it {
				action, ok := kinds[k]
				if !ok {
					return nil, fmt.Errorf("transaction item %s", k)
				}
				add(action, arn(v.TableName))
			}
		}
	case "ListTables", "DescribeLimits", "DescribeEndpoints":
		add(op, "*")
	default:
		if req.TableName == "" {
			return nil, fmt.Errorf("%s without TableName", op)
		}
		res := arn(req.TableName)
		if req.IndexName != "" {
			res += "/index/" + req.IndexName
		}
		add(op, res)
	}
	return out, nil
}

func (c *IAMChecker) dynamoDB(w http.ResponseWriter, r *http.Request, p *Policy, op string, body []byte) {
	const ct = "application/x-amz-json-1.0"
	needs, err := DynamoDBAccess(c.cfg.AWS, op, body)
	if err != nil {
		writeAWSError(w, ct, http.StatusBadRequest, "ValidationException", err.Error())
		return
	}
	for _, n := range needs {
		if !p.Allowed(n.Action, n.Resource) {
			c.deny(w, ct, p.Function, n.Action, n.Resource)
			return
		}
	}
	out, err := http.NewRequestWithContext(r.Context(), r.Method, c.cfg.DynamoDB+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, "iam checker: "+err.Error(), http.StatusBadGateway)
		return
	}
	for k, vs := range r.Header {
		if k != "Content-Length" {
			out.Header[k] = vs
		}
	}
	res, err := c.hc.Do(out)
	if err != nil {
		http.Error(w, "iam checker: "+err.Error(), http.StatusBadGateway)
		return
	}
	defer res.Body.Close()
	for k, vs := range res.Header {
		if k != "Content-Length" {
			w.Header()[k] = vs
		}
	}
	w.WriteHeader(res.StatusCode)
	_, _ = io.Copy(w, res.Body)
}

func (c *IAMChecker) secretsManager(w http.ResponseWriter, p *Policy, op string, body []byte) {
	const ct = "application/x-amz-json-1.1"
	var req struct {
		SecretID string `json:"SecretId"`
	}
	_ = json.Unmarshal(body, &req)
	arn, secret, known := c.findSecret(req.SecretID)
	if !p.Allowed("secretsmanager:"+op, arn) {
		c.deny(w, ct, p.Function, "secretsmanager:"+op, arn)
		return
	}
	if op != "GetSecretValue" {
		writeAWSError(w, ct, http.StatusBadRequest, "InvalidRequestException", "the local Secrets Manager answers GetSecretValue only")
		return
	}
	if !known {
		writeAWSError(w, ct, http.StatusBadRequest, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
		return
	}
	name := arn[strings.Index(arn, ":secret:")+len(":secret:"):]
	if i := strings.LastIndex(name, "-"); i > 0 {
		name = name[:i]
	}
	b, _ := json.Marshal(map[string]any{
		"ARN": arn, "Name": name, "SecretString": secret, "VersionId": "00000000-0000-4000-8000-000000000001",
		"VersionStages": []string{"AWSCURRENT"}, "CreatedDate": 1.7e9,
	})
	w.Header().Set("Content-Type", ct)
	_, _ = w.Write(b)
}

// findSecret resolves a SecretId (full ARN, partial ARN or name) to a
// secret's full ARN. An unknown ID resolves to itself (a name becomes a
// local ARN without the suffix), so the policy decides before "not found",
// as in AWS.
func (c *IAMChecker) findSecret(id string) (arn, value string, ok bool) {
	if v, ok := c.cfg.Secrets[id]; ok {
		return id, v, true
	}
	for _, a := range sortedMapKeys(c.cfg.Secrets) {
		name := a[strings.Index(a, ":secret:")+len(":secret:"):]
		if i := strings.LastIndex(name, "-"); i > 0 && (id == name[:i] || strings.HasSuffix(id, ":secret:"+name[:i])) {
			return a, c.cfg.Secrets[a], true
		}
	}
	if strings.HasPrefix(id, "arn:") {
		return id, "", false
	}
	return strings.TrimSuffix(c.cfg.AWS.SecretARN(id), "-L0CAL1"), "", false
}

func (c *IAMChecker) deny(w http.ResponseWriter, ct, fn, action, resource string) {
	c.mu.Lock()
	c.denials = append(c.denials, Denial{Function: fn, Action: action, Resource: resource})
	c.mu.Unlock()
	c.cfg.Logger.Warn("IAM: access denied (template.yaml does not grant it)", "function", fn, "action", action, "resource", resource)
	a := c.cfg.AWS
	msg := fmt.Sprintf("User: arn:%s:sts::%s:assumed-role/%sRole/%s is not authorized to perform: %s on resource: %s because no identity-based policy allows the %s action",
		a.Partition, a.AccountID, fn, fn, action, resource, action)
	writeAWSError(w, ct, http.StatusBadRequest, "AccessDeniedException", msg)
}

// writeAWSError writes an AWS JSON-protocol error.
func writeAWSError(w http.ResponseWriter, ct string, status int, code, msg string) {
	b, _ := json.Marshal(map[string]string{"__type": "com.amazonaws.local#" + code, "message": msg, "Message": msg})
	w.Header().Set("Content-Type", ct)
	w.Header().Set("X-Amzn-Errortype", code)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// DenialsByFunction groups denials for a readable test failure.
func DenialsByFunction(ds []Denial) string {
	by := map[string][]string{}
	for _, d := range ds {
		by[d.Function] = append(by[d.Function], d.Action+" on "+d.Resource)
	}
	var b strings.Builder
	for _, fn := range sortedMapKeys(by) {
		l := by[fn]
		sort.Strings(l)
		fmt.Fprintf(&b, "%s: %s\n", fn, strings.Join(l, "; "))
	}
	return b.String()
}

// ProxyTransport is the transport of the local proxies in front of DynamoDB
// Local (this checker, loadgen's capacity meter): keep-alive connections
// for as many concurrent calls as the functions make. http.DefaultTransport
// keeps 2 idle connections per host, so under concurrency most forwarded
// calls opened a new TCP connection to DynamoDB Local.
func ProxyTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 512
	t.MaxIdleConnsPerHost = 256
	return t
}
