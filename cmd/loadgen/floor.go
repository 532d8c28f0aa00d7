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
// measured run, right after it. With the authorizer's key cache warm, those
// are: the consistent GetItem of the transaction, the conditional PutItem
// that marks the AReq sent (at most one AReq per transaction), and the
// conditional PutItem of the ARes (version-checked). The merchant profile
// is cached in process and the card range is read only without a preauth.
// /auth p50 over this floor's p50, and /auth server-added minus it (the
// server's own overhead: Lambda runtime, JSON, validation, HTTP), are the
// figures of BENCHMARKS.md §storage floor.

// Probe items have the sizes of the real ones (dynamostore txItem, DynamoDB
// sizing): ~0.7 KB once the AReq is marked sent, ~1.2 KB with the ARes and
// its sealed CAVV.
const (
	floorMarkBytes = 700
	floorAResBytes = 1200
)

type floorReport struct {
	Design     string  `json:"design"`
	Iterations int     `json:"iterations"`
	Sequence   summary `json:"sequence"`
	GetItem    summary `json:"get_item"`
	PutMark    summary `json:"put_item_mark"`
	PutARes    summary `json:"put_item_ares"`
	// AuthOverFloor is /auth p50 ÷ Sequence p50 (same run).
	AuthOverFloor float64 `json:"auth_p50_over_floor"`
	// OverheadP50 is /auth server-added p50 − Sequence p50, in ms.
	OverheadP50 float64 `json:"server_overhead_p50_ms"`
}

// runFloor runs n probe sequences with the given concurrency and rate.
func runFloor(ctx context.Context, db *dynamodb.Client, table string, n, concurrency int, rate float64) (*floorReport, error) {
	var (
		next               atomic.Int64
		mu                 sync.Mutex
		seq, get, mark, ar []time.Duration
		firstErr           error
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
				item := func(version int, size int) map[string]types.AttributeValue {
					m := map[string]types.AttributeValue{"version": &types.AttributeValueMemberN{Value: strconv.Itoa(version)}, "body": pad(size)}
					for kk, v := range k {
						m[kk] = v
					}
					return m
				}
				// The preauth's item (not timed: /preauth wrote it).
				if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item(1, 500)}); err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
				cond := func(v int) *dynamodb.PutItemInput {
					return &dynamodb.PutItemInput{
						TableName: aws.String(table), Item: item(v+1, map[int]int{1: floorMarkBytes, 2: floorAResBytes}[v]),
						ConditionExpression:       aws.String("#v = :v"),
						ExpressionAttributeNames:  map[string]string{"#v": "version"},
						ExpressionAttributeValues: map[string]types.AttributeValue{":v": &types.AttributeValueMemberN{Value: strconv.Itoa(v)}},
					}
				}
				t0 := time.Now()
				_, err1 := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: k, ConsistentRead: aws.Bool(true)})
				t1 := time.Now()
				_, err2 := db.PutItem(ctx, cond(1))
				t2 := time.Now()
				_, err3 := db.PutItem(ctx, cond(2))
				t3 := time.Now()
				_, _ = db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: k})
				mu.Lock()
				for _, err := range []error{err1, err2, err3} {
					if err != nil && firstErr == nil {
						firstErr = err
					}
				}
				seq = append(seq, t3.Sub(t0))
				get = append(get, t1.Sub(t0))
				mark = append(mark, t2.Sub(t1))
				ar = append(ar, t3.Sub(t2))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, fmt.Errorf("storage floor probe: %w", firstErr)
	}
	return &floorReport{
		Design:     "GetItem (consistent) + conditional PutItem 0.7 KB + conditional PutItem 1.2 KB, in sequence",
		Iterations: len(seq), Sequence: summarize(seq), GetItem: summarize(get), PutMark: summarize(mark), PutARes: summarize(ar),
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
	row("floor: 3 round trips", f.Sequence)
	row("  GetItem consistent", f.GetItem)
	row("  PutItem mark (cond.)", f.PutMark)
	row("  PutItem ARes (cond.)", f.PutARes)
	fmt.Fprintf(w, "/auth p50 ÷ floor p50: %.2f×   server overhead (server-added p50 − floor p50): %.2f ms\n", f.AuthOverFloor, f.OverheadP50)
}
