package lambdalocal

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/stretchr/testify/require"
)

// sink collects the batches streamfn posts.
type sink struct {
	mu      sync.Mutex
	batches []events.DynamoDBEvent
	srv     *httptest.Server
}

func newSink(t *testing.T) *sink {
	s := &sink{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev events.DynamoDBEvent
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &ev); err != nil {
			t.Errorf("sink: %v: %s", err, b)
		}
		s.mu.Lock()
		s.batches = append(s.batches, ev)
		s.mu.Unlock()
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *sink) sizes() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []int
	for _, b := range s.batches {
		out = append(out, len(b.Records))
	}
	return out
}

func (s *sink) all() []events.DynamoDBEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]events.DynamoDBEvent(nil), s.batches...)
}

// fakeStreams is a one-shard, always-open stream over fixed records: the
// unit-test stand-in for DynamoDB Streams (the DynamoDB Local test is in
// stream_ddb_test.go).
type fakeStreams struct{ recs []types.Record }

func (f *fakeStreams) DescribeStream(context.Context, *dynamodbstreams.DescribeStreamInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error) {
	return &dynamodbstreams.DescribeStreamOutput{StreamDescription: &types.StreamDescription{Shards: []types.Shard{{ShardId: aws.String("shard-1")}}}}, nil
}

func (f *fakeStreams) GetShardIterator(context.Context, *dynamodbstreams.GetShardIteratorInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error) {
	return &dynamodbstreams.GetShardIteratorOutput{ShardIterator: aws.String("0")}, nil
}

func (f *fakeStreams) GetRecords(_ context.Context, in *dynamodbstreams.GetRecordsInput, _ ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error) {
	pos, _ := strconv.Atoi(*in.ShardIterator)
	end := min(pos+int(*in.Limit), len(f.recs))
	return &dynamodbstreams.GetRecordsOutput{Records: f.recs[pos:end], NextShardIterator: aws.String(strconv.Itoa(end))}, nil
}

func rec(seq int, img map[string]types.AttributeValue) types.Record {
	return types.Record{
		EventID: aws.String("ev" + strconv.Itoa(seq)), EventName: types.OperationTypeInsert, EventSource: aws.String("aws:dynamodb"),
		EventVersion: aws.String("1.1"), AwsRegion: aws.String("us-east-1"),
		Dynamodb: &types.StreamRecord{
			SequenceNumber: aws.String(strconv.Itoa(100 + seq)), StreamViewType: types.StreamViewTypeNewAndOldImages,
			ApproximateCreationDateTime: aws.Time(time.Unix(1700000000, 0)), SizeBytes: aws.Int64(10),
			Keys: map[string]types.AttributeValue{"pk": img["pk"]}, NewImage: img,
		},
	}
}

func item(pk string, extra ...string) map[string]types.AttributeValue {
	m := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: pk}}
	for _, e := range extra {
		m[e] = &types.AttributeValueMemberBOOL{Value: true}
	}
	return m
}

func runPoller(t *testing.T, mapping StreamEvent, recs []types.Record, wantInvocations int64) (*sink, *StreamPoller, *DeadLetters) {
	t.Helper()
	sk := newSink(t)
	fn, err := NewFunction(FunctionConfig{Name: "stream", Bootstrap: testBins["streamfn"], Env: map[string]string{"SINK_URL": sk.srv.URL}, Timeout: 5 * time.Second, Logs: testLog{t}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = fn.Close() })
	dl := NewDeadLetters("")
	p, err := NewStreamPoller(StreamConfig{
		Streams: &fakeStreams{recs: recs}, StreamARN: "arn:stream", Mapping: mapping, Function: fn, FunctionARN: fn.ARN(),
		DeadLetters: dl, PollInterval: 10 * time.Millisecond, RetryBackoff: time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	require.Eventually(t, func() bool {
		st := p.Stats()
		return st.Invocations >= wantInvocations && st.Records+st.DeadLettered+st.Filtered == int64(len(recs))
	}, 20*time.Second, 10*time.Millisecond)
	time.Sleep(50 * time.Millisecond) // nothing more may arrive
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	return sk, p, dl
}

func TestStreamPollerDeliversConvertedBatches(t *testing.T) {
	img := map[string]types.AttributeValue{
		"pk":   &types.AttributeValueMemberS{Value: "TX#1"},
		"n":    &types.AttributeValueMemberN{Value: "42"},
		"m":    &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"l": &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberSS{Value: []string{"a"}}, &types.AttributeValueMemberNULL{Value: true}}}}},
		"b":    &types.AttributeValueMemberB{Value: []byte{1, 2}},
		"flag": &types.AttributeValueMemberBOOL{Value: false},
	}
	recs := []types.Record{rec(1, img), rec(2, item("TX#2")), rec(3, item("TX#3")), rec(4, item("TX#4")), rec(5, item("TX#5"))}
	mapping := StreamEvent{BatchSize: 4, MaxRetries: 1, ReportBatchItemFailures: true}
	sk, p, dl := runPoller(t, mapping, recs, 2)
	require.Equal(t, []int{4, 1}, sk.sizes(), "BatchSize 4")
	require.Equal(t, StreamStats{Invocations: 2, Records: 5}, p.Stats())
	list, err := dl.List()
	require.NoError(t, err)
	require.Empty(t, list)

	first := sk.all()[0].Records[0]
	require.Equal(t, "INSERT", first.EventName)
	require.Equal(t, "arn:stream", first.EventSourceArn)
	require.Equal(t, "101", first.Change.SequenceNumber)
	require.Equal(t, "TX#1", first.Change.Keys["pk"].String())
	require.Equal(t, "42", first.Change.NewImage["n"].Number())
	require.Equal(t, []byte{1, 2}, first.Change.NewImage["b"].Binary())
	require.False(t, first.Change.NewImage["flag"].Boolean())
	l := first.Change.NewImage["m"].Map()["l"].List()
	require.Equal(t, []string{"a"}, l[0].StringSet())
	require.True(t, l[1].IsNull())
	require.Equal(t, int64(1700000000), first.Change.ApproximateCreationDateTime.Unix())
}

func TestStreamPollerBatchItemFailuresThenDeadLetter(t *testing.T) {
	recs := []types.Record{rec(1, item("a")), rec(2, item("b", "fail")), rec(3, item("c"))}
	mapping := StreamEvent{BatchSize: 10, MaxRetries: 1, ReportBatchItemFailures: true, OnFailure: "Queue"}
	sk, p, dl := runPoller(t, mapping, recs, 2)
	require.Equal(t, []int{3, 2}, sk.sizes(), "retried from the first failed record, once")
	require.Equal(t, StreamStats{Invocations: 2, Records: 1, DeadLettered: 2}, p.Stats())
	list, err := dl.List()
	require.NoError(t, err)
	require.Len(t, list, 1)
	var msg struct {
		RequestContext struct {
			Condition              string `json:"condition"`
			ApproximateInvokeCount int    `json:"approximateInvokeCount"`
		} `json:"requestContext"`
		Batch struct {
			Start     string `json:"startSequenceNumber"`
			End       string `json:"endSequenceNumber"`
			BatchSize int    `json:"batchSize"`
			ShardID   string `json:"shardId"`
		} `json:"DDBStreamBatchInfo"`
	}
	require.NoError(t, json.Unmarshal(list[0], &msg))
	require.Equal(t, "RetryAttemptsExhausted", msg.RequestContext.Condition)
	require.Equal(t, 2, msg.RequestContext.ApproximateInvokeCount)
	require.Equal(t, "102", msg.Batch.Start)
	require.Equal(t, "103", msg.Batch.End)
	require.Equal(t, 2, msg.Batch.BatchSize)
	require.Equal(t, "shard-1", msg.Batch.ShardID)
}

func TestStreamPollerBisectsOnFunctionError(t *testing.T) {
	recs := []types.Record{rec(1, item("a")), rec(2, item("b", "boom")), rec(3, item("c")), rec(4, item("d"))}
	mapping := StreamEvent{BatchSize: 10, MaxRetries: 0, Bisect: true}
	sk, p, dl := runPoller(t, mapping, recs, 5)
	// [a b c d] fails → [a b] fails → [a] ok, [b] fails (no retries) → [c d] ok.
	require.Equal(t, []int{4, 2, 1, 1, 2}, sk.sizes())
	require.Equal(t, StreamStats{Invocations: 5, Records: 3, DeadLettered: 1}, p.Stats())
	list, err := dl.List()
	require.NoError(t, err)
	require.Len(t, list, 1)
}

func TestStreamPollerFilterCriteria(t *testing.T) {
	tx := func(pk, state string) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{
			"pk":    &types.AttributeValueMemberS{Value: pk},
			"type":  &types.AttributeValueMemberS{Value: "transaction"},
			"state": &types.AttributeValueMemberS{Value: state},
		}
	}
	delivery := map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "WEBHOOK#1"}, "type": &types.AttributeValueMemberS{Value: "webhook_delivery"},
		"state": &types.AttributeValueMemberS{Value: "final"},
	}
	recs := []types.Record{rec(1, tx("TX#1", "preauth")), rec(2, tx("TX#1", "final")), rec(3, delivery), rec(4, tx("TX#2", "areq_sent")), rec(5, tx("TX#2", "final"))}
	pattern, err := ParseFilterPattern(`{"dynamodb":{"NewImage":{"type":{"S":["transaction"]},"state":{"S":["final"]}}}}`)
	require.NoError(t, err)
	mapping := StreamEvent{BatchSize: 10, MaxRetries: 1, ReportBatchItemFailures: true, Filters: []FilterPattern{pattern}}
	sk, p, _ := runPoller(t, mapping, recs, 1)
	require.Equal(t, StreamStats{Invocations: 1, Records: 2, Filtered: 3}, p.Stats())
	require.Equal(t, []int{2}, sk.sizes(), "only the two final transactions, in one batch")
	got := sk.all()[0].Records
	require.Equal(t, "102", got[0].Change.SequenceNumber)
	require.Equal(t, "105", got[1].Change.SequenceNumber)
}

func TestFilterPattern(t *testing.T) {
	p, err := ParseFilterPattern(`{"eventName":["INSERT","MODIFY"],"dynamodb":{"NewImage":{"state":{"S":["final"]},"n":{"N":["1"]}}}}`)
	require.NoError(t, err)
	tests := []struct {
		name   string
		record string
		want   bool
	}{
		{"every key matches", `{"eventName":"MODIFY","dynamodb":{"NewImage":{"state":{"S":"final"},"n":{"N":"1"},"other":{"S":"x"}}}}`, true},
		{"value not listed", `{"eventName":"MODIFY","dynamodb":{"NewImage":{"state":{"S":"preauth"},"n":{"N":"1"}}}}`, false},
		{"other event name", `{"eventName":"REMOVE","dynamodb":{"NewImage":{"state":{"S":"final"},"n":{"N":"1"}}}}`, false},
		{"key missing", `{"eventName":"INSERT","dynamodb":{"NewImage":{"state":{"S":"final"}}}}`, false},
		{"wrong type: a string where the pattern wants an object", `{"eventName":"INSERT","dynamodb":"x"}`, false},
		{"not JSON", `{`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, p.Match([]byte(tc.record)))
		})
	}
	for _, bad := range []string{`[]`, `{}`, `{"a":"x"}`, `{"a":[]}`, `{"a":[{"prefix":"x"}]}`, `{"a":{"b":[{"exists":true}]}}`} {
		_, err := ParseFilterPattern(bad)
		require.Error(t, err, bad)
	}
}

func TestDeadLettersFile(t *testing.T) {
	file := t.TempDir() + "/dl.jsonl"
	dl := NewDeadLetters(file)
	require.NoError(t, dl.Add(map[string]int{"a": 1}))
	require.NoError(t, dl.Add(map[string]int{"a": 2}))
	again := NewDeadLetters(file) // survives a restart
	list, err := again.List()
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.JSONEq(t, `{"a":2}`, string(list[1]))

	rr := httptest.NewRecorder()
	again.ServeHTTP(rr, httptest.NewRequest("GET", "/_local/dead-letters", nil))
	require.JSONEq(t, `[{"a":1},{"a":2}]`, rr.Body.String())
}
