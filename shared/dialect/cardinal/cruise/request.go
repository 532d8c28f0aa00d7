package cruise

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	// MaxLifetime caps a request JWT's life: the effective expiry is
	// min(exp, iat + MaxLifetime).
	MaxLifetime = 4 * time.Hour
	// Skew is the clock skew tolerated on iat and the expiry.
	Skew = 5 * time.Minute
	// Alg is the only signing algorithm accepted or produced.
	Alg = "HS256"
	// maxClaimLen bounds the identifiers (jti, iss, OrgUnitId, ReferenceId).
	maxClaimLen = 128
)

// ClaimError is a refused JWT: Claim names what was wrong ("alg",
// "signature", "jti", "iat", "exp", "iss", "OrgUnitId", "Payload", …).
type ClaimError struct {
	Claim  string
	Reason string
}

func (e *ClaimError) Error() string { return "JWT " + e.Claim + ": " + e.Reason }

func claimErr(claim, reason string) error { return &ClaimError{Claim: claim, Reason: reason} }

// OrderDetails is Payload.OrderDetails: the order the AReq is sent for.
// Amount is in minor units and CurrencyCode numeric (ISO 4217), both as
// strings or numbers on the wire.
type OrderDetails struct {
	OrderNumber   string      `json:"OrderNumber,omitempty"`
	Amount        json.Number `json:"Amount,omitempty"`
	CurrencyCode  json.Number `json:"CurrencyCode,omitempty"`
	TransactionId string      `json:"TransactionId,omitempty"`
}

// UnmarshalJSON accepts Amount and CurrencyCode as strings or numbers.
func (o *OrderDetails) UnmarshalJSON(b []byte) error {
	var raw struct {
		OrderNumber   string          `json:"OrderNumber"`
		Amount        json.RawMessage `json:"Amount"`
		CurrencyCode  json.RawMessage `json:"CurrencyCode"`
		TransactionId string          `json:"TransactionId"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	o.OrderNumber, o.TransactionId = raw.OrderNumber, raw.TransactionId
	var err error
	if o.Amount, err = numberOrString(raw.Amount); err != nil {
		return fmt.Errorf("amount: %w", err)
	}
	if o.CurrencyCode, err = numberOrString(raw.CurrencyCode); err != nil {
		return fmt.Errorf("currency code: %w", err)
	}
	return nil
}

func numberOrString(raw json.RawMessage) (json.Number, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", err
		}
	} else {
		s = string(raw)
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return "", errors.New("must be digits")
		}
	}
	return json.Number(s), nil
}

// RequestPayload is the request JWT's Payload: usually the order.
type RequestPayload struct {
	OrderDetails OrderDetails    `json:"OrderDetails"`
	Consumer     json.RawMessage `json:"Consumer,omitempty"`
}

// Request is a verified request JWT.
type Request struct {
	JTI         string
	Issuer      string // the API identifier
	OrgUnitID   string
	ReferenceID string
	ConfirmURL  string
	IssuedAt    time.Time
	// ExpiresAt is the effective expiry, min(exp, iat + MaxLifetime).
	ExpiresAt time.Time
	// Objectify is ObjectifyPayload: the Payload was an object (and the
	// response's Payload is one too), else a JSON string.
	Objectify bool
	Payload   RequestPayload
	// KeyIndex is the index in Credential.Keys of the key that verified.
	KeyIndex int
}

// Credential is what ParseRequest needs of the issuer: its OrgUnitId and
// the API Keys that currently verify (the current one first, then the
// previous one during a rotation's overlap).
type Credential struct {
	OrgUnitID string
	Keys      [][]byte
}

// Lookup returns the credential of an API identifier; an error means the
// issuer is unknown.
type Lookup func(iss string) (Credential, error)

func parser() *jwt.Parser {
	return jwt.NewParser(jwt.WithValidMethods([]string{Alg}), jwt.WithoutClaimsValidation(), jwt.WithJSONNumber())
}

// ParseRequest verifies a request JWT at time now: HS256 under one of the
// issuer's keys, then every claim. The replay check of jti is the caller's
// (it needs storage).
func ParseRequest(token string, lookup Lookup, now time.Time) (*Request, error) {
	token = strings.TrimSpace(token)
	if token == "" {
		return nil, claimErr("JWT", "is required")
	}
	unverified, _, err := jwt.NewParser(jwt.WithJSONNumber()).ParseUnverified(token, jwt.MapClaims{})
	if err != nil {
		return nil, claimErr("JWT", "is not a compact JWS")
	}
	if alg, _ := unverified.Header["alg"].(string); alg != Alg {
		return nil, claimErr("alg", "must be HS256")
	}
	uc := unverified.Claims.(jwt.MapClaims)
	iss, err := requiredString(uc, "iss")
	if err != nil {
		return nil, err
	}
	cred, err := lookup(iss)
	if err != nil || len(cred.Keys) == 0 {
		return nil, claimErr("iss", "is not a known API identifier")
	}
	var claims jwt.MapClaims
	index := 0
	for i, k := range cred.Keys {
		key := k
		c := jwt.MapClaims{}
		t, err := parser().ParseWithClaims(token, c, func(*jwt.Token) (any, error) { return key, nil })
		if err == nil && t.Valid {
			claims, index = c, i
			break
		}
		if errors.Is(err, jwt.ErrTokenSignatureInvalid) {
			continue
		}
		if err != nil {
			return nil, claimErr("alg", "must be HS256")
		}
	}
	if claims == nil {
		return nil, claimErr("signature", "does not verify with the API Key of iss")
	}
	r, err := requestClaims(claims, iss, cred.OrgUnitID, now)
	if err != nil {
		return nil, err
	}
	r.KeyIndex = index
	return r, nil
}

func requestClaims(c jwt.MapClaims, iss, orgUnit string, now time.Time) (*Request, error) {
	r := &Request{Issuer: iss}
	var err error
	if r.JTI, err = requiredString(c, "jti"); err != nil {
		return nil, err
	}
	if r.IssuedAt, err = epochClaim(c, "iat", true); err != nil {
		return nil, err
	}
	if r.IssuedAt.After(now.Add(Skew)) {
		return nil, claimErr("iat", "is in the future")
	}
	exp, err := epochClaim(c, "exp", false)
	if err != nil {
		return nil, err
	}
	r.ExpiresAt = r.IssuedAt.Add(MaxLifetime)
	expClaim := "iat"
	if !exp.IsZero() && exp.Before(r.ExpiresAt) {
		r.ExpiresAt, expClaim = exp, "exp"
	}
	if now.After(r.ExpiresAt.Add(Skew)) {
		if expClaim == "exp" {
			return nil, claimErr("exp", "has passed")
		}
		return nil, claimErr("iat", "is more than 4 hours old")
	}
	if r.OrgUnitID, err = requiredString(c, "OrgUnitId"); err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(r.OrgUnitID), []byte(orgUnit)) != 1 {
		return nil, claimErr("OrgUnitId", "is not the OrgUnitId of iss")
	}
	if r.ReferenceID, err = requiredString(c, "ReferenceId"); err != nil {
		return nil, err
	}
	if v, ok := c["ConfirmUrl"]; ok && v != nil {
		s, ok := v.(string)
		if !ok || len(s) > 2048 {
			return nil, claimErr("ConfirmUrl", "must be a URL string")
		}
		r.ConfirmURL = s
	}
	if v, ok := c["ObjectifyPayload"]; ok && v != nil {
		b, ok := v.(bool)
		if !ok {
			return nil, claimErr("ObjectifyPayload", "must be a boolean")
		}
		r.Objectify = b
	}
	raw, ok := c["Payload"]
	if !ok || raw == nil {
		return nil, claimErr("Payload", "is required")
	}
	var body []byte
	if r.Objectify {
		if _, ok := raw.(map[string]any); !ok {
			return nil, claimErr("Payload", "must be an object when ObjectifyPayload is true")
		}
		body, _ = json.Marshal(raw)
	} else {
		s, ok := raw.(string)
		if !ok {
			return nil, claimErr("Payload", "must be a JSON string when ObjectifyPayload is not true")
		}
		body = []byte(s)
	}
	if err := json.Unmarshal(body, &r.Payload); err != nil {
		return nil, claimErr("Payload", "must be a JSON object with OrderDetails")
	}
	return r, nil
}

func requiredString(c jwt.MapClaims, name string) (string, error) {
	v, ok := c[name]
	if !ok || v == nil {
		return "", claimErr(name, "is required")
	}
	s, ok := v.(string)
	if !ok {
		return "", claimErr(name, "must be a string")
	}
	if s == "" {
		return "", claimErr(name, "is required")
	}
	if len(s) > maxClaimLen {
		return "", claimErr(name, "is too long")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return "", claimErr(name, "must be printable ASCII")
		}
	}
	return s, nil
}

func epochClaim(c jwt.MapClaims, name string, required bool) (time.Time, error) {
	v, ok := c[name]
	if !ok || v == nil {
		if required {
			return time.Time{}, claimErr(name, "is required")
		}
		return time.Time{}, nil
	}
	n, ok := v.(json.Number)
	if !ok {
		return time.Time{}, claimErr(name, "must be a number of seconds")
	}
	secs, err := n.Int64()
	if err != nil {
		f, ferr := n.Float64()
		if ferr != nil {
			return time.Time{}, claimErr(name, "must be a number of seconds")
		}
		secs = int64(f)
	}
	if secs <= 0 {
		return time.Time{}, claimErr(name, "must be a positive number of seconds")
	}
	return time.Unix(secs, 0).UTC(), nil
}

// RequestInput is what NewRequest signs.
type RequestInput struct {
	JTI, APIID, OrgUnitID, ReferenceID, ConfirmURL string
	IssuedAt                                       time.Time
	// ExpiresAt, when set, is the exp claim.
	ExpiresAt time.Time
	Objectify bool
	Payload   RequestPayload
}

// NewRequest signs a request JWT as a merchant's server does (for tests,
// the walkthrough and threedsctl cardinal jwt).
func NewRequest(in RequestInput, apiKey []byte) (string, error) {
	payload, err := json.Marshal(in.Payload)
	if err != nil {
		return "", err
	}
	c := jwt.MapClaims{"jti": in.JTI, "iat": in.IssuedAt.Unix(), "iss": in.APIID, "OrgUnitId": in.OrgUnitID,
		"ReferenceId": in.ReferenceID, "ObjectifyPayload": in.Objectify}
	if in.Objectify {
		c["Payload"] = json.RawMessage(payload)
	} else {
		c["Payload"] = string(payload)
	}
	if !in.ExpiresAt.IsZero() {
		c["exp"] = in.ExpiresAt.Unix()
	}
	if in.ConfirmURL != "" {
		c["ConfirmUrl"] = in.ConfirmURL
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(apiKey)
}
