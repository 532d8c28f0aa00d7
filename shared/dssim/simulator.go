package dssim

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Simulator is a running (or embeddable) DS + ACS simulator.
type Simulator struct {
	cfg     Config
	pki     *pki // nil for plain HTTP
	handler http.Handler
	log     *exchangeLog
	state   StateStore
	methods methodLog
	ranges  *rangeTable
	signer  *jwsSigner
	rreq    *http.Client

	mu      sync.Mutex
	srv     *http.Server
	baseURL string

	closeOnce sync.Once
	closing   chan struct{} // closed by Close: held requests and timers end
	bg        sync.WaitGroup
}

// New builds a simulator without listening yet: call Start, or serve
// Handler yourself.
func New(cfg Config) (*Simulator, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Simulator{
		cfg:     cfg,
		log:     newExchangeLog(),
		state:   cfg.State,
		closing: make(chan struct{}),
	}
	switch cfg.TLS {
	case TLSGenerate:
		host := ""
		if u, err := url.Parse(cfg.PublicURL); err == nil {
			host = u.Hostname()
		}
		if s.pki, err = generatePKI(cfg.CertDir, host); err != nil {
			return nil, fmt.Errorf("dssim: %w", err)
		}
	case TLSFiles:
		if s.pki, err = loadPKI(cfg.CAFile, cfg.CertFile, cfg.KeyFile); err != nil {
			return nil, fmt.Errorf("dssim: %w", err)
		}
	}
	if s.signer, err = newJWSSigner(); err != nil {
		return nil, fmt.Errorf("dssim: %w", err)
	}
	s.ranges = newRangeTable(cfg.ACSEndVersion)
	s.ranges.defs = append(s.ranges.defs, vendorRanges(cfg, cfg.ACSEndVersion)...) // worldpay.go, cardinal_cards.go
	s.rreq = cfg.HTTPClient
	if s.rreq == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		if s.pki != nil {
			tr.TLSClientConfig = s.pki.rreqTLS()
		}
		s.rreq = &http.Client{Transport: tr, Timeout: cfg.RReqTimeout}
	}
	s.handler = s.routes()
	return s, nil
}

func (s *Simulator) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /ds", s.handleDS)
	mux.HandleFunc("POST /acs/method", s.handleMethod)
	mux.HandleFunc("POST "+methodPath+silentMethodSuffix, s.handleMethod) // never notifies (threedsecureio.go)
	mux.HandleFunc("POST /acs/method/v231", s.handleMethod)               // the 2.3.1 ranges' URL for 2.3.1 (v231.go)
	mux.HandleFunc("POST /acs/challenge", s.handleChallenge)
	mux.HandleFunc("POST /acs/challenge/submit", s.handleChallengeSubmit)
	mux.HandleFunc("POST /acs/app/challenge", s.handleAppChallenge)
	mux.HandleFunc("GET /debug/transactions/{id}", s.handleDebug)
	mux.HandleFunc("GET /debug/cards", s.handleCards)
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	})
	return timing(mux)
}

// Start listens on Config.Addr and serves in the background. It returns once
// the listener is open, so URL is valid and requests are accepted.
func (s *Simulator) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return errors.New("dssim: already started")
	}
	select {
	case <-s.closing:
		return errors.New("dssim: closed")
	default:
	}
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("dssim: listen %s: %w", s.cfg.Addr, err)
	}
	scheme := "http"
	if s.pki != nil {
		scheme = "https"
		ln = tls.NewListener(ln, s.pki.serverTLS())
	}
	s.baseURL = scheme + "://" + ln.Addr().String()
	s.srv = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelWarn),
	}
	srv := s.srv
	go func() { _ = srv.Serve(ln) }()
	s.cfg.Logger.Info("dssim listening", "url", s.baseURL, "tls", string(s.cfg.TLS))
	return nil
}

// URL is the simulator's base URL: Config.PublicURL when set, else the
// listener's ("" before Start when no PublicURL is configured).
func (s *Simulator) URL() string {
	if s.cfg.PublicURL != "" {
		return strings.TrimRight(s.cfg.PublicURL, "/")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.baseURL
}

// DSURL is where a 3DS Server POSTs AReq and PReq (and Erro).
func (s *Simulator) DSURL() string { return s.URL() + "/ds" }

// Handler is the simulator's HTTP handler, for embedding (the Lambda
// adapter in cmd/dssim). Without Start or PublicURL, absolute URLs it hands
// out (acsURL, threeDSMethodURL) are derived from each request's Host.
func (s *Simulator) Handler() http.Handler { return s.handler }

// ClientTLSConfig is what a 3DS Server needs to talk mTLS to the simulator:
// the CA pool and, for a generated CA, the client certificate. It is nil for
// plain HTTP. For TLSFiles the caller adds its own client certificate.
func (s *Simulator) ClientTLSConfig() *tls.Config {
	if s.pki == nil {
		return nil
	}
	return s.pki.clientTLS()
}

// Close stops the listener, ends held requests and pending timers at once
// and waits (a few seconds at most) for in-flight requests.
func (s *Simulator) Close() error {
	s.closeOnce.Do(func() { close(s.closing) })
	s.mu.Lock()
	srv := s.srv
	s.mu.Unlock()
	var err error
	if srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err = srv.Shutdown(ctx); err != nil {
			err = srv.Close()
		}
	}
	s.bg.Wait()
	return err
}

type baseURLKey struct{}

// WithBaseURL tells the simulator the externally visible base URL of the
// request carried by ctx (an API Gateway stage URL, for instance); it is
// used when Config.PublicURL is empty.
func WithBaseURL(ctx context.Context, base string) context.Context {
	return context.WithValue(ctx, baseURLKey{}, strings.TrimRight(base, "/"))
}

// baseURLFor is the base URL to put in messages answering r.
func (s *Simulator) baseURLFor(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return strings.TrimRight(s.cfg.PublicURL, "/")
	}
	if b, ok := r.Context().Value(baseURLKey{}).(string); ok && b != "" {
		return b
	}
	if u := s.URL(); u != "" {
		return u
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "http" || p == "https" {
		scheme = p
	}
	return scheme + "://" + r.Host
}

// goBackground runs f as tracked background work that Close waits for.
func (s *Simulator) goBackground(f func()) {
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		f()
	}()
}
