package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The storage floor of /auth: the DynamoDB round trips AuthFunction makes
// in sequence for one frictionless authentication after a preauth, timed
// against the same DynamoDB Local, at the same concurrency and rate as the
// measured run, right after it. With the flow functions' key cache warm (apigw.CredentialGuard), those
// are (issue 18, two round trips): the conditional UpdateItem that reads the
// transaction and marks the AReq sent in one (dynamostore.Store.ClaimAReq:
// merchant, card hash, state and expiry in the condition, ReturnValues
// ALL_NEW), and the version-checked conditional PutItem of the ARes. The
// merchant profile is cached in process and the card range is read only
// without a preauth. /auth p50 over this floor's p50, and /auth
// server-added minus it (the server's own overhead: Lambda runtime, JSON,
// validation, HTTP), are the figures of BENCHMARKS.md §storage floor.

// Probe items have the sizes of the real ones in the compact layout
// (dynamostore txItem, DynamoDB sizing): ~0.45 KB after the preauth, ~0.75
// KB with the ARes and its sealed CAVV.
const (
	floorPreauthBytes = 450
	floorAResBytes    = 750
)

type floorReport struct {
	Design     string  `json:"design"`
	Iterations int     `json:"iterations"`
	Sequence   summary `json:"sequence"`
	Claim      summary `json:"update_item_claim"`
	PutARes    summary `json:"put_item_ares"`
	// Before is the design replaced in issue 18, timed in the same
	// sequences (right after each new one, on its own item): consistent
	// GetItem + conditional PutItem mark 0.7 KB + conditional PutItem ARes
	// 1.2 KB (the legacy layout's sizes).
	Before summary `json:"before_3_round_trips"`
	// AuthOverFloor is /auth p50 ÷ Sequence p50 (same run).
	AuthOverFloor float64 `json:"auth_p50_over_floor"`
	// OverheadP50 is /auth server-added p50 − Sequence p50, in ms.
	OverheadP50 float64 `json:"server_overhead_p50_ms"`
}

// runFloor runs n probe sequences with the given concurrency and rate.
func runFloor(ctx context.Context, db *dynamodb.Client, table string, n, concurrency int, rate float64) (*floorReport, error) {
	var (
		next                   atomic.Int64
		mu                     sync.Mutex
		seq, claim, ar, before []time.Duration
		firstErr               error
	)
	var tokens <-chan time.Time
	if rate > 0 {
		t := time.NewTicker(time.Duration(float64(time.Second) / rate))
		defer t.Stop()
		tokens = t.C
	}
	pad := func(n int) *types.AttributeValueMemberS {
		return &types.AttributeValueMemberS{Value: strings.Repeat("x", n)}
	}
	var wg sync.WaitGroup
	for w := 0; w < concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(n) || ctx.Err() != nil {
					return
				}
				if tokens != nil {
					select {
					case <-tokens:
					case <-ctx.Done():
						return
					}
				}
				k := map[string]types.AttributeValue{
					"pk": &types.AttributeValueMemberS{Value: "FLOORPROBE#" + strconv.FormatInt(i, 10) + "#" + strconv.FormatInt(time.Now().UnixNano(), 36)},
					"sk": &types.AttributeValueMemberS{Value: "TX"},
				}
				const merchant, panHash = "merchant-floor", "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
				exp := &types.AttributeValueMemberN{Value: strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)}
				item := func(version int, state string, size int) map[string]types.AttributeValue {
					m := map[string]types.AttributeValue{
						"version": &types.AttributeValueMemberN{Value: strconv.Itoa(version)}, "state": &types.AttributeValueMemberS{Value: state},
						"merchantId": &types.AttributeValueMemberS{Value: merchant}, "ph": &types.AttributeValueMemberS{Value: panHash},
						"expiresAt": exp, "body": pad(size),
					}
					for kk, v := range k {
						m[kk] = v
					}
					return m
				}
				// The preauth's item (not timed: /preauth wrote it).
				if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item(1, "preauthenticated", floorPreauthBytes)}); err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
				now := &types.AttributeValueMemberN{Value: strconv.FormatInt(time.Now().Unix(), 10)}
				at := &types.AttributeValueMemberS{Value: time.Now().UTC().Format(time.RFC3339Nano)}
				t0 := time.Now()
				_, err1 := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
					TableName: aws.String(table), Key: k,
					UpdateExpression:    aws.String("SET #ps = #st, #st = :sent, #v = #v + :one, #qa = :at, #ua = :at"),
					ConditionExpression: aws.String("#m = :m AND #e > :now AND #ph = :ph AND #st IN (:s1, :s2, :s3)"),
					ExpressionAttributeNames: map[string]string{"#ps": "ps", "#st": "state", "#v": "version", "#qa": "qa", "#ua": "ua",
						"#m": "merchantId", "#e": "expiresAt", "#ph": "ph"},
					ExpressionAttributeValues: map[string]types.AttributeValue{
						":sent": &types.AttributeValueMemberS{Value: "areq_sent"}, ":one": &types.AttributeValueMemberN{Value: "1"}, ":at": at,
						":m": &types.AttributeValueMemberS{Value: merchant}, ":now": now, ":ph": &types.AttributeValueMemberS{Value: panHash},
						":s1": &types.AttributeValueMemberS{Value: "preauthenticated"}, ":s2": &types.AttributeValueMemberS{Value: "method_pending"},
						":s3": &types.AttributeValueMemberS{Value: "method_completed"},
					},
					ReturnValues: types.ReturnValueAllNew,
				})
				t1 := time.Now()
				_, err2 := db.PutItem(ctx, &dynamodb.PutItemInput{
					TableName: aws.String(table), Item: item(3, "final", floorAResBytes),
					ConditionExpression:       aws.String("#v = :v AND #e > :now"),
					ExpressionAttributeNames:  map[string]string{"#v": "version", "#e": "expiresAt"},
					ExpressionAttributeValues: map[string]types.AttributeValue{":v": &types.AttributeValueMemberN{Value: "2"}, ":now": now},
				})
				t2 := time.Now()
				_, _ = db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: k})

				// The design before (3 round trips), same conditions.
				if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item(1, "preauthenticated", 500)}); err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
				cond := func(v, size int) *dynamodb.PutItemInput {
					return &dynamodb.PutItemInput{
						TableName: aws.String(table), Item: item(v+1, "areq_sent", size),
						ConditionExpression:       aws.String("#v = :v"),
						ExpressionAttributeNames:  map[string]string{"#v": "version"},
						ExpressionAttributeValues: map[string]types.AttributeValue{":v": &types.AttributeValueMemberN{Value: strconv.Itoa(v)}},
					}
				}
				b0 := time.Now()
				_, err3 := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: k, ConsistentRead: aws.Bool(true)})
				if err3 == nil {
					_, err3 = db.PutItem(ctx, cond(1, 700))
				}
				if err3 == nil {
					_, err3 = db.PutItem(ctx, cond(2, 1200))
				}
				b1 := time.Now()
				_, _ = db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: k})
				mu.Lock()
				for _, err := range []error{err1, err2, err3} {
					if err != nil && firstErr == nil {
						firstErr = err
					}
				}
				seq = append(seq, t2.Sub(t0))
				claim = append(claim, t1.Sub(t0))
				ar = append(ar, t2.Sub(t1))
				before = append(before, b1.Sub(b0))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, fmt.Errorf("storage floor probe: %w", firstErr)
	}
	return &floorReport{
		Design:     "conditional UpdateItem ALL_NEW (claim) + conditional PutItem 0.75 KB (ARes), in sequence",
		Iterations: len(seq), Sequence: summarize(seq), Claim: summarize(claim), PutARes: summarize(ar), Before: summarize(before),
	}, nil
}

// relate fills the ratios from the run's /auth figures.
func (f *floorReport) relate(auth, serverAdded summary) {
	if f.Sequence.P50 > 0 {
		f.AuthOverFloor = float64(int(auth.P50/f.Sequence.P50*100+0.5)) / 100
	}
	f.OverheadP50 = float64(int((serverAdded.P50-f.Sequence.P50)*1000+0.5)) / 1000
}

func (f *floorReport) print(w io.Writer) {
	fmt.Fprintf(w, "\nstorage floor of /auth (%s), %d sequences:\n", f.Design, f.Iterations)
	fmt.Fprintf(w, "%-32s %7s %8s %8s %8s %8s %8s\n", "", "n", "mean", "p50", "p90", "p99", "max")
	row := func(name string, s summary) {
		fmt.Fprintf(w, "%-32s %7d %8.2f %8.2f %8.2f %8.2f %8.2f\n", name, s.N, s.Mean, s.P50, s.P90, s.P99, s.Max)
	}
	row("floor: 2 round trips", f.Sequence)
	row("  UpdateItem claim (cond.)", f.Claim)
	row("  PutItem ARes (cond.)", f.PutARes)
	row("before: 3 round trips", f.Before)
	fmt.Fprintf(w, "/auth p50 ÷ floor p50: %.2f×   server overhead (server-added p50 − floor p50): %.2f ms\n", f.AuthOverFloor, f.OverheadP50)
}
