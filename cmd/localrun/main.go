// Command localrun runs the whole 3DS Server on a laptop (make run):
// DynamoDB Local, the DS/ACS simulator, every Lambda function's real
// bootstrap behind a local API Gateway built from template.yaml, the
// stream → webhook poller and two seeded merchants. Ctrl-C or SIGTERM stops
// every process it started.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/open3ds/server/devstack/lambdalocal/stack"
)

func main() {
	os.Exit(run())
}

func run() int {
	fs := flag.NewFlagSet("localrun", flag.ContinueOnError)
	port := fs.Int("port", 8080, "local API Gateway port")
	ddbPort := fs.Int("ddb-port", 8000, "DynamoDB Local port")
	simPort := fs.Int("sim-port", 8443, "DS/ACS simulator port")
	data := fs.String("data", "", "keep data in this directory (default: in memory)")
	simLambda := fs.Bool("simulator-lambda", false, "run the simulator as its Lambda (SimulatorFunction, three execution environments, state in SimulatorTable) as the sandbox deploys it")
	if err := fs.Parse(os.Args[1:]); err != nil {
		return 2
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	stopWithParent()

	// The developer's own keys and webhook endpoint, when set (this
	// command, not a Lambda function, so it reads them itself).
	cfg := stack.Config{
		Port: *port, DDBPort: *ddbPort, SimPort: *simPort, DataDir: *data,
		APIKey:        os.Getenv("THREEDS_API_KEY"),
		APIKey2:       os.Getenv("THREEDS_API_KEY_2"),
		WebhookURL:    os.Getenv("THREEDS_WEBHOOK_URL"),
		WebhookSecret: os.Getenv("THREEDS_WEBHOOK_SECRET"),
		UASToken:      os.Getenv("THREEDS_UAS_TOKEN"),
		Cardinal: stack.CardinalInfo{APIID: os.Getenv("THREEDS_CARDINAL_API_ID"), OrgUnitID: os.Getenv("THREEDS_CARDINAL_ORG_UNIT_ID"),
			APIKey: os.Getenv("THREEDS_CARDINAL_API_KEY")},
		NewStore:        stack.DynamoStore,
		SimulatorLambda: *simLambda,
		Logs:            os.Stderr,
		Logger:          logger,
	}
	start := time.Now()
	s, err := stack.Start(ctx, cfg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "localrun: %v\n", err)
		return 1
	}
	defer s.Close()
	logger.Info("stack up", "seconds", time.Since(start).Seconds())
	s.PrintSummary(os.Stdout)

	<-ctx.Done()
	fmt.Fprintln(os.Stderr, "\nlocalrun: stopping")
	return 0
}
