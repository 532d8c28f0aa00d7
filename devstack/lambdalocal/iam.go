package lambdalocal

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// subVarPattern is a ${Name} or ${Resource.Attr} of a !Sub string.
var subVarPattern = regexp.MustCompile(`\$\{([^}!][^}]*)\}`)

// Policy is one function's identity-based policy as template.yaml grants
// it: the statements of its Policies (SAM policy templates expanded) or of
// the AWS::IAM::Role its Role names, every resource resolved to a local ARN.
type Policy struct {
	Function   string
	Statements []Statement
}

// Statement is one IAM policy statement.
type Statement struct {
	Sid       string
	Effect    string // Allow or Deny
	Actions   []string
	Resources []string
}

// Allowed evaluates the policy as IAM does for one identity policy: an
// explicit Deny wins, then any Allow; nothing matching is an implicit deny.
func (p *Policy) Allowed(action, resource string) bool {
	allowed := false
	for _, st := range p.Statements {
		if !st.matches(action, resource) {
			continue
		}
		if st.Effect == "Deny" {
			return false
		}
		allowed = true
	}
	return allowed
}

func (st Statement) matches(action, resource string) bool {
	okAction := false
	for _, a := range st.Actions {
		// Action names are case-insensitive; resources are not.
		if globMatch(strings.ToLower(a), strings.ToLower(action)) {
			okAction = true
			break
		}
	}
	if !okAction {
		return false
	}
	for _, r := range st.Resources {
		if globMatch(r, resource) {
			return true
		}
	}
	return false
}

// globMatch is IAM's wildcard match: * is any run of characters (also /),
// ? one character.
func globMatch(pattern, s string) bool {
	if !strings.ContainsAny(pattern, "*?") {
		return pattern == s
	}
	// IAM's * also spans /, unlike path.Match: split on * instead.
	parts := strings.Split(pattern, "*")
	if !matchQ(parts[0], s, true) {
		return false
	}
	s = s[len(parts[0]):]
	for i := 1; i < len(parts); i++ {
		p := parts[i]
		if i == len(parts)-1 {
			return len(s) >= len(p) && matchQ(p, s[len(s)-len(p):], true)
		}
		found := false
		for j := 0; j+len(p) <= len(s); j++ {
			if matchQ(p, s[j:j+len(p)], true) {
				s = s[j+len(p):]
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// matchQ matches a *-free pattern (with ?) against the start of s (the
// whole of s when exact).
func matchQ(p, s string, prefix bool) bool {
	if len(s) < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] != '?' && p[i] != s[i] {
			return false
		}
	}
	return prefix || len(s) == len(p)
}

// LocalAWS says what the template's intrinsics resolve to locally.
type LocalAWS struct {
	Region, AccountID, Partition string
	// Params are parameter values over the template's defaults.
	Params map[string]string
	// Names are physical names (the Ref value) of resources by logical ID,
	// e.g. Table → open3ds-local; others get their logical ID.
	Names map[string]string
}

func (l LocalAWS) withDefaults() LocalAWS {
	if l.Region == "" {
		l.Region = "us-east-1"
	}
	if l.AccountID == "" {
		l.AccountID = LocalAccountID
	}
	if l.Partition == "" {
		l.Partition = "aws"
	}
	return l
}

// TableARN is the local ARN of a DynamoDB table.
func (l LocalAWS) TableARN(name string) string {
	l = l.withDefaults()
	return "arn:" + l.Partition + ":dynamodb:" + l.Region + ":" + l.AccountID + ":table/" + name
}

// SecretARN is the local ARN of a Secrets Manager secret (with the random
// suffix AWS adds).
func (l LocalAWS) SecretARN(name string) string {
	l = l.withDefaults()
	return "arn:" + l.Partition + ":secretsmanager:" + l.Region + ":" + l.AccountID + ":secret:" + name + "-L0CAL1"
}

// ReadPolicies reads every function's policy from a SAM template's bytes,
// under the parameter values and local names of aws. Functions whose
// Condition does not hold are left out. Anything the local check cannot
// evaluate (an unknown SAM policy template, a managed policy that may grant
// DynamoDB or Secrets Manager, a statement Condition) is an error: the check
// must never be looser than AWS.
func ReadPolicies(b []byte, aws LocalAWS) (map[string]*Policy, error) {
	aws = aws.withDefaults()
	var raw map[string]any
	if err := UnmarshalYAML(b, &raw); err != nil {
		return nil, err
	}
	ev := newEvaluator(raw, aws)
	resources, _ := raw["Resources"].(map[string]any)
	out := map[string]*Policy{}
	var errs []error
	ids := sortedMapKeys(resources)
	for _, id := range ids {
		res, _ := resources[id].(map[string]any)
		if res["Type"] != "AWS::Serverless::Function" {
			continue
		}
		if cond, _ := res["Condition"].(string); cond != "" {
			ok, err := ev.condition(cond)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", id, err))
				continue
			}
			if !ok {
				continue
			}
		}
		props, _ := res["Properties"].(map[string]any)
		p := &Policy{Function: id}
		var err error
		if role, ok := props["Role"]; ok {
			p.Statements, err = ev.roleStatements(role)
		} else {
			p.Statements, err = ev.samPolicies(props["Policies"])
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s policies: %w", id, err))
			continue
		}
		out[id] = p
	}
	return out, errors.Join(errs...)
}

// harmlessManaged are AWS managed policies SAM or the template attach that
// grant nothing on DynamoDB tables or Secrets Manager.
var harmlessManaged = []string{
	"service-role/AWSLambdaBasicExecutionRole",
	"AWSLambdaBasicExecutionRole",
	"AWSXrayWriteOnlyAccess",
	"AWSXRayDaemonWriteAccess",
}

type evaluator struct {
	raw   map[string]any
	aws   LocalAWS
	types map[string]string
}

// noValue is AWS::NoValue: the property (or list element) is removed.
type noValue struct{}

func newEvaluator(raw map[string]any, aws LocalAWS) *evaluator {
	e := &evaluator{raw: raw, aws: aws, types: map[string]string{}}
	resources, _ := raw["Resources"].(map[string]any)
	for id, r := range resources {
		m, _ := r.(map[string]any)
		e.types[id], _ = m["Type"].(string)
	}
	return e
}

func (e *evaluator) param(name string) (string, bool) {
	if v, ok := e.aws.Params[name]; ok {
		return v, true
	}
	params, _ := e.raw["Parameters"].(map[string]any)
	p, ok := params[name].(map[string]any)
	if !ok {
		return "", false
	}
	d, ok := p["Default"]
	if !ok {
		return "", false
	}
	s, ok := literalString(d)
	return s, ok
}

func (e *evaluator) name(id string) string {
	if n, ok := e.aws.Names[id]; ok {
		return n
	}
	return id
}

// ref is what !Ref returns for a parameter, pseudo parameter or resource.
func (e *evaluator) ref(id string) (any, error) {
	switch id {
	case "AWS::Region":
		return e.aws.Region, nil
	case "AWS::AccountId":
		return e.aws.AccountID, nil
	case "AWS::Partition":
		return e.aws.Partition, nil
	case "AWS::URLSuffix":
		return "amazonaws.com", nil
	case "AWS::StackName":
		return "local", nil
	case "AWS::NoValue":
		return noValue{}, nil
	}
	if v, ok := e.param(id); ok {
		return v, nil
	}
	typ, ok := e.types[id]
	if !ok {
		return nil, fmt.Errorf("!Ref %s: no such parameter or resource (or a parameter without a local value)", id)
	}
	if typ == "AWS::SecretsManager::Secret" {
		return e.aws.SecretARN(e.name(id)), nil
	}
	return e.name(id), nil
}

func (e *evaluator) getAtt(id, attr string) (string, error) {
	typ, ok := e.types[id]
	if !ok {
		return "", fmt.Errorf("!GetAtt %s.%s: no such resource", id, attr)
	}
	a := e.aws
	switch {
	case typ == "AWS::DynamoDB::Table" && attr == "Arn":
		return a.TableARN(e.name(id)), nil
	case typ == "AWS::DynamoDB::Table" && attr == "StreamArn":
		return a.TableARN(e.name(id)) + "/stream/local", nil
	case typ == "AWS::SQS::Queue" && attr == "Arn":
		return "arn:" + a.Partition + ":sqs:" + a.Region + ":" + a.AccountID + ":" + e.name(id), nil
	case typ == "AWS::IAM::Role" && attr == "Arn":
		return "arn:" + a.Partition + ":iam::" + a.AccountID + ":role/" + e.name(id), nil
	case typ == "AWS::Serverless::Function" && attr == "Arn":
		return "arn:" + a.Partition + ":lambda:" + a.Region + ":" + a.AccountID + ":function:" + e.name(id), nil
	}
	return "", fmt.Errorf("!GetAtt %s.%s (%s) has no local value", id, attr, typ)
}

func (e *evaluator) condition(name string) (bool, error) {
	conds, _ := e.raw["Conditions"].(map[string]any)
	expr, ok := conds[name]
	if !ok {
		return false, fmt.Errorf("condition %s is not defined", name)
	}
	v, err := e.eval(expr)
	if err != nil {
		return false, fmt.Errorf("condition %s: %w", name, err)
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("condition %s is not boolean", name)
	}
	return b, nil
}

// eval evaluates a value with its intrinsics.
func (e *evaluator) eval(v any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			for k, arg := range x {
				if k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::") {
					return e.intrinsic(k, arg)
				}
			}
		}
		out := make(map[string]any, len(x))
		for k, el := range x {
			r, err := e.eval(el)
			if err != nil {
				return nil, err
			}
			if _, drop := r.(noValue); !drop {
				out[k] = r
			}
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(x))
		for _, el := range x {
			r, err := e.eval(el)
			if err != nil {
				return nil, err
			}
			if _, drop := r.(noValue); !drop {
				out = append(out, r)
			}
		}
		return out, nil
	}
	return v, nil
}

func (e *evaluator) intrinsic(k string, arg any) (any, error) {
	switch k {
	case "Ref":
		name, _ := arg.(string)
		return e.ref(name)
	case "Condition":
		name, _ := arg.(string)
		return e.condition(name)
	case "Fn::GetAtt":
		parts := strList(arg)
		if len(parts) == 1 {
			parts = strings.SplitN(parts[0], ".", 2)
		}
		if len(parts) != 2 {
			return nil, fmt.Errorf("malformed !GetAtt %v", arg)
		}
		return e.getAtt(parts[0], parts[1])
	case "Fn::Sub":
		var tmpl string
		vars := map[string]any{}
		switch a := arg.(type) {
		case string:
			tmpl = a
		case []any:
			if len(a) != 2 {
				return nil, errors.New("malformed !Sub")
			}
			tmpl, _ = a[0].(string)
			m, _ := a[1].(map[string]any)
			for k, v := range m {
				r, err := e.eval(v)
				if err != nil {
					return nil, err
				}
				vars[k] = r
			}
		}
		var errs []error
		out := subVarPattern.ReplaceAllStringFunc(tmpl, func(m string) string {
			name := m[2 : len(m)-1]
			if v, ok := vars[name]; ok {
				return fmt.Sprint(v)
			}
			var r any
			var err error
			if id, attr, ok := strings.Cut(name, "."); ok && !strings.HasPrefix(name, "AWS::") {
				r, err = e.getAtt(id, attr)
			} else {
				r, err = e.ref(name)
			}
			if err != nil {
				errs = append(errs, err)
				return ""
			}
			return fmt.Sprint(r)
		})
		return out, errors.Join(errs...)
	case "Fn::If":
		l, ok := arg.([]any)
		if !ok || len(l) != 3 {
			return nil, errors.New("malformed !If")
		}
		name, _ := l[0].(string)
		b, err := e.condition(name)
		if err != nil {
			return nil, err
		}
		if b {
			return e.eval(l[1])
		}
		return e.eval(l[2])
	case "Fn::Equals":
		l, ok := arg.([]any)
		if !ok || len(l) != 2 {
			return nil, errors.New("malformed !Equals")
		}
		a, err := e.eval(l[0])
		if err != nil {
			return nil, err
		}
		b, err := e.eval(l[1])
		if err != nil {
			return nil, err
		}
		return fmt.Sprint(a) == fmt.Sprint(b), nil
	case "Fn::Not", "Fn::And", "Fn::Or":
		l, ok := arg.([]any)
		if !ok || len(l) == 0 {
			return nil, fmt.Errorf("malformed %s", k)
		}
		var vals []bool
		for _, el := range l {
			r, err := e.eval(el)
			if err != nil {
				return nil, err
			}
			b, ok := r.(bool)
			if !ok {
				return nil, fmt.Errorf("%s of a non-boolean", k)
			}
			vals = append(vals, b)
		}
		switch k {
		case "Fn::Not":
			return !vals[0], nil
		case "Fn::And":
			for _, b := range vals {
				if !b {
					return false, nil
				}
			}
			return true, nil
		default:
			for _, b := range vals {
				if b {
					return true, nil
				}
			}
			return false, nil
		}
	case "Fn::Join":
		l, ok := arg.([]any)
		if !ok || len(l) != 2 {
			return nil, errors.New("malformed !Join")
		}
		sep, _ := l[0].(string)
		items, err := e.eval(l[1])
		if err != nil {
			return nil, err
		}
		return strings.Join(strList(items), sep), nil
	}
	return nil, fmt.Errorf("intrinsic %s is not evaluated locally", k)
}

// samPolicies reads a function's Policies: statements documents, SAM policy
// templates and (harmless) managed policy names.
func (e *evaluator) samPolicies(v any) ([]Statement, error) {
	if v == nil {
		return nil, nil
	}
	items, ok := v.([]any)
	if !ok {
		items = []any{v}
	}
	var out []Statement
	for _, it := range items {
		switch p := it.(type) {
		case string:
			if err := checkManaged(p); err != nil {
				return nil, err
			}
		case map[string]any:
			if st, ok := p["Statement"]; ok {
				sts, err := e.statements(st)
				if err != nil {
					return nil, err
				}
				out = append(out, sts...)
				continue
			}
			if len(p) != 1 {
				return nil, fmt.Errorf("policy %v is neither a document nor a SAM policy template", sortedMapKeys(p))
			}
			for name, args := range p {
				sts, err := e.policyTemplate(name, args)
				if err != nil {
					return nil, err
				}
				out = append(out, sts...)
			}
		default:
			return nil, fmt.Errorf("unsupported policy %T", it)
		}
	}
	return out, nil
}

func checkManaged(arn string) error {
	for _, h := range harmlessManaged {
		if arn == h || strings.HasSuffix(arn, ":policy/"+h) {
			return nil
		}
	}
	return fmt.Errorf("managed policy %s is not understood by the local IAM check (it may grant DynamoDB or Secrets Manager access)", arn)
}

// policyTemplate expands a SAM policy template (the DynamoDB and Secrets
// Manager ones of SAM's policy_templates.json).
func (e *evaluator) policyTemplate(name string, args any) ([]Statement, error) {
	v, err := e.eval(args)
	if err != nil {
		return nil, err
	}
	m, _ := v.(map[string]any)
	arg := func(k string) (string, error) {
		s, ok := m[k].(string)
		if !ok || s == "" {
			return "", fmt.Errorf("%s needs %s", name, k)
		}
		return s, nil
	}
	tableRes := func() ([]string, error) {
		t, err := arg("TableName")
		if err != nil {
			return nil, err
		}
		arn := e.aws.TableARN(t)
		return []string{arn, arn + "/index/*"}, nil
	}
	ddb := func(actions ...string) []string {
		out := make([]string, len(actions))
		for i, a := range actions {
			out[i] = "dynamodb:" + a
		}
		return out
	}
	switch name {
	case "DynamoDBCrudPolicy":
		r, err := tableRes()
		return []Statement{{Sid: name, Effect: "Allow", Resources: r, Actions: ddb("GetItem", "DeleteItem", "PutItem", "Scan", "Query", "UpdateItem", "BatchWriteItem", "BatchGetItem", "DescribeTable", "ConditionCheckItem")}}, err
	case "DynamoDBReadPolicy":
		r, err := tableRes()
		return []Statement{{Sid: name, Effect: "Allow", Resources: r, Actions: ddb("GetItem", "Scan", "Query", "BatchGetItem", "DescribeTable")}}, err
	case "DynamoDBWritePolicy":
		r, err := tableRes()
		return []Statement{{Sid: name, Effect: "Allow", Resources: r, Actions: ddb("PutItem", "UpdateItem", "BatchWriteItem")}}, err
	case "DynamoDBStreamReadPolicy":
		t, err := arg("TableName")
		if err != nil {
			return nil, err
		}
		s, err := arg("StreamName")
		if err != nil {
			return nil, err
		}
		arn := e.aws.TableARN(t)
		return []Statement{
			{Sid: name, Effect: "Allow", Resources: []string{arn + "/stream/" + s}, Actions: ddb("DescribeStream", "GetRecords", "GetShardIterator")},
			{Sid: name, Effect: "Allow", Resources: []string{arn + "/stream/*"}, Actions: ddb("ListStreams")},
		}, nil
	case "AWSSecretsManagerGetSecretValuePolicy":
		s, err := arg("SecretArn")
		return []Statement{{Sid: name, Effect: "Allow", Resources: []string{s}, Actions: []string{"secretsmanager:GetSecretValue"}}}, err
	case "SQSSendMessagePolicy":
		q, err := arg("QueueName")
		a := e.aws
		return []Statement{{Sid: name, Effect: "Allow", Resources: []string{"arn:" + a.Partition + ":sqs:" + a.Region + ":" + a.AccountID + ":" + q}, Actions: []string{"sqs:SendMessage*", "sqs:ChangeMessageVisibility*", "sqs:PurgeQueue", "sqs:ReceiveMessage", "sqs:DeleteMessage*", "sqs:GetQueueAttributes"}}}, err
	}
	return nil, fmt.Errorf("SAM policy template %s is not expanded by the local IAM check", name)
}

var errNotARole = errors.New("the Role property must be !GetAtt <an AWS::IAM::Role of the template>.Arn")

// roleStatements reads the inline policies of the AWS::IAM::Role that
// !GetAtt <Role>.Arn names.
func (e *evaluator) roleStatements(role any) ([]Statement, error) {
	m, ok := role.(map[string]any)
	if !ok || len(m) != 1 || m["Fn::GetAtt"] == nil {
		return nil, errNotARole
	}
	parts := strList(m["Fn::GetAtt"])
	if len(parts) != 2 || parts[1] != "Arn" || e.types[parts[0]] != "AWS::IAM::Role" {
		return nil, errNotARole
	}
	res := e.raw["Resources"].(map[string]any)[parts[0]].(map[string]any)
	props, _ := res["Properties"].(map[string]any)
	managed, err := e.eval(props["ManagedPolicyArns"])
	if err != nil {
		return nil, err
	}
	for _, arn := range strList(managed) {
		if err := checkManaged(arn); err != nil {
			return nil, err
		}
	}
	var out []Statement
	pols, _ := props["Policies"].([]any)
	for _, p := range pols {
		doc, _ := dig(p, "PolicyDocument", "Statement")
		sts, err := e.statements(doc)
		if err != nil {
			return nil, err
		}
		out = append(out, sts...)
	}
	return out, nil
}

func dig(v any, keys ...string) (any, bool) {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		v, ok = m[k]
		if !ok {
			return nil, false
		}
	}
	return v, true
}

func (e *evaluator) statements(v any) ([]Statement, error) {
	ev, err := e.eval(v)
	if err != nil {
		return nil, err
	}
	list, ok := ev.([]any)
	if !ok {
		list = []any{ev}
	}
	var out []Statement
	for _, it := range list {
		m, ok := it.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("statement %v is not a map", it)
		}
		for k := range m {
			switch k {
			case "Sid", "Effect", "Action", "Resource":
			default:
				return nil, fmt.Errorf("statement key %s is not evaluated locally", k)
			}
		}
		st := Statement{Effect: fmt.Sprint(m["Effect"]), Actions: strList(m["Action"]), Resources: strList(m["Resource"])}
		st.Sid, _ = m["Sid"].(string)
		if st.Effect != "Allow" && st.Effect != "Deny" {
			return nil, fmt.Errorf("statement %s: Effect %q", st.Sid, st.Effect)
		}
		if len(st.Actions) == 0 || len(st.Resources) == 0 {
			return nil, fmt.Errorf("statement %s: needs Action and Resource", st.Sid)
		}
		out = append(out, st)
	}
	return out, nil
}

func strList(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			out = append(out, fmt.Sprint(e))
		}
		return out
	case []string:
		return x
	}
	return nil
}

func sortedMapKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
