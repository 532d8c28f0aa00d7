package threeds

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/open3ds/server/shared/emv3ds"
)

// SessionTokens issues and verifies threeDSSessionData (shared/session).
type SessionTokens interface {
	Issue(threeDSServerTransID string) (string, error)
	Verify(token string) (threeDSServerTransID string, err error)
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
	// Versions are the protocol versions negotiated, ascending; nil means
	// emv3ds.SupportedVersions. 2.1.0 is opt-in (VERSIONS_ENABLED): a card
	// range whose ACS speaks only 2.1.0 is then not enrolled.
	Versions []emv3ds.Version
	// MerchantCacheTTL, when positive, caches merchant profiles in process
	// for this long (MerchantCache): a merchant change then takes up to
	// this long to apply. Zero reads the store every time.
	MerchantCacheTTL time.Duration
	// SandboxTestCards, sandbox only, lets PANs of 3dsecure.io's sandbox
	// test-card pattern (IsSandboxTestPAN) skip the Luhn check. Production
	// leaves it false and keeps the Luhn rule for every PAN.
	SandboxTestCards bool
}

// deps are the ports and clocks a use case runs with. Each use case's
// constructor (NewPreauthService, NewAuthService, …) fills exactly the ports
// it needs and refuses a nil one, so a wiring mistake fails the cold start,
// never a request.
type deps struct {
	Transactions Store
	Merchants    MerchantStore
	APIKeys      APIKeyStore
	CardRanges   CardRangeStore
	Deliveries   WebhookDeliveryStore
	Directory    Directory
	Sessions     SessionTokens
	PANHasher    PANHasher
	Webhooks     WebhookSender
	Now          func() time.Time
	NewID        func() string
	Sleep        func(ctx context.Context, d time.Duration) error
}

// Option changes a use case's clock, ID generator or sleep (tests).
type Option func(*deps)

// WithClock sets the clock (time.Now by default).
func WithClock(now func() time.Time) Option { return func(d *deps) { d.Now = now } }

// WithIDs sets the generator of new threeDSServerTransIDs (NewUUID by default).
func WithIDs(newID func() string) Option { return func(d *deps) { d.NewID = newID } }

// WithSleep sets how the flows wait between polls of the store (a
// context-aware timer by default).
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(d *deps) { d.Sleep = sleep }
}

// flows runs the 3DS flows: one method per step, dialect-neutral inputs and
// outputs. The exported use cases below wrap it with exactly their ports.
type flows struct {
	d   deps
	cfg ServiceConfig
}

// newFlows fills the defaults. ports names each required port and its value:
// a nil one is a wiring mistake, reported at construction (cold start).
func newFlows(d deps, cfg ServiceConfig, opts []Option, ports ...any) *flows {
	for i := 0; i+1 < len(ports); i += 2 {
		if isNil(ports[i+1]) {
			panic(fmt.Sprintf("threeds: %s is required", ports[i]))
		}
	}
	for _, o := range opts {
		o(&d)
	}
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
	return &flows{d: d, cfg: cfg}
}

func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan:
		return rv.IsNil()
	}
	return false
}

// callbackBase is the base URL of our browser callbacks: the configured
// public URL, else the one the request came in on.
func (s *flows) callbackBase(fromRequest string) string {
	if s.cfg.CallbackBaseURL != "" {
		return s.cfg.CallbackBaseURL
	}
	return strings.TrimRight(fromRequest, "/")
}

func (s *flows) schemeServed(sc emv3ds.Scheme) bool {
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

// fieldError builds a one-field validation failure for merchant input the
// wire validator does not see (an unknown card, a mismatched account).
func fieldError(field, rule string, code emv3ds.ErrorCode, sentinel error) error {
	return &emv3ds.ValidationError{Fields: []emv3ds.FieldError{{Field: field, Rule: rule, Code: code, Err: sentinel}}}
}

// checkURL accepts an absolute http(s) URL of at most max characters.
func checkURL(field, raw string, max int) error {
	if len(raw) > max || !validReturnURL(raw) { // the one http(s) URL rule: URI characters only, a host, no userinfo
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
