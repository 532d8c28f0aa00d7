package stacktest

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"

	"github.com/open3ds/server/shared/dssim"
)

// PKI is a throw-away CA valid for a day with a server certificate for the
// loopback names and a client certificate, written as PEM files to a
// directory. The simulator's own generator (dssim.TLSGenerate) makes it.
type PKI struct {
	CAFile                        string
	ServerCertFile, ServerKeyFile string
	ClientCertFile, ClientKeyFile string
	CAPEM, ClientCert, ClientKey  []byte
	Server                        tls.Certificate
	Pool                          *x509.CertPool // holds the CA
	ClientCN                      string         // the client certificate's common name
}

// NewPKI generates a PKI into dir.
func NewPKI(dir string) (*PKI, error) {
	sim, err := dssim.New(dssim.Config{TLS: dssim.TLSGenerate, CertDir: dir})
	if err != nil {
		return nil, err
	}
	_ = sim.Close() // never started: only its certificates are wanted
	p := &PKI{
		CAFile:         filepath.Join(dir, dssim.CAFileName),
		ServerCertFile: filepath.Join(dir, dssim.ServerFileName),
		ServerKeyFile:  filepath.Join(dir, dssim.ServerKeyFileName),
		ClientCertFile: filepath.Join(dir, dssim.ClientFileName),
		ClientKeyFile:  filepath.Join(dir, dssim.ClientKeyFileName),
		Pool:           x509.NewCertPool(),
	}
	if p.CAPEM, err = os.ReadFile(p.CAFile); err != nil {
		return nil, err
	}
	if !p.Pool.AppendCertsFromPEM(p.CAPEM) {
		return nil, fmt.Errorf("stacktest: no certificate in %s", p.CAFile)
	}
	if p.ClientCert, err = os.ReadFile(p.ClientCertFile); err != nil {
		return nil, err
	}
	if p.ClientKey, err = os.ReadFile(p.ClientKeyFile); err != nil {
		return nil, err
	}
	if p.Server, err = tls.LoadX509KeyPair(p.ServerCertFile, p.ServerKeyFile); err != nil {
		return nil, err
	}
	client, err := tls.X509KeyPair(p.ClientCert, p.ClientKey)
	if err != nil {
		return nil, err
	}
	leaf, err := x509.ParseCertificate(client.Certificate[0])
	if err != nil {
		return nil, err
	}
	p.ClientCN = leaf.Subject.CommonName
	return p, nil
}
