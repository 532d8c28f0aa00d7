package stack

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/open3ds/server/devstack/localui"
	"github.com/open3ds/server/shared/dynamostore"
	"github.com/open3ds/server/shared/vault"
)

// startUI mounts the demo checkout and the console (devstack/localui) for
// the first seeded merchant.
func (s *Stack) startUI(v *vault.Vault) {
	m := s.Merchants[0]
	ui := localui.New(localui.Config{
		APIURL: s.URL, APIKey: m.APIKey, MerchantID: m.ID,
		Store:          dynamostore.New(s.ddb.Client(), TableName, dynamostore.Options{Sealer: v}),
		TransactionIDs: s.transactionIDs,
		Exchanges:      s.Sim.Exchanges,
		Webhooks: func() []localui.Webhook {
			var out []localui.Webhook
			for _, h := range s.Webhooks() {
				out = append(out, localui.Webhook{At: h.At, Signature: h.Signature, Body: h.Body})
			}
			return out
		},
		DeadLetters: func() ([]json.RawMessage, error) { return s.dead.List() },
	})
	s.gwMu.Lock()
	s.ui = ui
	s.gwMu.Unlock()
}

func (s *Stack) serveUI(w http.ResponseWriter, r *http.Request) {
	s.gwMu.RLock()
	ui := s.ui
	s.gwMu.RUnlock()
	if ui == nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "starting", "message": "the local stack is still starting"})
		return
	}
	ui.ServeHTTP(w, r)
}

// transactionIDs scans the table for transaction items (the console's
// list; a local table is small).
func (s *Stack) transactionIDs(ctx context.Context) ([]string, error) {
	var ids []string
	in := &dynamodb.ScanInput{
		TableName:                 aws.String(TableName),
		FilterExpression:          aws.String("#t = :t"),
		ProjectionExpression:      aws.String("pk"), // TX#<id> (the compact layout stores no other copy of the ID)
		ExpressionAttributeNames:  map[string]string{"#t": "type"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": &types.AttributeValueMemberS{Value: dynamostore.TypeTransaction}},
	}
	p := dynamodb.NewScanPaginator(s.ddb.Client(), in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, it := range page.Items {
			if v, ok := it["pk"].(*types.AttributeValueMemberS); ok && strings.HasPrefix(v.Value, "TX#") {
				ids = append(ids, strings.TrimPrefix(v.Value, "TX#"))
			}
		}
	}
	return ids, nil
}
