package ddblocal

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/open3ds/server/shared/dynamostore/tabledef"
)

// TableLogicalID is the table resource in template.yaml.
const TableLogicalID = tabledef.TableLogicalID

var shared struct {
	once sync.Once
	inst *Instance
	err  error
}

// Main is a TestMain for packages that use DynamoDB Local:
//
//	func TestMain(m *testing.M) { ddblocal.Main(m) }
//
// It runs the tests and stops the shared instance (if one was started)
// before the binary exits. If a test panics the binary dies without running
// this, and the kernel kills java (Pdeathsig).
func Main(m *testing.M) {
	code := m.Run()
	if shared.inst != nil {
		_ = shared.inst.Stop()
	}
	os.Exit(code)
}

// Shared returns the test binary's one DynamoDB Local, starting it on first
// use. A missing installation fails the test (never skips it) with the
// message to run `make deps`.
func Shared(t testing.TB) *Instance {
	t.Helper()
	shared.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		shared.inst, shared.err = Start(ctx, Options{})
	})
	if shared.err != nil {
		t.Fatalf("DynamoDB Local: %v", shared.err)
	}
	return shared.inst
}

// TemplatePath is the repository's template.yaml.
func TemplatePath() (string, error) {
	root, err := FindRepoRoot("")
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "template.yaml"), nil
}

// NewTable creates a table with a unique name from template.yaml's Table
// resource on the shared instance and deletes it when the test ends.
func NewTable(t testing.TB) (client *dynamodb.Client, table string) {
	t.Helper()
	inst := Shared(t)
	path, err := TemplatePath()
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	table = fmt.Sprintf("test-%s", hex.EncodeToString(b))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := tabledef.CreateTableFromTemplate(ctx, inst.Client(), path, TableLogicalID, table); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = inst.Client().DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(table)})
	})
	return inst.Client(), table
}
