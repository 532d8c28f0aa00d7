package dsclient

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"syscall"
	"time"

	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

// Config configures the client. URLs maps a scheme to its DS endpoint;
// DefaultURL serves every scheme without its own entry.
type Config struct {
	DefaultURL       string
	URLs             map[emv3ds.Scheme]string
	TLS              *tls.Config // client certificate and DS CA pool; nil for plain HTTP(S) with system roots
	ConnectTimeout   time.Duration
	Timeout          time.Duration // whole exchange: connect, send, wait, read
	MaxResponseBytes int64
}

// Defaults from the protocol reference: 5 s to connect, 10 s per exchange.
const (
	DefaultConnectTimeout   = 5 * time.Second
	DefaultTimeout          = 10 * time.Second
	DefaultMaxResponseBytes = 1 << 20
)

// Client talks to Directory Servers. Build it once per process (Lambda init)
// so its connections are reused across invocations.
type Client struct {
	cfg  Config
	http *http.Client
}

var _ threeds.Directory = (*Client)(nil)

// New builds a client. It fails when no DS URL is configured.
func New(cfg Config) (*Client, error) {
	if cfg.DefaultURL == "" && len(cfg.URLs) == 0 {
		return nil, errors.New("dsclient: no directory server URL configured")
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = DefaultMaxResponseBytes
	}
	dialer := &net.Dialer{Timeout: cfg.ConnectTimeout, KeepAlive: 30 * time.Second}
	transport := &http.Transport{
		DialContext:           dialer.DialContext,
		TLSClientConfig:       cfg.TLS,
		TLSHandshakeTimeout:   cfg.ConnectTimeout,
		MaxIdleConns:          32,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: cfg.Timeout,
		ForceAttemptHTTP2:     false, // DSs speak HTTP/1.1; keep one request per connection turn
	}
	return &Client{cfg: cfg, http: &http.Client{Transport: transport}}, nil
}

// TLSConfigFromPEM builds the mutual-TLS configuration from the client
// certificate, its key and the DS CA bundle (the Secrets Manager secret or
// local files). TLS 1.2 is the protocol's floor.
func TLSConfigFromPEM(certPEM, keyPEM, caPEM []byte) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if len(certPEM) > 0 || len(keyPEM) > 0 {
		cert, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return nil, fmt.Errorf("dsclient: client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	if len(caPEM) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(caPEM) {
			return nil, errors.New("dsclient: DS CA bundle holds no certificate")
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

func (c *Client) url(scheme emv3ds.Scheme) (string, error) {
	if u, ok := c.cfg.URLs[scheme]; ok && u != "" {
		return u, nil
	}
	if c.cfg.DefaultURL != "" {
		return c.cfg.DefaultURL, nil
	}
	return "", &threeds.DirectoryUnavailableError{Cause: "No Directory Server configured for the card scheme"}
}

// SendAReq posts the AReq and returns the ARes as received (the caller
// validates it against the AReq). An Erro answer is a *threeds.PeerErroError;
// a transport failure or timeout a *threeds.DirectoryUnavailableError. The AReq
// is sent once: after a timeout the DS may have processed it.
func (c *Client) SendAReq(ctx context.Context, scheme emv3ds.Scheme, areq *emv3ds.AReq) (*emv3ds.ARes, error) {
	body, err := c.exchange(ctx, scheme, areq)
	if err != nil {
		return nil, err
	}
	if err := peerErro(body); err != nil {
		return nil, err
	}
	ares, err := emv3ds.DecodeARes(body)
	if err != nil {
		var verr *emv3ds.ValidationError
		if errors.As(err, &verr) {
			return nil, &threeds.RejectedMessageError{Erro: emv3ds.NewErro(err, emv3ds.ErrorComponentServer, aresStub(areq))}
		}
		return nil, &threeds.InvalidResponseError{Reason: "ARes could not be decoded"}
	}
	return ares, nil
}

// SendPReq posts a PReq and returns the PRes.
func (c *Client) SendPReq(ctx context.Context, scheme emv3ds.Scheme, preq *emv3ds.PReq) (*emv3ds.PRes, error) {
	body, err := c.exchange(ctx, scheme, preq)
	if err != nil {
		return nil, err
	}
	if err := peerErro(body); err != nil {
		return nil, err
	}
	pres, err := emv3ds.DecodePRes(body)
	if err != nil {
		return nil, &threeds.InvalidResponseError{Reason: "PRes could not be decoded"}
	}
	return pres, nil
}

// SendErro notifies the DS that a message it sent failed validation. It is
// fire-and-forget: one attempt, the outcome only logged by the caller.
func (c *Client) SendErro(ctx context.Context, scheme emv3ds.Scheme, erro *emv3ds.Erro) error {
	_, err := c.exchange(ctx, scheme, erro)
	return err
}

func (c *Client) exchange(ctx context.Context, scheme emv3ds.Scheme, msg any) ([]byte, error) {
	target, err := c.url(scheme)
	if err != nil {
		return nil, err
	}
	payload, err := json.Marshal(msg)
	if err != nil {
		return nil, fmt.Errorf("dsclient: encode message: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(payload))
	if err != nil {
		return nil, &threeds.DirectoryUnavailableError{Cause: "Invalid Directory Server URL"}
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, transportError(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.cfg.MaxResponseBytes+1))
	if err != nil {
		return nil, transportError(err)
	}
	if int64(len(body)) > c.cfg.MaxResponseBytes {
		return nil, &threeds.InvalidResponseError{Reason: "response exceeds the size limit"}
	}
	if resp.StatusCode != http.StatusOK {
		// A DS answers protocol errors as Erro, whatever the status; anything
		// else from a non-200 is the DS (or a proxy in front of it) failing.
		if err := peerErro(body); err != nil {
			return nil, err
		}
		return nil, &threeds.DirectoryUnavailableError{Cause: fmt.Sprintf("Directory Server answered HTTP %d", resp.StatusCode)}
	}
	return body, nil
}

// peerErro returns a *threeds.PeerErroError when body is an Erro message.
func peerErro(body []byte) error {
	var probe struct {
		MessageType string `json:"messageType"`
	}
	if json.Unmarshal(body, &probe) != nil || probe.MessageType != string(emv3ds.MessageTypeErro) {
		return nil
	}
	msg, err := emv3ds.Parse(body)
	if err != nil {
		return &threeds.InvalidResponseError{Reason: "Erro could not be decoded"}
	}
	erro, ok := msg.(*emv3ds.Erro)
	if !ok {
		return &threeds.InvalidResponseError{Reason: "Erro could not be decoded"}
	}
	return &threeds.PeerErroError{Erro: erro}
}

// transportError classifies a failed exchange for the merchant's errorDetail.
func transportError(err error) error {
	var netErr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded),
		errors.As(err, &netErr) && netErr.Timeout():
		return &threeds.DirectoryUnavailableError{Timeout: true, Cause: "Connection timeout"}
	case errors.Is(err, context.Canceled):
		return &threeds.DirectoryUnavailableError{Cause: "Request cancelled"}
	case errors.Is(err, syscall.ECONNREFUSED):
		return &threeds.DirectoryUnavailableError{Cause: "Connection refused"}
	case isTLSError(err):
		return &threeds.DirectoryUnavailableError{Cause: "TLS handshake failed"}
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return &threeds.DirectoryUnavailableError{Cause: "Connection closed by Directory Server"}
	default:
		return &threeds.DirectoryUnavailableError{Cause: "Connection failure"}
	}
}

func isTLSError(err error) bool {
	// With TLS 1.3 a DS refusing our client certificate answers after our
	// side of the handshake: the alert arrives as a "remote error".
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "remote error" {
		return true
	}
	var recordErr tls.RecordHeaderError
	var certErr *tls.CertificateVerificationError
	var alert tls.AlertError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	return errors.As(err, &recordErr) || errors.As(err, &certErr) || errors.As(err, &alert) ||
		errors.As(err, &unknownAuth) || errors.As(err, &hostErr)
}

// aresStub carries the AReq's identifiers so an Erro about an undecodable
// ARes still names the transaction and the version.
func aresStub(areq *emv3ds.AReq) emv3ds.Message {
	return &emv3ds.ARes{
		MessageType:          emv3ds.MessageTypeARes,
		MessageVersion:       areq.MessageVersion,
		ThreeDSServerTransID: areq.ThreeDSServerTransID,
	}
}
