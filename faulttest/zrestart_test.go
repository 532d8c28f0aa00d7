package faulttest

// This file's name sorts last on purpose: the test kills the stack's
// DynamoDB Local, and every other test should run against the first one.

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/devstack/ddblocal"
	"github.com/open3ds/server/shared/dssim"
	"github.com/open3ds/server/shared/dynamostore"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/testkit/stacktest"
)

// DynamoDB Local is killed while requests are in flight and restarted on
// the same port and data. During the outage requests fail with a clear 5xx
// JSON error (never a hang, never a 200 with half a result); after the
// restart the service recovers; every answer a merchant got as 200 is still
// there; no transaction item is half-written.
func TestDynamoDBKilled(t *testing.T) {
	pan := visa(dssim.ScenarioFrictionlessY)
	before, _ := start(t, pan) // final before the outage
	challengeTx, challengeARes := start(t, visa(dssim.ScenarioChallenge))

	// AReqs in flight when the table goes away: the DS holds them 1.5 s.
	inflight := make([]string, 3)
	for i := range inflight {
		inflight[i] = preauth(t, pan)
	}
	fakeDS.set(t, dsForward, "", "1500ms")
	authAnswers := make([]stacktest.Response, len(inflight))
	var wg sync.WaitGroup
	for i, id := range inflight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			authAnswers[i] = api.TryCall("/auth", key1, stacktest.BrowserAReq(id, pan))
		}()
	}
	time.Sleep(500 * time.Millisecond) // the AReqs are at the DS
	killDynamoDB(t)

	// During the outage.
	outage := map[string]stacktest.Response{
		"preauth":  api.TryCall("/preauth", key1, map[string]any{"acctNumber": pan}),
		"postauth": api.TryCall("/postauth", key1, map[string]any{"threeDSServerTransID": before}),
		"RReq":     api.TryCall("/ds/results", "", stacktest.RReqFor(challengeARes, "Y")),
	}
	wg.Wait()
	for i, r := range authAnswers {
		outage[fmt.Sprintf("auth in flight %d", i)] = r
	}
	fakeDS.set(t, dsForward, "", "")
	for name, r := range outage {
		t.Logf("during the outage, %s answered %d %s", name, r.Status, r.Body)
		t.Run("outage answer/"+name, func(t *testing.T) {
			require.NotZero(t, r.Status, "the request got an answer, not a transport failure: %s", r.Body)
			if r.Status == http.StatusOK {
				// Only an /auth that finished before the kill may succeed,
				// and then with a whole ARes.
				require.True(t, strings.HasPrefix(name, "auth"), "%s answered 200 during the outage: %s", name, r.Body)
				m := r.JSON(t)
				require.Equal(t, "ARes", m["messageType"])
				require.NotEmpty(t, m["transStatus"])
				return
			}
			require.GreaterOrEqual(t, r.Status, 500, "a storage outage is the server's failure, not the client's: %s", r.Body)
			require.Less(t, r.Status, 600)
			m := r.JSON(t)
			if m["messageType"] == "Erro" {
				require.NotEmpty(t, m["errorCode"], "body: %s", r.Body)
				require.Equal(t, "S", m["errorComponent"], "body: %s", r.Body)
			} else {
				require.NotEmpty(t, m["message"], "a JSON error that says something: %s", r.Body)
			}
		})
	}

	restartDynamoDB(t)

	// The service recovers.
	var fresh string
	require.Eventually(t, func() bool {
		r := api.TryCall("/preauth", key1, map[string]any{"acctNumber": pan})
		if r.Status != http.StatusOK {
			return false
		}
		fresh = string(bytes.TrimSpace(r.Body))
		return true
	}, 60*time.Second, 500*time.Millisecond, "preauth succeeds again after the restart")
	require.NotEmpty(t, fresh)
	after, ares := start(t, pan)
	require.Equal(t, "Y", ares["transStatus"])
	require.Equal(t, "final", postauth(t, after, http.StatusOK)["status"])
	res := postauth(t, before, http.StatusOK)
	require.Equal(t, "Y", res["transStatus"], "a result stored before the outage survives it")

	// The challenge whose RReq failed during the outage: the DS retries it.
	r := api.PostRReq(t, stacktest.RReqFor(challengeARes, "Y"))
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	require.Equal(t, "Y", postauth(t, challengeTx, http.StatusOK)["transStatus"])

	// What the merchant was told is what is stored.
	for i, id := range inflight {
		got := postauth(t, id, http.StatusOK)
		t.Logf("after the restart, transaction %d whose /auth answered %d: status %v", i, authAnswers[i].Status, got["status"])
		if authAnswers[i].Status == http.StatusOK {
			require.Equal(t, "final", got["status"], "an ARes answered 200 was stored: %v", got)
			require.Equal(t, authAnswers[i].JSON(t)["transStatus"], got["transStatus"])
		} else {
			require.NotEqual(t, "final", got["status"], "/auth failed, yet the result is final: %v", got)
		}
	}

	t.Run("no half-written transaction", func(t *testing.T) {
		for _, it := range scanTransactions(t) {
			requireConsistent(t, it)
		}
	})

	t.Run("webhooks flow again", func(t *testing.T) {
		require.Eventually(t, func() bool { return delivered(hooks.ForTx(after)) }, 30*time.Second, 200*time.Millisecond,
			"the stream → webhook path delivers an event of a transaction finished after the restart")
	})
}

// killDynamoDB sends SIGKILL to the stack's DynamoDB Local: the java child
// of this process listening on ddbPort.
func killDynamoDB(t *testing.T) {
	t.Helper()
	pid := dynamoDBPid(t)
	require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
	require.Eventually(t, func() bool {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", ddbPort), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return false
		}
		return true
	}, 10*time.Second, 50*time.Millisecond, "DynamoDB Local's port is closed after the kill")
}

func dynamoDBPid(t *testing.T) int {
	t.Helper()
	procs, err := filepath.Glob("/proc/[0-9]*")
	require.NoError(t, err)
	me := os.Getpid()
	for _, p := range procs {
		stat, err := os.ReadFile(filepath.Join(p, "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid …: comm may hold spaces, so split after ')'.
		rest := string(stat[bytes.LastIndexByte(stat, ')')+1:])
		fields := strings.Fields(rest)
		if len(fields) < 2 || fields[1] != strconv.Itoa(me) {
			continue
		}
		cmd, _ := os.ReadFile(filepath.Join(p, "cmdline"))
		if bytes.Contains(cmd, []byte("DynamoDBLocal.jar")) && bytes.Contains(cmd, []byte("\x00-port\x00"+strconv.Itoa(ddbPort)+"\x00")) {
			pid, _ := strconv.Atoi(filepath.Base(p))
			return pid
		}
	}
	t.Fatalf("no DynamoDB Local child of this process on port %d", ddbPort)
	return 0
}

// restartDynamoDB starts DynamoDB Local again on the same port and data.
func restartDynamoDB(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	inst, err := ddblocal.Start(ctx, ddblocal.Options{Port: ddbPort, DBPath: filepath.Join(dataDir, "dynamodb"), Dir: modDir})
	require.NoError(t, err, "DynamoDB Local restarts on its port and data")
	restarted = inst
}

// txItem is what the consistency check reads of a transaction item.
// txItem is a transaction as the store decodes it (either item layout).
type txItem = *threeds.Transaction

func scanTransactions(t *testing.T) []txItem {
	t.Helper()
	db := ddblocal.NewClient(stk.DDBEndpoint)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out []txItem
	var start map[string]types.AttributeValue
	for page := 0; page < 100; page++ { // bounded
		res, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(stk.Table), ExclusiveStartKey: start,
			FilterExpression: aws.String("#t = :t"), ExpressionAttributeNames: map[string]string{"#t": "type"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":t": &types.AttributeValueMemberS{Value: "transaction"}}})
		require.NoError(t, err)
		for _, item := range res.Items {
			tx, err := dynamostore.DecodeTransaction(item)
			require.NoError(t, err)
			out = append(out, tx)
		}
		if len(res.LastEvaluatedKey) == 0 {
			break
		}
		start = res.LastEvaluatedKey
	}
	require.NotEmpty(t, out, "the table holds this run's transactions")
	return out
}

// requireConsistent checks that a transaction item is whole for its state.
func requireConsistent(t *testing.T, it txItem) {
	t.Helper()
	where := fmt.Sprintf("transaction %s in state %q", it.ID, it.State)
	require.NotEmpty(t, it.ID)
	require.NotEmpty(t, it.MerchantID, where)
	require.False(t, it.CreatedAt.IsZero(), where)
	noARes := it.ARes.TransStatus == "" && it.ARes.DSTransID == "" && it.ARes.ACSTransID == ""
	switch it.State {
	case "preauthenticated", "method_pending", "method_completed":
		require.True(t, noARes, where)
		require.Nil(t, it.Result, where)
	case "areq_sent":
		require.False(t, it.AReqSentAt.IsZero(), where)
		require.Nil(t, it.Result, where)
	case "challenge_pending", "decoupled_pending":
		require.False(t, noARes, where)
		require.NotEmpty(t, it.ARes.ACSTransID, where)
		require.NotEmpty(t, it.ARes.DSTransID, where)
		require.Nil(t, it.Result, where)
	case "final":
		require.False(t, noARes, where)
		require.NotNil(t, it.Result, where+": a final transaction has a result")
		require.NotEmpty(t, it.Result.TransStatus, where)
		require.NotEmpty(t, it.Result.Source, where)
		require.False(t, it.Result.ReceivedAt.IsZero(), where)
		require.Nil(t, it.Error, where)
	case "failed":
		require.NotNil(t, it.Error, where+": a failed transaction has an error")
		require.NotEmpty(t, it.Error.Code, where)
		require.NotEmpty(t, it.Error.Component, where)
		require.Nil(t, it.Result, where)
	case "expired":
	default:
		t.Fatalf("%s: unknown state", where)
	}
}
