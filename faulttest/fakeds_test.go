package faulttest

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/open3ds/server/testkit/stacktest"
)

// dsMode is how the fake DS behaves.
type dsMode int

const (
	dsForward dsMode = iota // pass every message to the simulator (with fault and delay headers)
	dsHang                  // read the request, never answer until the client gives up
	dsRefuse                // nothing listens on the port: connections are refused
	dsBadTLS                // present a certificate from a CA the 3DS Server does not trust
)

// faultyDS is the Directory Server the functions talk to (DS_URL): HTTPS
// with a certificate from its own CA (DS_CA_FILE), forwarding to the
// simulator, switchable at run time to hang, refuse or fail TLS. Keep-alive
// is off, so each message opens a new connection and meets the current mode.
// It counts the messages it received per transaction.
type faultyDS struct {
	target  string
	pki     *stacktest.PKI  // trusted by the functions: DS_CA_FILE, DS_CERT_FILE, DS_KEY_FILE
	bad     tls.Certificate // from a CA the functions do not trust
	port    int
	forward *http.Client

	mu     sync.Mutex
	mode   dsMode
	fault  string // X-Dssim-Fault for forwarded AReqs
	delay  string // X-Dssim-Delay for forwarded AReqs
	ln     net.Listener
	srv    *http.Server
	seen   map[string]map[string]int // threeDSServerTransID → messageType → count
	closed chan struct{}
}

func newFaultyDS(dir, target string) (*faultyDS, error) {
	// The functions trust this CA and present its client certificate.
	trusted, err := stacktest.NewPKI(filepath.Join(dir, "trusted"))
	if err != nil {
		return nil, err
	}
	// A DS certificate from another CA is the TLS failure (dsBadTLS).
	other, err := stacktest.NewPKI(filepath.Join(dir, "unknown"))
	if err != nil {
		return nil, err
	}
	d := &faultyDS{
		target:  target,
		pki:     trusted,
		bad:     other.Server,
		seen:    map[string]map[string]int{},
		closed:  make(chan struct{}),
		forward: &http.Client{Timeout: 90 * time.Second},
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	d.port = ln.Addr().(*net.TCPAddr).Port
	d.serve(ln)
	return d, nil
}

// URL is the DS_URL of the functions.
func (d *faultyDS) URL() string { return fmt.Sprintf("https://127.0.0.1:%d/ds", d.port) }

func (d *faultyDS) serve(ln net.Listener) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
		d.mu.Lock()
		defer d.mu.Unlock()
		if d.mode == dsBadTLS {
			return &d.bad, nil
		}
		return &d.pki.Server, nil
	}}
	srv := &http.Server{Handler: d, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(io.Discard, "", 0)} // TLS failures are the point
	srv.SetKeepAlivesEnabled(false)
	d.ln, d.srv = ln, srv
	go func() { _ = srv.Serve(tls.NewListener(ln, cfg)) }()
}

// set switches the behaviour; t.Cleanup restores plain forwarding.
func (d *faultyDS) set(t *testing.T, mode dsMode, fault, delay string) {
	t.Helper()
	d.mu.Lock()
	prev := d.mode
	d.mode, d.fault, d.delay = mode, fault, delay
	var srv *http.Server
	if mode == dsRefuse && prev != dsRefuse {
		srv, d.srv, d.ln = d.srv, nil, nil
	}
	relisten := mode != dsRefuse && prev == dsRefuse
	d.mu.Unlock()
	if srv != nil {
		_ = srv.Close() // closes the listener: the port refuses from now on
	}
	if relisten {
		ln, err := listenAgain(d.port)
		if err != nil {
			t.Fatalf("fake DS: listen again on %d: %v", d.port, err)
		}
		d.mu.Lock()
		d.serve(ln)
		d.mu.Unlock()
	}
	if mode != dsForward || fault != "" || delay != "" {
		t.Cleanup(func() { d.set(t, dsForward, "", "") })
	}
}

func listenAgain(port int) (net.Listener, error) {
	var err error
	for i := 0; i < 50; i++ { // bounded: 50 × 20 ms
		var ln net.Listener
		if ln, err = net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			return ln, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil, err
}

// count is how many messages of typ the DS received for the transaction.
func (d *faultyDS) count(txID, typ string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.seen[txID][typ]
}

func (d *faultyDS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	var head struct {
		MessageType          string `json:"messageType"`
		ThreeDSServerTransID string `json:"threeDSServerTransID"`
	}
	_ = json.Unmarshal(body, &head)
	d.mu.Lock()
	if head.ThreeDSServerTransID != "" {
		if d.seen[head.ThreeDSServerTransID] == nil {
			d.seen[head.ThreeDSServerTransID] = map[string]int{}
		}
		d.seen[head.ThreeDSServerTransID][head.MessageType]++
	}
	mode, fault, delay := d.mode, d.fault, d.delay
	d.mu.Unlock()

	if mode == dsHang {
		d.hang(w, r)
		return
	}
	// Detached from the caller: a DS that answers late still answers, even
	// after the 3DS Server gave up.
	req, err := http.NewRequestWithContext(context.WithoutCancel(r.Context()), http.MethodPost, d.target, bytes.NewReader(body))
	if err != nil {
		http.Error(w, "forward", http.StatusBadGateway)
		return
	}
	req.Header.Set("Content-Type", r.Header.Get("Content-Type"))
	if head.MessageType == "AReq" {
		if fault != "" {
			req.Header.Set("X-Dssim-Fault", fault)
		}
		if delay != "" {
			req.Header.Set("X-Dssim-Delay", delay)
		}
	}
	resp, err := d.forward.Do(req)
	if err != nil {
		http.Error(w, "forward: "+err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(out)
}

// Close stops the server and releases held requests.
func (d *faultyDS) Close() {
	close(d.closed)
	d.mu.Lock()
	srv := d.srv
	d.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

// hang holds the connection and never writes a byte: the connection is
// taken from the HTTP server (so returning cannot send an empty 200), read
// until the client gives up and closes it, or the fake DS closes.
func (d *faultyDS) hang(w http.ResponseWriter, r *http.Request) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		select {
		case <-r.Context().Done():
		case <-d.closed:
		}
		return
	}
	defer conn.Close()
	gone := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, conn); close(gone) }()
	select {
	case <-gone:
	case <-d.closed:
	}
}
