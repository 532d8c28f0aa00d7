package lambdalocal

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/open3ds/server/devstack/ddblocal"
	"github.com/open3ds/server/shared/dynamostore/tabledef"
	"github.com/stretchr/testify/require"
)

// The poller against a real DynamoDB Local stream, with the table and the
// mapping both read from the test template, into the real streamfn process.
func TestStreamPollerDynamoDBLocal(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	inst, err := ddblocal.Start(ctx, ddblocal.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = inst.Stop() })
	db := inst.Client()
	require.NoError(t, tabledef.CreateTableFromTemplate(ctx, db, "testdata/template.yaml", "Table", "stream-test"))

	tpl, err := ReadTemplate("testdata/template.yaml")
	require.NoError(t, err)
	mapping := tpl.Functions["StreamFunction"].Streams[0]
	require.Equal(t, "Table", mapping.Table)

	sk := newSink(t)
	fn, err := NewFunction(FunctionConfig{Name: "StreamFunction", Bootstrap: testBins["streamfn"], Env: map[string]string{"SINK_URL": sk.srv.URL}, Logs: testLog{t}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = fn.Close() })

	streamARN, err := LatestStreamARN(ctx, db, "stream-test")
	require.NoError(t, err)
	streams := dynamodbstreams.New(dynamodbstreams.Options{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""), BaseEndpoint: aws.String(inst.Endpoint())})
	dl := NewDeadLetters("")
	p, err := NewStreamPoller(StreamConfig{Streams: streams, StreamARN: streamARN, Mapping: mapping, Function: fn, FunctionARN: fn.ARN(),
		DeadLetters: dl, PollInterval: 20 * time.Millisecond, RetryBackoff: time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- p.Run(runCtx) }()
	defer func() { stop(); <-done }()
	select {
	case <-p.Ready():
	case <-time.After(30 * time.Second):
		t.Fatal("poller not ready")
	}

	put := func(pk string, fail bool) {
		_, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("stream-test"), Item: map[string]dbtypes.AttributeValue{
			"pk": &dbtypes.AttributeValueMemberS{Value: pk}, "fail": &dbtypes.AttributeValueMemberBOOL{Value: fail},
			"n": &dbtypes.AttributeValueMemberN{Value: "7"},
		}})
		require.NoError(t, err)
	}
	put("a", false)
	put("b", true) // reported as a batch item failure on every attempt
	put("c", false)
	_, err = db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("stream-test"),
		Key:              map[string]dbtypes.AttributeValue{"pk": &dbtypes.AttributeValueMemberS{Value: "a"}},
		UpdateExpression: aws.String("SET n = :n"), ExpressionAttributeValues: map[string]dbtypes.AttributeValue{":n": &dbtypes.AttributeValueMemberN{Value: "8"}}})
	require.NoError(t, err)

	require.Eventually(t, func() bool {
		st := p.Stats()
		return st.Records+st.DeadLettered >= 4
	}, 30*time.Second, 20*time.Millisecond)

	var names []string
	seenA := false
	for _, b := range sk.all() {
		for _, r := range b.Records {
			names = append(names, r.EventName+":"+r.Change.Keys["pk"].String())
			if r.Change.Keys["pk"].String() == "a" && r.EventName == "MODIFY" {
				seenA = true
				require.Equal(t, "7", r.Change.OldImage["n"].Number())
				require.Equal(t, "8", r.Change.NewImage["n"].Number())
				require.Equal(t, streamARN, r.EventSourceArn)
			}
		}
	}
	require.True(t, seenA, "MODIFY with old and new images delivered: %v", names)
	require.Equal(t, "INSERT:a", names[0], "stream order kept")
	st := p.Stats()
	// b failed on its first attempt and its one retry (MaximumRetryAttempts 1)
	// together with what followed it in its batch, which was then given up.
	require.Positive(t, st.DeadLettered)
	list, err := dl.List()
	require.NoError(t, err)
	require.NotEmpty(t, list)
}
