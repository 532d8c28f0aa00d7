package ddblocal_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/devstack/ddblocal"
	"github.com/open3ds/server/shared/dynamostore/tabledef"
)

func TestMain(m *testing.M) {
	if os.Getenv("DDBLOCAL_ORPHAN_CHILD") == "1" {
		orphanChild()
		return
	}
	ddblocal.Main(m)
}

func TestCreateTableFromTemplate(t *testing.T) {
	client, table := ddblocal.NewTable(t)
	ctx := context.Background()
	out, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	require.NoError(t, err)
	tb := out.Table
	require.Equal(t, types.TableStatusActive, tb.TableStatus)
	require.Equal(t, "pk", *tb.KeySchema[0].AttributeName)
	require.Equal(t, types.KeyTypeHash, tb.KeySchema[0].KeyType)
	require.Equal(t, "sk", *tb.KeySchema[1].AttributeName)
	require.Len(t, tb.GlobalSecondaryIndexes, 1)
	g := tb.GlobalSecondaryIndexes[0]
	require.Equal(t, "gsi1", *g.IndexName)
	require.Equal(t, types.ProjectionTypeAll, g.Projection.ProjectionType)
	require.Equal(t, "gsi1pk", *g.KeySchema[0].AttributeName)
	require.Equal(t, "gsi1sk", *g.KeySchema[1].AttributeName)
	require.True(t, *tb.StreamSpecification.StreamEnabled)
	require.Equal(t, types.StreamViewTypeNewAndOldImages, tb.StreamSpecification.StreamViewType)
	require.NotEmpty(t, aws.ToString(tb.LatestStreamArn))

	ttl, err := client.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(table)})
	require.NoError(t, err)
	require.Equal(t, types.TimeToLiveStatusEnabled, ttl.TimeToLiveDescription.TimeToLiveStatus)
	require.Equal(t, "expiresAt", *ttl.TimeToLiveDescription.AttributeName)

	path, _ := ddblocal.TemplatePath()
	err = tabledef.CreateTableFromTemplate(ctx, client, path, tabledef.TableLogicalID, table)
	require.True(t, tabledef.IsTableExists(errors.Unwrap(err)) || tabledef.IsTableExists(err), "%v", err)
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

func TestStartStopOwnInstance(t *testing.T) {
	dir := t.TempDir()
	inst, err := ddblocal.Start(context.Background(), ddblocal.Options{DBPath: dir})
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(inst.Endpoint(), "http://127.0.0.1:"))
	pid := inst.Pid()
	require.True(t, alive(pid))
	pgid, err := syscall.Getpgid(pid)
	require.NoError(t, err)
	require.Equal(t, pid, pgid, "java leads its own process group")
	_, err = inst.Client().ListTables(context.Background(), &dynamodb.ListTablesInput{})
	require.NoError(t, err)

	require.NoError(t, inst.Stop())
	require.NoError(t, inst.Stop(), "idempotent")
	select {
	case <-inst.Exited():
	default:
		t.Fatal("Stop returned before the process exited")
	}
	_, err = inst.Client().ListTables(context.Background(), &dynamodb.ListTablesInput{}, func(o *dynamodb.Options) { o.RetryMaxAttempts = 1 })
	require.Error(t, err)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.NotEmpty(t, entries, "-dbPath keeps the data on disk")
}

func TestMissingInstallation(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module x\n"), 0o644))
	_, err := ddblocal.Start(context.Background(), ddblocal.Options{Dir: dir})
	require.ErrorIs(t, err, ddblocal.ErrNotInstalled)
	require.Contains(t, err.Error(), "make deps")
}

// orphanChild runs in a re-executed test binary: it starts DynamoDB Local,
// prints the pid and dies abruptly, as a panicking or timed-out test would.
func orphanChild() {
	inst, err := ddblocal.Start(context.Background(), ddblocal.Options{})
	if err != nil {
		os.Stdout.WriteString("ERR " + err.Error() + "\n")
		os.Exit(3)
	}
	os.Stdout.WriteString(strconv.Itoa(inst.Pid()) + "\n")
	panic("test binary dies without stopping DynamoDB Local")
}

func TestJavaDiesWithTheTestBinary(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "DDBLOCAL_ORPHAN_CHILD=1")
	out, err := cmd.Output()
	require.Error(t, err, "the child panics")
	line := strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
	pid, convErr := strconv.Atoi(line)
	require.NoError(t, convErr, "child output: %q", out)
	deadline := time.Now().Add(10 * time.Second)
	for alive(pid) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if alive(pid) {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		t.Fatalf("java %d outlived the test binary that started it", pid)
	}
}
