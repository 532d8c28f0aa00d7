// Package tableaudit is the tests' full-table check of the single table
// (a Scan, never shipped: it has no place on a request path). It reads the
// item attributes shared/dynamostore writes (pk, sk, type, expiresAt; see its
// README) and reports card data or secrets in clear and expiring items
// without a TTL.
package tableaudit

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/open3ds/server/shared/dynamostore"
)

// Finding is one problem Audit found in an item.
type Finding struct {
	PK, SK  string
	Type    string
	Problem string // names the rule and attribute, never the offending value
}

// AuditReport is the result of Audit.
type AuditReport struct {
	Items    int
	ByType   map[string]int
	Findings []Finding
}

// ScanAPI is what Audit needs: a Scan.
type ScanAPI interface {
	Scan(context.Context, *dynamodb.ScanInput, ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
}

// Audit scans the whole table and reports every item that
//   - contains any of forbidden (e.g. the test PANs, a webhook secret) in
//     any string or binary attribute, nested ones included;
//   - is of an expiring type (ExpiringTypes) but has no numeric expiresAt;
//   - has no type attribute.
func Audit(ctx context.Context, db ScanAPI, table string, forbidden ...string) (*AuditReport, error) {
	rep := &AuditReport{ByType: map[string]int{}}
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: &table, ConsistentRead: new(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("audit scan: %w", err)
		}
		for _, item := range page.Items {
			rep.Items++
			f := Finding{PK: sOf(item[attrPK]), SK: sOf(item[attrSK]), Type: sOf(item[attrType])}
			rep.ByType[f.Type]++
			add := func(problem string) {
				g := f
				g.Problem = problem
				rep.Findings = append(rep.Findings, g)
			}
			if f.Type == "" {
				add("no type attribute")
			}
			if slices.Contains(dynamostore.ExpiringTypes, f.Type) {
				if n, ok := item[attrExpiresAt].(*types.AttributeValueMemberN); !ok || n.Value == "" || n.Value == "0" {
					add("expiring item without a numeric expiresAt (TTL)")
				}
			}
			for name, v := range item {
				for i, bad := range forbidden {
					if bad != "" && contains(v, bad) {
						add(fmt.Sprintf("attribute %q holds forbidden value #%d", name, i))
					}
				}
			}
		}
	}
	return rep, nil
}

// The attributes of dynamostore's key schema this check reads.
const (
	attrPK        = "pk"
	attrSK        = "sk"
	attrType      = "type"
	attrExpiresAt = "expiresAt"
)

func sOf(v types.AttributeValue) string {
	if s, ok := v.(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

func contains(v types.AttributeValue, needle string) bool {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return strings.Contains(v.Value, needle)
	case *types.AttributeValueMemberB:
		return strings.Contains(string(v.Value), needle)
	case *types.AttributeValueMemberN:
		return strings.Contains(v.Value, needle)
	case *types.AttributeValueMemberSS:
		return slices.ContainsFunc(v.Value, func(s string) bool { return strings.Contains(s, needle) })
	case *types.AttributeValueMemberL:
		return slices.ContainsFunc(v.Value, func(x types.AttributeValue) bool { return contains(x, needle) })
	case *types.AttributeValueMemberM:
		for _, x := range v.Value {
			if contains(x, needle) {
				return true
			}
		}
	}
	return false
}
