package stack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/aws/aws-lambda-go/cfn"

	"github.com/open3ds/server/devstack/lambdalocal"
)

// CustomResourceResult is CloudFormation's view of one custom resource.
type CustomResourceResult struct {
	LogicalID string
	Response  cfn.Response
}

// CreateCustomResources does what CloudFormation does for every
// Custom::* resource of template.yaml when a stack is created: it invokes
// the resource's ServiceToken function with a Create request and waits for
// the answer on the request's ResponseURL. With Config.NoCardRangeLoad the
// stack starts as a fresh deployment does, and this is its deploy-time load.
func (s *Stack) CreateCustomResources(ctx context.Context) ([]CustomResourceResult, error) {
	b, err := os.ReadFile(filepath.Join(s.cfg.ModuleDir, "template.yaml"))
	if err != nil {
		return nil, err
	}
	var raw struct {
		Resources map[string]struct {
			Type       string         `yaml:"Type"`
			Properties map[string]any `yaml:"Properties"`
		} `yaml:"Resources"`
	}
	if err := lambdalocal.UnmarshalYAML(b, &raw); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	answers := make(chan cfn.Response, 1)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		var resp cfn.Response
		if r.Method != http.MethodPut || json.Unmarshal(body, &resp) != nil {
			http.Error(w, "not a custom resource response", http.StatusBadRequest)
			return
		}
		select {
		case answers <- resp:
		default:
		}
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	ids := make([]string, 0, len(raw.Resources))
	for id := range raw.Resources {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var out []CustomResourceResult
	for _, id := range ids {
		res := raw.Resources[id]
		if len(res.Type) < 8 || res.Type[:8] != "Custom::" {
			continue
		}
		tok, _ := res.Properties["ServiceToken"].(map[string]any)
		att, _ := tok["Fn::GetAtt"].([]any)
		if len(att) != 2 || att[1] != "Arn" {
			return out, fmt.Errorf("%s: ServiceToken is not !GetAtt <Function>.Arn", id)
		}
		fnID, _ := att[0].(string)
		fn := s.fns[fnID]
		if fn == nil {
			return out, fmt.Errorf("%s: function %s is not running", id, fnID)
		}
		props := map[string]any{"ServiceToken": fn.ARN()}
		ev := cfn.Event{
			RequestType: cfn.RequestCreate, RequestID: "local-" + id, ResponseURL: "http://" + ln.Addr().String() + "/" + id,
			ResourceType: res.Type, LogicalResourceID: id, StackID: "arn:aws:cloudformation:us-east-1:" + lambdalocal.LocalAccountID + ":stack/local/1",
			ResourceProperties: props,
		}
		payload, _ := json.Marshal(ev)
		if _, err := fn.Invoke(ctx, payload); err != nil {
			return out, fmt.Errorf("%s: %s: %w", id, fnID, err)
		}
		select {
		case resp := <-answers:
			out = append(out, CustomResourceResult{LogicalID: id, Response: resp})
		case <-ctx.Done():
			return out, ctx.Err()
		case <-time.After(5 * time.Second):
			return out, errors.New(id + ": the function returned without answering CloudFormation")
		}
	}
	return out, nil
}
