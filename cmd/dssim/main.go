// Command dssim runs the Directory Server + ACS simulator (package
// shared/dssim): on a laptop or in CI as an HTTP(S) server, or, when
// AWS_LAMBDA_RUNTIME_API is set, as a Lambda function behind API Gateway
// REST (v1 payload) for the sandbox deployment.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/open3ds/server/shared/dssim"
	"github.com/open3ds/server/shared/emv3ds"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	cfg.Logger = logger
	if os.Getenv("AWS_LAMBDA_RUNTIME_API") != "" {
		// A Lambda invocation cannot leave timers behind: decoupled RReqs are
		// sent inside the AReq's invocation (see README).
		cfg.InlineTimers = true
		if cfg.PublicURL == "" {
			cfg.PublicURL = os.Getenv("DSSIM_PUBLIC_URL")
		}
		// The Lambda exists only in sandbox mode: it plays Worldpay Try's and
		// Cardinal's test cards unless SANDBOX_TEST_CARDS says otherwise.
		if cfg.VendorTestCards == nil {
			cfg.VendorTestCards = []string{"worldpay"}
			if v, ok := os.LookupEnv("SANDBOX_TEST_CARDS"); ok {
				cfg.VendorTestCards = strings.Split(v, ",")
			}
		}
		// Each invocation may run in another execution environment: the ACS
		// state goes to the table named by DSSIM_TABLE.
		if err := lambdaSetup(context.Background(), &cfg); err != nil {
			logger.Error("dssim: configuration", "error", err)
			os.Exit(1)
		}
		if cfg.State == nil {
			logger.Warn("dssim: DSSIM_TABLE is not set; the ACS state stays in this process's memory (challenges fail across execution environments)")
		}
		sim, err := dssim.New(cfg)
		if err != nil {
			logger.Error("dssim: configuration", "error", err)
			os.Exit(1)
		}
		lambda.Start(newLambdaHandler(sim.Handler()).handle)
		return
	}
	if err := run(cfg, logger); err != nil {
		logger.Error("dssim failed", "error", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (dssim.Config, error) {
	fs := flag.NewFlagSet("dssim", flag.ContinueOnError)
	var cfg dssim.Config
	var tlsMode, acsEnd string
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8443", "listen address")
	fs.StringVar(&tlsMode, "tls", "none", "transport security: none, generate (throw-away CA + mTLS) or files (mTLS with -ca/-cert/-key)")
	fs.StringVar(&cfg.CertDir, "cert-dir", "", "where -tls generate writes ca.pem, server.pem, client.pem and their keys")
	fs.StringVar(&cfg.CAFile, "ca", "", "-tls files: CA certificate (PEM) client certificates must chain to")
	fs.StringVar(&cfg.CertFile, "cert", "", "-tls files: server certificate (PEM)")
	fs.StringVar(&cfg.KeyFile, "key", "", "-tls files: server key (PEM)")
	fs.StringVar(&cfg.PublicURL, "public-url", "", "externally visible base URL (default: the listener's)")
	fs.StringVar(&acsEnd, "acs-end-version", string(emv3ds.Version220), "highest protocol version of the simulated ACSs (2.1.0, 2.2.0 or 2.3.1)")
	fs.DurationVar(&cfg.DecoupledDelay, "decoupled-delay", dssim.DefaultDecoupledDelay, "delay of the decoupled RReq (scenario 09)")
	fs.DurationVar(&cfg.SlowACSDelay, "slow-acs-delay", dssim.DefaultSlowACSDelay, "ARes delay of scenario 14")
	fs.DurationVar(&cfg.HoldTimeout, "hold-timeout", dssim.DefaultHoldTimeout, "how long scenario 10 holds the AReq")
	testCards := fs.String("test-cards", "", `vendor test-card sets besides the simulator's own, comma-separated: "worldpay" (Worldpay Try's cards and magic cardholder names, and Cardinal's PANs), "cardinal"`)
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if *testCards != "" {
		cfg.VendorTestCards = strings.Split(*testCards, ",")
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("dssim: unexpected arguments %q", fs.Args())
	}
	cfg.TLS = dssim.TLSMode(tlsMode)
	cfg.ACSEndVersion = emv3ds.Version(acsEnd)
	return cfg, nil
}

func run(cfg dssim.Config, logger *slog.Logger) error {
	sim, err := dssim.New(cfg)
	if err != nil {
		return err
	}
	if err := sim.Start(); err != nil {
		return err
	}
	printBanner(sim, cfg)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	logger.Info("dssim shutting down")
	return sim.Close()
}

func printBanner(sim *dssim.Simulator, cfg dssim.Config) {
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "dssim DS + ACS simulator\n  base URL\t%s\n  DS URL (AReq, PReq)\t%s\n", sim.URL(), sim.DSURL())
	if cfg.TLS == dssim.TLSGenerate && cfg.CertDir != "" {
		fmt.Fprintf(w, "  mTLS material\t%s (ca.pem, client.pem, client-key.pem)\n", cfg.CertDir)
	}
	fmt.Fprintln(w, "\nscheme\tscenario\tPAN\tbehaviour")
	for _, c := range dssim.TestCards() {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", c.Scheme, c.Scenario, c.PAN, c.Behaviour)
	}
	_ = w.Flush()
}
