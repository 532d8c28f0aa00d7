package dssim

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"time"
)

// jwsSigner signs acsSignedContent (the app-channel ARes C) with a
// throw-away ES256 key whose self-signed certificate travels in x5c.
type jwsSigner struct {
	key  *ecdsa.PrivateKey
	cert []byte // DER
}

func newJWSSigner() (*jwsSigner, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate ACS signing key: %w", err)
	}
	now := time.Now()
	t := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "dssim ACS signing", Organization: []string{"open3ds dssim"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, t, t, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("create ACS signing certificate: %w", err)
	}
	return &jwsSigner{key: key, cert: der}, nil
}

// ephemeralJWK returns a fresh P-256 public key as a JWK object (the ACS
// ephemeral key the SDK would use for ECDH-ES).
func ephemeralJWK() (map[string]string, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	raw, err := k.PublicKey.ECDH()
	if err != nil {
		return nil, err
	}
	b := raw.Bytes() // 0x04 || X || Y
	return map[string]string{
		"kty": "EC", "crv": "P-256",
		"x": base64.RawURLEncoding.EncodeToString(b[1:33]),
		"y": base64.RawURLEncoding.EncodeToString(b[33:]),
	}, nil
}

// sign returns the compact JWS of payload.
func (j *jwsSigner) sign(payload any) (string, error) {
	hdr, err := json.Marshal(map[string]any{"alg": "ES256", "x5c": []string{base64.StdEncoding.EncodeToString(j.cert)}})
	if err != nil {
		return "", err
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return "", err
	}
	input := base64.RawURLEncoding.EncodeToString(hdr) + "." + base64.RawURLEncoding.EncodeToString(body)
	sum := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, j.key, sum[:])
	if err != nil {
		return "", err
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// verifyJWS checks a compact ES256 JWS made by sign (tests and debugging).
func verifyJWS(token string, pub *ecdsa.PublicKey) ([]byte, error) {
	var parts [3]string
	n := 0
	start := 0
	for i := 0; i <= len(token); i++ {
		if i == len(token) || token[i] == '.' {
			if n == 3 {
				return nil, fmt.Errorf("jws: too many parts")
			}
			parts[n] = token[start:i]
			n++
			start = i + 1
		}
	}
	if n != 3 {
		return nil, fmt.Errorf("jws: want 3 parts, got %d", n)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return nil, fmt.Errorf("jws: bad signature encoding")
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(pub, sum[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return nil, fmt.Errorf("jws: signature does not verify")
	}
	return base64.RawURLEncoding.DecodeString(parts[1])
}
