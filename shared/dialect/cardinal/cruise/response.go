package cruise

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Action codes of a response JWT.
const (
	ActionSuccess  = "SUCCESS"  // authenticated: Y, A
	ActionNoAction = "NOACTION" // no authentication happened: not enrolled, U, I
	ActionFailure  = "FAILURE"  // N, R, cancelled
	ActionError    = "ERROR"    // protocol or system error, ErrorNumber != 0
)

// ResponseLifetime is the response JWT's exp - iat.
const ResponseLifetime = 2 * time.Hour

// ExtendedData is Payload.Payment.ExtendedData, from the ARes or RReq the
// server validated.
type ExtendedData struct {
	CAVV                  string `json:"CAVV,omitempty"`
	ECIFlag               string `json:"ECIFlag,omitempty"`
	PAResStatus           string `json:"PAResStatus,omitempty"`
	SignatureVerification string `json:"SignatureVerification,omitempty"`
	XID                   string `json:"XID,omitempty"`
	Enrolled              string `json:"Enrolled,omitempty"`
	ThreeDSVersion        string `json:"ThreeDSVersion,omitempty"`
	DSTransactionId       string `json:"DSTransactionId,omitempty"`
}

// Payment is Payload.Payment.
type Payment struct {
	Type                   string       `json:"Type"`
	ProcessorTransactionId string       `json:"ProcessorTransactionId,omitempty"`
	ExtendedData           ExtendedData `json:"ExtendedData"`
}

// ResponsePayload is the response JWT's Payload, the first argument of
// payments.validated.
type ResponsePayload struct {
	Validated        bool    `json:"Validated"`
	Payment          Payment `json:"Payment"`
	ActionCode       string  `json:"ActionCode"`
	ErrorNumber      int     `json:"ErrorNumber"`
	ErrorDescription string  `json:"ErrorDescription"`
}

// Response is a response JWT.
type Response struct {
	Issuer            string // the request's iss
	JTI               string // new
	Audience          string // the request's jti
	ConsumerSessionID string
	IssuedAt          time.Time
	ExpiresAt         time.Time
	Objectify         bool // Payload as an object, else a JSON string
	Payload           ResponsePayload
}

// SignResponse signs r with the merchant's API Key (HS256).
func SignResponse(r Response, apiKey []byte) (string, error) {
	payload, err := json.Marshal(r.Payload)
	if err != nil {
		return "", err
	}
	c := jwt.MapClaims{"iss": r.Issuer, "iat": r.IssuedAt.Unix(), "exp": r.ExpiresAt.Unix(), "jti": r.JTI,
		"aud": r.Audience, "ConsumerSessionId": r.ConsumerSessionID}
	if r.Objectify {
		c["Payload"] = json.RawMessage(payload)
	} else {
		c["Payload"] = string(payload)
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(apiKey)
}

// VerifyResponse is the merchant's check of a response JWT: HS256 under
// apiKey, aud = wantAud (the jti of the merchant's request JWT; skipped
// when empty), not expired at now (Skew tolerated), and a Payload object
// or JSON string of the documented shape.
func VerifyResponse(token string, apiKey []byte, wantAud string, now time.Time) (*Response, error) {
	unverified, _, err := jwt.NewParser().ParseUnverified(token, jwt.MapClaims{})
	if err != nil {
		return nil, claimErr("JWT", "is not a compact JWS")
	}
	if alg, _ := unverified.Header["alg"].(string); alg != Alg {
		return nil, claimErr("alg", "must be HS256")
	}
	c := jwt.MapClaims{}
	_, err = parser().ParseWithClaims(token, c, func(*jwt.Token) (any, error) { return apiKey, nil })
	switch {
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return nil, claimErr("signature", "does not verify with the API Key")
	case err != nil:
		return nil, claimErr("JWT", "is not a valid HS256 JWS")
	}
	r := &Response{}
	if r.Issuer, err = requiredString(c, "iss"); err != nil {
		return nil, err
	}
	if r.JTI, err = requiredString(c, "jti"); err != nil {
		return nil, err
	}
	if r.Audience, err = requiredString(c, "aud"); err != nil {
		return nil, err
	}
	if wantAud != "" && r.Audience != wantAud {
		return nil, claimErr("aud", "is not the jti of your request JWT")
	}
	if r.IssuedAt, err = epochClaim(c, "iat", true); err != nil {
		return nil, err
	}
	if r.ExpiresAt, err = epochClaim(c, "exp", true); err != nil {
		return nil, err
	}
	if now.After(r.ExpiresAt.Add(Skew)) {
		return nil, claimErr("exp", "has passed")
	}
	if s, ok := c["ConsumerSessionId"].(string); ok {
		r.ConsumerSessionID = s
	}
	var body []byte
	switch p := c["Payload"].(type) {
	case map[string]any:
		r.Objectify = true
		body, _ = json.Marshal(p)
	case string:
		body = []byte(p)
	default:
		return nil, claimErr("Payload", "is required (an object or a JSON string)")
	}
	if err := json.Unmarshal(body, &r.Payload); err != nil {
		return nil, claimErr("Payload", "is not the response payload")
	}
	return r, nil
}
