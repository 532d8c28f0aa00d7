package faulttest

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dssim"
	"github.com/open3ds/server/shared/webhooksig"
	"github.com/open3ds/server/testkit/stacktest"
)

// The merchant's webhook endpoint answers 503 for a while, then 200. Each
// event of that time is delivered after the recovery, signed, with the id
// the failed attempts carried, or its stream record is in the dead letters.
func TestWebhookReceiverDownThenUp(t *testing.T) {
	pan := visa(dssim.ScenarioFrictionlessY)

	t.Run("brief outage", func(t *testing.T) {
		hooks.SetDown(true)
		defer hooks.SetDown(false)
		ids := make([]string, 3)
		for i := range ids {
			ids[i], _ = start(t, pan)
		}
		require.Eventually(t, func() bool {
			for _, id := range ids {
				if len(hooks.ForTx(id)) == 0 {
					return false
				}
			}
			return true
		}, 30*time.Second, 50*time.Millisecond, "every event was tried while the receiver was down")
		hooks.SetDown(false)

		var dead map[string]bool
		require.Eventually(t, func() bool {
			dead = deadLetteredTx(t)
			for _, id := range ids {
				if !delivered(hooks.ForTx(id)) && !dead[id] {
					return false
				}
			}
			return true
		}, 60*time.Second, 200*time.Millisecond, "each event is delivered after the recovery or dead-lettered")
		recovered := 0
		for _, id := range ids {
			got := hooks.ForTx(id)
			requireOneEventID(t, id, got)
			require.Equal(t, http.StatusServiceUnavailable, got[0].Answered, "the first attempt met the outage")
			if delivered(got) {
				recovered++
				requireSigned(t, got[len(got)-1])
			}
		}
		require.Positive(t, recovered, "a brief outage is bridged by the retries: some event was delivered after it")
	})

	t.Run("long outage ends in the dead letters", func(t *testing.T) {
		hooks.SetDown(true)
		defer hooks.SetDown(false)
		ids := make([]string, 2)
		for i := range ids {
			ids[i], _ = start(t, pan)
		}
		require.Eventually(t, func() bool {
			dead := deadLetteredTx(t)
			return dead[ids[0]] && dead[ids[1]]
		}, 90*time.Second, 500*time.Millisecond, "the retries end and the stream records go to the dead letters")
		hooks.SetDown(false)
		for _, id := range ids {
			got := hooks.ForTx(id)
			require.NotEmpty(t, got, "the event was tried before being dead-lettered")
			requireOneEventID(t, id, got)
			for _, d := range got {
				require.Equal(t, http.StatusServiceUnavailable, d.Answered)
			}
		}
	})
}

func delivered(got []stacktest.Delivery) bool {
	return slices.ContainsFunc(got, func(d stacktest.Delivery) bool { return d.Answered < 300 })
}

// requireOneEventID checks that every attempt carried the same stable id,
// in the body and in Threeds-Event-Id.
func requireOneEventID(t *testing.T, txID string, got []stacktest.Delivery) {
	t.Helper()
	require.NotEmpty(t, got, "no webhook for %s", txID)
	id := got[0].EventID
	require.Regexp(t, `^evt_[0-9a-f]{24}$`, id)
	for _, d := range got {
		require.Equal(t, id, d.EventID, "a retried event keeps its id")
		require.Equal(t, id, d.Header.Get("Threeds-Event-Id"))
	}
}

func requireSigned(t *testing.T, d stacktest.Delivery) {
	t.Helper()
	// The tolerance covers the delay since signing, not the event's age:
	// every attempt is signed anew.
	require.NoError(t, webhooksig.Verify([]byte(webhookSecret), d.Header.Get(webhooksig.Header), d.Body, d.At, webhooksig.DefaultTolerance),
		"the delivered event is signed with the merchant's secret")
}

// deadLetteredTx reads the stack's dead letters (stream batch metadata, as
// Lambda's on-failure destination holds) and resolves them, through the
// table's stream, to the transactions whose events were given up.
func deadLetteredTx(t *testing.T) map[string]bool {
	t.Helper()
	list, err := stk.DeadLetters()
	require.NoError(t, err)
	out := map[string]bool{}
	if len(list) == 0 {
		return out
	}
	streams := dynamodbstreams.New(dynamodbstreams.Options{Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""), BaseEndpoint: aws.String(stk.DDBEndpoint)})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, raw := range list {
		var msg struct {
			Info struct {
				ShardID   string `json:"shardId"`
				Start     string `json:"startSequenceNumber"`
				End       string `json:"endSequenceNumber"`
				StreamARN string `json:"streamArn"`
			} `json:"DDBStreamBatchInfo"`
		}
		require.NoError(t, json.Unmarshal(raw, &msg), "dead letter: %s", raw)
		for id := range recordsBetween(t, ctx, streams, msg.Info.StreamARN, msg.Info.ShardID, msg.Info.Start, msg.Info.End) {
			out[id] = true
		}
	}
	return out
}

// recordsBetween returns the transaction IDs of the stream records from
// start to end (sequence numbers) on one shard.
func recordsBetween(t *testing.T, ctx context.Context, s *dynamodbstreams.Client, arn, shard, start, end string) map[string]bool {
	t.Helper()
	it, err := s.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(arn), ShardId: aws.String(shard),
		ShardIteratorType: types.ShardIteratorTypeAtSequenceNumber, SequenceNumber: aws.String(start)})
	require.NoError(t, err, "dead letter names a stream position that exists")
	ids := map[string]bool{}
	iter := it.ShardIterator
	for page := 0; iter != nil && page < 20; page++ { // bounded
		out, err := s.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(100)})
		require.NoError(t, err)
		for _, r := range out.Records {
			if seqAfter(aws.ToString(r.Dynamodb.SequenceNumber), end) {
				return ids
			}
			if v, ok := r.Dynamodb.NewImage["pk"].(*types.AttributeValueMemberS); ok && strings.HasPrefix(v.Value, "TX#") {
				ids[strings.TrimPrefix(v.Value, "TX#")] = true
			}
		}
		if len(out.Records) == 0 {
			break
		}
		iter = out.NextShardIterator
	}
	return ids
}

// seqAfter compares stream sequence numbers (decimal strings).
func seqAfter(a, b string) bool {
	if len(a) != len(b) {
		return len(a) > len(b)
	}
	return a > b
}
