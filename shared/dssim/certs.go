package dssim

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// Names of the PEM files written to Config.CertDir in TLSGenerate mode.
const (
	CAFileName        = "ca.pem"
	CAKeyFileName     = "ca-key.pem"
	ServerFileName    = "server.pem"
	ServerKeyFileName = "server-key.pem"
	ClientFileName    = "client.pem"
	ClientKeyFileName = "client-key.pem"
)

// pki is the key material of a TLS-enabled simulator.
type pki struct {
	caCerts []*x509.Certificate
	caPool  *x509.CertPool
	server  tls.Certificate  // also the DS's client certificate for RReqs
	client  *tls.Certificate // for the 3DS Server; nil when loaded from files
}

// generatePKI makes a throw-away CA valid for a day, a server certificate for
// the loopback names (plus extraHost) and a client certificate, and writes
// them as PEM to dir when dir is not empty.
func generatePKI(dir, extraHost string) (*pki, error) {
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate CA key: %w", err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "dssim throw-away CA", Organization: []string{"open3ds dssim"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("create CA certificate: %w", err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, fmt.Errorf("parse CA certificate: %w", err)
	}

	leaf := func(cn string, server bool) ([]byte, *ecdsa.PrivateKey, error) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, nil, err
		}
		t := &x509.Certificate{
			SerialNumber: serial(),
			Subject:      pkix.Name{CommonName: cn, Organization: []string{"open3ds dssim"}},
			NotBefore:    now.Add(-time.Hour),
			NotAfter:     now.Add(24 * time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		}
		if server {
			// The DS presents the same certificate as a client when it posts RReqs.
			t.ExtKeyUsage = append(t.ExtKeyUsage, x509.ExtKeyUsageServerAuth)
			t.DNSNames = []string{"localhost"}
			t.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
			if extraHost != "" {
				if ip := net.ParseIP(extraHost); ip != nil {
					t.IPAddresses = append(t.IPAddresses, ip)
				} else {
					t.DNSNames = append(t.DNSNames, extraHost)
				}
			}
		}
		der, err := x509.CreateCertificate(rand.Reader, t, caCert, &key.PublicKey, caKey)
		return der, key, err
	}
	srvDER, srvKey, err := leaf("dssim directory server", true)
	if err != nil {
		return nil, fmt.Errorf("create server certificate: %w", err)
	}
	cliDER, cliKey, err := leaf("dssim 3DS Server client", false)
	if err != nil {
		return nil, fmt.Errorf("create client certificate: %w", err)
	}

	caPEM := pemBlock("CERTIFICATE", caDER)
	files := map[string][]byte{CAFileName: caPEM}
	var pairs [2]tls.Certificate
	for i, p := range []struct {
		der       []byte
		key       *ecdsa.PrivateKey
		cert, prv string
	}{{srvDER, srvKey, ServerFileName, ServerKeyFileName}, {cliDER, cliKey, ClientFileName, ClientKeyFileName}} {
		keyDER, err := x509.MarshalECPrivateKey(p.key)
		if err != nil {
			return nil, fmt.Errorf("marshal key: %w", err)
		}
		certPEM := append(pemBlock("CERTIFICATE", p.der), caPEM...)
		keyPEM := pemBlock("EC PRIVATE KEY", keyDER)
		if pairs[i], err = tls.X509KeyPair(certPEM, keyPEM); err != nil {
			return nil, fmt.Errorf("key pair: %w", err)
		}
		files[p.cert], files[p.prv] = certPEM, keyPEM
	}
	caKeyDER, err := x509.MarshalECPrivateKey(caKey)
	if err != nil {
		return nil, fmt.Errorf("marshal CA key: %w", err)
	}
	// The CA key lets a local 3DS Server issue itself a certificate the
	// simulator trusts for its RReq endpoint; the CA dies with the run.
	files[CAKeyFileName] = pemBlock("EC PRIVATE KEY", caKeyDER)

	if dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create cert dir: %w", err)
		}
		for name, b := range files {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
				return nil, fmt.Errorf("write %s: %w", name, err)
			}
		}
	}
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	return &pki{caCerts: []*x509.Certificate{caCert}, caPool: pool, server: pairs[0], client: &pairs[1]}, nil
}

// loadPKI reads the CA and the server key pair from PEM files.
func loadPKI(caFile, certFile, keyFile string) (*pki, error) {
	caPEM, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("read CA file: %w", err)
	}
	pool := x509.NewCertPool()
	var cas []*x509.Certificate
	for rest := caPEM; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse CA file: %w", err)
		}
		cas = append(cas, c)
		pool.AddCert(c)
	}
	if len(cas) == 0 {
		return nil, errors.New("CA file holds no PEM certificate")
	}
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("load server key pair: %w", err)
	}
	return &pki{caCerts: cas, caPool: pool, server: pair}, nil
}

// serverTLS requires and verifies client certificates, as a DS does.
func (p *pki) serverTLS() *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{p.server},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    p.caPool,
	}
}

// clientTLS is what a 3DS Server needs to talk to the simulator.
func (p *pki) clientTLS() *tls.Config {
	c := &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: p.caPool}
	if p.client != nil {
		c.Certificates = []tls.Certificate{*p.client}
	}
	return c
}

// rreqTLS is what the DS uses to post RReqs: its own certificate as the
// client certificate, trusting the system roots and the simulator's CA.
func (p *pki) rreqTLS() *tls.Config {
	roots, err := x509.SystemCertPool()
	if err != nil || roots == nil {
		roots = x509.NewCertPool()
	}
	for _, c := range p.caCerts {
		roots.AddCert(c)
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots, Certificates: []tls.Certificate{p.server}}
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
	if err != nil {
		return big.NewInt(time.Now().UnixNano())
	}
	return n
}
