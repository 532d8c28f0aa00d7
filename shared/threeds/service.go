package threeds

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/open3ds/server/shared/emv3ds"
)

// SessionTokens issues and verifies threeDSSessionData (shared/session).
type SessionTokens interface {
	Issue(threeDSServerTransID string) (string, error)
	Verify(token string) (threeDSServerTransID string, err error)
}

// WebhookSender posts a signed webhook event to a merchant (an HTTP client
// adapter); it returns the receiver's HTTP status.
type WebhookSender interface {
	Post(ctx context.Context, url string, body []byte, headers map[string]string) (status int, err error)
}

// ServiceConfig is what the flows need to know about this deployment.
type ServiceConfig struct {
	// ServerRefNumber is the EMVCo-assigned threeDSServerRefNumber.
	ServerRefNumber string
	// ServerOperatorID is the DS-assigned threeDSServerOperatorID (optional).
	ServerOperatorID string
	// ResultsURL is the threeDSServerURL put in every AReq: where the DS
	// delivers RReqs (the results API's /ds/results).
	ResultsURL string
	// CallbackBaseURL is the public base of the browser callbacks
	// (/callbacks/method and /callbacks/challenge), without trailing slash.
	CallbackBaseURL string
	Retention       Retention
	// ResultWait is how long the challenge callback waits for the RReq when
	// the browser brings the CRes first (the ACS normally sends it before).
	ResultWait time.Duration
	// ErroNotifyTimeout bounds the fire-and-forget Erro sent to the DS
	// about an invalid ARes.
	ErroNotifyTimeout time.Duration
	// Schemes served; nil serves every scheme.
	Schemes []emv3ds.Scheme
	// MerchantCacheTTL, when positive, caches merchant profiles in process
	// for this long (MerchantCache): a merchant change then takes up to
	// this long to apply. Zero reads the store every time.
	MerchantCacheTTL time.Duration
}

// Deps are the ports the Service uses. A function wires only the ones its
// steps need; a step whose port is missing fails with ErrNotConfigured.
type Deps struct {
	Transactions Store
	Merchants    MerchantStore
	APIKeys      APIKeyStore
	CardRanges   CardRangeStore
	Deliveries   WebhookDeliveryStore
	Directory    Directory
	Sessions     SessionTokens
	PANHasher    PANHasher
	Webhooks     WebhookSender
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// NewID returns a fresh UUIDv4; a crypto/rand generator when nil.
	NewID func() string
	// Sleep waits between polls of the store; a context-aware timer when nil.
	Sleep func(ctx context.Context, d time.Duration) error
}

// ErrNotConfigured means the function calling a step did not wire its ports.
var ErrNotConfigured = errors.New("service step not configured")

// Service runs the 3DS flows: one method per step, dialect-neutral inputs
// and outputs. The merchant API (functions/*), and later other dialects,
// translate their wire shapes to these.
type Service struct {
	d   Deps
	cfg ServiceConfig
}

// NewService returns a Service with defaults filled in.
func NewService(d Deps, cfg ServiceConfig) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.NewID == nil {
		d.NewID = NewUUID
	}
	if d.Sleep == nil {
		d.Sleep = sleepCtx
	}
	if cfg.Retention == (Retention{}) {
		cfg.Retention = DefaultRetention()
	}
	if cfg.ResultWait <= 0 {
		cfg.ResultWait = 3 * time.Second
	}
	if cfg.ErroNotifyTimeout <= 0 {
		cfg.ErroNotifyTimeout = 2 * time.Second
	}
	cfg.CallbackBaseURL = strings.TrimRight(cfg.CallbackBaseURL, "/")
	if cfg.MerchantCacheTTL > 0 && d.Merchants != nil {
		d.Merchants = NewMerchantCache(d.Merchants, cfg.MerchantCacheTTL, d.Now)
	}
	return &Service{d: d, cfg: cfg}
}

// callbackBase is the base URL of our browser callbacks: the configured
// public URL, else the one the request came in on.
func (s *Service) callbackBase(fromRequest string) string {
	if s.cfg.CallbackBaseURL != "" {
		return s.cfg.CallbackBaseURL
	}
	return strings.TrimRight(fromRequest, "/")
}

func (s *Service) schemeServed(sc emv3ds.Scheme) bool {
	if len(s.cfg.Schemes) == 0 {
		return true
	}
	for _, x := range s.cfg.Schemes {
		if x == sc {
			return true
		}
	}
	return false
}

// NewUUID returns a random (version 4) UUID in canonical form.
func NewUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err)) // the OS has no randomness: nothing safe can continue
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// fieldError builds a one-field validation failure for merchant input the
// wire validator does not see (an unknown card, a mismatched account).
func fieldError(field, rule string, code emv3ds.ErrorCode, sentinel error) error {
	return &emv3ds.ValidationError{Fields: []emv3ds.FieldError{{Field: field, Rule: rule, Code: code, Err: sentinel}}}
}

// checkURL accepts an absolute http(s) URL of at most max characters.
func checkURL(field, raw string, max int) error {
	u, err := url.Parse(raw)
	if len(raw) > max || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fieldError(field, fmt.Sprintf("must be an absolute http(s) URL of at most %d characters", max), emv3ds.ErrorCodeInvalidFormat, emv3ds.ErrFormat)
	}
	return nil
}

// EqualHash compares two hex hashes in constant time.
func EqualHash(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

func jsonRaw(v any) (json.RawMessage, error) {
	b, err := json.Marshal(v)
	return json.RawMessage(b), err
}
