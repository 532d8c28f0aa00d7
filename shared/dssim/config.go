package dssim

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/open3ds/server/shared/emv3ds"
)

// TLSMode selects how the simulator's listener is secured.
type TLSMode string

// TLS modes.
const (
	// TLSNone serves plain HTTP (the default).
	TLSNone TLSMode = "none"
	// TLSGenerate creates a throw-away CA, a server certificate and a client
	// certificate at start-up and requires client certificates (mTLS).
	TLSGenerate TLSMode = "generate"
	// TLSFiles loads the CA, server certificate and key from PEM files and
	// requires client certificates signed by that CA (mTLS).
	TLSFiles TLSMode = "files"
)

// Default timings.
const (
	DefaultDecoupledDelay = 3 * time.Second
	DefaultSlowACSDelay   = 3 * time.Second
	DefaultHoldTimeout    = 60 * time.Second
	DefaultRReqTimeout    = 10 * time.Second
)

// Config configures a Simulator. The zero value is usable: plain HTTP on
// 127.0.0.1:0 with the default timings.
type Config struct {
	// Addr is the listen address; "127.0.0.1:0" by default.
	Addr string
	// TLS is the transport security mode; TLSNone by default.
	TLS TLSMode
	// CertDir is where TLSGenerate writes ca.pem, ca-key.pem, server.pem,
	// server-key.pem, client.pem and client-key.pem, so that a 3DS Server in
	// another process can load them. Empty: nothing is written.
	CertDir string
	// CAFile, CertFile and KeyFile are the PEM files for TLSFiles: the CA that
	// client certificates must chain to, and the server certificate and key.
	// The server certificate is also the DS's client certificate when it
	// posts RReqs to an https threeDSServerURL.
	CAFile, CertFile, KeyFile string

	// DecoupledDelay is how long after the ARes D the RReq is sent (scenario 09).
	DecoupledDelay time.Duration
	// SlowACSDelay is how long the ARes of scenario 14 takes.
	SlowACSDelay time.Duration
	// HoldTimeout is how long scenario 10 holds the AReq before answering
	// Erro 402; Close ends the hold at once.
	HoldTimeout time.Duration
	// RReqTimeout bounds each RReq → RRes round trip (10 s by default).
	RReqTimeout time.Duration

	// PublicURL is the externally visible base URL (sandbox behind API
	// Gateway); empty means the listener's URL.
	PublicURL string
	// ACSEndVersion is the highest protocol version the simulated ACSs
	// support (the acsEndProtocolVersion of every card range but scenario
	// 13's); emv3ds.Version220 by default. The DS itself accepts 2.1.0–2.3.1.
	ACSEndVersion emv3ds.Version
	// Faults adds a fault to every DS answer (ARes/PRes/Erro) of a scenario,
	// keyed by the two scenario digits ("00"…"15"). A request's
	// X-Dssim-Fault and X-Dssim-Delay headers override it.
	Faults map[string]Fault
	// InlineTimers makes timers run inside the request that starts them,
	// because a Lambda invocation cannot leave work behind: the decoupled
	// RReq is sent before the ARes D is returned. cmd/dssim sets it on Lambda.
	InlineTimers bool
	// State keeps the ACS state between requests; NewMemoryState() when
	// nil. The sandbox Lambda passes a DynamoDB-backed store (cmd/dssim).
	State StateStore
	// RReqSigningKey, when set, signs every RReq: header
	// RReqSignatureHeader with an HMAC-SHA256 of the body (the format of
	// package webhooksig). The sandbox's /ds/results refuses RReqs without
	// it, as production's mutual TLS refuses anyone but the DS.
	RReqSigningKey []byte
	// VendorTestCards are the vendors' sandbox test-card sets the DS and ACS
	// honour besides their own: "worldpay" (Worldpay Try's card numbers and
	// magic cardholder names, and Cardinal's PANs, which Worldpay's v3 docs
	// use; worldpay.go) and "cardinal" (Cardinal's PANs alone;
	// cardinal_cards.go). Other names ("3dsecureio": always on) are ignored.
	VendorTestCards []string
	// HTTPClient posts RReqs; nil builds one from the TLS settings (the
	// simulator's CA and its certificate as the client certificate).
	HTTPClient *http.Client
	// Logger receives one line per request; slog.Default() when nil. It
	// never receives card data.
	Logger *slog.Logger
}

func (c Config) withDefaults() (Config, error) {
	if c.Addr == "" {
		c.Addr = "127.0.0.1:0"
	}
	if c.TLS == "" {
		c.TLS = TLSNone
	}
	switch c.TLS {
	case TLSNone, TLSGenerate:
	case TLSFiles:
		if c.CAFile == "" || c.CertFile == "" || c.KeyFile == "" {
			return c, fmt.Errorf("dssim: TLS mode %q needs CAFile, CertFile and KeyFile", c.TLS)
		}
	default:
		return c, fmt.Errorf("dssim: unknown TLS mode %q (none, generate, files)", c.TLS)
	}
	if c.DecoupledDelay <= 0 {
		c.DecoupledDelay = DefaultDecoupledDelay
	}
	if c.SlowACSDelay <= 0 {
		c.SlowACSDelay = DefaultSlowACSDelay
	}
	if c.HoldTimeout <= 0 {
		c.HoldTimeout = DefaultHoldTimeout
	}
	if c.RReqTimeout <= 0 {
		c.RReqTimeout = DefaultRReqTimeout
	}
	if c.ACSEndVersion == "" {
		c.ACSEndVersion = emv3ds.Version220
	}
	if !c.ACSEndVersion.Supported() || !c.ACSEndVersion.AtLeast(emv3ds.Version210) {
		return c, fmt.Errorf("dssim: ACSEndVersion %q is not a supported version", c.ACSEndVersion)
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.State == nil {
		c.State = NewMemoryState()
	}
	return c, nil
}
