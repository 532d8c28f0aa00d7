package lambdalocal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// StreamsAPI is the part of the DynamoDB Streams client the poller uses.
type StreamsAPI interface {
	DescribeStream(context.Context, *dynamodbstreams.DescribeStreamInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error)
	GetShardIterator(context.Context, *dynamodbstreams.GetShardIteratorInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error)
	GetRecords(context.Context, *dynamodbstreams.GetRecordsInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error)
}

// DescribeTableAPI finds a table's stream.
type DescribeTableAPI interface {
	DescribeTable(context.Context, *dynamodb.DescribeTableInput, ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
}

// LatestStreamARN returns the ARN of the table's current stream.
func LatestStreamARN(ctx context.Context, db DescribeTableAPI, table string) (string, error) {
	out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		return "", fmt.Errorf("describe table %s: %w", table, err)
	}
	if out.Table == nil || out.Table.LatestStreamArn == nil {
		return "", fmt.Errorf("table %s has no stream", table)
	}
	return *out.Table.LatestStreamArn, nil
}

// StreamConfig configures a StreamPoller.
type StreamConfig struct {
	Streams   StreamsAPI
	StreamARN string
	Mapping   StreamEvent // from the template
	Function  Invoker
	// FunctionARN names the function in on-failure records.
	FunctionARN string
	DeadLetters *DeadLetters // nil: failures are only logged
	// PollInterval is the pause after an empty read; default 200 ms.
	PollInterval time.Duration
	// RetryBackoff is the pause before retrying a failed batch; default 500 ms.
	RetryBackoff time.Duration
	Logger       *slog.Logger
}

// StreamStats counts what the poller did.
type StreamStats struct {
	Invocations  int64 // function invocations
	Records      int64 // records delivered successfully
	DeadLettered int64 // records given up on
	Filtered     int64 // records the mapping's FilterCriteria dropped
}

// StreamPoller is a local event source mapping: it reads every shard of a
// DynamoDB stream and invokes the function with events.DynamoDBEvent
// batches, honouring the mapping's BatchSize, ReportBatchItemFailures,
// BisectBatchOnFunctionError and MaximumRetryAttempts, and records batches
// it gives up on like the on-failure destination would.
type StreamPoller struct {
	cfg   StreamConfig
	ready chan struct{}
	once  sync.Once

	invocations, records, deadLettered, filtered atomic.Int64
}

// NewStreamPoller checks the configuration.
func NewStreamPoller(cfg StreamConfig) (*StreamPoller, error) {
	if cfg.Streams == nil || cfg.StreamARN == "" || cfg.Function == nil {
		return nil, errors.New("stream poller needs a streams client, a stream ARN and a function")
	}
	if cfg.Mapping.BatchSize <= 0 {
		cfg.Mapping.BatchSize = 100
	}
	if cfg.Mapping.StartingPosition == "" {
		cfg.Mapping.StartingPosition = "TRIM_HORIZON"
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 200 * time.Millisecond
	}
	if cfg.RetryBackoff <= 0 {
		cfg.RetryBackoff = 500 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &StreamPoller{cfg: cfg, ready: make(chan struct{})}, nil
}

// Ready is closed once the poller holds an iterator on every shard.
func (p *StreamPoller) Ready() <-chan struct{} { return p.ready }

// Stats returns the counters so far.
func (p *StreamPoller) Stats() StreamStats {
	return StreamStats{Invocations: p.invocations.Load(), Records: p.records.Load(), DeadLettered: p.deadLettered.Load(), Filtered: p.filtered.Load()}
}

type shardState struct {
	id       string
	parent   string
	iterator *string
	lastSeq  string
	done     bool
}

// Run polls until ctx is done; it returns ctx.Err() then, or an error if
// the stream cannot be read at all.
func (p *StreamPoller) Run(ctx context.Context) error {
	shards := map[string]*shardState{}
	var order []string
	first := true
	refresh := func() error {
		var start *string
		for {
			out, err := p.cfg.Streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(p.cfg.StreamARN), ExclusiveStartShardId: start})
			if err != nil {
				return fmt.Errorf("describe stream: %w", err)
			}
			for _, sh := range out.StreamDescription.Shards {
				id := aws.ToString(sh.ShardId)
				if _, ok := shards[id]; ok {
					continue
				}
				pos := types.ShardIteratorTypeTrimHorizon
				if first && p.cfg.Mapping.StartingPosition == "LATEST" {
					pos = types.ShardIteratorTypeLatest
				}
				it, err := p.cfg.Streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(p.cfg.StreamARN), ShardId: sh.ShardId, ShardIteratorType: pos})
				if err != nil {
					return fmt.Errorf("shard iterator %s: %w", id, err)
				}
				shards[id] = &shardState{id: id, parent: aws.ToString(sh.ParentShardId), iterator: it.ShardIterator}
				order = append(order, id)
			}
			start = out.StreamDescription.LastEvaluatedShardId
			if start == nil {
				break
			}
		}
		first = false
		return nil
	}
	for {
		err := refresh()
		if err == nil {
			break
		}
		p.cfg.Logger.Warn("stream poller: cannot read stream yet", "error", err.Error())
		if !sleepCtx(ctx, time.Second) {
			return ctx.Err()
		}
	}
	p.once.Do(func() { close(p.ready) })

	lastRefresh := time.Now()
	for ctx.Err() == nil {
		busy := false
		for _, id := range order {
			sh := shards[id]
			if sh.done || sh.iterator == nil {
				continue
			}
			if parent, ok := shards[sh.parent]; ok && !parent.done {
				continue // a parent shard's records come first
			}
			out, err := p.cfg.Streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: sh.iterator, Limit: aws.Int32(int32(min(p.cfg.Mapping.BatchSize, 1000)))})
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				var expired *types.ExpiredIteratorException
				if errors.As(err, &expired) {
					p.reacquire(ctx, sh)
					continue
				}
				p.cfg.Logger.Warn("stream poller: get records", "shard", id, "error", err.Error())
				continue
			}
			if len(out.Records) > 0 {
				busy = true
				p.deliver(ctx, sh.id, out.Records)
				sh.lastSeq = aws.ToString(out.Records[len(out.Records)-1].Dynamodb.SequenceNumber)
			}
			sh.iterator = out.NextShardIterator
			if sh.iterator == nil {
				sh.done = true
			}
		}
		if time.Since(lastRefresh) > 5*time.Second {
			if err := refresh(); err != nil && ctx.Err() == nil {
				p.cfg.Logger.Warn("stream poller: refresh shards", "error", err.Error())
			}
			lastRefresh = time.Now()
		}
		if !busy && !sleepCtx(ctx, p.cfg.PollInterval) {
			break
		}
	}
	return ctx.Err()
}

func (p *StreamPoller) reacquire(ctx context.Context, sh *shardState) {
	in := &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(p.cfg.StreamARN), ShardId: aws.String(sh.id), ShardIteratorType: types.ShardIteratorTypeTrimHorizon}
	if sh.lastSeq != "" {
		in.ShardIteratorType = types.ShardIteratorTypeAfterSequenceNumber
		in.SequenceNumber = aws.String(sh.lastSeq)
	}
	it, err := p.cfg.Streams.GetShardIterator(ctx, in)
	if err != nil {
		p.cfg.Logger.Warn("stream poller: renew iterator", "shard", sh.id, "error", err.Error())
		return
	}
	sh.iterator = it.ShardIterator
}

// deliver hands records to the function in batches until each record has
// succeeded or been given up on; the shard does not advance meanwhile.
func (p *StreamPoller) deliver(ctx context.Context, shardID string, recs []types.Record) {
	batch := make([]events.DynamoDBEventRecord, 0, len(recs))
	for _, r := range recs {
		ev, err := StreamRecordToEvent(r, p.cfg.StreamARN)
		if err != nil {
			p.cfg.Logger.Error("stream poller: unconvertible record skipped", "shard", shardID, "error", err.Error())
			continue
		}
		if len(p.cfg.Mapping.Filters) > 0 {
			b, err := json.Marshal(ev)
			if err != nil || !matchAny(p.cfg.Mapping.Filters, b) {
				p.filtered.Add(1)
				continue // filtered out: processed without an invocation
			}
		}
		batch = append(batch, ev)
	}
	for len(batch) > 0 && ctx.Err() == nil {
		n := min(len(batch), p.cfg.Mapping.BatchSize)
		p.deliverBatch(ctx, shardID, batch[:n])
		batch = batch[n:]
	}
}

func (p *StreamPoller) deliverBatch(ctx context.Context, shardID string, batch []events.DynamoDBEventRecord) {
	attempts := 0
	for len(batch) > 0 && ctx.Err() == nil {
		attempts++
		failedFrom, err := p.invoke(ctx, batch)
		if ctx.Err() != nil {
			return
		}
		if err == nil && failedFrom == len(batch) {
			p.records.Add(int64(len(batch)))
			return
		}
		if err != nil && p.cfg.Mapping.Bisect && len(batch) > 1 {
			// Split and retry each half; bisection does not spend retries.
			p.cfg.Logger.Info("stream poller: bisecting failed batch", "shard", shardID, "size", len(batch), "error", err.Error())
			mid := len(batch) / 2
			p.deliverBatch(ctx, shardID, batch[:mid])
			p.deliverBatch(ctx, shardID, batch[mid:])
			return
		}
		if err == nil {
			// Partial failure: the records before the first failed one are
			// done; retry from it.
			p.records.Add(int64(failedFrom))
			batch = batch[failedFrom:]
		}
		retries := attempts - 1
		if p.cfg.Mapping.MaxRetries >= 0 && retries >= p.cfg.Mapping.MaxRetries {
			p.giveUp(shardID, batch, attempts, err)
			return
		}
		if !sleepCtx(ctx, p.cfg.RetryBackoff) {
			return
		}
	}
}

// invoke returns the index of the first record to retry (len(batch) when
// all succeeded) or the invocation's error.
func (p *StreamPoller) invoke(ctx context.Context, batch []events.DynamoDBEventRecord) (int, error) {
	payload, err := json.Marshal(events.DynamoDBEvent{Records: batch})
	if err != nil {
		return 0, err
	}
	p.invocations.Add(1)
	res, err := p.cfg.Function.Invoke(ctx, payload)
	if err != nil {
		return 0, err
	}
	if !p.cfg.Mapping.ReportBatchItemFailures {
		return len(batch), nil
	}
	var resp events.DynamoDBEventResponse
	if len(res.Payload) == 0 || string(res.Payload) == "null" {
		return len(batch), nil
	}
	if err := json.Unmarshal(res.Payload, &resp); err != nil {
		return 0, nil // an unreadable response fails the whole batch
	}
	first := len(batch)
	for _, f := range resp.BatchItemFailures {
		idx := -1
		for i, r := range batch {
			if r.Change.SequenceNumber == f.ItemIdentifier {
				idx = i
				break
			}
		}
		if idx < 0 {
			return 0, nil // an unknown or empty identifier fails the whole batch
		}
		first = min(first, idx)
	}
	return first, nil
}

// giveUp records the batch like Lambda's on-failure destination message for
// a stream source: metadata about the failed invocation, not the records.
func (p *StreamPoller) giveUp(shardID string, batch []events.DynamoDBEventRecord, attempts int, err error) {
	p.deadLettered.Add(int64(len(batch)))
	fnErr := "Unhandled"
	condition := "RetryAttemptsExhausted"
	if err == nil {
		fnErr = "" // partial batch failure reported by the function
	}
	msg := map[string]any{
		"version":   "1.0",
		"timestamp": time.Now().UTC().Format(time.RFC3339Nano),
		"requestContext": map[string]any{
			"requestId":              newRequestID(),
			"functionArn":            p.cfg.FunctionARN,
			"condition":              condition,
			"approximateInvokeCount": attempts,
		},
		"responseContext": map[string]any{"statusCode": 200, "executedVersion": "$LATEST", "functionError": fnErr},
		"DDBStreamBatchInfo": map[string]any{
			"shardId":                         shardID,
			"startSequenceNumber":             batch[0].Change.SequenceNumber,
			"endSequenceNumber":               batch[len(batch)-1].Change.SequenceNumber,
			"approximateArrivalOfFirstRecord": batch[0].Change.ApproximateCreationDateTime.UTC().Format(time.RFC3339),
			"approximateArrivalOfLastRecord":  batch[len(batch)-1].Change.ApproximateCreationDateTime.UTC().Format(time.RFC3339),
			"batchSize":                       len(batch),
			"streamArn":                       p.cfg.StreamARN,
		},
	}
	reason := "partial batch failure"
	if err != nil {
		reason = err.Error()
	}
	p.cfg.Logger.Warn("stream poller: batch given up after retries", "shard", shardID, "size", len(batch), "attempts", attempts, "error", reason, "destination", p.cfg.Mapping.OnFailure)
	if p.cfg.DeadLetters != nil {
		if derr := p.cfg.DeadLetters.Add(msg); derr != nil {
			p.cfg.Logger.Error("stream poller: cannot record dead letter", "error", derr.Error())
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
